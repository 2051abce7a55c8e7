"""Workbench accounts and login sessions (argon2id password hashes, hashed tokens)."""

from __future__ import annotations

import builtins
import contextlib
import functools
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from qa_pipeline.review.errors import ForbiddenError, InvalidInputError, NotFoundError
from qa_pipeline.review.permissions import ROLES, Permission, permissions_of
from qa_pipeline.store.workbench import inspector_teams, users, web_sessions

__all__ = ["ROLES", "SESSION_HOURS", "User", "UserStore"]

#: What the e-mail hook accepts as an address (one @, a dot in the domain, no spaces).
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

#: A login session lasts this long (then the user signs in again).
SESSION_HOURS = 12.0


def _now() -> datetime:
    return datetime.now(UTC)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _token_hash(token: str) -> str:
    # only a hash of the cookie is stored: a copy of the database cannot sign anyone in
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    """A workbench account."""

    id: int
    name: str
    role: str
    agent_id: str | None
    disabled: bool

    @property
    def permissions(self) -> frozenset[Permission]:
        """What the user's role may do (``ROLE_PERMISSIONS``)."""
        return permissions_of(self.role)

    def can(self, permission: Permission) -> bool:
        """Whether the user's role has ``permission``."""
        return permission in permissions_of(self.role)

    def need(self, permission: Permission, what: str | None = None) -> None:
        """Refuse unless the user's role has ``permission``.

        Args:
            permission: The permission the action needs.
            what: The refusal's message (default: names the role and the permission).

        Raises:
            ForbiddenError: the role lacks ``permission``.
        """
        if not self.can(permission):
            raise ForbiddenError(
                what or f"this is not open to the {self.role} role", "role", role=self.role
            )

    @property
    def sees_all_calls(self) -> bool:
        """Whether every agent's calls are open to the user (else only their own)."""
        return self.can(Permission.VIEW_ALL_CALLS)


def _user(row: Any) -> User:
    return User(row.id, row.name, row.role, row.agent_id, bool(row.disabled))


