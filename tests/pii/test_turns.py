"""Issue 20: personal data spread over the turns of a transcript (pii.turns)."""

from __future__ import annotations

import pytest

from qa_pipeline.models import Segment, Transcript
from qa_pipeline.pii.redact import RedactOptions, redact_transcript


def _redact(turns: list[str], options: RedactOptions | None = None) -> list[str]:
    segments = tuple(
        Segment("caller" if i % 2 == 0 else "agent", float(i), i + 1.0, text)
        for i, text in enumerate(turns)
    )
    return [s.text for s in redact_transcript(Transcript("c1", segments), options).segments]


SPLIT = [
    [
        "卡号是六二二二",
        "嗯",
        "零二零二",
        "好的",
        "幺二三四",
        "您继续",
        "五六七八",
        "嗯嗯",
        "九零幺",
    ],
    ["银行卡6217", "对", "0000", "嗯", "1234", "好", "5678", "嗯", "901"],
    ["我电话一三八一二三四", "一三八一二三四，然后呢？", "五六七八"],
    ["手机幺五九", "嗯", "两两三三", "嗯嗯", "四四五五"],
    ["身份证号幺幺零幺零五", "嗯", "幺九九零零三零七", "对", "幺二三五"],
    ["座机零两幺", "好的", "五四三二", "请说", "幺二三四"],
    ["号码是一八六", "您说", "零七幺两", "记下了", "三四五六"],
    ["我卡号6222 0212", "6222 0212，后面呢？", "3456 7890 128"],
    ["电话138", "138，嗯", "1234", "1234", "5678"],
    ["手机号码一三九", "一三九，对", "八八八八", "对的", "六六六六"],
]


@pytest.mark.parametrize("turns", SPLIT)
def test_a_number_read_over_turns_is_masked_in_every_part(turns: list[str]) -> None:
    out = _redact(turns)
    for before, after in zip(turns, out, strict=True):
        digits = [c for c in before if c.isdigit() or c in "零一二三四五六七八九幺两洞拐"]
        if len(digits) >= 3:
            assert after != before, out
            assert "[" in after, out


def test_fillers_between_stay_and_other_turns_are_untouched() -> None:
    turns = [
        "卡号是六二二二",
        "嗯",
        "零二零二",
        "好的",
        "幺二三四",
        "您继续",
        "五六七八",
        "嗯嗯",
        "九零幺",
    ]
    out = _redact(turns)
    assert out[1::2] == turns[1::2]
    assert _redact(["工单号是2023", "嗯", "1015"]) == ["工单号是2023", "嗯", "1015"]
    assert _redact(["我家3号楼", "好的", "2单元"]) == ["我家3号楼", "好的", "2单元"]


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("请问您贵姓？", "王芳。", "[姓名]。"),
        ("怎么称呼您", "嗯，我叫李建国", "嗯，我叫[姓名]"),
        ("您叫什么名字？", "赵敏", "[姓名]"),
        ("请问您贵姓", "姓刘", "姓[姓名]"),
        ("联系人姓名？", "孙丽。", "[姓名]。"),
    ],
)
def test_a_bare_name_answering_a_name_question(question: str, answer: str, expected: str) -> None:
    assert _redact([question, answer])[1] == expected


def test_an_answer_that_is_not_a_name_stays() -> None:
    assert _redact(["请问您贵姓？", "明天再说吧"])[1] == "明天再说吧"
    assert _redact(["请问您贵姓？", "王芳。"], RedactOptions(name=False))[1] == "王芳。"
