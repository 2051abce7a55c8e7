"""Signing in and out (the login page and its form are the only public routes)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review import ForbiddenError
from qa_pipeline.web.deps import (
    COOKIE,
    LOGIN_COOKIE,
    Ctx,
    Form,
    current_user,
    posted_form,
    render,
    see_other,
    web,
)
from qa_pipeline.web.forms import safe_next
from qa_pipeline.web.security import same_token

router = APIRouter(tags=["auth"])


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form, with a fresh login CSRF token in a cookie of its own."""
    token = secrets.token_urlsafe(16)
    resp = render(request, "login.html.j2", None, next=safe_next(next), login_csrf=token)
    resp.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=web(request).opts.secure_cookies,
    )
    return resp


def _refused(request: Request, form: Form, status: int, error: str) -> Response:
    """The login form again, saying why it was refused."""
    return render(
        request,
        "login.html.j2",
        None,
        status=status,
        error=error,
        next=safe_next(form.get("next")),
        login_csrf=form.get("csrf"),
    )


@router.post("/login")
async def login(request: Request) -> Response:
    """Check a name and password (throttled) and start a session.

    Raises:
        ForbiddenError: the login form's CSRF token is missing or wrong.
    """
    form = {k: str(v) for k, v in (await request.form()).items()}
    state = web(request)
    if not same_token(request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
        raise ForbiddenError("the login form's CSRF token is missing or wrong; reload it", "csrf")
    name = form.get("name", "").strip()
    client = request.client.host if request.client else "?"
    wait = state.throttle.wait(name, client)
    if wait > 0:
        resp = _refused(request, form, 429, state.lab["login_throttled"])
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    user = state.users.authenticate(name, form.get("password", ""))
    if user is None:
        state.throttle.failed(name, client)
        return _refused(request, form, 401, state.lab["bad_login"])
    state.throttle.succeeded(name, client)
    token, _csrf = state.users.start_session(user, state.opts.session_hours)
    resp = see_other(safe_next(form.get("next")))
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=state.opts.secure_cookies,
        max_age=int(state.opts.session_hours * 3600),
    )
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(
    request: Request, ctx: Ctx = Depends(current_user), form: Form = Depends(posted_form)
) -> Response:
    """End the session."""
    web(request).users.end_session(request.cookies.get(COOKIE, ""))
    resp = see_other("/login")
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/")
def home(ctx: Ctx = Depends(current_user)) -> Response:
    """The start page is the nights overview."""
    return see_other("/nights")
