"""The workbench's routes. Each one resolves the user (:func:`current`) and checks the
role it needs before touching the store."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from qa_pipeline.review import ForbiddenError, InvalidInputError, NotFoundError, Workbench
from qa_pipeline.review.workbench import STATES, CallFilters
from qa_pipeline.web.app import COOKIE, LOGIN_COOKIE, Ctx, current, form_of, render
from qa_pipeline.web.audio import stream_file
from qa_pipeline.web.security import same_token

STAFF = ("admin", "inspector", "trainer", "manager")


def _need(ctx: Ctx, *roles: str) -> None:
    if ctx.user.role not in roles:
        raise ForbiddenError(f"this page is not open to the {ctx.user.role} role")


def _bench(request: Request) -> Workbench:
    return request.app.state.bench  # type: ignore[no-any-return]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _float(value: str | None, what: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInputError(f"{what} must be a number, not {value!r}") from None


def _int(value: str | None, what: str, default: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInputError(f"{what} must be a whole number, not {value!r}") from None


def _call_url(call_id: str, **params: Any) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f"/calls/{quote(call_id, safe='')}{query}"


def register(app: FastAPI) -> None:
    """Add every page and action to ``app``."""

    # ------------------------------------------------------------------ login

    @app.get("/login")
    def login_page(request: Request, next: str = "/") -> Response:
        token = secrets.token_urlsafe(16)
        resp = render(request, "login.html.j2", None, next=_safe_next(next), login_csrf=token)
        resp.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/login",
            secure=app.state.opts.secure_cookies,
        )
        return resp

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        lab = app.state.lab
        if not same_token(request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
            raise ForbiddenError("the login form's CSRF token is missing or wrong; reload it")
        name = form.get("name", "").strip()
        client = f"ip:{request.client.host if request.client else '?'}"
        throttle = app.state.throttle
        if throttle.blocked(f"user:{name}", client):
            return render(
                request,
                "login.html.j2",
                None,
                status=429,
                error=lab["login_throttled"],
                next=_safe_next(form.get("next")),
                login_csrf=form.get("csrf"),
            )
        user = app.state.users.authenticate(name, form.get("password", ""))
        if user is None:
            throttle.failed(f"user:{name}", client)
            return render(
                request,
                "login.html.j2",
                None,
                status=401,
                error=lab["bad_login"],
                next=_safe_next(form.get("next")),
                login_csrf=form.get("csrf"),
            )
        throttle.succeeded(f"user:{name}")
        token, _csrf = app.state.users.start_session(user, app.state.opts.session_hours)
        resp = _see_other(_safe_next(form.get("next")))
        resp.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            path="/",
            secure=app.state.opts.secure_cookies,
            max_age=int(app.state.opts.session_hours * 3600),
        )
        resp.delete_cookie(LOGIN_COOKIE, path="/login")
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        ctx = current(request)
        await form_of(request, ctx)
        app.state.users.end_session(request.cookies.get(COOKIE, ""))
        resp = _see_other("/login")
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # ------------------------------------------------------------------ nights, calls

    @app.get("/")
    def home(request: Request) -> Response:
        current(request)
        return _see_other("/nights")

    @app.get("/nights")
    def nights(request: Request) -> Response:
        ctx = current(request)
        rows = _bench(request).nights(app.state.opts.timezone, ctx.user)
        return render(request, "nights.html.j2", ctx, rows=rows)

    @app.get("/calls")
    def calls(request: Request) -> Response:
        ctx = current(request)
        q = request.query_params
        f, night = _filters(q, app.state.opts.timezone)
        if ctx.user.is_agent:
            f = CallFilters(**{**_fields(f), "agent_id": ctx.user.agent_id, "team": None})
        page = max(1, _int(q.get("page"), "page", 1))
        after = _cursor(q.get("after"))
        rows, more = _bench(request).list_calls(ctx.user, f, page, after=after)
        base = {k: v for k, v in q.items() if k not in ("page", "after") and v}
        nxt: dict[str, Any] = {**base, "page": page + 1}
        last = rows[-1] if rows else None
        if last is not None and last["started_at"] is not None:
            nxt["after"] = f"{last['started_at'].isoformat()}|{last['score_id']}"
        return render(
            request,
            "calls.html.j2",
            ctx,
            rows=rows,
            page=page,
            more=more,
            q=base,
            night=night,
            states=STATES,
            prev_url=f"/calls?{urlencode({**base, 'page': page - 1})}",
            next_url=f"/calls?{urlencode(nxt)}",
        )

    @app.get("/calls/{call_id}")
    def call_page(request: Request, call_id: str) -> Response:
        ctx = current(request)
        detail = _bench(request).call_detail(ctx.user, call_id)
        rec = detail["recording"]
        audio = "vendor" if rec["is_transcript"] else "ok"
        if audio == "ok" and not (rec["path"] and Path(rec["path"]).is_file()):
            audio = "missing"
        segments = (detail["transcript"] or {}).get("segments") or []
        names = app.state.users.names()
        return render(
            request,
            "call.html.j2",
            ctx,
            d=detail,
            rec=rec,
            audio=audio,
            segments=segments,
            names=names,
            now=datetime.now(ZoneInfo("UTC")),
            msg=request.query_params.get("msg"),
        )

    @app.get("/calls/{call_id}/audio")
    def audio(request: Request, call_id: str) -> Response:
        ctx = current(request)
        rec = _bench(request).call_visible(ctx.user, call_id)
        # the path comes from the store only; nothing in the request names a file
        if rec.is_transcript or not rec.path:
            raise NotFoundError(f"call {call_id!r} has no recording (vendor transcript)")
        path = Path(rec.path)
        if not path.is_file():
            raise NotFoundError(f"the recording of {call_id!r} is gone (deleted or moved)")
        return stream_file(path, request.headers.get("range"))

    @app.post("/calls/{call_id}/decide")
    async def decide(request: Request, call_id: str) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        _need(ctx, "inspector")
        _bench(request).decide(
            ctx.user,
            call_id,
            form.get("rubric_id", ""),
            form.get("rubric_version", ""),
            form.get("item_id", ""),
            form.get("status", ""),
            form.get("reason", ""),
            _int(form.get("expected_last"), "expected_last", 0),
        )
        back = form.get("back") or ""
        return _see_other(back if back.startswith("/review") else _call_url(call_id, msg="saved"))

    @app.post("/calls/{call_id}/appeal")
    async def appeal(request: Request, call_id: str) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        _need(ctx, "agent")
        _bench(request).file_appeal(
            ctx.user,
            call_id,
            form.get("rubric_id", ""),
            form.get("rubric_version", ""),
            form.get("item_id", ""),
            form.get("reason", ""),
        )
        return _see_other(_call_url(call_id, msg="appealed"))

    @app.post("/calls/{call_id}/acknowledge")
    async def acknowledge(request: Request, call_id: str) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        _need(ctx, "agent")
        _bench(request).acknowledge(
            ctx.user, call_id, form.get("rubric_id", ""), form.get("rubric_version", "")
        )
        return _see_other(_call_url(call_id, msg="acknowledged"))

    # ------------------------------------------------------------------ review queue

    @app.get("/review")
    def review(request: Request) -> Response:
        ctx = current(request)
        _need(ctx, *STAFF)
        page = max(1, _int(request.query_params.get("page"), "page", 1))
        rows, more = _bench(request).queue(page)
        return render(
            request,
            "review.html.j2",
            ctx,
            rows=rows,
            page=page,
            more=more,
            rate=_bench(request).sample_rate,
        )

    @app.post("/review/fill")
    async def fill(request: Request) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        _need(ctx, "admin", "inspector")
        rate = _float(form.get("rate"), "sample rate")
        if rate is not None and not 0 <= rate <= 1:
            raise InvalidInputError("the sample rate must be between 0 and 1")
        _bench(request).fill_queue(rate)
        return _see_other("/review")

    # ------------------------------------------------------------------ appeals

    @app.get("/appeals")
    def appeals_page(request: Request) -> Response:
        ctx = current(request)
        state = request.query_params.get("state") or None
        rows = _bench(request).list_appeals(ctx.user, state)
        return render(request, "appeals.html.j2", ctx, rows=rows, names=app.state.users.names())

    @app.post("/appeals/{appeal_id}/resolve")
    async def resolve(request: Request, appeal_id: int) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        _need(ctx, "inspector")
        action = form.get("action")
        if action not in ("uphold", "overturn"):
            raise InvalidInputError("choose uphold or overturn")
        _bench(request).resolve_appeal(
            ctx.user,
            appeal_id,
            action == "overturn",
            form.get("reason", ""),
            form.get("status") or None,
        )
        return _see_other("/appeals")

    # ------------------------------------------------------------------ calibration

    @app.get("/calibration")
    def calibrations(request: Request) -> Response:
        ctx = current(request)
        _need(ctx, *STAFF)
        return render(request, "calibrations.html.j2", ctx, rows=_bench(request).calibrations())

    @app.post("/calibration")
    async def new_calibration(request: Request) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        sid = _bench(request).create_calibration(
            ctx.user,
            form.get("name", ""),
            form.get("rubric_id", ""),
            form.get("rubric_version", ""),
            form.get("call_ids", "").split(),
        )
        return _see_other(f"/calibration/{sid}")

    @app.get("/calibration/{session_id}")
    def calibration(request: Request, session_id: int) -> Response:
        ctx = current(request)
        _need(ctx, *STAFF)
        bench = _bench(request)
        res = bench.calibration_results(session_id)
        mine = {
            (s["call_id"], s["item_id"]): s["status"]
            for s in res["scores"]
            if s["user_id"] == ctx.user.id
        }
        done = all((c, i) in mine for c in res["calls"] for i, _ in res["items"])
        show = ctx.user.role in ("admin", "trainer", "manager") or done
        rater = ctx.user.role in ("inspector", "trainer")
        return render(
            request,
            "calibration.html.j2",
            ctx,
            res=res,
            mine=mine,
            show=show,
            rater=rater,
            names=app.state.users.names(),
        )

    @app.post("/calibration/{session_id}/score")
    async def score_calibration(request: Request, session_id: int) -> Response:
        ctx = current(request)
        form = await form_of(request, ctx)
        call_id = form.get("call_id", "")
        verdicts = {k[2:]: v for k, v in form.items() if k.startswith("v:") and v}
        _bench(request).score_calibration(ctx.user, session_id, call_id, verdicts)
        return _see_other(f"/calibration/{session_id}")

    # ------------------------------------------------------------------ agreement

    @app.get("/agreement")
    def agreement(request: Request) -> Response:
        ctx = current(request)
        _need(ctx, *STAFF)
        rows = _bench(request).machine_agreement(request.query_params.get("rubric") or None)
        return render(request, "agreement.html.j2", ctx, rows=rows)


def _safe_next(value: str | None) -> str:
    # only a path on this site: never an open redirect
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    """``started_at|score_id`` of the previous page's last row (the next-page link)."""
    if not value:
        return None
    ts, _, sid = value.partition("|")
    try:
        return datetime.fromisoformat(ts), int(sid)
    except ValueError:
        raise InvalidInputError(f"bad page cursor {value!r}") from None


def _fields(f: CallFilters) -> dict[str, Any]:
    return {k: getattr(f, k) for k in CallFilters.__dataclass_fields__}


def _filters(q: Any, tz: str) -> tuple[CallFilters, str | None]:
    start = end = None
    night = q.get("night") or None
    if night:
        try:
            day = datetime.fromisoformat(night).date()
        except ValueError:
            raise InvalidInputError(f"night must be a date (YYYY-MM-DD), not {night!r}") from None
        start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
        end = start + timedelta(days=1)
    state = q.get("state") or None
    if state and state not in STATES:
        raise InvalidInputError(f"state must be one of {', '.join(STATES)}")
    item_status = q.get("item_status") or None
    if item_status and item_status not in ("pass", "fail", "na", "review"):
        raise InvalidInputError("item verdict must be pass, fail, na or review")
    return (
        CallFilters(
            start=start,
            end=end,
            team=q.get("team") or None,
            agent_id=q.get("agent") or None,
            item_id=q.get("item") or None,
            item_status=item_status,
            state=state,
            score_min=_float(q.get("score_min"), "score_min"),
            score_max=_float(q.get("score_max"), "score_max"),
            review=bool(q.get("review")),
        ),
        night,
    )
