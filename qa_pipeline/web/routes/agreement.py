"""How often the machine's verdicts match the people's."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, allowed, render, web

router = APIRouter(tags=["agreement"])


@router.get("/agreement")
def agreement(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_AGREEMENT))) -> Response:
    """Per rubric item: agreement and precision of fails over items people decided."""
    rows = web(request).bench.machine_agreement(request.query_params.get("rubric") or None)
    return render(request, "agreement.html.j2", ctx, rows=rows)
