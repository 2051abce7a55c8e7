"""A silence measured on the audio must pass a hold threshold by the margin (written cases).

An energy measure misses the quiet edges of speech, so a silence of exactly ten seconds
reads 10.2–10.4 s. Each case: the silence measured on the audio (seconds), whether the
agent announced it (请稍等…) and thanked after it, and the ``hold_etiquette`` verdict.
Written 2026-12-07 apart from ``../shared``; split by the parity of the first byte of
sha256 of the case's repr: even → tuning half, odd → held out.
"""

from __future__ import annotations

import hashlib

import pytest

from qa_pipeline.models import AudioMetrics, Segment, Transcript
from qa_pipeline.scoring import ScoringOptions, score_call
from tests.scoring.detection import detection_rubric

RUBRIC = detection_rubric()

#: (measured silence, announced, thanked, expected)
CASES: list[tuple[float, bool, bool, str]] = [
    (10.2, False, False, "na"),  # a 10-second pause read long: not a hold
    (10.4, False, False, "na"),
    (10.5, False, True, "na"),
    (9.6, False, False, "na"),
    (11.2, False, False, "fail"),  # a real hold, not announced
    (12.0, False, True, "fail"),
    (10.8, True, False, "pass"),
    (30.3, True, False, "pass"),  # a 30-second hold read long: no thanks needed
    (30.45, True, False, "pass"),
    (31.0, True, False, "fail"),  # a long hold, no thanks
    (33.0, True, True, "pass"),
    (45.0, True, False, "fail"),
]


def _half(case: tuple[float, bool, bool, str]) -> str:
    return "odd" if hashlib.sha256(repr(case).encode()).digest()[0] % 2 else "even"


TUNING = [c for c in CASES if _half(c) == "even"]
HELD_OUT = [c for c in CASES if _half(c) == "odd"]


def _call(gap: float, announced: bool, thanked: bool) -> Transcript:
    before = "好的，请稍等，我帮您查询一下。" if announced else "嗯，好的。"
    after = "感谢您的耐心等待，查到了。" if thanked else "查到了，是城东热力公司。"
    end = 10.0 + gap
    segs = [
        Segment(speaker="agent", start=0.0, end=3.0, text="您好，12345热线。", confidence=0.9),
        Segment(speaker="caller", start=3.5, end=6.0, text="我家暖气不热。", confidence=0.9),
        Segment(speaker="agent", start=7.0, end=10.0, text=before, confidence=0.9),
        Segment(speaker="agent", start=end, end=end + 3, text=after, confidence=0.9),
    ]
    metrics = AudioMetrics(duration_s=end + 4, silent_gaps=((10.0, end),))
    return Transcript(call_id="gap", segments=segs, metrics=metrics)


@pytest.mark.parametrize(("gap", "announced", "thanked", "expected"), CASES)
def test_hold_thresholds_allow_for_the_measure(
    gap: float, announced: bool, thanked: bool, expected: str
) -> None:
    item = score_call(_call(gap, announced, thanked), RUBRIC).item("hold_etiquette")
    assert str(item.status) == expected, item.reason


def test_both_halves_hold_every_verdict() -> None:
    assert {c[3] for c in TUNING} == {"na", "pass", "fail"} == {c[3] for c in HELD_OUT}


def test_no_margin_gives_the_old_reading() -> None:
    exact = ScoringOptions(gap_margin_s=0.0)
    item = score_call(_call(10.2, False, False), RUBRIC, exact).item("hold_etiquette")
    assert str(item.status) == "fail"
