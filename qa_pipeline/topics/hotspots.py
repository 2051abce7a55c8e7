"""Hotspots (热点): topics ranked per period, with tests that tell a rise from noise.

Two questions per topic, each a one-sided two-proportion z-test on the topic's **share**
of calls (so a busier month does not make every topic "rise"):

* against the previous period: is the share higher than before?
* within the period: is the share of the last ``recent_days`` days higher than the
  share of the days before them (a surge at the end of the month)?

Many topics are tested at once, two tests each, so each p-value is compared with
``alpha`` divided by twice the number of topics tested (Bonferroni): a month of ordinary
noise reports no hotspot. The tests count citizens, not calls: a repeat call (the same
caller on the same topic within the repeat window) adds to the volume shown but not to
the evidence of a rise, since one caller calling three times is not three callers.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from qa_pipeline.topics.taxonomy import UNKNOWN


@dataclass(frozen=True, slots=True)
class TopicCall:
    """One call as the topic analyses see it.

    Attributes:
        call_id: The call.
        started_at: When it started (timezone-aware).
        topic: Its topic id, or ``unknown``.
        text: The caller's request (for emerging topics; redacted as stored).
        repeat: Whether the call repeats an earlier one by the same caller on the topic.
    """

    call_id: str
    started_at: datetime
    topic: str
    text: str = ""
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class HotspotOptions:
    """How hotspots are found.

    Attributes:
        alpha: Family-wise significance level over all topics tested.
        min_calls: A topic needs at least this many calls in the period to be a hotspot.
        recent_days: The end-of-period window of the surge test.
    """

    alpha: float = 0.01
    min_calls: int = 5
    recent_days: int = 7


@dataclass(frozen=True, slots=True)
class TopicTrend:
    """One topic in one period.

    Attributes:
        topic: Topic id (``unknown`` included, never a hotspot).
        calls: Calls in the period.
        previous: Calls in the previous period.
        share: Share of the period's calls.
        change: ``calls / previous - 1`` (``None`` without previous calls).
        p_previous: p-value of "share rose against the previous period".
        recent: First calls (not repeats) in the last ``recent_days`` days.
        p_recent: p-value of "share rose in the last days against the earlier days".
        hotspot: Whether either test is significant (after the correction).
        call_ids: The period's calls of the topic (every number traces to them).
    """

    topic: str
    calls: int
    previous: int
    share: float
    change: float | None
    p_previous: float
    recent: int
    p_recent: float
    hotspot: bool
    call_ids: tuple[str, ...]


def share_rise_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """One-sided p-value that share ``k1/n1`` is above share ``k0/n0`` (pooled z-test).

    Returns 1.0 when either side has no calls or the pooled share is 0 or 1.
    """
    if n1 <= 0 or n0 <= 0:
        return 1.0
    pooled = (k1 + k0) / (n1 + n0)
    if pooled <= 0.0 or pooled >= 1.0:
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    z = (k1 / n1 - k0 / n0) / se
    return 0.5 * math.erfc(z / math.sqrt(2))


def _recent_split(
    calls: Sequence[TopicCall], days: int
) -> tuple[Counter[str], int, Counter[str], int]:
    """Topic counts and totals of the last ``days`` days and of the days before them."""
    if not calls:
        return Counter(), 0, Counter(), 0
    end = max(c.started_at for c in calls)
    cut = end - timedelta(days=days)
    late = Counter(c.topic for c in calls if c.started_at > cut)
    early = Counter(c.topic for c in calls if c.started_at <= cut)
    return late, sum(late.values()), early, sum(early.values())


def topic_trends(
    current: Sequence[TopicCall],
    previous: Sequence[TopicCall],
    options: HotspotOptions | None = None,
) -> list[TopicTrend]:
    """Every topic of the period ranked by volume, with its change and its tests.

    Args:
        current: The period's calls.
        previous: The previous period's calls (may be empty: no comparison).
        options: Significance level, minimum calls, surge window.

    Returns:
        One :class:`TopicTrend` per topic seen in either period, most calls first.
    """
    opts = options or HotspotOptions()
    now, before = Counter(c.topic for c in current), Counter(c.topic for c in previous)
    first_now = [c for c in current if not c.repeat]
    first_before = [c for c in previous if not c.repeat]
    k1, k0 = Counter(c.topic for c in first_now), Counter(c.topic for c in first_before)
    n1, n0 = len(first_now), len(first_before)
    late, n_late, early, n_early = _recent_split(first_now, opts.recent_days)
    ids: defaultdict[str, list[str]] = defaultdict(list)
    for c in current:
        ids[c.topic].append(c.call_id)
    topics = sorted(set(now) | set(before), key=lambda t: (-now[t], -before[t], t))
    tested = max(1, sum(1 for t in topics if t != UNKNOWN and now[t] >= opts.min_calls))
    level = opts.alpha / (2 * tested)
    out: list[TopicTrend] = []
    for t in topics:
        p_prev = share_rise_p(k1[t], n1, k0[t], n0)
        p_recent = share_rise_p(late[t], n_late, early[t], n_early)
        eligible = t != UNKNOWN and now[t] >= opts.min_calls
        out.append(
            TopicTrend(
                topic=t,
                calls=now[t],
                previous=before[t],
                share=now[t] / len(current) if current else 0.0,
                change=(now[t] / before[t] - 1) if before[t] else None,
                p_previous=p_prev,
                recent=late[t],
                p_recent=p_recent,
                hotspot=eligible and min(p_prev, p_recent) < level,
                call_ids=tuple(ids[t]),
            )
        )
    return out
