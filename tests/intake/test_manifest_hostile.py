"""Broken and hostile manifests: each problem costs its own row, never the next rows or the
night, and is named with a reason."""

from __future__ import annotations

import struct
from pathlib import Path

from qa_pipeline.intake.manifest import read_manifest, wav_shortfall

HEADER = "call_id,file,agent_id,team,started_at,call_type,duration_s,satisfaction,topic\n"
T = "2026-11-21T09:15:00+08:00"


def _inbox(tmp_path: Path, body: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.json", "b.json", "c.json"):
        (inbox / name).write_text('{"call_id": "x", "segments": []}', encoding="utf-8")
    (inbox / "manifest.csv").write_text(HEADER + body, encoding="utf-8")
    return inbox


def _wav(path: Path, declared_s: float, held_s: float, rate: int = 8000) -> Path:
    byte_rate = rate * 2
    data = b"\x00\x00" * int(rate * held_s)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, byte_rate, 2, 16)
    declared = int(byte_rate * declared_s)
    path.write_bytes(
        b"RIFF"
        + struct.pack("<I", 36 + declared)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", declared)
        + data
    )
    return path


def test_unterminated_quote_costs_its_row_only(tmp_path: Path) -> None:
    inbox = _inbox(
        tmp_path,
        f'c1,a.json,A1,"一组,{T},咨询,60,4,\n'  # the quote never closes
        f"c2,b.json,A2,二组,{T},咨询,60,4,\n"
        f"c3,c.json,A3,二组,{T},咨询,60,4,\n",
    )
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c2", "c3"]
    assert m.rows == 3
    [err] = m.errors
    assert err.row == 2 and "unterminated quote" in err.reason


def test_a_huge_cell_is_a_row_error_not_a_traceback(tmp_path: Path) -> None:
    huge = "x" * 200_000
    inbox = _inbox(
        tmp_path,
        f"c1,a.json,A1,一组,{T},咨询,60,4,{huge}\n"
        f'c2,b.json,A2,二组,{T},咨询,60,4,"{huge[:20_000]}"\n'
        f"c3,c.json,A3,二组,{T},咨询,60,4,\n",
    )
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c3"]
    assert [e.row for e in m.errors] == [2, 3]
    assert "longer than 131072" in m.errors[0].reason
    assert "topic is 20000 characters long" in m.errors[1].reason


def test_overlong_call_id_is_rejected_on_its_row(tmp_path: Path) -> None:
    long_id = "C" * 300
    inbox = _inbox(
        tmp_path,
        f"{long_id},a.json,A1,一组,{T},咨询,60,4,\n"
        f"c2,b.json,A2,二组,{T},咨询,60,4,\n"
        f"c\x073,c.json,A3,二组,{T},咨询,60,4,\n",
    )
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c2"]
    first, bell = m.errors
    assert first.row == 2 and first.call_id is None  # too long to store as an id
    assert "300 characters" in first.reason and "CCCC" in first.reason
    assert bell.row == 4 and "control characters" in bell.reason


def test_symlinks_must_stay_inside_the_inbox(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.json"
    secret.parent.mkdir()
    secret.write_text('{"call_id": "s", "segments": []}', encoding="utf-8")
    inbox = _inbox(
        tmp_path,
        f"c1,link.json,A1,一组,{T},咨询,60,4,\n"
        f"c2,sub/secret.json,A2,二组,{T},咨询,60,4,\n"
        f"c3,inner.json,A3,二组,{T},咨询,60,4,\n",
    )
    (inbox / "link.json").symlink_to(secret)
    (inbox / "sub").symlink_to(secret.parent, target_is_directory=True)
    (inbox / "inner.json").symlink_to(inbox / "a.json")  # a link inside the inbox is fine
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c3"]
    assert [e.call_id for e in m.errors] == ["c1", "c2"]
    assert all("outside the inbox" in e.reason for e in m.errors)


def test_a_wav_cut_short_is_flagged_with_both_durations(tmp_path: Path) -> None:
    inbox = _inbox(
        tmp_path,
        f"c1,cut.wav,A1,一组,{T},咨询,60,4,\nc2,whole.wav,A2,二组,{T},咨询,60,4,\n",
    )
    _wav(inbox / "cut.wav", declared_s=36_000, held_s=1)
    _wav(inbox / "whole.wav", declared_s=2, held_s=2)
    assert wav_shortfall(inbox / "whole.wav") is None
    declared, held = wav_shortfall(inbox / "cut.wav") or (0, 0)
    assert (declared, held) == (36_000, 1)
    m = read_manifest(inbox)
    assert [r.call_id for r in m.recordings] == ["c2"]
    [err] = m.errors
    assert err.call_id == "c1" and "10:00:00" in err.reason and "1.0 s" in err.reason
