"""Sampling plans and sample sizes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from qa_pipeline.errors import SamplingError
from qa_pipeline.intake.sampling import RiskWeights, parse_plan, sample_calls, sample_size
from qa_pipeline.models import CallMeta

TZ = timezone(timedelta(hours=8))


def _calls(n: int = 200) -> list[CallMeta]:
    types = ["咨询", "投诉", "求助", "举报"]
    return [
        CallMeta(
            call_id=f"c{i:04d}",
            agent_id=f"A{i % 10}",
            team="一组" if i % 2 else "二组",
            started_at=datetime(2026, 11, 16 + i % 3, 9, 0, tzinfo=TZ),
            call_type=types[i % 4] if i % 50 else "建议",
            duration_s=float(60 + (i * 37) % 900),
            satisfaction=float(1 + i % 5),
            agent_tenure_months=float(i % 24),
        )
        for i in range(n)
    ]


def test_parse_plans_and_specs() -> None:
    assert parse_plan("all").kind == "all"
    assert parse_plan("fraction:0.05").fraction == pytest.approx(0.05)
    assert parse_plan("fraction:5%").fraction == pytest.approx(0.05)
    q = parse_plan("quota:5:week")
    assert (q.quota, q.period, q.spec) == (5, "week", "quota:5:week")
    assert parse_plan("risk:0.1").spec == "risk:0.1"
    for bad in ("some", "fraction", "fraction:2", "quota:x", "quota:0", "all:1", "quota:5:year"):
        with pytest.raises(SamplingError):
            parse_plan(bad)


def test_all_and_fraction_are_deterministic_and_order_free() -> None:
    calls = _calls()
    assert sample_calls(calls, parse_plan("all")).selected == tuple(c.call_id for c in calls)
    a = sample_calls(calls, parse_plan("fraction:0.1", seed=3))
    b = sample_calls(list(reversed(calls)), parse_plan("fraction:0.1", seed=3))
    c = sample_calls(calls, parse_plan("fraction:0.1", seed=4))
    assert len(a.selected) == 20
    assert set(a.selected) == set(b.selected)
    assert set(a.selected) != set(c.selected)
    assert "random 10%" in a.description and "20 of 200" in a.description


def test_quota_per_agent_per_day() -> None:
    calls = _calls()
    s = sample_calls(calls, parse_plan("quota:2"))
    per: dict[tuple[str | None, object], int] = {}
    meta = {c.call_id: c for c in calls}
    for cid in s.selected:
        m = meta[cid]
        key = (m.agent_id, m.started_at.date() if m.started_at else None)
        per[key] = per.get(key, 0) + 1
    assert per and max(per.values()) == 2
    assert len(per) == len({(c.agent_id, c.started_at.date()) for c in calls if c.started_at})


def test_stratified_keeps_every_call_type() -> None:
    calls = _calls()
    s = sample_calls(calls, parse_plan("stratified:0.05"))
    picked = {c.call_type for c in calls if c.call_id in s.selected}
    assert picked == {c.call_type for c in calls}  # the rare 建议 type is still there


def test_risk_oversamples_risky_calls() -> None:
    calls = _calls(1000)
    weights = RiskWeights(policy_topics=("契税",))
    plan = parse_plan("risk:0.1", risk=weights)
    s = sample_calls(calls, plan)
    complaints = sum(c.call_type == "投诉" for c in calls) / len(calls)
    chosen = [c for c in calls if c.call_id in set(s.selected)]
    assert len(chosen) == 100
    assert sum(c.call_type == "投诉" for c in chosen) / len(chosen) > 1.5 * complaints
    assert s.reasons and all(r for _, r in s.reasons)
    assert "risk weights" in s.description


def test_sample_size_with_finite_population_correction() -> None:
    assert sample_size(0.05, 0.95, 0.2) == 246
    assert sample_size(0.05, 0.95, 0.2, population=1000) == 198
    assert sample_size(0.05, 0.95, 0.5, population=100) <= 100
    with pytest.raises(SamplingError):
        sample_size(margin=0)


def test_weekly_quota_counts_calls_inspected_on_earlier_nights() -> None:
    from qa_pipeline.intake.sampling import period_start, quota_taken

    calls = [c for c in _calls() if c.agent_id in ("A1", "A2")]  # 40 calls, Mon–Wed
    # Monday's night already inspected 3 of A1's calls and 1 of A2's (and one of tonight's,
    # which does not count: a re-run)
    monday = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    earlier = [
        CallMeta("old1", agent_id="A1", started_at=monday),
        CallMeta("old2", agent_id="A1", started_at=monday),
        CallMeta("old3", agent_id="A1", started_at=monday),
        CallMeta("old4", agent_id="A2", started_at=monday),
        CallMeta("old4", agent_id="A2", started_at=monday),  # one call, two rubrics
        CallMeta(calls[0].call_id, agent_id=calls[0].agent_id, started_at=monday),
        CallMeta("lastweek", agent_id="A2", started_at=monday - timedelta(days=3)),
    ]
    taken = quota_taken(earlier, "week", exclude=[c.call_id for c in calls])
    assert taken == {("A1", "2026-W47"): 3, ("A2", "2026-W47"): 1, ("A2", "2026-W46"): 1}
    s = sample_calls(calls, parse_plan("quota:4:week"), taken=taken)
    per = {
        a: sum(1 for c in calls if c.call_id in s.selected and c.agent_id == a)
        for a in ("A1", "A2")
    }
    assert per == {"A1": 1, "A2": 3}
    assert "4 inspected earlier in the week counted against the quota" in s.description
    full = sample_calls(calls, parse_plan("quota:4:week"), taken={("A1", "2026-W47"): 9})
    assert not any(c.agent_id == "A1" and c.call_id in full.selected for c in calls)
    assert period_start(datetime(2026, 11, 19, 15, 30, tzinfo=TZ), "week") == datetime(
        2026, 11, 16, tzinfo=TZ
    )
    assert period_start(datetime(2026, 11, 19, 15, 30, tzinfo=TZ), "month").day == 1
