"""Statistics and periods: known values, rules, errors."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qa_pipeline.errors import ReportError
from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports.periods import parse_period, shift


def test_wilson_matches_known_values() -> None:
    # Wilson 95% for 8/10 and 0/10 (e.g. statsmodels proportion_confint method="wilson")
    lo, hi = agg.wilson(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    lo, hi = agg.wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    assert all(math.isnan(v) for v in agg.wilson(0, 0))
    vlo, vhi = agg.wilson_arrays([8, 0], [10, 10])
    assert vlo[0] == pytest.approx(0.4902, abs=1e-4) and vhi[1] == pytest.approx(0.2775, abs=1e-4)


def test_mean_interval_t_and_bootstrap() -> None:
    x = [70.0, 80.0, 90.0, 85.0, 75.0]
    t = agg.mean_interval(x)
    # mean 80, sd 7.9057, t(0.975, 4) = 2.7764 → half width 9.8164
    assert t.mean == pytest.approx(80.0) and t.high - t.mean == pytest.approx(9.8164, abs=1e-3)
    b1 = agg.mean_interval(x, "bootstrap", seed=3)
    b2 = agg.mean_interval(x, "bootstrap", seed=3)
    assert b1 == b2 and b1.low < 80 < b1.high and b1.high - b1.low < t.high - t.low + 5
    assert math.isnan(agg.mean_interval([1.0]).low)


def test_two_proportion_uses_z_for_large_and_fisher_for_small_counts() -> None:
    test, p = agg.two_proportion_test(60, 100, 85, 100)
    assert test == "z" and p < 0.001
    test, p = agg.two_proportion_test(1, 4, 3, 4)
    assert test == "fisher" and p == pytest.approx(0.4857, abs=1e-3)
    assert agg.two_proportion_test(0, 0, 1, 2)[0] == ""


def _agent_rates(spec: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for agent, (fails, n) in spec.items():
        rows += [("x", agent, "fail" if k < fails else "pass") for k in range(n)]
    items = pd.DataFrame(rows, columns=["item_id", "agent_id", "status"])
    items["points"], items["awarded"] = 10.0, (items["status"] == "pass") * 10.0
    return agg.item_rates(items, by=["agent_id"])


def test_common_individual_and_thin_rule() -> None:
    common = agg.classify_items(_agent_rates({"a": (3, 10), "b": (2, 10), "c": (0, 10)}))
    assert common.loc[0, "category"] == "common" and common.loc[0, "weak_agents"] == 2
    indiv = agg.classify_items(_agent_rates({"a": (5, 10), "b": (0, 10), "c": (1, 10)}))
    assert indiv.loc[0, "category"] == "individual" and indiv.loc[0, "weak_agent_ids"] == "a"
    # 4 of 4 failed, but only 4 opportunities: thin, never a fact
    thin = agg.classify_items(_agent_rates({"a": (4, 4)}))
    assert thin.loc[0, "category"] == "thin"


def test_training_priority_weights() -> None:
    rates = pd.DataFrame(
        {
            "item_id": ["x", "y"],
            "opportunities": [100, 50],
            "points_lost": [10.0, 40.0],
            "fail_rate": [0.1, 0.5],
        }
    )
    classes = pd.DataFrame({"item_id": ["x", "y"], "coverage": [0.0, 1.0]})
    p = agg.training_priority(rates, classes).set_index("item_id")["priority"]
    assert p["x"] == pytest.approx(100 * (0.4 * 1 + 0.3 * 0.25 + 0))
    assert p["y"] == pytest.approx(100 * (0.4 * 0.5 + 0.3 * 1 + 0.3 * 1))


def test_latest_version_per_call() -> None:
    scores = pd.DataFrame(
        {
            "call_id": ["c1", "c1", "c2", "c3"],
            "rubric_id": ["r", "r", "r", "o"],
            "rubric_version": ["2026.2", "2026.10", "2026.2", "1"],
            "score": [1.0, 2.0, 3.0, 4.0],
        }
    )
    items = scores.assign(item_id="i")
    s, i = agg.latest_version(scores, items, "r")
    assert sorted(zip(s["call_id"], s["score"], strict=True)) == [("c1", 2.0), ("c2", 3.0)]
    assert len(i) == 2


def test_periods() -> None:
    m = parse_period("month:2026-11")
    assert (m.start.isoformat(), m.end.isoformat()) == (
        "2026-11-01T00:00:00+08:00",
        "2026-12-01T00:00:00+08:00",
    )
    assert m.previous().spec == "month:2026-10"
    w = parse_period("week:2026-W47")
    assert w.start.date().isoformat() == "2026-11-16" and w.previous().spec == "week:2026-W46"
    r = parse_period("range:2026-11-01..2026-11-15", "UTC")
    assert (r.end - r.start).days == 15 and r.previous().spec == "range:2026-10-17..2026-10-31"
    assert parse_period("day:2026-01-01").previous().spec == "day:2025-12-31"
    assert shift(parse_period("month:2026-01"), -2).spec == "month:2025-11"
    for bad in (
        "2026-11",
        "month:2026-13",
        "week:2026-W60",
        "year:2026",
        "range:2026-11-05..2026-11-01",
    ):
        with pytest.raises(ReportError):
            parse_period(bad)
    with pytest.raises(ReportError):
        parse_period("day:2026-11-01", "Mars/Base")


def test_weekly_trend_buckets_start_on_monday() -> None:
    t = pd.to_datetime(["2026-11-16 09:00", "2026-11-22 20:00", "2026-11-23 08:00"])
    scores = pd.DataFrame(
        {"started_at": t.tz_localize("Asia/Shanghai"), "score": [80.0, 90.0, 70.0]}
    )
    tr = agg.trend(scores, "W-MON", "Asia/Shanghai", 80.0)
    assert [b.strftime("%m-%d") for b in tr["bucket"]] == ["11-16", "11-23"]
    assert tr["calls"].tolist() == [2, 1] and tr["pass_rate"].tolist() == [1.0, 0.0]
