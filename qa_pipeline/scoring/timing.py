"""Derived facts on timing: agent-side holds (silences ended by the agent)."""

from __future__ import annotations

from dataclasses import dataclass

from qa_pipeline.models import AGENT
from qa_pipeline.scoring.context import CallContext, Seg


@dataclass(frozen=True, slots=True)
class Hold:
    """A silent gap on the agent's side, with the turns around it."""

    start: float
    end: float
    before: Seg | None
    after: Seg
    #: how much longer than the truth the gap may read (measured on the audio)
    margin: float = 0.0

    @property
    def duration(self) -> float:
        """The hold's length in seconds."""
        return self.end - self.start


def holds(ctx: CallContext, min_gap_s: float) -> list[Hold]:
    """Silences longer than ``min_gap_s`` ended by an agent turn, nobody talking between.

    A gap measured on the audio must pass ``min_gap_s`` by ``gap_margin_s``: an energy
    measure misses the quiet edges of speech (a trailing breath, a soft onset), so its
    silences read a few tenths of a second longer than they were.
    """
    key = f"holds:{min_gap_s}"
    cached = ctx.cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    out: list[Hold] = []
    m = ctx.transcript.metrics
    if m is not None and m.silent_gaps:
        # measured on the audio (nobody talking): the more exact source when present
        margin = ctx.opts.gap_margin_s
        for a, b in m.silent_gaps:
            if b - a <= min_gap_s + margin:
                continue
            after = next((s for s in ctx.segs if s.start >= b - 0.5), None)
            if after is None or after.speaker != AGENT:
                continue
            before = [s for s in ctx.segs if s.speaker == AGENT and s.end <= a + 0.5]
            out.append(Hold(a, b, before[-1] if before else None, after, margin))
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
