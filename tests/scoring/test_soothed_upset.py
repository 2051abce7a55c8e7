"""A caller's upset lost in recognition is told by the agent's reply (written cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.models import Segment, Transcript
from qa_pipeline.scoring import load_rubric, score_call
from tests.scoring.soothed_cases import CASES, HELD_OUT, TUNING

RUBRIC = load_rubric(Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml")


def _empathy(turns: list[tuple[str, str]]) -> str:
    segs, t = [], 0.0
    for speaker, text in [("agent", "您好，12345热线。"), *turns]:
        segs.append(Segment(speaker=speaker, start=t, end=t + 3, text=text))
        t += 4
    result = score_call(Transcript(call_id="soothed", segments=segs), RUBRIC)
    return next(i.status.value for i in result.items if i.item_id == "empathy")


@pytest.mark.parametrize(("expected", "turns"), CASES)
def test_soothing_reply_marks_the_caller_upset(expected: str, turns: list[tuple[str, str]]) -> None:
    assert _empathy(turns) == expected


def test_both_halves_hold_both_kinds() -> None:
    assert {c[0] for c in TUNING} == {"pass", "na"}
    assert {c[0] for c in HELD_OUT} == {"pass", "na"}


def test_late_soothing_after_a_heard_upset_is_still_late() -> None:
    """The anchor stays the first upset heard: soothing three turns later is a fail."""
    turns = [
        ("caller", "我都打了好几次了，根本没人管！"),
        ("agent", "您家地址是哪里？"),
        ("caller", "东风小区。"),
        ("agent", "好的，我记一下。"),
        ("caller", "你们就是踢皮球"),
        ("agent", "理解您的心情。"),
    ]
    assert _empathy(turns) == "fail"
