"""The workbench app: FastAPI, server-rendered Jinja2 pages, a little vanilla JS.

Every route resolves the user from the session cookie and checks their rights on the
server; every POST carries the session's CSRF token. Pages show only what the store
holds, which is redacted text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qa_pipeline.review import ReviewError, User, UserStore, Workbench
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.web.labels import labels
from qa_pipeline.web.security import LoginThrottle, same_token

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "qa_session"
LOGIN_COOKIE = "qa_login_csrf"


@dataclass(frozen=True, slots=True)
class WebOptions:
    """Knobs of the workbench (``qa web`` fills them from ``Settings``).

    Attributes:
        language: Page language (``zh`` → Chinese labels).
        timezone: Nights are local dates in this zone.
        rubrics: Loaded rubrics; their grades and critical items recompute scores, and a
            decision on an item a rubric lacks is refused.
        appeal_window_days: How long after scoring an agent may appeal.
        sample_rate: Share of machine passes/fails drawn into the review queue.
        secure_cookies: Mark cookies ``Secure`` (serve over HTTPS).
        session_hours: Login lifetime.
    """

    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    rubrics: tuple[Any, ...] = field(default=())
    appeal_window_days: float = 7.0
    sample_rate: float = 0.02
    secure_cookies: bool = False
    session_hours: float = 12.0


class AuthRequired(Exception):
    """No valid session: redirect to the login page (or explain why the session ended)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "login required")
        self.reason = reason


@dataclass
class Ctx:
    """What a page handler knows about the request's user."""

    request: Request
    user: User
    csrf: str


def create_app(store: Any, options: WebOptions | None = None) -> FastAPI:
    """The workbench on an open :class:`qa_pipeline.store.Store`."""
    from qa_pipeline.web import pages

    opts = options or WebOptions()
    gradings = {(str(r.id), str(r.version)): Grading.from_rubric(r) for r in opts.rubrics}
    app = FastAPI(title="qa-pipeline workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.opts = opts
    app.state.users = UserStore(store)
    app.state.bench = Workbench(
        store, gradings, timedelta(days=opts.appeal_window_days), opts.sample_rate
    )
    app.state.throttle = LoginThrottle()
    app.state.lab = labels(opts.language)
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = _clock
    zone = ZoneInfo(opts.timezone)
    env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": (
        "–" if dt is None else dt.astimezone(zone).strftime(fmt)
    )
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.0f}%"
    env.filters["num"] = lambda x, d=2: "–" if x is None else f"{x:.{d}f}"
    env.filters["score"] = lambda x: "–" if x is None else f"{x:.1f}"
    app.state.env = env
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # server time of the page (headers are sent before a streamed body finishes)
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; media-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        return response

    @app.exception_handler(AuthRequired)
    async def _auth(request: Request, exc: AuthRequired) -> Response:
        if exc.reason:
            resp = render(
                request,
                "error.html.j2",
                None,
                status=401,
                message=app.state.lab["session_ended"],
                login=True,
            )
            resp.delete_cookie(COOKIE, path="/")
            return resp
        if request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(
            request, "error.html.j2", None, status=401, message="login required", login=True
        )

    @app.exception_handler(ReviewError)
    async def _review(request: Request, exc: ReviewError) -> Response:
        ctx = getattr(request.state, "ctx", None)
        return render(request, "error.html.j2", ctx, status=exc.status_code, message=str(exc))

    pages.register(app)
    return app


def _clock(seconds: Any) -> str:
    if seconds is None:
        return "–"
    s = max(0, int(float(seconds)))
    return f"{s // 60:02d}:{s % 60:02d}"


def render(
    request: Request, template: str, ctx: Ctx | None, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page from ``template`` with the labels, the user and their CSRF token."""
    app = request.app
    html = app.state.env.get_template(template).render(
        lab=app.state.lab,
        user=ctx.user if ctx else None,
        csrf=ctx.csrf if ctx else "",
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def current(request: Request) -> Ctx:
    """The signed-in user, or :class:`AuthRequired`."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise AuthRequired()
    users: UserStore = request.app.state.users
    found = users.session(token)
    if found is None:
        raise AuthRequired(users.ended_reason(token) or None)
    ctx = Ctx(request, found[0], found[1])
    request.state.ctx = ctx
    return ctx


async def form_of(request: Request, ctx: Ctx) -> dict[str, str]:
    """The posted form, after checking its CSRF token (403 without a matching one)."""
    from qa_pipeline.review import ForbiddenError

    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    if not same_token(ctx.csrf, data.get("csrf")):
        raise ForbiddenError("the form's CSRF token is missing or wrong; reload the page")
    return data
