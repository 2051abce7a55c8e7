"""The review screen: one queue item at a time, decided from the keyboard; bulk accept.

``/review/next`` opens the next open item in the queue's order (the user's own items
first, see ``Workbench.queue_order``); ``/review/items/{id}`` shows one item with the
call's transcript, its audio and the machine's verdict and evidence; deciding it opens
the next one. ``/review/bulk`` accepts sampled machine passes, one decision per item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review import NotFoundError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.views import CallDetail, EvaluationView, ItemView, QueueRow
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web
from qa_pipeline.web.forms import whole
from qa_pipeline.web.routes.calls import audio_state

router = APIRouter(tags=["screen"])

#: The most sampled passes the bulk page lists at once.
BULK_PAGE = 200


def _next_url(after: int | None, msg: str | None = None) -> str:
    params = {k: v for k, v in (("after", after), ("msg", msg)) if v}
    return "/review/next" + (f"?{urlencode(params)}" if params else "")


@router.get("/review/next")
def next_item(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_QUEUE))) -> Response:
    """Open the next item after ``after`` (or the first); a page saying when none is open."""
    after = whole(request.query_params.get("after"), "after", 0) or None
    msg = request.query_params.get("msg")
    entry = web(request).bench.next_entry(ctx.user, after)
    if entry is None:
        return render(request, "review_item.html.j2", ctx, entry=None, msg=msg)
    query = f"?{urlencode({'msg': msg})}" if msg else ""
    return see_other(f"/review/items/{entry}{query}")


def _locate(detail: CallDetail, entry: QueueRow) -> tuple[EvaluationView, ItemView]:
    """The evaluation and item of the call that the queue entry is about.

    Raises:
        NotFoundError: the call no longer has them.
    """
    for ev in detail.evaluations:
        if (ev.rubric_id, ev.rubric_version) != (entry.rubric_id, entry.rubric_version):
            continue
        for it in ev.items:
            if it.item_id == entry.item_id:
                return ev, it
    raise NotFoundError(f"no queue entry {entry.id}", "no_entry", entry=entry.id)


@router.get("/review/items/{entry_id}")
def item_page(
    request: Request, entry_id: int, ctx: Ctx = Depends(allowed(Permission.VIEW_QUEUE))
) -> Response:
    """One queue item: transcript, audio, the machine's verdict with evidence, the keys."""
    state = web(request)
    entry = state.bench.queue_entry(entry_id)
    if entry is None:
        raise NotFoundError(f"no queue entry {entry_id}", "no_entry", entry=entry_id)
    detail = state.bench.call_detail(ctx.user, entry.call_id)
    ev, item = _locate(detail, entry)
    under_appeal = any(a.item_id == item.item_id and a.state == "open" for a in ev.appeals)
    return render(
        request,
        "review_item.html.j2",
        ctx,
        entry=entry,
        ev=ev,
        it=item,
        rec=detail.recording,
        segments=detail.segments,
        audio=audio_state(detail.recording),
        assignee=state.users.names().get(entry.assigned_to or 0),
        locked=ev.state == "final" or under_appeal,
        now=datetime.now(UTC),
        next_url=_next_url(entry_id),
        msg=request.query_params.get("msg"),
    )


@router.post("/review/items/{entry_id}/decide")
def decide_item(
    request: Request,
    entry_id: int,
    ctx: Ctx = Depends(allowed(Permission.DECIDE)),
    form: Form = Depends(posted_form),
) -> Response:
    """Decide the item (through ``Workbench.decide``), then open the next one.

    Confirming the machine's verdict needs no typed reason (a standard one is recorded);
    another verdict, or a verdict on a ``review`` item, does.
    """
    state = web(request)
    entry = state.bench.queue_entry(entry_id)
    if entry is None:
        raise NotFoundError(f"no queue entry {entry_id}", "no_entry", entry=entry_id)
    status = form.get("status", "")
    reason = form.get("reason", "").strip()
    if not reason and status and status == entry.machine_status:
        reason = state.lab["agree_machine"]
    state.bench.decide(
        ctx.user,
        entry.call_id,
        entry.rubric_id,
        entry.rubric_version,
        entry.item_id,
        status,
        reason,
        whole(form.get("expected_last"), "expected_last", 0),
    )
    return see_other(_next_url(entry_id, "saved"))


@router.get("/review/bulk")
def bulk_page(request: Request, ctx: Ctx = Depends(allowed(Permission.DECIDE))) -> Response:
    """Sampled machine passes still open, to accept several at once."""
    rows, more = web(request).bench.queue(1, BULK_PAGE, ctx.user, sampled_passes=True)
    q = request.query_params
    return render(
        request,
        "review_bulk.html.j2",
        ctx,
        rows=rows,
        more=more,
        confirm=False,
        accepted=whole(q.get("accepted"), "accepted", -1),
        left=whole(q.get("left"), "left", 0),
    )


@router.post("/review/bulk")
def bulk_accept(
    request: Request,
    ctx: Ctx = Depends(allowed(Permission.DECIDE)),
    form: Form = Depends(posted_form),
) -> Response:
    """First post: show the chosen items to confirm. Second (``confirm``): accept them."""
    state = web(request)
    ids = sorted({whole(k[2:], "entry", 0) for k in form if k.startswith("e_")} - {0})
    if form.get("confirm") != "1":
        chosen = [e for e in (state.bench.queue_entry(i) for i in ids) if e is not None]
        return render(
            request, "review_bulk.html.j2", ctx, rows=chosen, more=False, confirm=True, left=0
        )
    done, left = state.bench.accept_sampled(ctx.user, ids, state.lab["bulk_reason"])
    return see_other(f"/review/bulk?{urlencode({'accepted': len(done), 'left': len(left)})}")
