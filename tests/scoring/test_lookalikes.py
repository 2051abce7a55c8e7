"""No false critical fails: look-alike wording never zeroes a call."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import load_rubric, score_call
from tests.scoring.lookalikes import AGENT_TURNS

REPO = Path(__file__).resolve().parents[2]


def _call(n: int, text: str) -> Transcript:
    segs = (
        Segment("agent", 0.5, 5.0, "您好，12345热线，工号1001，请问有什么可以帮您？"),
        Segment("caller", 5.5, 12.0, "你好我想问一下我之前反映的那个事情到现在怎么样了"),
        Segment("agent", 12.5, 24.0, text, confidence=0.9),
        Segment("caller", 24.5, 27.0, "哦好的好的"),
    )
    return Transcript(call_id=f"look-{n}", segments=segs)


@pytest.fixture(scope="module")
def results():
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    return [score_call(_call(n, t), rubric) for n, t in enumerate(AGENT_TURNS)]


def test_no_lookalike_gives_a_critical_fail(results) -> None:
    bad = [(r.call_id, i.item_id, i.reason) for r in results for i in r.items if i.critical_failed]
    assert bad == []


def test_no_lookalike_is_a_forbidden_phrase(results) -> None:
    bad = [
        (r.call_id, r.item("forbidden_phrases").reason)
        for r in results
        if r.item("forbidden_phrases").status is Status.FAIL
    ]
    assert bad == []


# look-alike turns that only sound like hostile words: wording in the turn -> the word heard
SOUND_ALIKES = {"你货该到了吧": "活该", "方式了解": "烦死了", "白吃白喝": "白痴", "必最": "闭嘴"}


def test_sound_alike_hostility_goes_to_review_with_the_words(results) -> None:
    expected = {
        r.call_id: word
        for r, turn in zip(results, AGENT_TURNS, strict=True)
        for wording, word in SOUND_ALIKES.items()
        if wording in turn
    }
    assert len(expected) >= len(SOUND_ALIKES)  # each wording is in at least one turn
    reviews = {r.call_id: r.item("no_hostility") for r in results}
    reviews = {k: i for k, i in reviews.items() if i.status is Status.REVIEW}
    assert sorted(reviews) == sorted(expected)  # these calls and no others
    for call_id, it in reviews.items():
        assert f"「{expected[call_id]}」" in it.reason and "音近" in it.reason, it.reason
        assert it.evidence and it.evidence[0].speaker == "agent", it.evidence
