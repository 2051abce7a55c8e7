"""Generated months of hotline calls, classified by the shipped classifier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from qa_pipeline.topics.callers import CallerCall, link_repeats
from qa_pipeline.topics.classify import default_classifier, load_labelled
from qa_pipeline.topics.generate import MonthPlan, PlannedCall, generate_month
from qa_pipeline.topics.hotspots import TopicCall

TZ = timezone(timedelta(hours=8))

Month = tuple[list[PlannedCall], list[TopicCall]]


@pytest.fixture(scope="session")
def make_month() -> Callable[..., Month]:
    """``make_month(year, month, **plan)``: the planned calls and their classified topics.

    Known-topic calls reuse the labelled requests the classifier places (a month where
    it does its job), so what is tested is the hotspot and cluster logic.
    """
    clf = default_classifier()
    labelled = load_labelled()
    guesses = clf.classify([c.text for c in labelled])
    placeable = [c for c, g in zip(labelled, guesses, strict=True) if g.topic == c.topic]

    def make(year: int, month: int, **plan: object) -> Month:
        start = datetime(year, month, 1, tzinfo=TZ)
        calls = generate_month(MonthPlan(start=start, **plan), placeable)  # type: ignore[arg-type]
        topics = clf.classify([c.text for c in calls])
        # repeat calls marked as the report marks them (the hotspot tests count citizens)
        links = link_repeats(
            CallerCall(c.call_id, c.started_at, c.caller, g.topic)
            for c, g in zip(calls, topics, strict=True)
        )
        classified = [
            TopicCall(c.call_id, c.started_at, g.topic, c.text, c.call_id in links.repeat_of)
            for c, g in zip(calls, topics, strict=True)
        ]
        return calls, classified

    return make
