"""Workbench accounts for the demo: one per role, so a newcomer can sign in at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from qa_pipeline.review.users import UserStore

#: (name, role, agent id): the demo agent is A1006, whose weekly report the demo writes.
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    ("demo-admin", "admin", None),
    ("demo-inspector", "inspector", None),
    ("demo-trainer", "trainer", None),
    ("demo-manager", "manager", None),
    ("demo-agent", "agent", "A1006"),
)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """An account of the demo; ``password`` is ``None`` when it existed already."""

    name: str
    role: str
    password: str | None


def demo_accounts(store: Any) -> list[DemoAccount]:
    """Create the demo's accounts that do not exist yet, each with a random password.

    Args:
        store: The open store the workbench will read.

    Returns:
        Every demo account; a new one carries its password (shown once, never stored in
        clear), one made by an earlier demo run carries ``None``.
    """
    users = UserStore(store)
    existing = {u.name for u in users.list()}
    out = []
    for name, role, agent_id in DEMO_ACCOUNTS:
        if name in existing:
            out.append(DemoAccount(name, role, None))
            continue
        password = secrets.token_urlsafe(9)
        users.add(name, password, role, agent_id)
        out.append(DemoAccount(name, role, password))
    return out
