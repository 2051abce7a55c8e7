"""A bad night: every kind of broken row is reported by row and reason; good calls scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def test_bad_night_completes_and_names_every_problem(tmp_path: Path, qa_env: Path, h: Any) -> None:
    h.needs_model()
    from flows.nightly import nightly_qa
    from qa_pipeline.config import load_settings
    from qa_pipeline.store import Store

    inbox = h.vendor_inbox(tmp_path / "centre", n=4)
    manifest = inbox / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    good_ids = [ln.split(",")[0] for ln in lines[1:]]
    first = lines[1].split(",")
    (inbox / "audio").mkdir()
    (inbox / "audio" / "broken.flac").write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x07" * 300)
    (inbox / "calls" / "cut.json").write_text('{"call_id": "b7", "segm', encoding="utf-8")

    def row(call_id: str, file: str, started: str = "2026-11-20T10:00:00+08:00") -> str:
        return ",".join([call_id, file, "A1001", "一组", started, "咨询", "60", "4", "", "12", ""])

    bad = [
        "b1,calls/x.json,A1001",  # row 6: missing columns
        row("b2", "calls/nope.json"),  # row 7: unknown file
        row(first[0], first[1]),  # row 8: duplicate call id
        row("b4", first[1], started="2026-11-31 09:00"),  # row 9: bad date
        row("b5", "audio/broken.flac"),  # row 10: does not decode
        row("b6", first[1], started=""),  # row 11: no start time
        row("b7", "calls/cut.json"),  # row 12: vendor file cut off
    ]
    manifest.write_text("\n".join([*lines, *bad]) + "\n", encoding="utf-8")

    summary = nightly_qa(str(inbox), "2026-11-20", chunk_size=3, write_reports=False)

    assert summary.found == 11 and summary.scored == 4
    assert summary.status == "completed_with_failures"
    by_id = {(f.call_id, f.row): f for f in summary.failures}
    assert len(summary.failures) == 7
    assert "missing columns" in by_id[("b1", 6)].message
    assert "not found" in by_id[("b2", 7)].message
    assert "duplicate call_id (first on row 2)" in by_id[(first[0], 8)].message
    assert "not a date-time" in by_id[("b4", 9)].message
    assert "started_at" in by_id[("b6", 11)].message
    assert all(by_id[k].stage == "manifest" for k in by_id if k[1] is not None)
    decode = next(f for f in summary.failures if f.call_id == "b5")
    assert decode.stage == "transcribe" and decode.kind.startswith("audio")
    cut = next(f for f in summary.failures if f.call_id == "b7")
    assert (cut.stage, cut.kind) == ("transcript", "transcript_format")

    store = Store.open(load_settings().resolved_database_url)
    assert sorted(store.scores_frame()["call_id"]) == sorted(good_ids)
    errors = store.errors_frame(summary.run_id)
    assert len(errors) == 7
    assert any(m.startswith("row 9:") for m in errors["message"])
    # the night's markdown lists every failure: call, manifest row (if any), stage and kind
    md = summary.to_markdown()
    listed = [ln for ln in md.split("## Failures", 1)[1].splitlines() if ln.startswith("| b")]
    assert len(listed) == 6, md  # b1, b2, b4, b5, b6, b7 (the duplicate has a demo call id)
    assert "| b1 | 6 | manifest/" in md, md
    assert f"| b5 |  | {decode.stage}/{decode.kind} |" in md, md
    assert f"| b7 |  | {cut.stage}/{cut.kind} |" in md, md
