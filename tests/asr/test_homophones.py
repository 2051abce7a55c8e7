"""Context-scored homophone correction from the rubric's topic words (issue 18, item 3).

Sentences in ``homophone_cases.py``, split into a tuning half (asserted in full) and a
held-out half (its figures are pinned as measured, see ``docs/asr.md``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.asr import homophones
from qa_pipeline.asr.correct import correct_terms, correction_terms, correction_text
from qa_pipeline.asr.homophones import correct_in_context, topic_groups
from qa_pipeline.scoring import load_rubric
from tests.asr import homophone_cases as hc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def groups() -> list[tuple[str, ...]]:
    return topic_groups(load_rubric(REPO / "rubrics" / "hotline_12345.yaml"))


@pytest.fixture(scope="module")
def jieba() -> object:
    return pytest.importorskip("jieba")


def test_topic_groups_hold_each_topics_own_words(groups) -> None:
    deed = next(g for g in groups if "契税" in g)
    assert {"首套", "二套", "税率"} <= set(deed)
    assert not any("身份证" in g for g in groups)  # shared by several topics: no context
    card = next(g for g in groups if "社保卡" in g)
    assert {"补办", "挂失"} <= set(card)


def test_first_home_after_deed_tax_is_fixed_and_gloves_are_not(groups, jieba) -> None:
    assert correct_in_context("契税按手套算的话是1%。", groups) == ("契税按首套算的话是1%。", 1)
    text = "我想买一副手套，冬天太冷了。"
    assert correct_in_context(text, groups) == (text, 0)


@pytest.mark.parametrize("heard,meant", hc.FIX)
def test_tuning_half_fixed(groups, jieba, heard: str, meant: str) -> None:
    # a window with a negation the word lacks (能不能不卡) stays as heard, by policy
    negated = any(a in "不没别未" and a != b for a, b in zip(heard, meant, strict=True))
    assert correct_in_context(heard, groups)[0] == (heard if negated else meant)


@pytest.mark.parametrize("text", hc.KEEP)
def test_tuning_half_kept(groups, jieba, text: str) -> None:
    assert correct_in_context(text, groups) == (text, 0)


def test_held_out_half_as_measured(groups, jieba) -> None:
    fixed = sum(correct_in_context(h, groups)[0] == m for h, m in hc.FIX_HELD_OUT)
    kept = sum(correct_in_context(t, groups) == (t, 0) for t in hc.KEEP_HELD_OUT)
    # measured when the boost was set (docs/asr.md): 5/5 fixed, 2/6 kept. The negation
    # and function-word guards were then written on those failures: 4/5 fixed (在哪里不办
    # stays), 5/6 kept (工地发的手套 needs the next word) — no longer unseen
    assert fixed >= 4 and kept >= 5


def test_fresh_set_measured_once(groups, jieba) -> None:
    """Written after the guards and measured once (homophone_cases.FIX_FRESH / KEEP_FRESH)."""
    fixed = sum(correct_in_context(h, groups)[0] == m for h, m in hc.FIX_FRESH)
    kept = [t for t in hc.KEEP_FRESH if correct_in_context(t, groups) != (t, 0)]
    assert fixed >= 5 and kept == []  # 5/6 fixed (证名 is no topic word), 8/8 kept


@pytest.mark.parametrize(
    "text",
    ["社保卡我先不办了，下个月再说。", "他说社保卡不办也行。", "社保卡的事，就也不用着急了。"],
)
def test_negations_and_function_words_are_never_rewritten(groups, jieba, text: str) -> None:
    assert correct_in_context(text, groups) == (text, 0)


def test_groups_travel_in_correct_terms_unless_turned_off(jieba) -> None:
    rb = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    assert not any(t.startswith("#") for t in correction_terms(rb, in_context=False))
    terms = correction_text(correction_terms(rb))
    assert terms and "#" in terms
    assert correct_terms("契税按手套算的话是1%。", terms) == ("契税按首套算的话是1%。", 1)
    plain = correction_text(correction_terms(rb, in_context=False))
    assert correct_terms("契税按手套算的话是1%。", plain) == ("契税按手套算的话是1%。", 0)


def test_without_jieba_nothing_changes(groups, monkeypatch) -> None:
    monkeypatch.setattr(homophones, "_dictionary", lambda: None)
    assert correct_in_context("契税按手套算的话是1%。", groups) == ("契税按手套算的话是1%。", 0)
