"""Appeals: agents dispute or accept their evaluations; inspectors resolve appeals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web
from qa_pipeline.web.forms import call_url

router = APIRouter(tags=["appeals"])


@router.get("/appeals")
def appeals_page(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))) -> Response:
    """Appeals, newest first (an agent sees their own)."""
    state = web(request)
    rows = state.bench.list_appeals(ctx.user, request.query_params.get("state") or None)
    return render(request, "appeals.html.j2", ctx, rows=rows, names=state.users.names())


@router.post("/calls/{call_id:path}/appeal")
def appeal(
    request: Request,
    call_id: str,
    ctx: Ctx = Depends(allowed(Permission.APPEAL)),
    form: Form = Depends(posted_form),
) -> Response:
    """An agent disputes one item of their evaluation."""
    web(request).bench.file_appeal(
        ctx.user,
        call_id,
        form.get("rubric_id", ""),
        form.get("rubric_version", ""),
        form.get("item_id", ""),
        form.get("reason", ""),
    )
    return see_other(call_url(call_id, msg="appealed"))


@router.post("/calls/{call_id:path}/acknowledge")
def acknowledge(
    request: Request,
    call_id: str,
    ctx: Ctx = Depends(allowed(Permission.ACKNOWLEDGE)),
    form: Form = Depends(posted_form),
) -> Response:
    """An agent accepts their evaluation; it becomes final."""
    web(request).bench.acknowledge(
        ctx.user, call_id, form.get("rubric_id", ""), form.get("rubric_version", "")
    )
    return see_other(call_url(call_id, msg="acknowledged"))


@router.post("/appeals/{appeal_id}/resolve")
def resolve(
    request: Request,
    appeal_id: int,
    ctx: Ctx = Depends(allowed(Permission.RESOLVE_APPEAL)),
    form: Form = Depends(posted_form),
) -> Response:
    """Uphold or overturn an appeal.

    Raises:
        InvalidInputError: neither uphold nor overturn.
    """
    action = form.get("action")
    if action not in ("uphold", "overturn"):
        raise InvalidInputError("choose uphold or overturn", "uphold_or_overturn")
    web(request).bench.resolve_appeal(
        ctx.user,
        appeal_id,
        action == "overturn",
        form.get("reason", ""),
        form.get("status") or None,
    )
    return see_other("/appeals")
