"""Check kinds on timing: interruptions (overlap count) and holds (gap etiquette)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from qa_pipeline.models import AGENT
from qa_pipeline.rubric.checks import GapEtiquette, OverlapCount
from qa_pipeline.rubric.schema import Item
from qa_pipeline.scoring.base import Outcome, failed, passed, quote, review
from qa_pipeline.scoring.context import CallContext, Seg


def interruptions(ctx: CallContext, p: OverlapCount) -> list[tuple[Seg, Seg, float]]:
    """``(by_seg, over_seg, overlap_s)`` for each turn of ``p.by`` that starts while
    ``p.over`` is talking and overlaps it by more than ``p.min_overlap_s``."""
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


@dataclass(frozen=True, slots=True)
class Hold:
    start: float
    end: float
    before: Seg | None
    after: Seg

    @property
    def duration(self) -> float:
        return self.end - self.start


def holds(ctx: CallContext, min_gap_s: float) -> list[Hold]:
    """Silences longer than ``min_gap_s`` ended by an agent turn, nobody talking between."""
    key = f"holds:{min_gap_s}"
    cached = ctx.cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    out: list[Hold] = []
    m = ctx.transcript.metrics
    if m is not None and m.silent_gaps:
        # measured on the audio (nobody talking): the more exact source when present
        for a, b in m.silent_gaps:
            if b - a <= min_gap_s:
                continue
            after = next((s for s in ctx.segs if s.start >= b - 0.5), None)
            if after is None or after.speaker != AGENT:
                continue
            before = [s for s in ctx.segs if s.speaker == AGENT and s.end <= a + 0.5]
            out.append(Hold(a, b, before[-1] if before else None, after))
    else:
        latest_end = None
        last_agent: Seg | None = None
        for s in ctx.segs:
            if latest_end is not None and s.speaker == AGENT and s.start - latest_end > min_gap_s:
                out.append(Hold(latest_end, s.start, last_agent, s))
            latest_end = s.end if latest_end is None else max(latest_end, s.end)
            if s.speaker == AGENT:
                last_agent = s
    ctx.cache[key] = out
    return out


def gap_etiquette(ctx: CallContext, item: Item, p: GapEtiquette) -> Outcome:
    """Each hold is announced before; a long hold is followed by thanks or an apology."""
    if not ctx.has_times:
        return review(ctx.msg("no_times_hold"))
    found = holds(ctx, p.min_gap_s)
    if not found:
        return passed(ctx.msg("no_hold"))
    before = ctx.cr.group(p.before)
    after = ctx.cr.group(p.after)
    problems: list[str] = []
    evid: list[Seg] = []
    hinge: list[Seg] = []
    looked_for: list[str] = []
    for h in found:
        if h.before is None or not ctx.matches(before, h.before):
            said = f"「{quote(h.before)}」" if h.before else ctx.msg("nothing")
            problems.append(
                ctx.msg("hold_unannounced", d=f"{h.duration:.1f}", t=f"{h.start:.1f}", said=said)
            )
            evid.extend(s for s in (h.before, h.after) if s is not None)
            hinge.extend(s for s in (h.before,) if s is not None)
            looked_for.extend(before.phrases)
        elif h.duration > p.long_gap_s and not ctx.matches(after, h.after):
            problems.append(
                ctx.msg("hold_no_thanks", d=f"{h.duration:.1f}", t=f"{h.after.start:.1f}")
            )
            evid.extend((h.before, h.after))
            hinge.append(h.after)
            looked_for.extend(after.phrases)
    if problems:
        return failed(ctx.msg("sep").join(problems), tuple(evid), tuple(hinge), tuple(looked_for))
    return passed(ctx.msg("holds_ok", n=len(found)), *(h.after for h in found))
