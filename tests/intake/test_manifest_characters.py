"""Invisible and control characters in a manifest (issue 20): removed from agent and team
ids with a warning naming the row; a quoted line break named as such."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa_pipeline.intake.manifest import read_manifest

HEADER = "call_id,file,agent_id,team,started_at,call_type,duration_s,satisfaction,topic\n"
T = "2026-11-21T09:15:00+08:00"


def _inbox(tmp_path: Path, body: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.json", "b.json", "c.json"):
        (inbox / name).write_text('{"call_id": "x", "segments": []}', encoding="utf-8")
    (inbox / "manifest.csv").write_text(HEADER + body, encoding="utf-8", newline="")
    return inbox


def test_invisible_characters_are_removed_from_ids_with_a_row_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = (
        f"c1,a.json,A10\x0001,一组,{T},咨询,60,5,\n"
        f"c2,b.json,A1001\u200b,\u202e一组,{T},咨询,60,5,说明\x07\n"
        f"c3,c.json,A1003,二组,{T},咨询,60,5,\n"
    )
    with caplog.at_level(logging.WARNING, logger="qa_pipeline.intake.manifest"):
        m = read_manifest(_inbox(tmp_path, body))
    assert m.errors == ()
    assert [r.meta.agent_id for r in m.recordings] == ["A1001", "A1001", "A1003"]
    assert [r.meta.team for r in m.recordings] == ["一组", "一组", "二组"]
    assert m.recordings[1].meta.topic == "说明"
    assert m.warnings == (
        "row 2: removed invisible or control characters from agent_id (U+0000)",
        "row 3: removed invisible or control characters from agent_id (U+200B), "
        "team (U+202E), topic (U+0007)",
    )
    assert "row 3: removed" in caplog.text


def test_a_quoted_line_break_is_named_and_costs_one_row(tmp_path: Path) -> None:
    body = (
        f'c1,a.json,A1001,"一\n组",{T},咨询,60,5,\n'  # Excel writes a cell's line break so
        f"c2,b.json,A1002,一组,{T},咨询,60,5,\n"
    )
    m = read_manifest(_inbox(tmp_path, body))
    assert [r.call_id for r in m.recordings] == ["c2"]
    [error] = m.errors
    assert error.row == 2
    assert "a line break inside a quoted cell (the record runs on to line 3)" in error.reason


def test_a_quote_never_closed_still_costs_only_its_line(tmp_path: Path) -> None:
    body = f'c1,a.json,A1001,"一组,{T},咨询,60,5,\nc2,b.json,A1002,一组,{T},咨询,60,5,\n'
    m = read_manifest(_inbox(tmp_path, body))
    assert [r.call_id for r in m.recordings] == ["c2"]
    assert "unterminated quote" in m.errors[0].reason
