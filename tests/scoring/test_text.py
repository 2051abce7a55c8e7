"""Normalisation and homophone correction."""

from __future__ import annotations

import pytest

from qa_pipeline.scoring.text import Lexicon, chinese_number, normalise, normalise_many


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("百分之一", "1%"),
        ("百分之一点五", "1.5%"),
        ("一百四十平方米", "140平方米"),
        ("一百五", "150"),
        ("一点五", "1.5"),
        ("工号一零零八", "工号1008"),
        ("幺二三四五", "12345"),
        ("两百平", "200平"),
        ("看中两套", "看中两套"),
        ("二套房", "2套房"),
        ("１２３４５％", "12345%"),
        ("您好，工號一零零八。", "你好工号1008"),
        ("契稅", "契税"),
        ("12345 热线，工号 1008", "12345热线工号1008"),
        ("89点几", "89点几"),
    ],
)
def test_normalise_zh(raw: str, norm: str) -> None:
    assert normalise(raw) == norm


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("一拜六十", "160"),  # a unit heard as a homophone between two digits
        ("三拜二拜一", "510"),  # back to back: both gaps repaired (三百二百一)
        ("遗百六十", "160"),  # a digit heard as a homophone before a unit
        ("百分之五", "5%"),  # 分 before 百: not a misheard digit
        ("两套两个两百", "两套2个200"),  # 两 is a number only before a unit or 个
        ("两套", "两套"),  # the same run again (remembered digits): still not a number
        ("一下一下一下", "1下1下1下"),
    ],
)
def test_normalise_numeral_runs_and_homophones(raw: str, norm: str) -> None:
    assert normalise(raw) == norm
    assert normalise(raw) == norm  # a second time, from the remembered runs


def test_normalise_keeps_latin_word_gaps_and_pads_english() -> None:
    assert normalise("APP 上办 e 社保") == "app上办e社保"
    assert normalise("Don't  know, Thank-you!", "en") == " dont know thank you "
    assert normalise_many(["你好。", "一百二十平"]) == ["你好", "120平"]


def test_chinese_number_forms() -> None:
    assert chinese_number("一万五") == "15000"
    assert chinese_number("十四") == "14"
    assert chinese_number("二零二四") == "2024"


@pytest.mark.parametrize(
    ("heard", "fixed"),
    [
        ("七税怎么交", "契税怎么交"),
        ("居住正", "居住证"),
        ("公号1003", "工号1003"),
        ("我跟你和实1下", "我跟你核实1下"),
        ("社宝卡一失", "社保卡遗失"),
        ("身分证", "身份证"),
        ("按错好了", "按错号了"),
    ],
)
def test_lexicon_restores_homophones(heard: str, fixed: str) -> None:
    lex = Lexicon(["契税", "居住证", "工号", "核实", "社保卡", "遗失", "身份证", "按错号"])
    assert lex.correct(normalise(heard)) == normalise(fixed)


def test_lexicon_leaves_other_words_alone() -> None:
    lex = Lexicon(["契税", "工号"])
    assert lex.correct("今天天气很好") == "今天天气很好"
    assert lex.correct("x") == "x"
