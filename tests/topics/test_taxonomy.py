"""The taxonomy: the shipped tree loads; broken trees stop with a message naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.errors import ConfigError
from qa_pipeline.topics import UNKNOWN, load_taxonomy, parse_taxonomy


def test_shipped_taxonomy_is_two_levels_with_words() -> None:
    tax = load_taxonomy()
    tops = [t for t in tax.topics if t.parent is None]
    assert len(tops) == 9
    names = {"住房保障", "社会保障", "税费", "交通出行", "市容环境", "公安户政"}
    assert {t.name for t in tops} >= names
    for top in tops:
        subs = [t for t in tax.topics if t.parent == top.id]
        assert 3 <= len(subs) <= 6, top.id
        assert all(s.words for s in subs)
    assert tax.category("housing.property") == "housing"
    assert tax.label("housing.property") == "住房保障/物业管理"
    assert tax.label(UNKNOWN) == "未识别"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tax.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_id_names_the_file_and_the_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "topics:\n  - {id: a, name: A}\n  - {id: a, name: B}\n")
    with pytest.raises(ConfigError, match=r"tax\.yaml.*duplicate topic id 'a'"):
        load_taxonomy(path)


def test_cycle_is_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "topics:\n  - {id: a, parent: c}\n  - {id: b, parent: a}\n  - {id: c, parent: b}\n",
    )
    with pytest.raises(ConfigError, match=r"tax\.yaml.*cycle in topic parents"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topics": [{"id": "a", "parent": "zz"}]}, "unknown parent 'zz'"),
        ({"topics": [{"id": "a", "parent": "a"}]}, "cycle in topic parents: a → a"),
        ({"topics": [{"id": "a"}, {"id": "b", "parent": "a"}, {"id": "b"}]}, "duplicate .*'b'"),
        ({"topics": [{"name": "x"}]}, "has no id"),
        ({"topics": []}, "non-empty list"),
        ({"topics": [{"id": "unknown"}]}, "reserved"),
        ({"topics": [{"id": "a", "words": "x"}]}, "words must be a list"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_bad_trees(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_taxonomy(data, "site.yaml")


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_taxonomy(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_taxonomy(_write(tmp_path, "topics: [\n"))
