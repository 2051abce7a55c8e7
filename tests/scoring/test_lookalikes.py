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


def test_sound_alike_hostility_goes_to_review_with_the_words(results) -> None:
    reviews = [r.item("no_hostility") for r in results]
    reviews = [i for i in reviews if i.status is Status.REVIEW]
    for it in reviews:
        assert "音近" in it.reason and it.evidence
