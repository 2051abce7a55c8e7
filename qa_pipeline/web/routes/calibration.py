"""Calibration sessions: several raters score the same calls blind; their agreement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, Form, allowed, posted_form, render, see_other, web

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


@router.get("/calibration/{session_id}")
def calibration(
    request: Request, session_id: int, ctx: Ctx = Depends(allowed(Permission.VIEW_CALIBRATION))
) -> Response:
    """A session: the rater's forms, and the results once they may see them.

    A rater sees the results after scoring every call (so that they score blind);
    ``SEE_CALIBRATION_RESULTS`` sees them at once.
    """
    state = web(request)
    res = state.bench.calibration_results(session_id)
    user = ctx.user
    return render(
        request,
        "calibration.html.j2",
        ctx,
        res=res,
        mine=res.verdicts_of(user.id),
        show=user.can(Permission.SEE_CALIBRATION_RESULTS) or res.scored_all(user.id),
        rater=user.can(Permission.SCORE_CALIBRATION),
        names=state.users.names(),
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
