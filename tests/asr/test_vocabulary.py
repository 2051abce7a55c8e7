"""Vocabulary biasing from the rubric: which terms, and the guard against a copied hint."""

from __future__ import annotations

from pathlib import Path

from qa_pipeline.asr.cleanup import check_segment
from qa_pipeline.asr.correct import correct_terms, correction_terms, correction_text
from qa_pipeline.asr.vocabulary import (
    MAX_HINT_CHARS,
    hotword_text,
    hotwords_for_rubric,
    leaks_hotwords,
    rubric_terms,
)
from qa_pipeline.scoring import load_rubric

REPO = Path(__file__).resolve().parents[2]


def test_terms_come_from_the_rubric_topics_opening_and_vocabulary() -> None:
    rb = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    terms = rubric_terms(rb)
    for word in ("契税", "居住证", "社保卡", "12345", "市民热线", "工号", "话务员"):
        assert word in terms, word
    # labels and regexes are not terms; topic words come before the vocabulary list
    assert "问候语" not in terms and not any("\\" in t for t in terms)
    assert terms.index("契税") < terms.index("话务员")
    hint = hotwords_for_rubric(rb)
    assert hint is not None and len(hint) <= MAX_HINT_CHARS
    assert "话务员" in hint and "契税" in hint


def test_hint_respects_its_budget() -> None:
    assert hotword_text(["契税", "居住证", "话务员"], max_chars=6) == "契税、居住证"
    assert hotword_text([]) is None


def test_a_copied_hint_is_dropped_and_speech_with_terms_is_kept() -> None:
    hint = "契税、税率、居住证、社保卡、12345、政务服务热线、市民热线、工号、话务员、核实"
    assert leaks_hotwords(hint, hint)
    assert leaks_hotwords("居住证社保卡12345", hint)
    assert leaks_hotwords("工号 话务员 核实", hint)
    # seen over a hold on a mono call: one term repeated
    assert leaks_hotwords("市民热线、市民热线、政务服务热线、", hint)
    for speech in (
        "您好，12345政务服务热线，工号1003，很高兴为您服务。",
        "契税",
        "我想问一下居住证怎么办",
        "社保卡丢了要补办",
        "好的，我帮您核实一下",
        "12345市民热线",
        "您好、12345、政务服务、便民热线、",
        "身份证、户口本",
    ):
        assert not leaks_hotwords(speech, hint), speech
    verdict = check_segment(
        "契税、税率、居住证、社保卡",
        avg_logprob=-0.3,
        no_speech_prob=0.1,
        level_dbfs=-20.0,
        language="zh",
        prompt=None,
        hotwords=hint,
    )
    assert verdict.text is None and verdict.reason == "hotwords leak"


def test_near_miss_terms_are_restored() -> None:
    rb = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    terms = correction_terms(rb)
    assert "契税" in terms and "话务员" in terms and "市民热线" in terms
    assert "核实" not in terms and "以下" not in terms  # collide with 合适, 一下
    for heard, meant in (
        ("我是2001号欢误员", "我是2001号话务员"),
        ("是名热线123-45", "市民热线123-45"),
        ("买房子那个汽水怎么算", "买房子那个契税怎么算"),
        ("气水是多少", "契税是多少"),
        ("居住正怎么办", "居住证怎么办"),
        ("你冲我还有什么用,政策又不是我订的", "你冲我喊有什么用,政策又不是我订的"),
    ):
        assert correct_terms(heard, terms) == (meant, 1), heard


def test_no_false_corrections() -> None:
    rb = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    terms = correction_text(correction_terms(rb))
    for text in (
        "我家孩子七岁了",  # qi sui is not qi shui
        "我帮您查询一下",
        "这样合适吗",
        "我帮您核实一下",
        "以下是办理的材料",
        "水路不通",
        "上海市民热线",
        "社保卡丢了要补办",
        "早上好，下午好",
        "不超过三个月",
        "您好，12345政务服务便民热线，工号1003",
        "感谢您的耐心等待",  # the rubric writes 你: the speaker's 您 stays
        "还有什么需要帮您的吗",
        "我要上班了",
        "你听得懂吗",
    ):
        assert correct_terms(text, terms) == (text, 0), text
    verdict = check_segment(
        "我是2001号欢误员",
        avg_logprob=-0.3,
        no_speech_prob=0.1,
        level_dbfs=-20.0,
        language="zh",
        prompt=None,
        correct_terms=terms,
    )
    assert verdict.text == "我是2001号话务员" and "terms_restored" in verdict.flags
