"""Rubric validation: every bad rubric stops with a message naming file, item and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from qa_pipeline.errors import RubricError
from qa_pipeline.evaluation.scoring import check_examples
from qa_pipeline.scoring import CHECKS, kind_set, load_rubric, parse_rubric
from qa_pipeline.scoring.registry import kind_name

REPO = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "id": "mini",
    "version": "1",
    "language": "zh",
    "name": "迷你",
    "dimensions": [{"id": "d", "name": "维度", "points": 100}],
    "knowledge": {
        "topics": {"t": {"name": "社保卡", "any": ["社保卡"]}},
        "materials": {
            "t": {
                "topic": "t",
                "source": "指南",
                "effective": "2024-01-01",
                "items": [{"name": "身份证", "any": ["身份证"]}],
            }
        },
    },
    "items": [
        {
            "id": "greet",
            "name": "问候",
            "dimension": "d",
            "points": 60,
            "check": {"kind": "phrase_present", "groups": [{"any": ["您好"]}]},
            "examples": [{"expect": "pass", "segments": [["agent", 0, 2, "您好"]]}],
        },
        {
            "id": "docs",
            "name": "材料",
            "dimension": "d",
            "points": 40,
            "check": {"kind": "coverage", "materials": ["t"]},
        },
    ],
}


def mutate(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node: Any = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value
    return data


def test_minimal_rubric_parses_and_hashes() -> None:
    r = parse_rubric(BASE, source="mini.yaml")
    assert r.id == "mini" and r.item("greet").points == 60
    assert len(r.sha256) == 64
    assert parse_rubric(copy.deepcopy(BASE)).sha256 == r.sha256
    assert parse_rubric(mutate(version="2")).sha256 != r.sha256
    assert "问候" in r.describe() and "您好" in r.item("greet").describe()


def test_registry_matches_schema() -> None:
    assert set(CHECKS) == {kind_name(p) for p in kind_set().params}


@pytest.mark.parametrize(
    ("changes", "needles"),
    [
        ({"items__0__check__kind": "telepathy"}, ["mini.yaml", "items[0]", "greet", "check"]),
        ({"items__1__id": "greet"}, ["mini.yaml", "duplicate item id", "greet"]),
        ({"items__1__points": 30}, ["mini.yaml", "dimension 'd'", "sum to 90"]),
        (
            {"items__0__check": {"kind": "regex", "pattern": "工号(\\d+"}},
            ["mini.yaml", "items[0]", "greet", "pattern", "does not compile"],
        ),
        (
            {"items__1__check__materials": ["nope"]},
            ["mini.yaml", "item 'docs'", "missing knowledge table"],
        ),
        ({"items__0__colour": "red"}, ["mini.yaml", "items[0]", "colour", "Extra inputs"]),
        ({"items__0__dimension": "zz"}, ["mini.yaml", "item 'greet'", "unknown dimension"]),
    ],
)
def test_bad_rubrics_name_the_place(changes: dict[str, Any], needles: list[str]) -> None:
    with pytest.raises(RubricError) as err:
        parse_rubric(mutate(**changes), source="mini.yaml")
    for needle in needles:
        assert needle in str(err.value)


def test_failing_golden_example_is_reported() -> None:
    data = mutate(items__0__examples=[{"expect": "fail", "segments": [["agent", 0, 2, "您好"]]}])
    rubric = parse_rubric(data, source="mini.yaml")
    with pytest.raises(
        RubricError, match=r"mini.yaml: golden example failing: item 'greet' example 0"
    ):
        check_examples(rubric)


def test_load_rubric_hashes_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(BASE, allow_unicode=True), encoding="utf-8")
    import hashlib

    assert load_rubric(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric(tmp_path / "bad.yaml")


@pytest.mark.parametrize("path", sorted((REPO / "rubrics").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_rubrics_describe_themselves(path: Path) -> None:
    rubric = load_rubric(path)
    text = rubric.describe()
    for item in rubric.items:
        assert item.id in text and item.coaching
    assert sum(i.points for i in rubric.items) == rubric.total_points


def test_hotline_rubric_has_the_standard_item_ids() -> None:
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    assert [i.id for i in rubric.items] == [
        "opening", "confirm_request", "closing", "forbidden_phrases", "deed_tax_rate",
        "residence_permit_conditions", "one_time_notice", "empathy", "no_interruption",
        "no_hostility", "hold_etiquette",
    ]  # fmt: skip
    critical = {i.id for i in rubric.items if i.critical}
    assert critical == {"deed_tax_rate", "no_hostility"}
    assert rubric.version == "2026.2"
