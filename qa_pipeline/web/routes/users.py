"""Account administration for admins: add, enable/disable, reset a password, change role.

The same operations as ``qa users`` on the command line. A new account's password and a
reset one are generated here and shown once, on the page that answers the POST (never
in a URL, a log or a redirect). An admin cannot disable or demote the account they are
signed in with, so a site always keeps one admin who can undo a mistake.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.users import ROLES, UserStore
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web

router = APIRouter(tags=["users"])
log = logging.getLogger(__name__)

P = Permission
MESSAGES = ("user_enabled", "user_disabled", "role_changed")


def _accounts(request: Request) -> UserStore:
    """The workbench's accounts."""
    return UserStore(web(request).store)


def new_password() -> str:
    """A random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


@router.get("/admin/users")
def users_page(request: Request, ctx: Ctx = Depends(allowed(P.MANAGE_USERS))) -> Response:
    """Every account with its role, agent id and state, and a form for each operation."""
    msg = request.query_params.get("msg")
    return render(
        request,
        "users.html.j2",
        ctx,
        accounts=_accounts(request).list(),
        roles=ROLES,
        msg=msg if msg in MESSAGES else None,
    )


def _password_page(request: Request, ctx: Ctx, name: str, password: str) -> Response:
    """The page that shows a generated password once."""
    return render(request, "users_password.html.j2", ctx, name=name, password=password)


@router.post("/admin/users")
def add_user(
    request: Request,
    ctx: Ctx = Depends(allowed(P.MANAGE_USERS)),
    form: Form = Depends(posted_form),
) -> Response:
    """Add an account with a generated password, shown once."""
    name = form.get("name", "").strip()
    password = new_password()
    _accounts(request).add(
        name, password, form.get("role", ""), form.get("agent_id", "").strip() or None
    )
    log.info("%s added the account %s (%s)", ctx.user.name, name, form.get("role", ""))
    return _password_page(request, ctx, name, password)


@router.post("/admin/users/{name:path}/state")
def set_state(
    request: Request,
    name: str,
    ctx: Ctx = Depends(allowed(P.MANAGE_USERS)),
    form: Form = Depends(posted_form),
) -> Response:
    """Enable or disable an account (a disabled one's sessions end at once)."""
    enable = form.get("enabled") == "1"
    if not enable and name == ctx.user.name:
        raise InvalidInputError("you cannot disable your own account", "self_disable")
    accounts = _accounts(request)
    if enable:
        accounts.enable(name)
    else:
        accounts.disable(name)
    log.info("%s %s the account %s", ctx.user.name, "enabled" if enable else "disabled", name)
    return see_other(f"/admin/users?msg=user_{'enabled' if enable else 'disabled'}")


@router.post("/admin/users/{name:path}/role")
def change_role(
    request: Request,
    name: str,
    ctx: Ctx = Depends(allowed(P.MANAGE_USERS)),
    form: Form = Depends(posted_form),
) -> Response:
    """Change an account's role (and agent id); not one's own."""
    if name == ctx.user.name:
        raise InvalidInputError("you cannot change your own role", "self_role")
    role = form.get("role", "")
    _accounts(request).set_role(name, role, form.get("agent_id", "").strip() or None)
    log.info("%s changed the role of %s to %s", ctx.user.name, name, role)
    return see_other("/admin/users?msg=role_changed")


@router.post("/admin/users/{name:path}/password")
def reset_password(
    request: Request,
    name: str,
    ctx: Ctx = Depends(allowed(P.MANAGE_USERS)),
    form: Form = Depends(posted_form),
) -> Response:
    """Set a generated password (the account's sessions end), shown once."""
    password = new_password()
    _accounts(request).reset_password(name, password)
    log.info("%s reset the password of %s", ctx.user.name, name)
    return _password_page(request, ctx, name, password)
