"""CSV and Excel export of evaluations and review decisions (the calls list's filters)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from qa_pipeline.review import InvalidInputError, NotFoundError
from qa_pipeline.review.export import FORMATS, export_rows, stream_csv, write_xlsx
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.deps import Ctx, allowed, web
from qa_pipeline.web.forms import call_filters

router = APIRouter(tags=["export"])

KINDS = ("evaluations", "decisions")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


@router.get("/export/{kind}")
def export(request: Request, kind: str, ctx: Ctx = Depends(allowed(Permission.EXPORT))) -> Response:
    """Evaluations or decisions matching the calls list's filters, as CSV or Excel.

    ``format=csv`` (default) streams as rows are read; ``format=xlsx`` is written to a
    temporary file by openpyxl's write-only mode first, then sent and deleted.

    Raises:
        NotFoundError: an unknown kind.  InvalidInputError: an unknown format.
    """
    state = web(request)
    q = request.query_params
    if kind not in KINDS:
        raise NotFoundError(f"no export {kind!r}", "no_export")
    fmt = q.get("format") or "csv"
    if fmt not in FORMATS:
        raise InvalidInputError("format must be csv or xlsx", "bad_format")
    f = call_filters(q, state.opts.timezone)
    if not ctx.user.sees_all_calls:
        f = replace(f, agent_id=ctx.user.agent_id, team=None)
    columns, rows = export_rows(state.bench, ctx.user, kind, f, state.opts.timezone)
    name = f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    if fmt == "csv":
        return StreamingResponse(
            stream_csv(columns, rows), media_type="text/csv; charset=utf-8", headers=headers
        )
    path = write_xlsx(columns, rows, kind)
    return StreamingResponse(
        _file_chunks(path),
        media_type=XLSX,
        headers=headers,
        background=BackgroundTask(os.unlink, path),
    )
