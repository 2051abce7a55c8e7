"""The review queue and inspectors' decisions."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web
from qa_pipeline.web.forms import call_url, number, whole

router = APIRouter(tags=["queue"])


@router.get("/review")
def review(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_QUEUE))) -> Response:
    """One page of open queue entries: the user's own first, then by risk."""
    state = web(request)
    bench = state.bench
    page = max(1, whole(request.query_params.get("page"), "page", 1))
    rows, more = bench.queue(page, user=ctx.user)
    return render(
        request,
        "review.html.j2",
        ctx,
        rows=rows,
        page=page,
        more=more,
        rate=bench.sample_rate,
        names=state.users.names(),
        now=datetime.now(UTC),
    )


@router.post("/review/fill")
def fill(
    request: Request,
    ctx: Ctx = Depends(allowed(Permission.FILL_QUEUE)),
    form: Form = Depends(posted_form),
) -> Response:
    """Draw new items into the queue (at the posted sample rate, else the site's).

    Raises:
        InvalidInputError: a rate outside 0..1.
    """
    rate = number(form.get("rate"), "sample rate")
    if rate is not None and not 0 <= rate <= 1:
        raise InvalidInputError("the sample rate must be between 0 and 1", "bad_rate")
    web(request).bench.fill_queue(rate)
    return see_other("/review")


@router.post("/calls/{call_id:path}/decide")
def decide(
    request: Request,
    call_id: str,
    ctx: Ctx = Depends(allowed(Permission.DECIDE)),
    form: Form = Depends(posted_form),
) -> Response:
    """Record an inspector's verdict on one item; back to the queue or the call."""
    web(request).bench.decide(
        ctx.user,
        call_id,
        form.get("rubric_id", ""),
        form.get("rubric_version", ""),
        form.get("item_id", ""),
        form.get("status", ""),
        form.get("reason", ""),
        whole(form.get("expected_last"), "expected_last", 0),
    )
    back = form.get("back") or ""
    return see_other(back if back.startswith("/review") else call_url(call_id, msg="saved"))
