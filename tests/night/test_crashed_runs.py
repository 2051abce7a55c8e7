"""Runs whose process died are marked ``crashed`` on the next start; live ones are not."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from qa_pipeline.night.config import StageConfig
from qa_pipeline.night.processes import process_start
from qa_pipeline.night.stages import mark_crashed_runs
from qa_pipeline.store import Store


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc (Linux)")
def test_dead_and_reused_pids_are_crashed_live_ones_are_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    config = StageConfig(url, tmp_path, tmp_path, None, (("default", "x"),))
    db = Store.open(url)
    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "60"])
    try:
        started = process_start(live.pid)
        ids = {
            "dead": db.start_run("nightly", {"host": host, "pid": dead.pid, "pid_start": 5}),
            "live": db.start_run("nightly", {"host": host, "pid": live.pid, "pid_start": started}),
            "reused": db.start_run("nightly", {"host": host, "pid": live.pid, "pid_start": 1}),
            "other host": db.start_run("nightly", {"host": "elsewhere", "pid": dead.pid}),
            "older run": db.start_run("nightly", {}),
        }
        db.note_run(ids["dead"], {"night": "2026-11-20", "found": 4})
        marked = mark_crashed_runs(config)
    finally:
        live.kill()
        live.wait()
    assert sorted(marked) == sorted([ids["dead"], ids["reused"]])
    runs = db.runs_frame().set_index("id")
    assert runs.loc[ids["dead"], "status"] == "crashed"
    assert runs.loc[ids["live"], "status"] == "running"
    assert runs.loc[ids["other host"], "status"] == "running"
    summary = runs.loc[ids["dead"], "summary"]
    assert summary["found"] == 4 and "ended without finishing" in summary["crashed"]
