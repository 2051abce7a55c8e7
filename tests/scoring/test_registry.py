"""Check kinds as self-contained units: registry, schema union, describe, bad input."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Literal

import pytest

from qa_pipeline.errors import RubricError
from qa_pipeline.rubric.checks import Strict
from qa_pipeline.scoring import kind_set, parse_rubric
from qa_pipeline.scoring.registry import CHECKS, KINDS, check_kind, kind_name, load_kinds
from tests.rubric.test_rubric_schema import mutate

REPO = Path(__file__).resolve().parents[2]
KIND_DIR = REPO / "qa_pipeline" / "scoring" / "kinds"


def test_every_kind_module_registers_one_kind_with_describe() -> None:
    modules = {p.stem for p in KIND_DIR.glob("*.py") if p.stem != "__init__"}
    kinds = load_kinds()
    assert set(kinds) == modules == set(CHECKS) == {kind_name(p) for p in kind_set().params}
    for name, kind in kinds.items():
        params = kind.params
        assert kind.fn.__module__ == f"qa_pipeline.scoring.kinds.{name}"
        assert params.__module__ == kind.fn.__module__  # params model beside its function
        assert callable(params.describe)


def test_the_engine_imports_no_specific_kind() -> None:
    for module in ("engine.py", "context.py", "derived.py", "search.py", "registry.py"):
        tree = ast.parse((REPO / "qa_pipeline" / "scoring" / module).read_text(encoding="utf-8"))
        names = [
            n.module or ""
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and ".kinds." in n.module
        ]
        assert names == [], module


def test_check_kind_refuses_a_model_without_kind_or_describe() -> None:
    class NoKind(Strict):
        x: int = 1

        def describe(self, lang: str) -> str:
            return "x"

    class NoDescribe(Strict):
        kind: Literal["no_describe"]

    with pytest.raises(TypeError, match="kind"):
        check_kind(NoKind)
    with pytest.raises(TypeError, match="describe"):
        check_kind(NoDescribe)
    assert "no_describe" not in KINDS


def test_a_second_function_for_a_taken_name_is_refused() -> None:
    params = KINDS["regex"].params

    def other(ctx: object, item: object, p: object) -> None:
        return None

    with pytest.raises(TypeError, match="registered twice"):
        check_kind(params)(other)


def test_unknown_kind_names_file_item_and_field() -> None:
    data = mutate()
    data["items"][0]["check"] = {"kind": "telepathy"}
    with pytest.raises(RubricError) as err:
        parse_rubric(data, source="mini.yaml")
    text = str(err.value)
    assert "mini.yaml" in text and "greet" in text and "check" in text and "telepathy" in text


def test_the_rubric_package_imports_nothing_from_scoring() -> None:
    for path in sorted((REPO / "qa_pipeline" / "rubric").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            n.module or ""
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and "scoring" in n.module
        ]
        assert names == [], path.name


def test_the_caller_hands_the_kinds_over() -> None:
    from qa_pipeline import rubric

    data = mutate()
    only_regex = rubric.KindSet((KINDS["regex"].params,))
    kinds_used = {it["check"]["kind"] for it in data["items"]}
    assert kinds_used - {"regex"}, "the mini rubric must use other kinds too"
    with pytest.raises(RubricError, match="check"):
        rubric.parse_rubric(data, "mini.yaml", kinds=only_regex)
    parsed = rubric.parse_rubric(data, "mini.yaml", kinds=kind_set())
    assert {it.check.kind for it in parsed.items} == kinds_used
