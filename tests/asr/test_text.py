"""Clean-up, CER normalisation and options: fast, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.asr.cleanup import (
    FLAG_REPETITION,
    check_segment,
    collapse_repetitions,
    confidence,
    is_stock_phrase,
    leaks_prompt,
    to_simplified,
)
from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.errors import ConfigError
from qa_pipeline.evaluation.asr import cer, normalise, read_refs


def _check(text: str, **kw: object) -> str | None:
    args: dict[str, object] = {
        "avg_logprob": -0.2,
        "no_speech_prob": 0.05,
        "level_dbfs": -20.0,
        "language": "zh",
        "prompt": None,
    }
    args.update(kw)
    return check_segment(text, **args).text  # type: ignore[arg-type]


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("請問您的電話號碼") == "请问您的电话号码"
    assert _check("這個問題") == "这个问题"


@pytest.mark.parametrize(
    "text",
    [
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
        "字幕由Amara.org社区提供",
        "Thanks for watching!",
        "谢谢观看",
    ],
)
def test_stock_phrases_are_dropped(text: str) -> None:
    assert is_stock_phrase(text)
    assert _check(text) is None


def test_real_call_text_is_kept() -> None:
    text = "您好，12345政务服务便民热线，工号1023，很高兴为您服务。"
    assert not is_stock_phrase(text)
    assert _check(text) == text


def test_repetition_loop_collapsed_and_flagged() -> None:
    new, changed = collapse_repetitions("好的好的好的好的好的好的")
    assert changed and new == "好的"
    verdict = check_segment(
        "我要投诉我要投诉我要投诉我要投诉",
        avg_logprob=-0.3,
        no_speech_prob=0.1,
        level_dbfs=-20,
        language="zh",
        prompt=None,
    )
    assert verdict.text == "我要投诉" and FLAG_REPETITION in verdict.flags


def test_prompt_leak_dropped() -> None:
    prompt = "以下是普通话的句子。"
    assert leaks_prompt("是普通话的句子", prompt)
    assert _check("是普通话的句子", prompt=prompt) is None
    assert not leaks_prompt("我想问一下契税", prompt)
    assert _check("我想问一下契税", prompt=prompt) == "我想问一下契税"


def test_text_over_silence_and_no_speech_dropped() -> None:
    assert _check("你好", level_dbfs=-80.0) is None
    assert _check("你好", no_speech_prob=0.95) is None
    assert _check("你好", no_speech_prob=0.7, avg_logprob=-1.5) is None
    assert _check("，。 ") is None


def test_confidence_range() -> None:
    assert confidence(0.0, 0.0) == pytest.approx(1.0)
    assert 0.0 < confidence(-0.5, 0.2) < confidence(-0.1, 0.2) < 1.0
    assert confidence(-50.0, 1.0) == 0.0


def test_cer_normalisation() -> None:
    assert normalise("潍坊路，小遊園 12 幺3！") == "潍坊路小游园一二一三"
    assert normalise("１３５") == "一三五"
    assert cer(["一三五"], ["135"]) == 0.0
    assert cer(["abcd"], ["abxd"]) == pytest.approx(0.25)
    assert cer(["你好", "再见"], ["你好", ""]) == pytest.approx(0.5)


def test_read_refs(tmp_path: Path) -> None:
    tsv = tmp_path / "refs.tsv"
    tsv.write_text("file\treference\tduration_s\na.wav\t你好\t1.5\n", encoding="utf-8")
    refs = read_refs(tsv)
    assert refs[0].path == (tmp_path / "a.wav").resolve() and refs[0].duration_s == 1.5
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\n1\t2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="file"):
        read_refs(bad)
    with pytest.raises(ConfigError, match="not found"):
        read_refs(tmp_path / "missing.tsv")


def test_options_validated() -> None:
    assert AsrOptions().initial_prompt is None
    assert AsrOptions().condition_on_previous_text is False
    with pytest.raises(ConfigError):
        AsrOptions(device="tpu")
    with pytest.raises(ConfigError):
        AsrOptions(batch_size=0)
    ident = AsrOptions(batch_size=3).identity()
    assert "batch_size" not in ident and ident["language"] == "zh"


def test_stock_patterns_come_from_the_data_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clean-up patterns are data (cleanup_zh.yaml); a bad regex names the file."""
    from qa_pipeline.asr import cleanup

    assert "中文字幕" in cleanup.stock_patterns()
    bad = tmp_path / "cleanup_zh.yaml"
    bad.write_text("stock_patterns: ['(字幕']\n", encoding="utf-8")
    monkeypatch.setattr(cleanup, "_CLEANUP_FILE", bad)
    cleanup.stock_patterns.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"cleanup_zh\.yaml.*not a regex"):
            cleanup.stock_patterns()
    finally:
        monkeypatch.undo()
        cleanup.stock_patterns.cache_clear()
    assert cleanup.stock_patterns() == cleanup._STOCK_PATTERNS
