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
    args = ["report", kind, subject, "--period", "day:2026-11-20", "--url", url]
    result = CliRunner().invoke(app, args)
    # the id was read as the subject and the default rubric was loaded: only the
    # (empty) store's answer is left
    message = str(result.exception)
    assert f"{subject!r} has no calls scored with hotline_12345" in message, result.output
    named = CliRunner().invoke(app, [*args, "--rubric", "contact_center_en"])
    assert "has no calls scored with contact_center_en" in str(named.exception), named.output


def test_markup_in_ids_is_printed_as_text(qa_env: Path, tmp_path: Path, shared_dir: Path) -> None:
    """A call id or agent id like ``[/bold]`` is data: it must not crash rich's output."""
    import json
    import subprocess
    import sys

    from qa_pipeline.store import Store

    call = json.loads((shared_dir / "corpus" / "dev" / "dev_001.json").read_text("utf-8"))
    call.setdefault("transcript", call)["call_id"] = "[/bold]"
    path = tmp_path / "markup.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    qa = Path(sys.executable).parent / "qa"
    rubric = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"
    cmd = [str(qa), "score", str(path), "--rubric", str(rubric)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and "[/bold]" in proc.stdout, proc.stderr
    url = f"sqlite:///{qa_env / 'qa.db'}"
    Store.open(url).close()
    args = ["report", "agent", "[/red]", "--period", "day:2026-11-20", "--url", url]
    proc = subprocess.run([str(qa), *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error:") and "[/red]" in proc.stderr, proc.stderr
