"""The CLI with awkward input: ids that look like options, commands run from any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app


@pytest.mark.parametrize("kind, subject", [("agent", "-2+3"), ("team", "-组")])
def test_report_finds_the_default_rubric_from_any_folder_and_takes_dashed_ids(
    kind: str, subject: str, qa_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_pipeline.store import Store

    url = f"sqlite:///{qa_env / 'qa.db'}"
    Store.open(url).close()
    monkeypatch.chdir(qa_env)  # no rubrics/ folder here: found the way `qa run` finds it
    result = CliRunner().invoke(
        app, ["report", kind, subject, "--period", "day:2026-11-20", "--url", url]
    )
    # the id was read as the subject and the default rubric was loaded: only the
    # (empty) store's answer is left
    message = str(result.exception)
    assert f"{subject!r} has no calls scored with hotline_12345" in message, result.output
