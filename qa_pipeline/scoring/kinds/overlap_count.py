"""overlap_count: interruptions, the agent starting while the caller talks (不抢话)."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Literal

from qa_pipeline.rubric.checks import Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    failed,
    passed,
    review,
)
from qa_pipeline.scoring.registry import check_kind

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext, Seg


class OverlapCount(Strict):
    """Counts interruptions: ``by`` starts while ``over`` talks, overlapping > min_overlap_s."""

    kind: Literal["overlap_count"]
    min_overlap_s: float = 1.0
    max_allowed: int = 1
    by: str = "agent"
    over: str = "caller"

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(
            lang,
            "overlap_count",
            min_overlap_s=self.min_overlap_s,
            max_allowed=self.max_allowed,
        )


def interruptions(ctx: CallContext, p: OverlapCount) -> list[tuple[Seg, Seg, float]]:
    """The turns of ``p.by`` that talk over ``p.over``.

    ``(by_seg, over_seg, overlap_s)`` for each turn of ``p.by`` that starts while
    ``p.over`` is talking and overlaps it by more than ``p.min_overlap_s``.
    """
    over = ctx.of(p.over)
    starts = [o.start for o in over]
    out = []
    for s in ctx.of(p.by):
        # the few turns of ``over`` that started before this one (segments are in start order)
        k = bisect.bisect_left(starts, s.start)
        for o in reversed(over[max(0, k - 3) : k]):
            if o.end <= s.start:
                continue
            overlap = min(o.end, s.end) - s.start
            if overlap > p.min_overlap_s + 1e-9:
                out.append((s, o, overlap))
                break
    return out


@check_kind(OverlapCount)
def overlap_count(ctx: CallContext, item: Item, p: OverlapCount) -> Outcome:
    """Fails when the agent talks over the caller more than ``max_allowed`` times."""
    if not ctx.has_times:
        return review(ctx.msg("no_times_overlap"))
    m = ctx.transcript.metrics
    if m is not None and m.overlaps:
        # measured on the audio: trust it, quoting the segment that starts the overlap
        events = [
            o
            for o in m.overlaps
            if o.by == p.by and o.over == p.over and o.duration > p.min_overlap_s
        ]
        evid = tuple(
            s
            for o in events
            for s in ctx.segs
            if s.speaker == p.by and abs(s.start - o.start) < 1.0
        )
        n = len(events)
    else:
        found = interruptions(ctx, p)
        n = len(found)
        evid = tuple(s for s, _, _ in found)
    if n > p.max_allowed:
        at = ctx.msg("sep").join(ctx.where(s) for s in evid)
        # timing, not words: recognition confidence does not matter
        out = failed(ctx.msg("interruptions_fail", n=n, max=p.max_allowed, at=at), evid)
        return Outcome(out.status, out.reason, out.evidence, ())
    return passed(ctx.msg("interruptions_ok", n=n), *evid)
