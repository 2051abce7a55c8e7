"""Finality: an admin reopens a final evaluation; agents read their notifications."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import (
    Ctx,
    Form,
    allowed,
    current_user,
    posted_form,
    render,
    see_other,
    web,
)
from qa_pipeline.web.forms import call_url

router = APIRouter(tags=["finality"])


@router.post("/calls/{call_id:path}/reopen")
def reopen(
    request: Request,
    call_id: str,
    ctx: Ctx = Depends(allowed(Permission.REOPEN)),
    form: Form = Depends(posted_form),
) -> Response:
    """An admin reopens a final evaluation with a reason (audited; the agent is told)."""
    web(request).bench.reopen(
        ctx.user,
        call_id,
        form.get("rubric_id", ""),
        form.get("rubric_version", ""),
        form.get("reason", ""),
    )
    return see_other(call_url(call_id, msg="reopened"))


@router.get("/notifications")
def notifications_page(request: Request, ctx: Ctx = Depends(current_user)) -> Response:
    """The user's notifications, newest first; opening the page marks them read."""
    rows = web(request).bench.notifications(ctx.user)
    return render(request, "notifications.html.j2", ctx, rows=rows)