class UserStore:
    """Accounts and sessions on a :class:`qa_pipeline.store.Store`."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def add(self, name: str, password: str, role: str, agent_id: str | None = None) -> User:
        """Create an account.

        Raises:
            InvalidInputError: unknown role, empty name, short password, an agent without
                an agent id, or a name already taken.
        """
        name = name.strip()
        if not name or len(name) > 128:
            raise InvalidInputError("a user name must be 1 to 128 characters", "user_name")
        if role not in ROLES:
            raise InvalidInputError(
                f"unknown role {role!r} (use {', '.join(ROLES)})", "unknown_role", role=role
            )
        if role == "agent" and not agent_id:
            raise InvalidInputError(
                "an agent account needs --agent-id (the agent's id in calls)", "agent_needs_id"
            )
        if len(password) < 8:
            raise InvalidInputError("a password needs at least 8 characters", "short_password")
        values = {
            "name": name,
            "password_hash": _hasher().hash(password),
            "role": role,
            "agent_id": agent_id or None,
            "disabled": False,
            "created_at": _now(),
        }
        with self.store._write("add a user") as conn:
            if conn.execute(select(users.c.id).where(users.c.name == name)).first():
                raise InvalidInputError(f"user {name!r} already exists", "user_exists", name=name)
            uid = conn.execute(insert(users).returning(users.c.id), values).scalar_one()
        return User(int(uid), name, role, agent_id or None, False)

    def list(self) -> list[User]:
        """Every account, by name."""
        with self.store._read("list users") as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

    def get(self, user_id: int) -> User | None:
        """The account with this id, else ``None``.

        Args:
            user_id: The account's id.

        Returns:
            The user, disabled or not; ``None`` if there is none.
        """
        with self.store._read("read a user") as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def names(self) -> dict[int, str]:
        """Every account's name by id (to name reviewers on pages)."""
        with self.store._read("list users") as conn:
            return {r.id: r.name for r in conn.execute(select(users.c.id, users.c.name))}

    def disable(self, name: str) -> None:
        """Disable an account and end its sessions at once.

        Raises:
            NotFoundError: no such user.
        """
        with self.store._write("disable a user") as conn:
            row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"no user named {name!r}", "no_user", name=name)
            # sessions are kept (and refused) so the browser can be told why it was let go
            conn.execute(update(users).where(users.c.id == row.id).values(disabled=True))

    def _id_of(self, conn: Any, name: str) -> int:
        """The id of the account ``name``.

        Raises:
            NotFoundError: no such user.
        """
        row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r}", "no_user", name=name)
        return int(row.id)

    def enable(self, name: str) -> None:
        """Enable a disabled account (it signs in again with its password).

        Args:
            name: The account.

        Raises:
            NotFoundError: no such user.
        """
        with self.store._write("enable a user") as conn:
            uid = self._id_of(conn, name)
            conn.execute(update(users).where(users.c.id == uid).values(disabled=False))

    def reset_password(self, name: str, password: str) -> None:
        """Set a new password; the account's open sessions end.

        Args:
            name: The account.
            password: The new password (at least 8 characters), stored as argon2id.

        Raises:
            NotFoundError: no such user.  InvalidInputError: a short password.
        """
        if len(password) < 8:
            raise InvalidInputError("a password needs at least 8 characters", "short_password")
        with self.store._write("reset a password") as conn:
            uid = self._id_of(conn, name)
            conn.execute(
                update(users)
                .where(users.c.id == uid)
                .values(password_hash=_hasher().hash(password))
            )
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == uid))

    def set_email(self, name: str, email: str | None) -> None:
        """Set (or clear, with ``None`` or ``""``) the address the e-mail hook writes to.

        Args:
            name: The account.
            email: An address such as ``li@example.org``.

        Raises:
            NotFoundError: no such user.  InvalidInputError: not an address.
        """
        email = (email or "").strip() or None
        if email is not None and (len(email) > 256 or not _EMAIL.fullmatch(email)):
            raise InvalidInputError(f"{email!r} is not an e-mail address", "bad_email")
        with self.store._write("set an e-mail address") as conn:
            uid = self._id_of(conn, name)
            conn.execute(update(users).where(users.c.id == uid).values(email=email))

    def set_teams(self, name: str, teams: Sequence[str]) -> None:
        """Set the teams whose queue items go to this inspector (none: any team's).

        Args:
            name: The inspector's account.
            teams: Team names as in the calls' ``team``; empty clears the mapping.

        Raises:
            NotFoundError: no such user.  InvalidInputError: not an inspector.
        """
        wanted = sorted({t.strip() for t in teams if t.strip()})
        with self.store._write("set an inspector's teams") as conn:
            uid = self._id_of(conn, name)
            role = conn.execute(select(users.c.role).where(users.c.id == uid)).scalar_one()
            if wanted and role != "inspector":
                raise InvalidInputError(f"{name} is not an inspector ({role})")
            conn.execute(delete(inspector_teams).where(inspector_teams.c.user_id == uid))
            for team in wanted:
                conn.execute(insert(inspector_teams), {"user_id": uid, "team": team})

    def teams(self) -> dict[str, builtins.list[str]]:
        """Each inspector's teams, by account name (only those that have some)."""
        q = (
            select(users.c.name, inspector_teams.c.team)
            .select_from(inspector_teams.join(users, users.c.id == inspector_teams.c.user_id))
            .order_by(users.c.name, inspector_teams.c.team)
        )
        out: dict[str, builtins.list[str]] = {}
        with self.store._read("list inspectors' teams") as conn:
            for name, team in conn.execute(q):
                out.setdefault(name, []).append(team)
        return out

    def set_role(self, name: str, role: str, agent_id: str | None = None) -> User:
        """Change an account's role (and agent id); it applies on the next request.

        Args:
            name: The account.
            role: The new role.
            agent_id: The agent's id in calls (required for ``agent``; kept if omitted).

        Returns:
            The account as changed.

        Raises:
            NotFoundError: no such user.  InvalidInputError: unknown role, or an agent
            without an agent id.
        """
        if role not in ROLES:
            raise InvalidInputError(
                f"unknown role {role!r} (use {', '.join(ROLES)})", "unknown_role", role=role
            )
        with self.store._write("change a role") as conn:
            uid = self._id_of(conn, name)
            row = conn.execute(select(users).where(users.c.id == uid)).one()
            agent = agent_id or row.agent_id
            if role == "agent" and not agent:
                raise InvalidInputError("an agent account needs --agent-id", "agent_needs_id")
            conn.execute(update(users).where(users.c.id == uid).values(role=role, agent_id=agent))
            return User(uid, row.name, role, agent, bool(row.disabled))

    def authenticate(self, name: str, password: str) -> User | None:
        """The enabled user with this name and password, else ``None``."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store._read("read a user") as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        hasher = _hasher()
        if row is None:
            # spend the same time as a real check, so names cannot be probed by timing
            with contextlib.suppress(VerificationError, InvalidHashError):
                hasher.verify(_dummy_hash(), password)
            return None
        try:
            hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row.disabled:
            return None
        return _user(row)

    def start_session(self, user: User, hours: float = SESSION_HOURS) -> tuple[str, str]:
        """A new session for ``user``: ``(cookie token, CSRF token)``."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = _now()
        with self.store._write("start a session") as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
            conn.execute(
                insert(web_sessions),
                {
                    "token_hash": _token_hash(token),
                    "user_id": user.id,
                    "csrf": csrf,
                    "created_at": now,
                    "expires_at": now + timedelta(hours=hours),
                },
            )
        return token, csrf

    def session(self, token: str) -> tuple[User, str] | None:
        """The user and CSRF token of a live session.

        Args:
            token: The session's cookie token.

        Returns:
            ``(user, CSRF token)``; ``None`` if the token is unknown or expired, or the
            user is disabled.
        """
        query = (
            select(users, web_sessions.c.csrf, web_sessions.c.expires_at)
            .select_from(web_sessions.join(users))
            .where(web_sessions.c.token_hash == _token_hash(token))
        )
        with self.store._read("read a session") as conn:
            row = conn.execute(query).first()
        if row is None or row.disabled or row.expires_at < _now():
            return None
        return _user(row), str(row.csrf)

    def ended_reason(self, token: str) -> str | None:
        """Why a session token no longer works.

        Args:
            token: The session's cookie token.

        Returns:
            ``disabled`` or ``expired``; ``None`` for an unknown token.
        """
        query = (
            select(users.c.disabled, web_sessions.c.expires_at)
            .select_from(web_sessions.join(users))
            .where(web_sessions.c.token_hash == _token_hash(token))
        )
        with self.store._read("read a session") as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return "disabled" if row.disabled else "expired"

    def end_session(self, token: str) -> None:
        """End the session of a cookie token (logging out); unknown tokens are ignored.

        Args:
            token: The session's cookie token.
        """
        with self.store._write("end a session") as conn:
            conn.execute(
                delete(web_sessions).where(web_sessions.c.token_hash == _token_hash(token))
            )


@functools.cache
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_hex(8)))
