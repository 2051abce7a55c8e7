"""SIGTERM stops a night as cancelled, not failed (issue 20): systemd, Kubernetes and
Prefect's own cancel all stop a process with SIGTERM; an operator must not read "failed"."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


# the night in its own process (Prefect ends a process that got SIGTERM by sending it
# again once the flow has unwound): the score stage sends the signal, as `systemctl stop`
# or a Prefect cancel would, while the flow waits for it
SCRIPT = """
import os, signal, sys, time
from flows.nightly import nightly_qa
from qa_pipeline.night import stages

def terminated(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(3)
    raise AssertionError("SIGTERM did not stop the night")

stages.score_chunk = terminated
nightly_qa(sys.argv[1], "2026-11-20", write_reports=False)
"""


def test_sigterm_marks_the_run_cancelled(tmp_path: Path, h: Any) -> None:
    inbox = h.vendor_inbox(tmp_path / "centre", n=2)
    script = tmp_path / "night.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = h.qa_env(
        tmp_path,
        PYTHONPATH=str(h.repo),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
    )
    log = tmp_path / "night.log"
    with log.open("w") as out:  # a file, not a pipe: Prefect's server child may outlive it
        proc = subprocess.Popen(
            [sys.executable, str(script), str(inbox)],
            env=env,
            cwd=h.repo,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the temporary Prefect server it started
    assert code == -signal.SIGTERM, log.read_text()[-3000:]
    with sqlite3.connect(tmp_path / "data" / "qa.sqlite3") as conn:
        status, summary = conn.execute("select status, summary from runs").fetchone()
    assert status == "cancelled", summary
    assert "stopped by SIGTERM" in summary


def test_mark_ended_reads_a_termination_as_a_cancel() -> None:
    from prefect.exceptions import TerminationSignal

    from flows.nightly import NightTerminated, _cancelled

    assert _cancelled(NightTerminated()) and _cancelled(KeyboardInterrupt())
    assert _cancelled(TerminationSignal(signal.SIGTERM))
    assert not _cancelled(RuntimeError("boom")) and not _cancelled(SystemExit(1))
    assert str(NightTerminated()) == "stopped by SIGTERM"
