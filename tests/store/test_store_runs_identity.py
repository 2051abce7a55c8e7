"""What the nightly flow asks the store about earlier nights: runs still marked running,
and what is stored under a call id (to tell a re-delivery from a reused id)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qa_pipeline.models import CallMeta, Recording
from qa_pipeline.store import Store


def test_running_runs_and_recording_identity(store: Store) -> None:
    first = store.start_run("nightly", {"host": "h", "pid": 1})
    store.note_run(first, {"night": "2026-11-20", "found": 3})
    done = store.start_run("nightly", {})
    store.finish_run(done, "completed", {})
    store.start_run("backtest", {})
    [run] = store.running_runs("nightly")
    assert run["id"] == first and run["params"]["pid"] == 1
    assert run["summary"] == {"night": "2026-11-20", "found": 3}

    started = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for call_id in ("X/1", "X_1", "x" * 128):
        meta = CallMeta(call_id, agent_id="A1", started_at=started)
        store.upsert_recording(Recording(Path(f"/in/{call_id[:8]}.wav"), meta, "h1"), first)
    ids = ["X/1", "X_1", "x" * 128, "unknown", *(f"n{i}" for i in range(1200))]
    known = store.recording_identity(ids)
    assert sorted(known) == sorted(["X/1", "X_1", "x" * 128])
    assert known["X_1"]["agent_id"] == "A1" and known["X_1"]["content_hash"] == "h1"
    assert known["X_1"]["started_at"] == started
