"""The kill test: SIGKILL a nightly run mid-way, start it again, nothing is lost or doubled."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

AUDIO = ("en_01", "en_05", "en_07")


def _scored(db: Path) -> list[str]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return [r[0] for r in conn.execute("select call_id from call_scores")]
    except sqlite3.OperationalError:  # not created yet
        return []


def test_killed_night_resumes_without_redoing_finished_calls(tmp_path: Path, h: Any) -> None:
    h.needs_model()
    inbox = h.vendor_inbox(tmp_path / "centre", n=3)
    manifest = inbox / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    (inbox / "audio").mkdir()
    audio_rows = []
    for i, stem in enumerate(AUDIO):
        shutil.copyfile(
            h.repo / "demo" / "audio" / f"{stem}.flac", inbox / "audio" / f"{stem}.flac"
        )
        audio_rows.append(
            f"EN-{i},audio/{stem}.flac,E200{i},English desk,2026-11-20T10:0{i}:00+08:00,"
            f"inquiry,30,4,,6,en"
        )
    # audio first: the kill lands while calls are still being transcribed
    manifest.write_text("\n".join([lines[0], *audio_rows, *lines[1:]]) + "\n", encoding="utf-8")
    all_ids = {r.split(",")[0] for r in [*audio_rows, *lines[1:]]}
    env = h.qa_env(tmp_path)
    db = tmp_path / "data" / "qa.sqlite3"
    args = ["--inbox", str(inbox), "--date", "2026-11-20", "--chunk-size", "1", "--no-reports"]
    args += ["--rubric", "hotline_12345"]
    if (h.repo / "rubrics" / "contact_center_en.yaml").is_file():
        args += ["--rubric", "en=contact_center_en"]

    proc = subprocess.Popen(
        [str(h.qa), "run", *args, "--json"],
        env=env,
        cwd=h.repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the kill takes the run and its helpers
    )
    deadline = time.monotonic() + 240
    while not _scored(db) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = set(_scored(db))
    assert finished, "the run finished no call before the deadline"
    assert finished < all_ids, "the run was over before the kill: nothing to resume"

    summary = h.qa_run_json(args, env)

    assert summary["already_done"] == len(finished)
    assert summary["scored"] + summary["already_done"] == len(all_ids)
    redone = {f["call_id"] for f in summary["failures"]}
    assert not redone, summary["failures"]
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute("select call_id, count(*) from call_scores group by call_id"))
    assert set(counts) == all_ids and set(counts.values()) == {1}
    # finished calls were not transcribed again (nor even looked at)
    assert summary["transcribed"] + summary["from_cache"] <= len(set(AUDIO)) - len(
        finished & {f"EN-{i}" for i in range(len(AUDIO))}
    )
