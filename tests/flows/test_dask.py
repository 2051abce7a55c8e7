"""The nightly flow on a real local Dask cluster (2 worker processes) and Prefect server."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def test_nightly_on_a_two_worker_dask_cluster(tmp_path: Path, h: Any, prefect_server: str) -> None:
    inbox = h.vendor_inbox(tmp_path / "centre", n=8)
    env = h.qa_env(tmp_path, PREFECT_API_URL=prefect_server)
    args = ["--inbox", str(inbox), "--date", "2026-11-20", "--no-reports"]
    args += ["--runner", "dask", "--workers", "2", "--chunk-size", "2"]

    summary = h.qa_run_json(args, env, timeout=400)

    assert summary["scored"] == 8 and summary["failed"] == 0
    req = urllib.request.Request(
        f"{prefect_server}/task_runs/filter",
        data=json.dumps({"limit": 200}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        runs = json.load(resp)
    names = [r["name"] for r in runs if r["state_type"] == "COMPLETED"]
    assert sum(n.startswith("score-and-store") for n in names) == 4  # 8 calls, chunks of 2
