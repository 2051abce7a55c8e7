"""A hostile night: look-alike and hostile call ids, broken rows, links out of the inbox,
a cut-off WAV, a call id reused for another call. Nothing hangs, nothing is lost or mixed
up, every problem is named; a night that scores nothing is a failed night."""

from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

T = "2026-11-20T10:00:00+08:00"


def _row(call_id: str, file: str, agent: str = "A1001", started: str = T) -> str:
    return ",".join([call_id, file, agent, "一组", started, "咨询", "60", "4", "", "12", "zh"])


def _cut_wav(path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    declared = 16000 * 36_000  # ten hours declared, one second held
    path.write_bytes(
        b"RIFF" + struct.pack("<I", 36 + declared) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
        + fmt + b"data" + struct.pack("<I", declared) + b"\x00\x00" * 8000
    )  # fmt: skip


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "qa.sqlite3")


def test_hostile_night(tmp_path: Path, qa_env: Path, h: Any) -> None:
    from flows.nightly import nightly_qa
    from qa_pipeline.commands.flows import _print_summary

    inbox = h.vendor_inbox(tmp_path / "centre", n=2)
    manifest = inbox / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    first, second = (ln.split(",")[1] for ln in lines[1:3])
    outside = tmp_path / "outside.json"
    shutil.copyfile(inbox / first, outside)
    (inbox / "calls" / "link.json").symlink_to(outside)
    _cut_wav(inbox / "cut.wav")
    rows = [
        _row("X/1", first),  # row 4
        _row("X_1", first),
        _row("X 1", first),
        _row("[/bold]", second),  # rich markup in a call id
        _row("L" * 300, first),  # row 8: too long for a file name or the store
        _row("Q1", first).replace(",一组,", ',"一组,'),  # row 9: quote never closed
        _row("Q2", second),  # row 10: must not be swallowed by row 9
        _row("S1", "calls/link.json"),  # row 11: a link out of the inbox
        _row("W1", "cut.wav"),  # row 12: header says 10 h, holds 1 s
    ]
    manifest.write_text("\n".join([*lines, *rows]) + "\n", encoding="utf-8")

    summary = nightly_qa(str(inbox), "2026-11-20", chunk_size=4, write_reports=False)

    _print_summary(summary)  # rich markup in ids is printed as text
    by_row = {f.row: f for f in summary.failures}
    assert sorted(by_row) == [8, 9, 11, 12], summary.failures
    assert "300 characters" in by_row[8].message
    assert "unterminated quote" in by_row[9].message
    assert "outside the inbox" in by_row[11].message
    assert "cut short" in by_row[12].message and "10:00:00" in by_row[12].message
    scored = {"X/1", "X_1", "X 1", "[/bold]", "Q2"} | {ln.split(",")[0] for ln in lines[1:]}
    assert summary.scored == len(scored) == 7
    with _db(tmp_path) as conn:
        assert {r[0] for r in conn.execute("select call_id from call_scores")} == scored
        assert {r[0] for r in conn.execute("select call_id from transcripts")} == scored
    assert len(list((tmp_path / "data" / "transcripts").glob("X_1-*.json"))) == 3

    # the next night: X_1 is another call under the same id, X/1 a corrected re-delivery
    inbox2 = tmp_path / "night2"
    (inbox2 / "calls").mkdir(parents=True)
    shutil.copyfile(inbox / second, inbox2 / "calls" / "a.json")
    shutil.copyfile(inbox / second, inbox2 / "calls" / "b.json")
    rows2 = [
        _row("X_1", "calls/a.json", "A2002", "2026-11-21T09:00:00+08:00"),
        _row("X/1", "calls/b.json"),
    ]
    (inbox2 / "manifest.csv").write_text("\n".join([lines[0], *rows2]) + "\n", encoding="utf-8")

    summary2 = nightly_qa(str(inbox2), "2026-11-21", write_reports=False)

    [reused] = summary2.failures
    assert (reused.call_id, reused.kind) == ("X_1", "call_id_reused")
    assert "A1001" in reused.message and "own id" in reused.message
    assert summary2.scored == 1 and summary2.already_done == 0  # X/1 scored again
    with _db(tmp_path) as conn:
        agent = conn.execute("select agent_id from recordings where call_id = 'X_1'").fetchone()
    assert agent == ("A1001",)  # the earlier night's call is untouched

    # a night where nothing can be scored is a failed night
    (inbox2 / "manifest.csv").write_text(
        lines[0] + "\n" + _row("N1", "calls/missing.json") + "\n", encoding="utf-8"
    )
    summary3 = nightly_qa(str(inbox2), "2026-11-22", write_reports=False)
    assert summary3.status == "failed" and summary3.scored == 0
    with _db(tmp_path) as conn:
        statuses = [r[0] for r in conn.execute("select status from runs order by id")]
    assert statuses == ["completed_with_failures", "completed_with_failures", "failed"]
