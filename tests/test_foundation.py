"""Foundation: import boundaries, CLI conventions, README coverage, settings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from qa_pipeline import __version__
from qa_pipeline.cli import app
from qa_pipeline.config import Settings, load_settings
from qa_pipeline.errors import ConfigError, QAPipelineError, TranscriptFormatError
from qa_pipeline.intake.transcript_io import load_transcript, save_transcript
from qa_pipeline.models import Segment, Status, Transcript

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "faster_whisper", "ctranslate2", "prefect", "librosa")


@pytest.mark.parametrize(
    "module",
    [
        "qa_pipeline.scoring",
        "qa_pipeline.rubric",
        "qa_pipeline.reports.aggregate",
        "qa_pipeline.models",
    ],
)
def test_light_modules_load_no_heavy_library(module: str) -> None:
    code = (
        f"import importlib, sys, json; importlib.import_module({module!r}); "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_library_never_imports_prefect_flows_or_cli() -> None:
    offenders = []
    for path in (REPO / "qa_pipeline").rglob("*.py"):
        if path.name == "cli.py" or "commands" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from|import)\s+(prefect|flows|qa_pipeline\.cli)\b", text, re.M):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def _all_commands(group: typer.Typer, prefix: str = "qa") -> list[str]:
    click_group = typer.main.get_command(group)
    out: list[str] = []

    def walk(cmd: object, name: str) -> None:
        sub = getattr(cmd, "commands", None)
        if sub:
            for key, child in sub.items():
                walk(child, f"{name} {key}")
        else:
            out.append(name)

    walk(click_group, prefix)
    return out


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = _all_commands(app)
    assert commands, "the qa app has no commands"
    missing = [c for c in commands if f"`{c}" not in readme]
    assert missing == [], f"commands missing from README.md: {missing}"


def test_every_command_has_help_and_one_line_summary() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in _all_commands(app):
        args = [*command.split()[1:], "--help"]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (command, res.output)
        assert "Usage" in res.output


def test_version_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "qa_pipeline.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"qa-pipeline {__version__}"


def test_usage_error_exits_2_and_library_error_exits_1(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "qa_pipeline.cli", "no-such-command"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    env_bad = subprocess.run(
        [sys.executable, "-m", "qa_pipeline.cli", "db", "status"],
        capture_output=True,
        text=True,
        env={"QA_DEVICE": "tpu", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert env_bad.returncode == 1
    assert "QA_DEVICE" in env_bad.stderr
    assert "Traceback" not in env_bad.stderr


def test_settings_defaults_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("QA_DATA_DIR", "QA_DATABASE_URL", "QA_MODELS_DIR", "QA_REPORTS_DIR", "QA_LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.data_dir == tmp_path / "data"
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'data' / 'qa.sqlite3'}"
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "centre-b"))
    monkeypatch.setenv("QA_LANGUAGE", "EN")
    monkeypatch.setenv("QA_COMPUTE_TYPE", "float16")
    s = Settings()
    assert s.data_dir == tmp_path / "centre-b"
    assert s.language == "en"
    assert s.compute_type == "float16"
    monkeypatch.setenv("QA_COMPUTE_TYPE", "int3")
    with pytest.raises(ConfigError, match="QA_COMPUTE_TYPE"):
        load_settings()


def test_errors_share_one_base() -> None:
    assert issubclass(ConfigError, QAPipelineError)
    assert ConfigError.kind != TranscriptFormatError.kind


def test_transcript_round_trip_and_bad_files(tmp_path: Path) -> None:
    t = Transcript(
        call_id="c1",
        segments=(
            Segment("agent", 0.0, 1.5, "您好，工号1023", 0.9),
            Segment("caller", 1.6, None, "你好"),
        ),
        agent_id="A1023",
    )
    path = save_transcript(t, tmp_path / "c1.json")
    again = load_transcript(path)
    assert again == t
    assert Status("pass") is Status.PASS

    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(TranscriptFormatError, match="empty"):
        load_transcript(empty)
    not_json = tmp_path / "x.json"
    not_json.write_text("{oops")
    with pytest.raises(TranscriptFormatError, match="not valid JSON"):
        load_transcript(not_json)
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(
        json.dumps(
            {"call_id": "g", "segments": [{"speaker": "agent", "text": "您好"}]}, ensure_ascii=False
        ).encode("gb18030")
    )
    loaded = load_transcript(gbk)
    assert loaded.segments[0].text == "您好"
    assert "non_utf8" in loaded.flags
