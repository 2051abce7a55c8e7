"""The hotline bulletin's data: every call of the period with its topic, repeats and quality.

:func:`prepare` joins what the store holds (calls received, scores, item verdicts) with
what :mod:`qa_pipeline.topics` works out (topic per call, hotspots, emerging topics,
repeat links), into one :class:`HotlineData` that the section functions of
:mod:`.hotline` only read. Every call of the period is kept: a call without a caller
number is counted and never linked, a call without a transcript is ``unknown`` (or the
manifest's topic when it names a taxonomy topic).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports.periods import Period
from qa_pipeline.topics.callers import (
    CallerCall,
    RepeatLinks,
    RepeatRate,
    failed_notice_repeats,
    link_repeats,
    rates_by_item,
)
from qa_pipeline.topics.classify import TopicClassifier, default_classifier
from qa_pipeline.topics.emerging import EmergingOptions, EmergingTopic, emerging_topics
from qa_pipeline.topics.hotspots import HotspotOptions, TopicCall, TopicTrend, topic_trends
from qa_pipeline.topics.taxonomy import UNKNOWN, Taxonomy


@dataclass(frozen=True)
class HotlineOptions:
    """Knobs of the hotline bulletin.

    Attributes:
        classifier: Topic classifier (default: the shipped taxonomy and labelled calls).
        repeat_window_days: A repeat call comes within this many days (重复来电).
        notice_days: Window of the 一次性告知 check.
        hotspots: Significance level, minimum calls, surge window.
        emerging: Cluster size and naming.
    """

    classifier: TopicClassifier | None = None
    repeat_window_days: float = 7.0
    notice_days: float = 7.0
    hotspots: HotspotOptions = field(default_factory=HotspotOptions)
    emerging: EmergingOptions = field(default_factory=EmergingOptions)


@dataclass(frozen=True)
class HotlineData:
    """Everything the bulletin's sections read.

    Attributes:
        period: The period.
        taxonomy: The topic tree.
        calls: The period's calls: ``CALL_COLUMNS`` plus ``topic_id``, ``confidence``,
            ``category``, ``score``, ``followed_by``, ``repeat_of`` and ``linkable``.
        previous: The previous period's calls (with ``topic_id`` and ``category``).
        statuses: Call id → item id → final verdict, for the period's scored calls.
        trends: Topics ranked, with change and tests.
        emerging: Emerging topics among the calls left ``unknown``.
        links: Repeat links over the period (and the window after it).
        notice: Calls whose 一次性告知 failed → the repeat call within ``notice_days``.
        item_repeats: Item id → (repeat rate after pass, after fail).
        item_names: Item id → name.
    """

    period: Period
    taxonomy: Taxonomy
    calls: pd.DataFrame
    previous: pd.DataFrame
    statuses: Mapping[str, Mapping[str, str]]
    trends: list[TopicTrend]
    emerging: list[EmergingTopic]
    links: RepeatLinks
    notice: Mapping[str, str]
    item_repeats: Mapping[str, tuple[RepeatRate, RepeatRate]]
    item_names: Mapping[str, str]


def _leaf_by_name(taxonomy: Taxonomy) -> dict[str, str]:
    """Leaf id and name → leaf id (a manifest topic may use either)."""
    out: dict[str, str] = {}
    for t in taxonomy.leaves:
        out[t.id] = t.id
        out[t.name] = t.id
    return out


def assign_topics(calls: pd.DataFrame, classifier: TopicClassifier) -> pd.DataFrame:
    """``calls`` with ``topic_id``, ``confidence`` and ``category`` added.

    The caller's turns decide; a call without them takes the manifest's topic when that
    names a taxonomy topic, else it is ``unknown``.
    """
    out = calls.copy()
    guesses = classifier.classify(out["caller_text"].fillna("").astype(str).tolist())
    names = _leaf_by_name(classifier.taxonomy)
    topics, confidence = [], []
    for g, text, tag in zip(guesses, out["caller_text"], out["topic"], strict=True):
        manifest = names.get(str(tag).strip()) if tag else None
        if not str(text or "").strip() and manifest:
            topics.append(manifest)
            confidence.append(1.0)
        else:
            topics.append(g.topic)
            confidence.append(g.confidence)
    out["topic_id"] = topics
    out["confidence"] = confidence
    out["category"] = [classifier.taxonomy.category(t) for t in topics]
    return out


def _text(value: Any) -> str | None:
    """A text cell, ``None`` for a missing one."""
    return value if isinstance(value, str) and value else None


def _caller_calls(calls: pd.DataFrame) -> list[CallerCall]:
    columns = ("call_id", "started_at", "caller_key", "topic_id", "agent_id", "team")
    return [
        CallerCall(str(c), t.to_pydatetime(), _text(k), str(topic), _text(a), _text(team))
        for c, t, k, topic, a, team in zip(*(calls[col] for col in columns), strict=True)
    ]


def _topic_calls(calls: pd.DataFrame, links: RepeatLinks) -> list[TopicCall]:
    return [
        TopicCall(str(c), t.to_pydatetime(), str(k), str(x), str(c) in links.repeat_of)
        for c, t, k, x in zip(
            calls["call_id"],
            calls["started_at"],
            calls["topic_id"],
            calls["caller_text"],
            strict=True,
        )
    ]


def _within(calls: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    mask = (calls["started_at"] >= pd.Timestamp(start)) & (calls["started_at"] < pd.Timestamp(end))
    return calls[mask].reset_index(drop=True)


def _quality(
    scores: pd.DataFrame, items: pd.DataFrame, rubric_id: str
) -> tuple[dict[str, float], dict[str, dict[str, str]], dict[str, str]]:
    """Score per call, item verdicts per call and item names (latest rubric version)."""
    if scores.empty:
        return {}, {}, {}
    s, i = agg.latest_version(scores, items, rubric_id)
    score = dict(zip(s["call_id"].astype(str), s["score"].astype(float), strict=True))
    statuses: dict[str, dict[str, str]] = {}
    for call_id, item_id, status in zip(i["call_id"], i["item_id"], i["status"], strict=True):
        statuses.setdefault(str(call_id), {})[str(item_id)] = str(status)
    names = dict(zip(i["item_id"].astype(str), i["item_name"].astype(str), strict=False))
    return score, statuses, names


def prepare(
    calls: pd.DataFrame,
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    period: Period,
    rubric_id: str,
    options: HotlineOptions | None = None,
) -> HotlineData:
    """Join the store's frames with topics, hotspots, emerging topics and repeat links.

    Args:
        calls: Calls received from the previous period's start to the window after this
            period's end (``store.calls_frame``).
        scores: The period's scores (final verdicts).
        items: The period's item verdicts (final).
        period: The period.
        rubric_id: The rubric whose scores count.
        options: Classifier, windows, hotspot and cluster knobs.

    Returns:
        The bulletin's data.
    """
    opts = options or HotlineOptions()
    clf = opts.classifier or default_classifier()
    everything = assign_topics(calls, clf)
    everyone = _caller_calls(everything)
    links = link_repeats(everyone, opts.repeat_window_days)
    now = _within(everything, period.start, period.end)
    before = _within(everything, period.previous().start, period.start)
    score, statuses, names = _quality(scores, items, rubric_id)
    now["score"] = now["call_id"].map(score).astype(float)
    now["followed_by"] = now["call_id"].map(links.followed_by)
    now["repeat_of"] = now["call_id"].map(links.repeat_of)
    now["linkable"] = now["call_id"].isin(links.linkable)
    current = _topic_calls(now, links)
    background = [c.text for c in current if c.topic != UNKNOWN]
    return HotlineData(
        period=period,
        taxonomy=clf.taxonomy,
        calls=now,
        previous=before,
        statuses=statuses,
        trends=topic_trends(current, _topic_calls(before, links), opts.hotspots),
        emerging=emerging_topics(current, background, opts.emerging),
        links=links,
        notice=failed_notice_repeats(statuses, everyone, days=opts.notice_days),
        item_repeats=rates_by_item(statuses, links),
        item_names=names,
    )


def fetch(store: Any, period: Period, rubric_id: str, options: HotlineOptions) -> HotlineData:
    """:func:`prepare` from a store (calls from the previous period to the window after)."""
    after = period.end + timedelta(days=max(options.repeat_window_days, options.notice_days))
    calls = store.calls_frame(period.previous().start, after)
    if hasattr(store, "frames"):  # a FinalView: both frames from one read of each
        scores, items = store.frames(period.start, period.end, rubric_id=rubric_id)
    else:
        scores = store.scores_frame(period.start, period.end, rubric_id=rubric_id)
        items = store.items_frame(period.start, period.end, rubric_id=rubric_id)
    return prepare(calls, scores, items, period=period, rubric_id=rubric_id, options=options)
