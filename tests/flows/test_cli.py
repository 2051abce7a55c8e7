"""`qa run`, `qa sample-size` and `qa demo` through the typer app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture()
def cli_env(qa_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import os

    monkeypatch.setenv("PREFECT_HOME", os.environ["PREFECT_HOME"])
    return qa_env


def test_sample_size() -> None:
    out = CliRunner().invoke(
        app,
        [
            "sample-size",
            "--margin",
            "0.05",
            "--confidence",
            "0.95",
            "--expected-rate",
            "0.2",
            "--population",
            "1000",
        ],
    )
    assert out.exit_code == 0 and out.output.startswith("198 of 1000 calls")


def test_run_prints_each_failed_call_and_why(tmp_path: Path, cli_env: Path, h: Any) -> None:
    inbox = h.vendor_inbox(tmp_path / "centre", n=3)
    with (inbox / "manifest.csv").open("a", encoding="utf-8") as fh:
        fh.write("X-1,calls/missing.json,A1001,一组,2026-11-20T09:00:00+08:00,咨询,1,5,,1,zh\n")
    out = CliRunner().invoke(
        app, ["run", "--inbox", str(inbox), "--date", "2026-11-20", "--no-reports"]
    )
    assert out.exit_code == 0, out.output
    assert "X-1 (row 5): manifest/manifest: file 'calls/missing.json' not found" in out.output
    assert "scored" in out.output


def test_run_rejects_bad_date_and_plan(tmp_path: Path, cli_env: Path) -> None:
    r = CliRunner().invoke(app, ["run", "--inbox", str(tmp_path), "--date", "21/11/2026"])
    assert r.exit_code != 0 and "not a date" in str(r.exception)
    r = CliRunner().invoke(app, ["run", "--inbox", str(tmp_path), "--date", "2026-11-21",
                                 "--plan", "half"])  # fmt: skip
    assert r.exit_code != 0 and "unknown sampling plan" in str(r.exception)


@pytest.mark.slow
def test_demo_without_audio(cli_env: Path, h: Any) -> None:
    out = CliRunner().invoke(app, ["demo", "--no-audio"])
    assert out.exit_code == 0, out.output
    assert "20261120-9001" in out.output  # the damaged vendor file is named
    data = cli_env / "data" / "demo" / "inbox"
    assert len(list(data.iterdir())) == 11  # ten earlier nights and tonight
    assert "report writer" not in out.output  # the reports were written, not skipped
    written = cli_env / "reports"
    for name in ("bulletin_week-2026-W47.html", "bulletin_month-2026-11.md",
                 "team_二组_week-2026-W47.html", "agent_A1006_week-2026-W47.html",
                 "bulletin_day-2026-11-20.html", "agent_A1001_day-2026-11-20.md"):  # fmt: skip
        assert (written / name).is_file(), name
        assert str(written / name) in out.output.replace("\n", ""), name
    # the demo ends in the workbench: how to open it and one account per role
    assert "qa web" in out.output
    lines = {ln.split()[1]: ln.split() for ln in out.output.splitlines() if " demo-" in ln}
    assert {v[0] for v in lines.values()} == {"admin", "inspector", "trainer", "manager", "agent"}
    from qa_pipeline.config import load_settings
    from qa_pipeline.review.users import UserStore
    from qa_pipeline.store import Store

    with Store.open(load_settings().resolved_database_url) as store:
        users = UserStore(store)
        inspector = users.authenticate("demo-inspector", lines["demo-inspector"][2])
        assert inspector is not None and inspector.role == "inspector"
        from qa_pipeline.review import Workbench

        # the night's queue is assigned to the demo inspector (the only inspector)
        assert Workbench(store).queue_counts(inspector).mine > 0
        assert "review items assigned" in out.output
        agent = users.authenticate("demo-agent", lines["demo-agent"][2])
        assert agent is not None and agent.agent_id == "A1006"
    again = CliRunner().invoke(app, ["demo", "--no-audio"])  # a second run keeps them
    assert again.exit_code == 0, again.output
    assert "earlier demo run" in again.output


def test_every_flows_command_has_help() -> None:
    for command in ("run", "sample-size", "serve", "demo"):
        out = CliRunner().invoke(app, [command, "--help"])
        assert out.exit_code == 0 and "Usage" in out.output, command
