"""What an operator sees: one line per error that stops a night, a run killed with -9 is
marked ``crashed`` on the next start and leaves no Prefect server behind, a night that
scores nothing exits 1."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.watchdog import server_children

pytestmark = pytest.mark.slow


def _slow_rubric(path: Path) -> Path:
    """A rubric whose one check backtracks for its whole time limit on ``aaa…!``."""
    doc = {
        "id": "slow",
        "version": "1",
        "language": "en",
        "name": "Slow",
        "dimensions": [{"id": "d", "name": "D", "points": 100}],
        "items": [
            {
                "id": "probe",
                "name": "Probe",
                "dimension": "d",
                "points": 100,
                "check": {"kind": "regex", "pattern": "(a|aa)+$", "expect": "absent"},
            }
        ],
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _runs(db: Path) -> list[tuple[int, str]]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return list(conn.execute("select id, status from runs order by id"))
    except sqlite3.OperationalError:
        return []


def _gone(pids: dict[int, int], within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{p}").exists() for p in pids):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc (Linux)")
def test_operator_sees_one_line_crashed_runs_and_exit_codes(tmp_path: Path, h: Any) -> None:
    env = h.qa_env(tmp_path)
    db = tmp_path / "data" / "qa.sqlite3"
    inbox = tmp_path / "inbox"
    (inbox / "calls").mkdir(parents=True)
    rows = []
    for n in range(6):
        seg = {"speaker": "agent", "start": 0, "end": 2, "text": "a" * 60 + "!"}
        call = {"call_id": f"S{n}", "language": "en", "segments": [seg, seg]}
        (inbox / "calls" / f"S{n}.json").write_text(json.dumps(call), encoding="utf-8")
        rows.append(f"S{n},calls/S{n}.json,A1,T,2026-11-20T10:00:00+08:00,x,60,4")
    header = "call_id,file,agent_id,team,started_at,call_type,duration_s,satisfaction"
    (inbox / "manifest.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    args = ["run", "--inbox", str(inbox), "--date", "2026-11-20", "--no-reports"]

    # 1. a bad rubric stops the night before it starts: one line, exit 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        _slow_rubric(bad).read_text(encoding="utf-8").replace("(a|aa)+$", "(a+)+$"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(h.qa), *args, "--rubric", str(bad)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("error:") and "nested quantifier" in proc.stderr

    # 2. kill -9 of `qa run` alone (not its group): the ephemeral server goes with it
    slow = _slow_rubric(tmp_path / "slow.yaml")
    run = subprocess.Popen(
        [str(h.qa), *args, "--rubric", str(slow), "--chunk-size", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    servers: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 240
        while run.poll() is None and time.monotonic() < deadline:
            servers.update(server_children(run.pid))
            if servers and _runs(db):
                break
            time.sleep(0.2)
        assert servers and _runs(db) == [(1, "running")], "the run did not get going"
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert _gone(servers, 30), "the ephemeral Prefect server outlived its parent"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in servers:  # never leave one behind, whatever the outcome
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)

    # 3. the next start marks the dead run crashed; a night scoring nothing exits 1
    (inbox / "manifest.csv").write_text(
        header + "\nN1,calls/missing.json,A1,T,2026-11-20T10:00:00+08:00,x,60,4\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(h.qa), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    warning, error = proc.stderr.strip().splitlines()  # one line each, no traceback
    assert "run 1 (process" in warning and "marked crashed" in warning
    assert error == "error: night 2026-11-20: nothing scored (1 failed)"
    assert _runs(db) == [(1, "crashed"), (2, "failed")]
