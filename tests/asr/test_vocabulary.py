"""Vocabulary biasing from the rubric: which terms, and the guard against a copied hint."""

from __future__ import annotations

from pathlib import Path

from qa_pipeline.asr.cleanup import check_segment
from qa_pipeline.asr.vocabulary import (
    MAX_HINT_CHARS,
    hotword_text,
    hotwords_for_rubric,
    leaks_hotwords,
    rubric_terms,
)
from qa_pipeline.rubric import load_rubric

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
    for speech in (
        "您好，12345政务服务热线，工号1003，很高兴为您服务。",
        "契税",
        "我想问一下居住证怎么办",
        "社保卡丢了要补办",
        "好的，我帮您核实一下",
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
