"""Manifest parsing: good rows become recordings, every bad row is named with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.errors import ManifestError
from qa_pipeline.intake.manifest import ManifestOptions, read_manifest

HEADER = "call_id,file,agent_id,team,started_at,call_type,duration_s,satisfaction,topic\n"


def _inbox(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.flac").write_bytes(b"not really audio")
    (inbox / "b.json").write_text('{"call_id": "c2", "segments": []}', encoding="utf-8")
    (inbox / "manifest.csv").write_text(header + body, encoding="utf-8")
    return inbox


def test_good_rows(tmp_path: Path) -> None:
    inbox = _inbox(
        tmp_path,
        "c1,a.flac,A1,一组,2026-11-21T09:15:00+08:00,咨询,185.2,5,契税\n"
        "c2,b.json,A2,二组,2026-11-21 10:00:00,投诉,,,\n",
    )
    m = read_manifest(inbox)
    assert m.rows == 2 and not m.errors
    r1, r2 = m.recordings
    assert (r1.call_id, r1.is_transcript, r1.meta.duration_s, r1.meta.topic) == (
        "c1",
        False,
        185.2,
        "契税",
    )
    assert r2.is_transcript and r2.meta.satisfaction is None
    assert r2.meta.started_at is not None and r2.meta.started_at.utcoffset() is not None
    assert r1.content_hash and len(r1.content_hash) == 64


def test_bad_rows_are_named_by_row_and_reason(tmp_path: Path) -> None:
    inbox = _inbox(
        tmp_path,
        "c1,a.flac,A1,一组,2026-11-21T09:15:00+08:00,咨询,185,5,\n"  # row 2 ok
        "c3,missing.flac,A1,一组,2026-11-21T09:20:00+08:00,咨询,1,5,\n"  # row 3 unknown file
        "c1,b.json,A2,一组,2026-11-21T09:25:00+08:00,咨询,1,5,\n"  # row 4 duplicate
        "c4,b.json,A2,一组,2026-13-45 25:00,咨询,1,5,\n"  # row 5 bad date
        "c5,b.json,A2\n"  # row 6 missing columns
        "c6,../etc/passwd,A2,一组,2026-11-21T09:25:00+08:00,咨询,1,5,\n"  # row 7 outside
        "c7,b.json,,一组,2026-11-21T09:25:00+08:00,咨询,long,5,\n",  # row 8 no agent, bad number
    )
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c1"]
    by_row = {e.row: e for e in m.errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert "not found" in by_row[3].reason
    assert "duplicate call_id (first on row 2)" in by_row[4].reason
    assert "started_at" in by_row[5].reason and "not a date-time" in by_row[5].reason
    assert "missing columns" in by_row[6].reason and by_row[6].call_id == "c5"
    assert "inside the inbox" in by_row[7].reason
    assert "agent_id" in by_row[8].reason and "duration_s" in by_row[8].reason
    assert str(by_row[3]).startswith("row 3 (c3):")


def test_header_problems(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, "a.flac,A1\n", header="file,agent_id\n")
    with pytest.raises(ManifestError, match="call_id"):
        read_manifest(inbox)
    with pytest.raises(ManifestError, match="not a folder"):
        read_manifest(tmp_path / "nope")


def test_missing_optional_column_warns_and_gb18030(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.flac").write_bytes(b"x")
    text = "call_id,file,agent_id,started_at,team\nc1,a.flac,A1,2026-11-21T09:00:00,一组\n"
    (inbox / "manifest.csv").write_bytes(text.encode("gb18030"))
    m = read_manifest(inbox, ManifestOptions(timezone="UTC", hash_files=False))
    assert m.recordings[0].meta.team == "一组"
    assert m.recordings[0].content_hash is None
    assert m.warnings and "satisfaction" in m.warnings[0]
