"""Sampling plans: which of a night's calls get inspected, and how many are enough.

Pure and deterministic: a call is picked by a key derived from ``(seed, call_id)``, so
the same plan over the same calls always picks the same calls, whatever their order,
and a call picked from a night is still picked when more calls are added to it
(for the random-fraction plan). Every plan describes itself in words for the report.

Plan strings (CLI ``--plan``):

=================  =============================================================
``all``            every call
``fraction:0.05``  a random 5 % of the calls
``quota:5``        up to 5 random calls per agent per day (``quota:5:week``,
                   ``quota:5:month``: per ISO week or month, calls inspected on
                   earlier nights of the period count against the quota)
``stratified:0.1`` 10 % of each call type (at least one call of every type)
``risk:0.1``       10 % of the calls, drawn with weights that oversample
                   complaints, dissatisfied callers, long calls, agents in their
                   first months and topics under a recent policy change
=================  =============================================================
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist

from qa_pipeline.errors import SamplingError
from qa_pipeline.models import CallMeta

PLAN_KINDS: tuple[str, ...] = ("all", "fraction", "quota", "stratified", "risk")
PERIODS: tuple[str, ...] = ("day", "week", "month")
COMPLAINT_TYPES: tuple[str, ...] = ("投诉", "complaint")


@dataclass(frozen=True, slots=True)
class RiskWeights:
    """Oversampling weights of the ``risk`` plan (multiplied when several apply).

    Attributes:
        complaint: Weight of a complaint call (call type in ``complaint_types``).
        dissatisfied: Weight when ``satisfaction <= dissatisfied_at``.
        long_call: Weight when ``duration_s >= long_call_s``.
        new_agent: Weight when ``agent_tenure_months < new_agent_months``.
        policy_topic: Weight when the call's topic is in ``policy_topics``.
        complaint_types: Call types counted as complaints.
        dissatisfied_at: Highest rating counted as dissatisfied (1–5 scale).
        long_call_s: Calls at least this long are "long".
        new_agent_months: Agents with fewer months than this are "new".
        policy_topics: Topics under a recent policy change, e.g. ``("契税",)``.
    """

    complaint: float = 4.0
    dissatisfied: float = 4.0
    long_call: float = 2.0
    new_agent: float = 3.0
    policy_topic: float = 3.0
    complaint_types: tuple[str, ...] = COMPLAINT_TYPES
    dissatisfied_at: float = 2.0
    long_call_s: float = 600.0
    new_agent_months: float = 3.0
    policy_topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """A sampling plan (build with :func:`parse_plan` or directly).

    Attributes:
        kind: One of :data:`PLAN_KINDS`.
        fraction: Share of calls for ``fraction``, ``stratified`` and ``risk`` (0 < f <= 1).
        quota: Calls per agent per period for ``quota``.
        period: ``day``, ``week`` or ``month`` for ``quota``.
        seed: Seed of the deterministic draw.
        risk: Weights of the ``risk`` plan.
    """

    kind: str = "all"
    fraction: float | None = None
    quota: int | None = None
    period: str = "day"
    seed: int = 0
    risk: RiskWeights = field(default_factory=RiskWeights)

    def __post_init__(self) -> None:
        if self.kind not in PLAN_KINDS:
            raise SamplingError(f"unknown sampling plan {self.kind!r}; use one of {PLAN_KINDS}")
        if self.kind in ("fraction", "stratified", "risk") and not (
            self.fraction is not None and 0 < self.fraction <= 1
        ):
            raise SamplingError(f"plan {self.kind!r} needs a fraction in (0, 1]")
        if self.kind == "quota" and not (self.quota is not None and self.quota >= 1):
            raise SamplingError("plan 'quota' needs a whole number of calls >= 1")
        if self.period not in PERIODS:
            raise SamplingError(f"unknown quota period {self.period!r}; use one of {PERIODS}")

    @property
    def spec(self) -> str:
        """The plan as a CLI string (``parse_plan(plan.spec) == plan`` up to seed/weights)."""
        if self.kind == "all":
            return "all"
        if self.kind == "quota":
            return f"quota:{self.quota}" + ("" if self.period == "day" else f":{self.period}")
        return f"{self.kind}:{self.fraction:g}"


@dataclass(frozen=True, slots=True)
class Sample:
    """The calls a plan picked.

    Attributes:
        plan: The plan.
        population: Calls offered to the plan.
        selected: Picked call ids, in the order the calls were offered.
        description: The plan in words, with the counts, for the report.
        reasons: ``(call_id, reason)`` for risk-weighted picks with a risk factor.
    """

    plan: SamplingPlan
    population: int
    selected: tuple[str, ...]
    description: str
    reasons: tuple[tuple[str, str], ...] = ()


def parse_plan(text: str, *, seed: int = 0, risk: RiskWeights | None = None) -> SamplingPlan:
    """Parse a plan string such as ``fraction:0.05`` or ``quota:5`` (see module docs).

    Raises:
        SamplingError: the string is not a plan.
    """
    parts = [p.strip() for p in text.strip().lower().split(":")]
    kind = parts[0]
    if kind not in PLAN_KINDS:
        raise SamplingError(
            f"unknown sampling plan {text!r}: use all, fraction:F, quota:N[:day|week|month], "
            "stratified:F or risk:F"
        )
    weights = risk or RiskWeights()
    if kind == "all":
        if len(parts) != 1:
            raise SamplingError(f"plan {text!r}: 'all' takes no value")
        return SamplingPlan("all", seed=seed, risk=weights)
    if kind == "quota":
        if len(parts) not in (2, 3):
            raise SamplingError(f"plan {text!r}: write quota:N or quota:N:week")
        try:
            quota = int(parts[1])
        except ValueError:
            raise SamplingError(f"plan {text!r}: {parts[1]!r} is not a whole number") from None
        period = parts[2] if len(parts) == 3 else "day"
        return SamplingPlan("quota", quota=quota, period=period, seed=seed, risk=weights)
    if len(parts) != 2:
        raise SamplingError(f"plan {text!r}: write {kind}:F with F a fraction such as 0.1")
    try:
        fraction = float(parts[1].rstrip("%")) / (100 if parts[1].endswith("%") else 1)
    except ValueError:
        raise SamplingError(f"plan {text!r}: {parts[1]!r} is not a number") from None
    return SamplingPlan(kind, fraction=fraction, seed=seed, risk=weights)


def _unit(seed: int, call_id: str) -> float:
    """A uniform number in (0, 1) fixed by the seed and the call id."""
    digest = hashlib.sha256(f"{seed}\x1f{call_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def _take(n: float, total: int) -> int:
    return min(total, max(1, math.ceil(n - 1e-9))) if total else 0


def _period_key(meta: CallMeta, period: str) -> str:
    if meta.started_at is None:
        return "?"
    if period == "week":
        year, week, _ = meta.started_at.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return meta.started_at.strftime("%Y-%m")
    return meta.started_at.date().isoformat()


def risk_factors(meta: CallMeta, weights: RiskWeights) -> tuple[tuple[str, float], ...]:
    """The risk factors that apply to a call, with their weights."""
    out: list[tuple[str, float]] = []
    if meta.call_type and meta.call_type.strip().lower() in weights.complaint_types:
        out.append(("complaint", weights.complaint))
    if meta.satisfaction is not None and meta.satisfaction <= weights.dissatisfied_at:
        out.append(("dissatisfied caller", weights.dissatisfied))
    if meta.duration_s is not None and meta.duration_s >= weights.long_call_s:
        out.append(("long call", weights.long_call))
    if meta.agent_tenure_months is not None and meta.agent_tenure_months < weights.new_agent_months:
        out.append(("new agent", weights.new_agent))
    if meta.topic and meta.topic in weights.policy_topics:
        out.append(("policy change topic", weights.policy_topic))
    return tuple(out)


def describe(plan: SamplingPlan) -> str:
    """The plan in plain words (without counts)."""
    if plan.kind == "all":
        return "all calls"
    if plan.kind == "fraction":
        return f"a random {plan.fraction:.0%} of the calls (seed {plan.seed})"
    if plan.kind == "quota":
        return f"up to {plan.quota} random calls per agent per {plan.period} (seed {plan.seed})"
    if plan.kind == "stratified":
        return (
            f"a random {plan.fraction:.0%} of each call type, at least one per type "
            f"(seed {plan.seed})"
        )
    w = plan.risk
    factors = [
        f"complaints x{w.complaint:g}",
        f"satisfaction <= {w.dissatisfied_at:g} x{w.dissatisfied:g}",
        f"calls >= {w.long_call_s:g} s x{w.long_call:g}",
        f"agents < {w.new_agent_months:g} months x{w.new_agent:g}",
    ]
    if w.policy_topics:
        factors.append(f"topics {', '.join(w.policy_topics)} x{w.policy_topic:g}")
    return (
        f"{plan.fraction:.0%} of the calls drawn with risk weights "
        f"({'; '.join(factors)}) (seed {plan.seed})"
    )


def period_start(when: datetime, period: str) -> datetime:
    """Start of the ``day``/``week`` (Monday)/``month`` holding ``when`` (its time zone)."""
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def quota_taken(
    earlier: Iterable[CallMeta], period: str, exclude: Iterable[str] = ()
) -> dict[tuple[str, str], int]:
    """Calls already inspected per (agent, period) — what a quota plan has used up.

    Args:
        earlier: Calls scored on earlier nights (their agent and start time).
        period: The quota's period.
        exclude: Call ids not to count (tonight's own, on a re-run).
    """
    skip = set(exclude)
    out: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[str] = set()
    for c in earlier:
        if c.call_id in skip or c.call_id in seen:
            continue
        seen.add(c.call_id)
        out[(c.agent_id or "?", _period_key(c, period))] += 1
    return dict(out)


def sample_calls(
    calls: Sequence[CallMeta],
    plan: SamplingPlan,
    *,
    taken: Mapping[tuple[str, str], int] | None = None,
) -> Sample:
    """Apply a plan to a night's calls.

    Args:
        calls: The calls offered (call ids unique).
        plan: The plan.
        taken: For ``quota`` plans over a week or month: calls per (agent, period key)
            inspected on earlier nights (:func:`quota_taken`); they count against the
            quota, so ``quota:5:week`` means five per agent per week, not per night.

    Returns:
        The picked call ids in offered order, with the plan in words.
    """
    taken = taken or {}
    n = len(calls)
    reasons: list[tuple[str, str]] = []
    used = 0
    if plan.kind == "all":
        chosen = {c.call_id for c in calls}
    elif plan.kind == "fraction":
        assert plan.fraction is not None
        ranked = sorted(calls, key=lambda c: _unit(plan.seed, c.call_id))
        chosen = {c.call_id for c in ranked[: _take(plan.fraction * n, n)]}
    elif plan.kind in ("quota", "stratified"):
        chosen, used = _grouped_choice(calls, plan, taken)
    else:
        chosen, reasons = _risk_choice(calls, plan)
    selected = tuple(c.call_id for c in calls if c.call_id in chosen)
    text = f"{describe(plan)}: {len(selected)} of {n} calls"
    if used:
        text += f" ({used} inspected earlier in the {plan.period} counted against the quota)"
    order = {cid: i for i, cid in enumerate(selected)}
    reasons.sort(key=lambda r: order[r[0]])
    return Sample(plan, n, selected, text, tuple(reasons))


def _grouped_choice(
    calls: Sequence[CallMeta], plan: SamplingPlan, taken: Mapping[tuple[str, str], int]
) -> tuple[set[str], int]:
    """A ``quota`` or ``stratified`` pick; returns the ids and the calls taken earlier."""
    groups: dict[tuple[str, str], list[CallMeta]] = defaultdict(list)
    for c in calls:
        if plan.kind == "quota":
            groups[(c.agent_id or "?", _period_key(c, plan.period))].append(c)
        else:
            groups[(c.call_type or "?", "")].append(c)
    chosen: set[str] = set()
    used = 0
    if plan.kind == "quota":
        used = sum(taken.get(key, 0) for key in groups)
    for key, members in groups.items():
        ranked = sorted(members, key=lambda c: _unit(plan.seed, c.call_id))
        k = (
            max(0, (plan.quota or 0) - taken.get(key, 0))
            if plan.kind == "quota"
            else _take((plan.fraction or 0) * len(members), len(members))
        )
        chosen.update(c.call_id for c in ranked[:k])
    return chosen, used


def _risk_choice(
    calls: Sequence[CallMeta], plan: SamplingPlan
) -> tuple[set[str], list[tuple[str, str]]]:
    """A ``risk`` pick; returns the ids and ``(call id, risk factors)`` per risky pick."""
    # weighted sampling without replacement (Efraimidis–Spirakis): key = u ** (1 / w)
    assert plan.fraction is not None
    n = len(calls)
    weighted = []
    for c in calls:
        factors = risk_factors(c, plan.risk)
        weight = math.prod(w for _, w in factors) if factors else 1.0
        weighted.append((_unit(plan.seed, c.call_id) ** (1.0 / weight), c, factors))
    weighted.sort(key=lambda t: t[0], reverse=True)
    picked = weighted[: _take(plan.fraction * n, n)]
    chosen = {c.call_id for _, c, _ in picked}
    reasons = [(c.call_id, ", ".join(name for name, _ in f)) for _, c, f in picked if f]
    return chosen, reasons


def sample_size(
    margin: float = 0.05,
    confidence: float = 0.95,
    expected_rate: float = 0.5,
    population: int | None = None,
) -> int:
    """Calls to inspect to estimate a rate within ``±margin`` at a confidence level.

    ``n0 = z² p (1 − p) / e²`` with the finite-population correction
    ``n = n0 / (1 + (n0 − 1) / N)`` when ``population`` is given.

    Args:
        margin: Half-width of the confidence interval (0.05 = ±5 points).
        confidence: Confidence level, e.g. 0.95.
        expected_rate: Expected rate (e.g. of failed calls); 0.5 is the safe maximum.
        population: Calls in the period; ``None`` for an unbounded population.

    Raises:
        SamplingError: an argument is out of range.
    """
    if not 0 < margin < 1:
        raise SamplingError("margin must be between 0 and 1 (e.g. 0.05)")
    if not 0 < confidence < 1:
        raise SamplingError("confidence must be between 0 and 1 (e.g. 0.95)")
    if not 0 <= expected_rate <= 1:
        raise SamplingError("expected rate must be between 0 and 1 (e.g. 0.2)")
    if population is not None and population < 1:
        raise SamplingError("population must be at least 1")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n0 = z * z * expected_rate * (1 - expected_rate) / (margin * margin)
    n = n0 if population is None else n0 / (1 + (n0 - 1) / population)
    size = max(1, math.ceil(n - 1e-9))
    return size if population is None else min(size, population)
