"""The workbench app: FastAPI, server-rendered Jinja2 pages, a little vanilla JS.

Every route resolves the user from the session cookie and checks their rights on the
server (:mod:`qa_pipeline.web.deps`); every POST carries the session's CSRF token. Pages
show only what the store holds, which is redacted text. The routes live in
:mod:`qa_pipeline.web.routes`, one router per area.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from qa_pipeline.review import ReviewError, UserStore, Workbench
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.web.deps import COOKIE, AuthRequired, WebState, render, web
from qa_pipeline.web.labels import labels
from qa_pipeline.web.options import WebOptions
from qa_pipeline.web.routes import ROUTERS
from qa_pipeline.web.security import LoginThrottle
from qa_pipeline.web.templating import page_env

__all__ = ["WebOptions", "create_app"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'self'; media-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
)


def create_app(store: Any, options: WebOptions | None = None) -> FastAPI:
    """The workbench on an open :class:`qa_pipeline.store.Store`.

    Args:
        store: An open store (migrated to 0002 or later).
        options: The workbench's knobs (defaults when ``None``).

    Returns:
        The app, with every area's router, the static files and the error pages.
    """
    opts = options or WebOptions()
    gradings = {(str(r.id), str(r.version)): Grading.from_rubric(r) for r in opts.rubrics}
    app = FastAPI(title="qa-pipeline workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(
        store=store,
        opts=opts,
        users=UserStore(store),
        bench=Workbench(
            store,
            gradings,
            timedelta(days=opts.appeal_window_days),
            opts.sample_rate,
            due_days=opts.due_days,
            mail=opts.mail,
        ),
        throttle=LoginThrottle(),
        lab=labels(opts.language),
        env=page_env(opts.timezone),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.middleware("http")(security_headers)
    app.exception_handler(AuthRequired)(auth_required)
    app.exception_handler(ReviewError)(review_error)
    for router in ROUTERS:
        app.include_router(router)
    return app


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add the server time of the page and the security headers to every response.

    Args:
        request: The request.
        call_next: The rest of the app.

    Returns:
        The app's response, with the headers.
    """
    started = time.perf_counter()
    response = await call_next(request)
    # server time of the page (headers are sent before a streamed body finishes)
    response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


async def auth_required(request: Request, exc: AuthRequired) -> Response:
    """No valid session: a GET goes to the login page, anything else gets 401.

    A session that ended (disabled user, expired) gets a page saying so, and its cookie
    is dropped.

    Args:
        request: The refused request.
        exc: Why.

    Returns:
        The redirect or the 401 page.
    """
    lab = web(request).lab
    if exc.reason:
        resp = render(
            request, "error.html.j2", None, status=401, message=lab["session_ended"], login=True
        )
        resp.delete_cookie(COOKIE, path="/")
        return resp
    if request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request, "error.html.j2", None, status=401, message=lab["login_required"], login=True
    )


async def review_error(request: Request, exc: ReviewError) -> Response:
    """A refused or failed action: the error page with the error's status (403, 404, …).

    Args:
        request: The request.
        exc: The review layer's error.

    Returns:
        The error page.
    """
    ctx = getattr(request.state, "ctx", None)
    message = localised(web(request).lab, exc)
    return render(request, "error.html.j2", ctx, status=exc.status_code, message=message)


def localised(lab: dict[str, str], exc: ReviewError) -> str:
    """The error's message in the site's language (``err_KEY``), else its own text.

    Args:
        lab: The site's labels.
        exc: The error, with its message key and values if it has them.

    Returns:
        The message for the page.
    """
    template = lab.get(f"err_{exc.key}") if exc.key else None
    if template is None:
        return str(exc)
    params = {k: lab.get(v, v) if k == "verdict" else v for k, v in exc.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return str(exc)
