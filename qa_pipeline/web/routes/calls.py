"""Nights, the calls list and a call's page (every role; agents see their own calls)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.views import CallRow, Recording
from qa_pipeline.review.workbench import STATES
from qa_pipeline.web.deps import Ctx, allowed, render, see_other, web
from qa_pipeline.web.forms import call_filters, cursor, whole

router = APIRouter(tags=["calls"])


@router.get("/nights")
def nights(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))) -> Response:
    """Per night: calls received, scored, failed and waiting for review."""
    state = web(request)
    rows = state.bench.nights(state.opts.timezone, ctx.user)
    return render(request, "nights.html.j2", ctx, rows=rows)


def _next_query(base: dict[str, str], page: int, last: CallRow | None) -> dict[str, Any]:
    """The next page's query: its number and, when known, the cursor after ``last``."""
    nxt: dict[str, Any] = {**base, "page": page + 1}
    if last is not None and last.started_at is not None:
        nxt["after"] = f"{last.started_at.isoformat()}|{last.score_id}"
    return nxt


@router.get("/calls")
def calls(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))) -> Response:
    """One page of evaluations, filtered; an agent's filters are pinned to their calls."""
    state = web(request)
    q = request.query_params
    f = call_filters(q, state.opts.timezone)
    if not ctx.user.sees_all_calls:
        f = replace(f, agent_id=ctx.user.agent_id, team=None)
    page = max(1, whole(q.get("page"), "page", 1))
    rows, more = state.bench.list_calls(ctx.user, f, page, after=cursor(q.get("after")))
    base = {k: v for k, v in q.items() if k not in ("page", "after") and v}
    nxt = _next_query(base, page, rows[-1] if rows else None)
    return render(
        request,
        "calls.html.j2",
        ctx,
        rows=rows,
        page=page,
        more=more,
        q=base,
        night=q.get("night") or None,
        states=STATES,
        prev_url=f"/calls?{urlencode({**base, 'page': page - 1})}",
        next_url=f"/calls?{urlencode(nxt)}",
    )


def audio_state(rec: Recording) -> str:
    """What the player can play: ``ok``, ``vendor`` (a transcript only) or ``missing``.

    Args:
        rec: The call's recording.

    Returns:
        The state the call page shows.
    """
    if rec.is_transcript:
        return "vendor"
    if rec.path and Path(rec.path).is_file():
        return "ok"
    return "missing"


@router.get("/calls/{call_id:path}")
def call_page(
    request: Request, call_id: str, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))
) -> Response:
    """A call: player, transcript, verdicts, the forms the user's role may use, history.

    A rater who has yet to score the call in a recent calibration is sent to the
    calibration's blind view of it (no verdicts) instead.
    """
    state = web(request)
    blind = state.bench.blind_session(ctx.user, call_id)
    if blind is not None:
        return see_other(f"/calibration/{blind}/calls/{quote(call_id, safe='')}")
    detail = state.bench.call_detail(ctx.user, call_id)
    return render(
        request,
        "call.html.j2",
        ctx,
        d=detail,
        rec=detail.recording,
        audio=audio_state(detail.recording),
        segments=detail.segments,
        names=state.users.names(),
        now=datetime.now(UTC),
        msg=request.query_params.get("msg"),
    )
