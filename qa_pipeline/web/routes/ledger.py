"""The trust ledger: per item, how far the machine may decide alone (admins switch)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.ledger import Ledger
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web

router = APIRouter(tags=["ledger"])

#: A confusion matrix's rows (machine) and columns (people).
VERDICTS = ("pass", "fail", "na")


def ledger_of(request: Request) -> Ledger:
    """The ledger with the site's window, default floor and minimum of checks.

    Args:
        request: Any request to the workbench.

    Returns:
        A ledger on the workbench's store.
    """
    opts = web(request).opts
    return Ledger(
        web(request).store, opts.ledger_window_days, opts.ledger_floor, opts.ledger_min_checks
    )


@router.get("/ledger")
def ledger_page(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_LEDGER))) -> Response:
    """Every item: checks, agreement with its Wilson interval, fails, matrix, floor, mode.

    The items of the site's rubrics are listed even before their first check.
    """
    ledger = ledger_of(request)
    known = [
        (str(r.id), str(r.version), str(i.id), str(i.name))
        for r in web(request).opts.rubrics
        for i in r.items
    ]
    rows = ledger.rows(request.query_params.get("rubric") or None, known)
    counts = {"machine": sum(r.mode == "machine" for r in rows)}
    counts["people"] = len(rows) - counts["machine"]
    return render(
        request,
        "ledger.html.j2",
        ctx,
        rows=rows,
        modes=counts,
        ledger=ledger,
        switches=ledger.switches(),
        verdicts=VERDICTS,
        msg=request.query_params.get("msg"),
        link=lambda r: (
            "/ledger/calls?"
            + urlencode(
                {"rubric_id": r.rubric_id, "rubric_version": r.rubric_version, "item_id": r.item_id}
            )
        ),
    )


@router.get("/ledger/calls")
def ledger_calls(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_LEDGER))) -> Response:
    """The decided calls behind one item's figures, newest first, each linked."""
    q = request.query_params
    key = (q.get("rubric_id", ""), q.get("rubric_version", ""), q.get("item_id", ""))
    ledger = ledger_of(request)
    return render(
        request,
        "ledger_calls.html.j2",
        ctx,
        row=ledger.row(*key),
        calls=ledger.calls(*key),
    )


@router.post("/ledger/switch")
def ledger_switch(
    request: Request,
    ctx: Ctx = Depends(allowed(Permission.SWITCH_LEDGER)),
    form: Form = Depends(posted_form),
) -> Response:
    """An admin switches an item's mode and/or floor, with a reason (audited)."""
    floor_text = form.get("floor", "").strip()
    try:
        floor = float(floor_text) if floor_text else None
    except ValueError:
        raise InvalidInputError("a floor lies between 0 and 1", "ledger_bad_floor") from None
    key = (form.get("rubric_id", ""), form.get("rubric_version", ""), form.get("item_id", ""))
    ledger_of(request).switch(
        ctx.user, key, form.get("mode") or None, form.get("reason", ""), floor=floor
    )
    return see_other("/ledger?msg=switched")
