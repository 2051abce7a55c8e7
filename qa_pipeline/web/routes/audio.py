"""A call's recording, streamed with ``Range`` support (a call the user may see)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review import NotFoundError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.web.audio import stream_file
from qa_pipeline.web.deps import Ctx, allowed, web

router = APIRouter(tags=["audio"])


@router.get("/calls/{call_id:path}/audio")
def audio(
    request: Request, call_id: str, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))
) -> Response:
    """The call's audio file.

    Raises:
        NotFoundError: a vendor transcript (no audio), or the file is gone.
    """
    rec = web(request).bench.call_visible(ctx.user, call_id)
    # the path comes from the store only; nothing in the request names a file
    if rec.is_transcript or not rec.path:
        raise NotFoundError(f"call {call_id!r} has no recording (vendor transcript)", "no_audio")
    path = Path(rec.path)
    if not path.is_file():
        raise NotFoundError(
            f"the recording of {call_id!r} is gone (deleted or moved)", "audio_gone"
        )
    return stream_file(path, request.headers.get("range"))
