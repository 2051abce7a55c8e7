"""Hostile rubric files are refused with a RubricError naming the file and the problem
(issue 20): a YAML alias bomb, duplicate keys at any level, a file of many megabytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import RubricError
from qa_pipeline.scoring import load_rubric

REPO = Path(__file__).resolve().parents[2]
SOURCE = (REPO / "rubrics" / "hotline_12345.yaml").read_text(encoding="utf-8")
GRADES = "grades: [[优秀, 90], [合格, 80], [不合格, 0]]\n"


def _write(tmp_path: Path, text: str, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb.encode()) < 1100  # 9^9 = 387 million strings once expanded
    path = _write(
        tmp_path, SOURCE.replace(GRADES, GRADES + "x_bomb:\n  " + bomb.replace("\n", "\n  "))
    )
    with pytest.raises(
        RubricError, match=r"hostile\.yaml: line \d+: YAML alias \*a is not allowed"
    ):
        load_rubric(path)


def test_duplicate_top_level_key_is_refused(tmp_path: Path) -> None:
    # a second grades: without the pass mark used to win silently
    path = _write(tmp_path, SOURCE.replace(GRADES, GRADES + "grades: [[优秀, 90], [不合格, 0]]\n"))
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    message = str(err.value)
    assert "hostile.yaml" in message and "duplicate key 'grades'" in message
    assert "line 11" in message and "first on line 10" in message
    result = CliRunner().invoke(app, ["rubric", "check", str(path)])
    assert result.exit_code != 0 and "ok" not in result.output.lower().split()


def test_duplicate_nested_key_is_refused(tmp_path: Path) -> None:
    item = "  - id: opening\n    name: 开场白\n"
    nested = SOURCE.replace(item, item + "    name: 开场\n", 1)  # items[0] names itself twice
    assert nested != SOURCE
    with pytest.raises(RubricError, match=r"line 117: duplicate key 'name' \(first on line 116\)"):
        load_rubric(_write(tmp_path, nested))


def test_rubric_over_one_megabyte_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 98 + "\n"
    path = _write(tmp_path, SOURCE + padding * 90_000)  # 9 MB of comments
    with pytest.raises(
        RubricError,
        match=r"hostile\.yaml: rubric file is 9,\d{3},\d{3} bytes; the limit is 1,048,576",
    ):
        load_rubric(path)


def test_shipped_rubrics_still_load() -> None:
    for path in sorted((REPO / "rubrics").glob("*.yaml")):
        assert load_rubric(path).items
