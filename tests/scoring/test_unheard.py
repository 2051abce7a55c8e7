"""No hostility cannot pass over agent speech that recognition lost (written cases).

Each case is an agent segment (seconds, text, confidence) placed in an ordinary call and
the ``no_hostility`` verdict expected. Lost speech: a decoder that looped or gave up
(「走了,走了」 over five seconds). Kept: ordinary speech at any pace, short
acknowledgements, text without a recognition confidence (typed or labelled text).
Written 2026-12-07 apart from ``../shared``; split by the parity of the first byte of
sha256 of the text: even → tuning half, odd → held out.
"""

from __future__ import annotations

import hashlib

import pytest

from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, score_call
from tests.scoring.detection import detection_rubric

RUBRIC = detection_rubric()

CASES: list[tuple[float, str, float | None, str]] = [
    (5.0, "走了,走了", 0.95, "review"),
    (6.2, "嗯嗯", 0.9, "review"),
    (4.0, "那个", 0.6, "review"),
    (8.5, "你这个,你这个,", 0.88, "review"),
    (3.6, "谢谢", 0.97, "review"),
    (7.0, "一样、一样、一样", 0.9, "review"),
    (4.5, "我帮您把诉求转到街道办，三个工作日内回复。", 0.9, "pass"),
    (9.0, "这个政策是这样的，首套房九十平方米以下按百分之一，您这个情况要看面积。", 0.85, "pass"),
    (0.6, "好的", 0.95, "pass"),
    (2.5, "嗯", 0.9, "pass"),
    (5.0, "嗯", None, "pass"),
    (3.2, "您好，请讲。", 0.92, "pass"),
    (6.0, "好的，我看一下，您稍等。", 0.8, "pass"),
]


def _half(text: str) -> str:
    return "odd" if hashlib.sha256(text.encode()).digest()[0] % 2 else "even"


TUNING = [c for c in CASES if _half(c[1]) == "even"]
HELD_OUT = [c for c in CASES if _half(c[1]) == "odd"]


def _call(dur: float, text: str, conf: float | None) -> Transcript:
    segs = [
        Segment(
            speaker="agent", start=0.0, end=3.0, text="您好，12345热线，请讲。", confidence=0.9
        ),
        Segment(
            speaker="caller", start=3.5, end=7.0, text="我想反映一下楼下的噪音。", confidence=0.9
        ),
        Segment(speaker="agent", start=7.5, end=7.5 + dur, text=text, confidence=conf),
        Segment(
            speaker="caller", start=8.0 + dur, end=10.0 + dur, text="好的谢谢。", confidence=0.9
        ),
    ]
    return Transcript(call_id="unheard", segments=segs)


@pytest.mark.parametrize(("dur", "text", "conf", "expected"), CASES)
def test_absence_over_lost_agent_speech_goes_to_review(
    dur: float, text: str, conf: float | None, expected: str
) -> None:
    item = score_call(_call(dur, text, conf), RUBRIC).item("no_hostility")
    assert str(item.status) == expected, item.reason
    if expected == "review":
        assert "几乎没有识别出文字" in item.reason and item.evidence[0].text == text


def test_both_halves_hold_both_kinds() -> None:
    assert {c[3] for c in TUNING} == {"review", "pass"} == {c[3] for c in HELD_OUT}


def test_the_rule_turns_off_and_leaves_non_critical_items_alone() -> None:
    off = ScoringOptions(unheard_chars_per_s=0)
    assert score_call(_call(5.0, "走了,走了", 0.95), RUBRIC, off).item("no_hostility").status is (
        Status.PASS
    )
    result = score_call(_call(5.0, "走了,走了", 0.95), RUBRIC)
    assert "几乎没有识别出文字" not in result.item("forbidden_phrases").reason  # not critical


def test_a_heard_hostile_turn_still_fails() -> None:
    item = score_call(_call(4.0, "你冲我喊有什么用，又不是我定的。", 0.95), RUBRIC).item(
        "no_hostility"
    )
    assert item.status is Status.FAIL
