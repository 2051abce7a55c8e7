"""Full-text search in the stored (redacted) transcripts (agents: their own calls)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.search import SearchPage, search_transcripts
from qa_pipeline.store.search import MAX_QUERY
from qa_pipeline.web.deps import Ctx, allowed, render, web
from qa_pipeline.web.forms import whole

router = APIRouter(tags=["search"])


@router.get("/search")
def search(request: Request, ctx: Ctx = Depends(allowed(Permission.VIEW_CALLS))) -> Response:
    """The search form and one page of turns containing ``q`` (newest stored first)."""
    q = request.query_params
    text = (q.get("q") or "").strip()
    page = SearchPage((), None, False)
    if text:
        before = whole(q.get("before"), "before", 0) or None
        page = search_transcripts(web(request).store, ctx.user, text, before)
    next_url = ""
    if page.next_before is not None:
        next_url = f"/search?{urlencode({'q': text, 'before': page.next_before})}"
    return render(
        request,
        "search.html.j2",
        ctx,
        text=text,
        hits=page.hits,
        window_done=page.window_done,
        next_url=next_url,
        first=not q.get("before"),
        max_len=MAX_QUERY,
    )
