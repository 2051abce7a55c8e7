"""Fixtures of the flows tests: a Prefect test harness, inboxes, subprocess runs of `qa`."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QA = Path(sys.executable).parent / "qa"
PREFECT = Path(sys.executable).parent / "prefect"
HEADER = "call_id,file,agent_id,team,started_at,call_type,duration_s,satisfaction,language\n"


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Flows in this process run against a throw-away Prefect database."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def models_dir() -> Path:
    return Path(os.environ.get("QA_MODELS_DIR", REPO / "models"))


def needs_model() -> None:
    """Assemble the embedded base model into the models folder (offline, seconds)."""
    from qa_pipeline.asr.registry import assemble_base
    from qa_pipeline.errors import QAPipelineError

    try:
        assemble_base(models_dir())
    except QAPipelineError as exc:
        pytest.skip(f"embedded speech model not available: {exc}")


def vendor_inbox(root: Path, n: int = 8, seed: int = 1, night: str = "2026-11-20") -> Path:
    """An inbox of ``n`` demo vendor transcripts (no damaged file, no audio)."""
    from datetime import date

    from qa_pipeline.demo.centre import DemoOptions, build_demo

    centre = build_demo(
        root,
        DemoOptions(
            seed=seed,
            tonight=date.fromisoformat(night),
            history_nights=0,
            calls_tonight=n,
            with_audio=False,
        ),
    )
    inbox = centre.inbox(centre.tonight)
    with (inbox / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # the damaged file's row dropped; the demo's caller numbers too, so the tests here
    # can append rows with the manifest's usual 11 columns (callers: tests/night)
    columns = [c for c in rows[0] if c != "caller_number"]
    with (inbox / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if not r["call_id"].endswith("-9001"))
    return inbox


def qa_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment of a `qa` subprocess: its own data, reports and Prefect home."""
    env = dict(os.environ)
    for key in ("PREFECT_API_URL", "PREFECT_HOME", "QA_DATABASE_URL"):
        env.pop(key, None)
    env.update(
        QA_DATA_DIR=str(tmp / "data"),
        QA_REPORTS_DIR=str(tmp / "reports"),
        QA_MODELS_DIR=str(models_dir()),
        PREFECT_HOME=str(tmp / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.update(extra)
    return env


def qa_run_json(args: list[str], env: dict[str, str], timeout: float = 300) -> dict:
    """Run `qa run ... --json` and return the summary."""
    proc = subprocess.run(
        [str(QA), "run", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    start = proc.stdout.index("{")
    return json.loads(proc.stdout[start:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Helpers:
    """Helpers for the tests (pytest's importlib mode cannot import conftest)."""

    needs_model = staticmethod(needs_model)
    vendor_inbox = staticmethod(vendor_inbox)
    qa_env = staticmethod(qa_env)
    qa_run_json = staticmethod(qa_run_json)
    header = HEADER
    repo = REPO
    qa = QA


@pytest.fixture(scope="session")
def h() -> type[Helpers]:
    """The helpers above."""
    return Helpers


@pytest.fixture()
def prefect_server(tmp_path: Path) -> Iterator[str]:
    """A real `prefect server start` on 127.0.0.1 with its own home; yields the API URL."""
    port = free_port()
    env = qa_env(tmp_path, PREFECT_HOME=str(tmp_path / "server-home"), PREFECT_UI_ENABLED="false")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "prefect server did not start: " + (tmp_path / "server.log").read_text()[-2000:]
                )
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
