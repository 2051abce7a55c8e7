"""Hotspots and emerging topics on generated months: planted effects found, noise not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from qa_pipeline.topics.emerging import emerging_topics
from qa_pipeline.topics.hotspots import TopicCall, share_rise_p, topic_trends

Month = Callable[..., tuple[list, list[TopicCall]]]


def test_share_rise_p() -> None:
    assert share_rise_p(30, 100, 10, 100) < 0.001
    assert share_rise_p(10, 100, 10, 100) == pytest.approx(0.5)
    assert share_rise_p(10, 100, 30, 100) > 0.99
    assert share_rise_p(0, 0, 3, 10) == 1.0
    assert share_rise_p(0, 10, 0, 10) == 1.0


def test_planted_rise_and_new_topic_are_reported(make_month: Month) -> None:
    _, previous = make_month(2026, 10, days=31, per_day=200, odd=12, seed=1)
    planned, current = make_month(
        2026, 11, per_day=200, rise_topic="environment.noise", emerging=20, odd=12, seed=2
    )
    trends = topic_trends(current, previous)
    hot = [t.topic for t in trends if t.hotspot]
    assert hot == ["environment.noise"]
    noise = next(t for t in trends if t.topic == "environment.noise")
    assert noise.p_recent < 1e-6 and noise.recent > 90
    assert sorted(noise.call_ids) == sorted(c.call_id for c in current if c.topic == noise.topic)
    assert [t.calls for t in trends] == sorted((t.calls for t in trends), reverse=True)

    found = emerging_topics(current, [c.text for c in current if c.topic != "unknown"])
    assert len(found) == 1
    cluster = found[0]
    truth = {c.call_id for c in planned if c.topic == "emerging"}
    assert len(cluster.call_ids) >= 10 and set(cluster.call_ids) <= truth
    assert "充电桩" in cluster.words[:2]
    assert cluster.examples and all("充电" in e for e in cluster.examples)


def test_quiet_months_have_no_emerging_topic_and_hotspots_only_at_the_test_level(
    make_month: Month,
) -> None:
    """Ten quiet months: no emerging topic in any, a false hotspot in at most one.

    A hotspot is a test at α = 0.01 over all topics (Bonferroni), so about one quiet
    month in a hundred may show one by chance; the generator's repeat callers copy
    topics from the last ten days, which makes it somewhat likelier (one of twenty
    seeds, 3..22, did when this was written). Asserting every fixed seed clean would
    pin one draw of the generator, not the rate.
    """
    _, previous = make_month(2026, 10, days=31, per_day=200, odd=12, seed=1)
    false_months = 0
    for seed in range(3, 13):
        _, current = make_month(2026, 11, per_day=200, odd=12, seed=seed)
        false_months += any(t.hotspot for t in topic_trends(current, previous))
        assert emerging_topics(current, [c.text for c in current]) == [], seed
    assert false_months <= 1


def test_no_previous_period_and_tiny_inputs() -> None:
    tz = timezone(timedelta(hours=8))
    t0 = datetime(2026, 11, 1, 9, tzinfo=tz)
    calls = [TopicCall(f"c{i}", t0 + timedelta(days=i), "tax.invoice", "发票") for i in range(3)]
    trends = topic_trends(calls, [])
    assert len(trends) == 1 and trends[0].change is None and not trends[0].hotspot
    assert topic_trends([], []) == []
    assert emerging_topics(calls) == []
