"""One test per check kind (on the 12345 rubric, or a mini rubric for kinds it does not use)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qa_pipeline.models import AudioMetrics, Overlap, Segment, Transcript, TurnProsody
from qa_pipeline.scoring import parse_rubric, score_call
from tests.scoring.detection import detection_rubric

REPO = Path(__file__).resolve().parents[2]
A, C = "agent", "caller"


def call(*rows: tuple[Any, ...], metrics: AudioMetrics | None = None) -> Transcript:
    segs = [Segment(r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else None) for r in rows]
    return Transcript(call_id="t", segments=tuple(segs), metrics=metrics)


@pytest.fixture(scope="module")
def hotline():
    return detection_rubric()  # critical fails decided: what the checks detect


def verdict(rubric, item: str, *rows: tuple[Any, ...], **kw: Any) -> str:
    return str(score_call(call(*rows, **kw), rubric).item(item).status)


def mini(check: dict[str, Any], speaker: str = "agent") -> Any:
    return parse_rubric(
        {
            "id": "mini",
            "version": "1",
            "name": "mini",
            "total_points": 10,
            "dimensions": [{"id": "d", "name": "d", "points": 10}],
            "items": [
                {
                    "id": "x",
                    "name": "x",
                    "dimension": "d",
                    "points": 10,
                    "speaker": speaker,
                    "check": check,
                }
            ],
        }
    )


def test_phrase_present_opening_window_and_time(hotline) -> None:
    good = (A, 0.5, 5.0, "您好，12345热线，工号1001。")
    assert verdict(hotline, "opening", good, (C, 6, 8, "喂")) == "pass"
    late = (A, 16.0, 20.0, "您好，12345热线，工号1001。")
    assert verdict(hotline, "opening", (C, 1, 2, "喂？"), late) == "fail"
    # the hotline name only after the caller's first reply does not count
    rows = ((A, 0.5, 3, "您好，工号1001。"), (C, 3.5, 5, "是12345吗？"), (A, 5.5, 7, "是，12345。"))
    assert verdict(hotline, "opening", *rows) == "fail"


def test_phrase_present_last_30_s(hotline) -> None:
    rows = [(A, 0.5, 5.0, "您好，12345热线，工号1001。"), (A, 10, 12, "还有其他问题吗？")]
    rows += [(C, 50, 55, "那我再问一个。"), (A, 56, 60, "好的，再见。")]
    assert verdict(hotline, "closing", *rows) == "fail"
    rows[-1] = (A, 56, 60, "还有其他问题吗？谢谢，再见。")
    assert verdict(hotline, "closing", *rows) == "pass"


def test_phrase_absent_with_polite_look_alikes(hotline) -> None:
    assert verdict(hotline, "forbidden_phrases", (A, 0, 3, "不知道您现在方便吗？")) == "pass"
    assert verdict(hotline, "forbidden_phrases", (A, 0, 3, "如果您不清楚，我再说一遍。")) == "pass"
    assert verdict(hotline, "forbidden_phrases", (A, 0, 3, "这个归住建，不归我们管。")) == "fail"
    assert verdict(hotline, "forbidden_phrases", (C, 0, 3, "我不知道啊。")) == "pass"


def test_regex_with_exclusions() -> None:
    rubric = mini({"kind": "regex", "pattern": r"工号\d+", "exclude": [r"工号0+\b|工号0+$"]})
    assert verdict(rubric, "x", (A, 0, 2, "工号1023")) == "pass"
    assert verdict(rubric, "x", (A, 0, 2, "工号000")) == "fail"
    absent = mini({"kind": "regex", "pattern": r"\d{11}", "expect": "absent"})
    assert verdict(absent, "x", (A, 0, 2, "您的手机号13912345678")) == "fail"


def test_sequence_within_turns() -> None:
    rubric = mini(
        {
            "kind": "sequence",
            "anchor": {"any": ["我要投诉"]},
            "then": {"any": ["记录"]},
            "within_turns": 1,
        }
    )
    assert verdict(rubric, "x", (C, 0, 2, "我要投诉"), (A, 3, 4, "好的我记录一下")) == "pass"
    rows = ((C, 0, 2, "我要投诉"), (A, 3, 4, "您说"), (A, 5, 6, "我记录一下"))
    assert verdict(rubric, "x", *rows) == "fail"
    assert verdict(rubric, "x", (C, 0, 2, "你好"), (A, 3, 4, "您说")) == "na"


def test_coverage_per_topic_and_second_hand_variant(hotline) -> None:
    ask = (C, 0, 4, "我买的二手房，契税要带什么材料？")
    told = (A, 5, 12, "带身份证、买卖合同、购房发票、住房查询证明。")
    assert verdict(hotline, "one_time_notice", ask, told) == "fail"  # seller's 产权证 missing
    told2 = (A, 5, 12, "带身份证、买卖合同、卖方的不动产权证书、住房查询证明。")
    assert verdict(hotline, "one_time_notice", ask, told2) == "pass"
    assert verdict(hotline, "one_time_notice", (C, 0, 2, "路灯坏了"), (A, 3, 4, "好的")) == "na"


def test_fact_check_rates(hotline) -> None:
    ask = (C, 0, 5, "第二套，一百六十平，契税多少？")
    right = (A, 6, 12, "第二套140平方米以上是百分之二，您这套就是2%。")
    assert verdict(hotline, "deed_tax_rate", ask, right) == "pass"
    wrong = (A, 6, 12, "140平方米以上是1.5%。")
    res = score_call(call(ask, wrong), hotline).item("deed_tax_rate")
    assert str(res.status) == "fail" and res.critical_failed and res.evidence[0].start == 6
    corrected_later = (A, 13, 15, "说错了，是2%，140以上。")
    res = score_call(call(ask, wrong, corrected_later), hotline).item("deed_tax_rate")
    assert res.critical_failed  # a wrong rate once stated stays a critical fail
    no_threshold = (A, 6, 12, "您这个是2%。")
    res = score_call(call(ask, no_threshold), hotline).item("deed_tax_rate")
    assert str(res.status) == "fail" and not res.critical_failed


def test_fact_check_conditions(hotline) -> None:
    ask = (C, 0, 3, "居住证怎么办？")
    assert verdict(hotline, "residence_permit_conditions", ask,
                   (A, 4, 9, "居住半年以上，有合法稳定就业就可以。")) == "pass"  # fmt: skip
    assert verdict(hotline, "residence_permit_conditions", ask,
                   (A, 4, 9, "要在本市居住满三个月，有稳定住所。")) == "fail"  # fmt: skip
    assert verdict(hotline, "residence_permit_conditions", ask,
                   (A, 4, 9, "有合法稳定住所就行。")) == "fail"  # fmt: skip


def test_overlap_count_from_segments_and_metrics(hotline) -> None:
    rows = ((C, 0, 5, "我想说"), (A, 3.5, 6, "嗯"), (C, 7, 12, "然后"), (A, 10.5, 13, "嗯"))
    assert verdict(hotline, "no_interruption", *rows) == "fail"
    short = ((C, 0, 5, "我想说"), (A, 4.4, 6, "嗯"), (C, 7, 12, "然后"), (A, 10.5, 13, "嗯"))
    assert verdict(hotline, "no_interruption", *short) == "pass"
    measured = AudioMetrics(duration_s=13, overlaps=(Overlap(3.5, 5.0, "agent", "caller"),))
    assert verdict(hotline, "no_interruption", *rows, metrics=measured) == "pass"
    assert verdict(hotline, "no_interruption", (C, None, None, "喂")) == "review"


def test_gap_etiquette(hotline) -> None:
    announced = ((A, 0, 3, "请稍等，我帮您查询一下。"), (A, 15, 18, "查到了。"))
    assert verdict(hotline, "hold_etiquette", *announced) == "pass"
    silent = ((A, 0, 3, "嗯。"), (A, 15, 18, "查到了。"))
    assert verdict(hotline, "hold_etiquette", *silent) == "fail"
    long_ok = ((A, 0, 3, "请稍等。"), (A, 40, 43, "让您久等了，查到了。"))
    assert verdict(hotline, "hold_etiquette", *long_ok) == "pass"
    caller_side = (
        (A, 0, 3, "您找一下合同。"),
        (C, 4, 5, "等下啊"),
        (C, 20, 22, "找到了"),
        (A, 23, 24, "好"),
    )
    assert verdict(hotline, "hold_etiquette", *caller_side) == "na"


def test_emotion_trigger_words_and_arousal(hotline) -> None:
    rows = ((C, 0, 4, "我都打了三次了！"), (A, 5, 8, "非常抱歉。"))
    assert verdict(hotline, "empathy", *rows) == "pass"
    calm = [(C, i * 10, i * 10 + 4, "我想问一下") for i in range(4)] + [(A, 45, 47, "好的")]
    assert verdict(hotline, "empathy", *calm) == "na"
    turns = tuple(
        TurnProsody(
            "caller",
            i * 10,
            i * 10 + 4,
            rms_db=-30 if i < 3 else -18,
            pitch_hz_mean=200,
            pitch_hz_std=20 if i < 3 else 60,
        )
        for i in range(4)
    )
    loud = AudioMetrics(duration_s=50, turns=turns)
    assert verdict(hotline, "empathy", *calm, metrics=loud) == "fail"


def test_hostility(hotline) -> None:
    assert verdict(hotline, "no_hostility", (A, 0, 3, "那是你自己没找对地方。")) == "fail"
    assert verdict(hotline, "no_hostility", (A, 0, 3, "您别着急，我帮您查。")) == "pass"
    res = score_call(call((A, 0, 3, "你爱投诉就投诉。")), hotline)
    assert res.critical_failed and res.score == 0.0


def test_gap_etiquette_prefers_measured_silences(hotline) -> None:
    rows = ((A, 0, 3, "嗯。"), (A, 15, 18, "查到了。"))
    assert verdict(hotline, "hold_etiquette", *rows) == "fail"
    # the audio shows the line was silent for only 5 s (the rest was untranscribed talk)
    measured = AudioMetrics(duration_s=18, silent_gaps=((3.0, 8.0),))
    assert verdict(hotline, "hold_etiquette", *rows, metrics=measured) == "na"
    long_gap = AudioMetrics(duration_s=18, silent_gaps=((3.0, 15.0),))
    assert verdict(hotline, "hold_etiquette", *rows, metrics=long_gap) == "fail"


def test_speaker_labels_are_case_insensitive(hotline) -> None:
    rows = (("Agent", 0.5, 5.0, "您好，12345热线，工号1001。"), ("CALLER", 6, 8, "喂"))
    assert verdict(hotline, "opening", *rows) == "pass"


def test_hostility_look_alikes_are_not_hostile(hotline) -> None:
    for polite in ("您有病历吗？带上病历。", "电梯有毛病的话我们转物业。", "页面可以滚动查看。"):
        assert verdict(hotline, "no_hostility", (A, 0, 3, polite)) == "pass", polite
    for hostile in ("你有病吧？", "你才有毛病。", "你滚吧。"):
        assert verdict(hotline, "no_hostility", (A, 0, 3, hostile)) == "fail", hostile


def test_calm_wording_is_not_negative_emotion(hotline) -> None:
    rows = ((C, 0, 4, "我想问下没用完的额度每次都要带身份证吗？"), (A, 5, 8, "是的。"))
    assert verdict(hotline, "empathy", *rows) == "na"


def test_forbidden_phrases_reported_speech_and_own_words(hotline) -> None:
    quoted = (A, 0, 3, "您是说物业那边也说不清楚，对吧？")
    assert verdict(hotline, "forbidden_phrases", quoted) == "pass"
    own = (A, 0, 3, "这个我有点不清楚。")
    assert verdict(hotline, "forbidden_phrases", own) == "fail"
