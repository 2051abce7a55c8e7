"""`qa db upgrade`, `qa db status`, `qa db redact`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import StoreError
from qa_pipeline.store import Store


def test_status_then_upgrade_then_status(qa_env: Path) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["db", "status"])
    assert before.exit_code == 0, before.output
    assert "(empty)" in before.output and "needs `qa db upgrade`" in before.output
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert "→ 0005" in up.output
    assert (qa_env / "data" / "qa.sqlite3").is_file()
    after = runner.invoke(app, ["db", "status"])
    assert "0005 (head 0005) — up to date" in after.output
    assert "call_scores" in after.output
    assert "recent runs" not in after.output
    with Store.open(f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}") as store:
        store.start_run("nightly", {})
        store.finish_run(store.start_run("backtest", {}), "completed", {})
    runs = runner.invoke(app, ["db", "status"])
    assert "recent runs" in runs.output
    assert "backtest" in runs.output and "completed" in runs.output and "running" in runs.output


def test_status_by_url_masks_the_password(qa_env: Path) -> None:
    url = f"sqlite:///{qa_env / 'other.sqlite3'}"
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0 and str(qa_env / "other.sqlite3") in result.output
    bad = "postgresql+psycopg://qa:t0p-s3cret@127.0.0.1:1/qa"
    result = CliRunner().invoke(app, ["db", "status", "--url", bad])
    assert isinstance(result.exception, StoreError)
    assert "t0p-s3cret" not in str(result.exception) + result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["我的手机是13812345678，工号1023"], "我的手机是[手机号]，工号1023"),
        (["幺三八 幺二三四 五六七八", "--partial"], "138****5678"),
    ],
)
def test_redact_command(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, ["db", "redact", *args])
    assert result.exit_code == 0
    assert result.output.strip() == expected
