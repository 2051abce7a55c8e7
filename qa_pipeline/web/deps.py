"""What every route shares: the app's state, the user, permission checks, rendering.

Routes declare who may call them with ``ctx: Ctx = Depends(current_user)`` (anyone
signed in) or ``ctx: Ctx = Depends(allowed(Permission.X))`` (a role with ``X`` in
:data:`qa_pipeline.review.permissions.ROLE_PERMISSIONS`); a POST adds
``form: Form = Depends(posted_form)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment

from qa_pipeline.review import ForbiddenError, User, UserStore, Workbench
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.options import WebOptions
from qa_pipeline.web.security import LoginThrottle, same_token

COOKIE = "qa_session"
LOGIN_COOKIE = "qa_login_csrf"

#: A posted form, its CSRF token checked.
Form = dict[str, str]


@dataclass(frozen=True, slots=True)
class WebState:
    """Everything a route reads from the app (``app.state.web``)."""

    store: Any
    opts: WebOptions
    users: UserStore
    bench: Workbench
    throttle: LoginThrottle
    lab: dict[str, str]
    env: Environment


class AuthRequired(Exception):
    """No valid session: redirect to the login page (or explain why the session ended)."""

    def __init__(self, reason: str | None = None) -> None:
        """Say why, when the session ended rather than never existed.

        Args:
            reason: ``disabled``, ``expired`` or ``None`` (no session at all).
        """
        super().__init__(reason or "login required")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Ctx:
    """What a page handler knows about the request's user."""

    request: Request
    user: User
    csrf: str


def web(request: Request) -> WebState:
    """The app's :class:`WebState`.

    Args:
        request: Any request to the workbench.

    Returns:
        The state ``create_app`` set up.
    """
    state: WebState = request.app.state.web
    return state


def current_user(request: Request) -> Ctx:
    """The signed-in user (a dependency of every route that is not public).

    Args:
        request: The request, carrying the session cookie.

    Returns:
        The user and their session's CSRF token.

    Raises:
        AuthRequired: no cookie, or its session is unknown, expired or disabled.
    """
    token = request.cookies.get(COOKIE)
    if not token:
        raise AuthRequired()
    users = web(request).users
    found = users.session(token)
    if found is None:
        raise AuthRequired(users.ended_reason(token) or None)
    ctx = Ctx(request, found[0], found[1])
    request.state.ctx = ctx
    return ctx


@dataclass(frozen=True, slots=True)
class Allowed:
    """A dependency: the signed-in user, if their role has ``permission`` (else 403)."""

    permission: Permission

    def __call__(self, ctx: Ctx = Depends(current_user)) -> Ctx:
        """Check the user's role.

        Args:
            ctx: The signed-in user.

        Returns:
            ``ctx``, unchanged.

        Raises:
            ForbiddenError: the role lacks the permission.
        """
        ctx.user.need(self.permission, f"this page is not open to the {ctx.user.role} role")
        return ctx


def allowed(permission: Permission) -> Allowed:
    """The dependency of a route that needs ``permission``: ``Depends(allowed(P.X))``.

    Args:
        permission: What the route does.

    Returns:
        A dependency giving the :class:`Ctx` of a user whose role may do it.
    """
    return Allowed(permission)


async def posted_form(request: Request, ctx: Ctx = Depends(current_user)) -> Form:
    """The posted form, after checking its CSRF token against the session's.

    Args:
        request: A POST request.
        ctx: The signed-in user.

    Returns:
        The form's fields as text.

    Raises:
        ForbiddenError: the token is missing or wrong.
    """
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    if not same_token(ctx.csrf, data.get("csrf")):
        raise ForbiddenError("the form's CSRF token is missing or wrong; reload the page", "csrf")
    return data


def render(
    request: Request, template: str, ctx: Ctx | None, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page from ``template`` with the labels, the user and their CSRF token.

    Args:
        request: The request being answered.
        template: A file name under ``templates/``.
        ctx: The signed-in user, or ``None`` on the login and error pages.
        status: The HTTP status.
        **values: The template's own variables.

    Returns:
        The page, never cached.
    """
    state = web(request)
    unread = state.bench.unread_notifications(ctx.user) if ctx else 0
    # an inspector's navigation counts their open items and those due soon
    counts = state.bench.queue_counts(ctx.user) if ctx and ctx.user.can(Permission.DECIDE) else None
    html = state.env.get_template(template).render(
        lab=state.lab,
        user=ctx.user if ctx else None,
        csrf=ctx.csrf if ctx else "",
        path=request.url.path,
        unread=unread,
        counts=counts,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def see_other(url: str) -> RedirectResponse:
    """A 303 redirect (after a POST, the browser GETs ``url``).

    Args:
        url: A path on this site.

    Returns:
        The redirect.
    """
    return RedirectResponse(url, status_code=303)
