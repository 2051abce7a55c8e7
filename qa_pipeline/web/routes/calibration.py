"""Calibration sessions: several raters score the same calls blind; their agreement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.calibration import MIN_KAPPA_CALLS
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.views import CalibrationItem, CalibrationResults
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web
from qa_pipeline.web.forms import call_url
from qa_pipeline.web.routes.calls import audio_state

router = APIRouter(tags=["calibration"])


@router.get("/calibration")
def calibrations(
    request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_CALIBRATION))
) -> Response:
    """The sessions, and a form for a new one."""
    rows = web(request).bench.calibrations()
    return render(request, "calibrations.html.j2", ctx, rows=rows)


@router.post("/calibration")
def new_calibration(
    request: Request,
    ctx: Ctx = Depends(allowed(Permission.START_CALIBRATION)),
    form: Form = Depends(posted_form),
) -> Response:
    """Start a session on the posted calls."""
    sid = web(request).bench.create_calibration(
        ctx.user,
        form.get("name", ""),
        form.get("rubric_id", ""),
        form.get("rubric_version", ""),
        form.get("call_ids", "").split(),
    )
    return see_other(f"/calibration/{sid}")


def kappa_words(lab: dict[str, str], row: CalibrationItem) -> str:
    """Fleiss' kappa of an item explained in words: agreement, chance, the commonest verdict.

    Args:
        lab: The site's labels.
        row: The item's agreement figures (with at least :data:`MIN_KAPPA_CALLS` calls).

    Returns:
        A sentence, e.g. why 75 % agreement can give κ < 0 when one verdict dominates.
    """
    if row.fleiss is None or row.agreement is None or row.chance is None:
        return ""
    verdict = (
        "kappa_none" if row.fleiss <= 0 else "kappa_fair" if row.fleiss < 0.4 else "kappa_good"
    )
    return lab["kappa_words"].format(
        agree=f"{100 * row.agreement:.0f}%",
        chance=f"{100 * row.chance:.0f}%",
        top=lab.get(row.top or "", row.top or "–"),
        share=f"{100 * (row.top_share or 0):.0f}%",
        kappa=f"{row.fleiss:.2f}",
        verdict=lab[verdict],
    )


@router.get("/calibration/{session_id}")
def calibration(
    request: Request, session_id: int, ctx: Ctx = Depends(allowed(Permission.VIEW_CALIBRATION))
) -> Response:
    """A session: the rater's forms, and the results once they may see them.

    A rater sees the results after scoring every call (so that they score blind);
    ``SEE_CALIBRATION_RESULTS`` sees them at once. Until then the page holds nothing but
    the rater's own verdicts: no machine verdict, nobody else's, no link to the call page.
    """
    state = web(request)
    user = ctx.user
    data = state.bench.calibration(session_id)
    mine = tuple(s for s in data.scores if s.user_id == user.id)
    blind = CalibrationResults(data.session, data.calls, data.items, mine, (), ())
    show = user.can(Permission.SEE_CALIBRATION_RESULTS) or blind.scored_all(user.id)
    res = state.bench.calibration_results(session_id) if show else blind
    return render(
        request,
        "calibration.html.j2",
        ctx,
        res=res,
        mine=blind.verdicts_of(user.id),
        show=show,
        rater=user.can(Permission.SCORE_CALIBRATION),
        raters=len({s.user_id for s in data.scores}),
        names=state.users.names(),
        min_calls=MIN_KAPPA_CALLS,
        words=lambda row: kappa_words(state.lab, row),
        per_rater={(r.user_id, r.item_id): r for r in res.per_rater},
    )


@router.get("/calibration/{session_id}/calls/{call_id:path}")
def blind_call(
    request: Request,
    session_id: int,
    call_id: str,
    ctx: Ctx = Depends(allowed(Permission.VIEW_CALIBRATION)),
) -> Response:
    """A call of the session as raters see it: recording, transcript, the rater's form.

    No verdict of the machine or of anyone else is on the page (the call page's
    evaluations are not even handed to the template).
    """
    state = web(request)
    detail = state.bench.blind_call(ctx.user, session_id, call_id)
    data = state.bench.calibration(session_id)
    mine = {(s.call_id, s.item_id): s.status for s in data.scores if s.user_id == ctx.user.id}
    return render(
        request,
        "blind_call.html.j2",
        ctx,
        session=data.session,
        items=data.items,
        mine=mine,
        rec=detail.recording,
        audio=audio_state(detail.recording),
        segments=detail.segments,
        rater=ctx.user.can(Permission.SCORE_CALIBRATION),
        full=None if state.bench.blind_session(ctx.user, call_id) else call_url(call_id),
    )


@router.post("/calibration/{session_id}/score")
def score_calibration(
    request: Request,
    session_id: int,
    ctx: Ctx = Depends(allowed(Permission.SCORE_CALIBRATION)),
    form: Form = Depends(posted_form),
) -> Response:
    """One rater's verdicts on one call of the session (``v:<item id>`` fields)."""
    verdicts = {k[2:]: v for k, v in form.items() if k.startswith("v:") and v}
    web(request).bench.score_calibration(ctx.user, session_id, form.get("call_id", ""), verdicts)
    return see_other(f"/calibration/{session_id}")
