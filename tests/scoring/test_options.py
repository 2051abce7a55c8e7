"""Thresholds reachable from the rubric and the settings; language packs; bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.config import load_settings
from qa_pipeline.errors import ConfigError, RubricError
from qa_pipeline.lang import load_pack
from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, parse_rubric, score_call
from tests.rubric.test_rubric_schema import mutate


@pytest.mark.parametrize(
    ("changes", "needles"),
    [
        ({"scoring": {"low_confidence": "high"}}, ["mini.yaml", "scoring.low_confidence", "float"]),
        ({"scoring": {"hangup_windw_s": 5}}, ["mini.yaml", "scoring.hangup_windw_s", "unknown"]),
        (
            {"language_pack": {"negatons": ["不用"]}},
            ["mini.yaml", "language_pack.negatons", "unknown"],
        ),
        (
            {"language_pack": {"polite": ["(不知道"]}},
            ["mini.yaml", "language_pack.polite", "compile"],
        ),
        (
            {"language_pack": {"negations": "不用"}},
            ["mini.yaml", "language_pack.negations", "list"],
        ),
        ({"language_pack": {"max_inserted": 1.5}}, ["mini.yaml", "language_pack.max_inserted"]),
    ],
)
def test_bad_thresholds_and_pack_overrides_name_file_and_field(changes, needles) -> None:
    with pytest.raises(RubricError) as err:
        parse_rubric(mutate(**changes), source="mini.yaml")
    for needle in needles:
        assert needle in str(err.value)


def test_a_pack_file_with_a_bad_regex_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "xx.yaml"
    bad.write_text("language: xx\npolite: ['([']\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_pack("xx", path=bad)
    assert str(bad) in str(err.value) and "polite" in str(err.value)


def test_shipped_packs_load_and_rubric_overrides_replace_lists() -> None:
    zh = load_pack("zh-CN")
    assert "不用" in zh.negations and zh.msg("not_about", topic="契税") == "来电不涉及契税"
    en = load_pack("en")
    assert en.msg("no_hold") == "no hold"
    over = load_pack("zh", {"negations": ["甭"]}, "r.yaml")
    assert over.negations == ("甭",) and over.second_person == zh.second_person


def _hung_up_call() -> Transcript:
    segs = (
        Segment("agent", 0.5, 5.0, "您好，12345热线，工号1001。"),
        Segment("caller", 5.5, 20.0, "我都打了好几次了，根本没人管！"),
        Segment("agent", 20.5, 30.0, "您的地址是哪里？"),
        Segment("caller", 40.0, 45.0, "你们就这么办事的？"),
    )
    return Transcript(call_id="h", segments=segs)


def test_a_rubric_threshold_changes_the_verdict_and_settings_win() -> None:
    base = mutate()
    base["items"][0]["applies_when"] = {"not_if_caller_hung_up": True}
    base["knowledge"]["emotion"] = {"negative": ["没人管"]}
    default = parse_rubric(base, source="a.yaml")
    assert score_call(_hung_up_call(), default).items[0].status is Status.NA  # 20 s window
    tight = parse_rubric({**base, "scoring": {"hangup_window_s": 5}}, source="b.yaml")
    assert score_call(_hung_up_call(), tight).items[0].status is not Status.NA
    wide = ScoringOptions.from_mapping({"hangup_window_s": 30})
    assert score_call(_hung_up_call(), tight, wide).items[0].status is Status.NA


def test_settings_carry_scoring_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_SCORING", '{"low_confidence": 0.4, "topic_corroboration": 3}')
    opts = ScoringOptions.from_mapping(load_settings().scoring)
    assert (opts.low_confidence, opts.topic_corroboration) == (0.4, 3)
    with pytest.raises(ConfigError, match=r"QA_SCORING\.topic_corroboration"):
        ScoringOptions.from_mapping({"topic_corroboration": "two"})
