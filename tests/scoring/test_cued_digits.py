"""Job numbers heard as same-sounding characters, or said without 工号 (written cases).

Each case is an agent's opening turn and the ``opening`` verdict: digits read one by
one after 工号/单号 and heard as characters that sound exactly like them (武→五, 灵→零,
要→幺, 期→七) are the number; a number with 号 in the greeting is the job number; words
after 工号 that are not all digit sounds (工号以及, 工号是多少) are no number, and house
numbers (302号楼) are no job number. Written 2026-12-07 apart from ``../shared``; split by
the parity of the first byte of sha256 of the text: even → tuning half, odd → held out.
"""

from __future__ import annotations

import hashlib

import pytest

from qa_pipeline.models import Segment, Transcript
from qa_pipeline.scoring import score_call
from qa_pipeline.scoring.text import normalise
from tests.scoring.detection import detection_rubric

RUBRIC = detection_rubric()

CASES: list[tuple[str, str]] = [
    ("您好，12345热线，工号舞玲铃期，请讲。", "pass"),
    ("你好，市民热线，工号、要灵而散，请问有什么可以帮您？", "pass"),
    ("您好，政务服务热线，工号是吧酒灵溜，很高兴为您服务。", "pass"),
    ("您好，12345便民热线，工号思思而衣，请讲。", "pass"),
    ("您好，12345热线，1023号为您服务。", "pass"),
    ("你好，政务服务便民热线，我是2047号，请讲。", "pass"),
    ("您好，12345热线4410号，欢迎您来电。", "pass"),
    ("您好，12345热线，工号以及姓名稍后告诉您。", "fail"),
    ("您好，12345热线，请问您是302号楼的住户吗？", "fail"),
    ("您好，12345热线，请讲。", "fail"),
    ("您好，12345热线，工号是多少您可以记一下。", "fail"),
    ("您好，12345热线，请问有什么可以帮您？", "fail"),
]


def _half(text: str) -> str:
    return "odd" if hashlib.sha256(text.encode()).digest()[0] % 2 else "even"


TUNING = [c for c in CASES if _half(c[0]) == "even"]
HELD_OUT = [c for c in CASES if _half(c[0]) == "odd"]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_job_number_heard_as_sounds(text: str, expected: str) -> None:
    t = Transcript(
        call_id="opening",
        segments=[
            Segment(speaker="agent", start=0.5, end=5.0, text=text, confidence=0.8),
            Segment(
                speaker="caller", start=5.5, end=8.0, text="你好，我想问个事。", confidence=0.9
            ),
        ],
    )
    item = score_call(t, RUBRIC).item("opening")
    assert str(item.status) == expected, item.reason


def test_both_halves_hold_both_verdicts() -> None:
    assert {c[1] for c in TUNING} == {"pass", "fail"} == {c[1] for c in HELD_OUT}


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("工号、舞玲零岸", "工号500岸"),
        ("您的尾号是要洞洞期", "你的尾号是1007"),
        ("工号一零二三", "工号1023"),
        ("工号以及姓名", "工号以及姓名"),
        ("我买了一套房子", "我买了1套房子"),
    ],
)
def test_cued_digits_in_normalisation(text: str, norm: str) -> None:
    assert normalise(text) == norm
