"""The word and phrase tables shipped as YAML: the merged language packs equal the packs
of before the split, and each loader names its file on a malformed one."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from qa_pipeline.errors import ConfigError, RubricError
from qa_pipeline.lang import domains, load_pack
from qa_pipeline.pii import lexicon
from qa_pipeline.reports import labels as report_labels
from qa_pipeline.rubric import describe
from qa_pipeline.scoring import parse_rubric
from tests.rubric.test_rubric_schema import mutate

FIXTURE = Path(__file__).parent / "data" / "lang_packs.json"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _pack_dict(language: str, **kw: Any) -> dict[str, Any]:
    pack = load_pack(language, {}, "x", **kw)
    return {f.name: _plain(getattr(pack, f.name)) for f in fields(pack) if f.name != "source"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_language_plus_domain_equals_the_pack_before_the_split(language: str) -> None:
    want = json.loads(FIXTURE.read_text(encoding="utf-8"))[language]
    assert _pack_dict(language) == want
    assert _pack_dict(language, domain="hotline_12345") == want


def test_domain_words_live_in_the_domain_file() -> None:
    assert "hotline_12345" in domains()
    zh_file = (Path(load_pack("zh").source)).read_text(encoding="utf-8")
    assert "公积金" not in zh_file.split("default_domain")[1]
    zh = load_pack("zh")
    assert "公积金" in zh.facts["other_subjects"] and "政策" in zh.vocabulary


def test_unknown_domain_names_it() -> None:
    with pytest.raises(ConfigError, match="unknown domain 'nope'"):
        load_pack("zh", domain="nope")


def test_a_pack_without_default_domain_gets_no_domain_words(tmp_path: Path) -> None:
    p = tmp_path / "xx.yaml"
    p.write_text("language: xx\nnegations: [nah]\n", encoding="utf-8")
    pack = load_pack("xx", path=p)
    assert pack.negations == ("nah",) and pack.vocabulary == () and pack.facts == {}


def test_rubric_domain_field_is_checked() -> None:
    with pytest.raises(RubricError, match="unknown domain"):
        parse_rubric(mutate(domain="no_such_domain"), source="r.yaml")
    assert parse_rubric(mutate(domain="hotline_12345")).domain == "hotline_12345"


def test_report_labels_have_the_same_keys_in_both_languages() -> None:
    zh, en = report_labels.labels("zh-CN"), report_labels.labels("en")
    assert set(zh) == set(en) and zh["critical"] == "一票否决" and en["no"] == "no"
    assert report_labels.labels("fr") is en


def test_describe_templates_have_the_same_keys_in_both_languages() -> None:
    assert set(describe.phrases("zh")) == set(describe.phrases("en"))
    assert describe.phrase("zh", "start_within", s=5.0) == "须在5秒内开始"


def test_pii_lexicon_shapes() -> None:
    assert "王" in lexicon.chars("names", "surnames")
    assert "欧阳" in lexicon.words("names", "compound_surnames")
    assert "明天" in lexicon.words("names", "not_names")
    assert lexicon.mapping("numbers", "digits")["幺"] == "1"
    assert lexicon.labels()["mobile"] == "[手机号]"


@pytest.mark.parametrize(
    ("module", "text", "needle"),
    [
        (lexicon, "names: []\n", "missing"),
        (report_labels, "zh: {a: b}\nen: {c: d}\n", "keys differ"),
        (describe, "zh: {a: 1}\nen: {a: b}\n", "must map strings to strings"),
        (report_labels, "zh: [\n", "cannot read"),
    ],
)
def test_a_malformed_data_file_is_named(
    module: Any, text: str, needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(module, "_FILE", bad)
    module._tables.cache_clear()
    try:
        with pytest.raises(ConfigError) as err:
            module._tables()
        assert str(bad) in str(err.value) and needle in str(err.value)
    finally:
        module._tables.cache_clear()
