"""Rubric regexes cannot hang a night: screened at load, matched under a time budget."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import RubricError
from qa_pipeline.lang.safe_regex import RegexTimeout, call_budget, compile_budgeted, screen
from qa_pipeline.models import CallMeta, Recording, Segment, Transcript


def _rubric(tmp_path: Path, pattern: str, rubric_id: str = "hostile") -> Path:
    doc = {
        "id": rubric_id,
        "version": "1",
        "language": "en",
        "name": "Hostile rubric",
        "dimensions": [{"id": "d", "name": "D", "points": 100}],
        "items": [
            {
                "id": "probe",
                "name": "Probe",
                "dimension": "d",
                "points": 100,
                "check": {"kind": "regex", "pattern": pattern, "expect": "absent"},
            }
        ],
    }
    path = tmp_path / f"{rubric_id}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w*x?)*y", r"((ab)*c)+", r"(?:a{1,3})+b"])
def test_nested_quantifiers_are_rejected(pattern: str) -> None:
    with pytest.raises(ValueError, match="nested quantifier"):
        screen(pattern)


@pytest.mark.parametrize(
    "pattern", [r"(?:ab)+", r"工号\d+", r"(\d{3}-)+\d+", r"(?>a+)+", r"a++b", r"(a{2})+$"]
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert screen(pattern) == pattern


def test_rubric_check_rejects_catastrophic_backtracking(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rubric", "check", str(_rubric(tmp_path, r"(a+)+$"))])
    assert result.exit_code != 0
    assert "nested quantifier" in str(result.exception) + result.output


def test_rubric_id_must_be_a_name(tmp_path: Path) -> None:
    from qa_pipeline.scoring import load_rubric

    with pytest.raises(RubricError, match="id"):
        load_rubric(_rubric(tmp_path, "x", rubric_id="../x"))


def test_budget_turns_a_runaway_match_into_an_error() -> None:
    rx = compile_budgeted(r"(a|aa)+$")  # overlapping alternatives: the screen cannot see it
    assert rx.search("aa") is not None
    t0 = time.monotonic()
    with call_budget(0.3), pytest.raises(RegexTimeout):
        rx.search("a" * 60 + "!")
    assert time.monotonic() - t0 < 10


@pytest.mark.timeout(120)
def test_runaway_check_is_a_recorded_error_and_the_chunk_goes_on(qa_env: Path) -> None:
    from qa_pipeline.intake.transcript_io import save_transcript
    from qa_pipeline.night.config import StageConfig
    from qa_pipeline.night.stages import score_chunk
    from qa_pipeline.store import Store

    rubric = _rubric(qa_env, r"(a|aa)+$")
    db = f"sqlite:///{qa_env / 'qa.db'}"
    config = StageConfig(
        database_url=db,
        models_dir=qa_env / "models",
        transcripts_dir=qa_env / "t",
        asr_cache_dir=None,
        rubrics=(("default", str(rubric)),),
        score_time_limit_s=1.0,
    )
    recs, paths = [], {}
    for call_id, text in (("bad", "a" * 60 + "!"), ("good", "hello, how can I help?")):
        t = Transcript(
            call_id=call_id,
            agent_id="A1",
            language="en",
            segments=(Segment("agent", 0.0, 2.0, text),),
        )
        paths[call_id] = save_transcript(t, qa_env / "t" / f"{call_id}.json")
        recs.append(Recording(paths[call_id], CallMeta(call_id, agent_id="A1"), is_transcript=True))
    store = Store.open(db)
    run_id = store.start_run("nightly", {})
    result = score_chunk(recs, paths, config, run_id)
    assert [c for c, _ in result.scored] == ["good"]
    [failure] = result.failures
    assert (failure.call_id, failure.stage, failure.kind) == ("bad", "score", "timeout")
    assert "(a|aa)+$" in failure.message


_SIGTERM_PROBE = """
import signal, sys
from qa_pipeline.lang.safe_regex import RegexTimeout, compile_budgeted
signal.signal(signal.SIGTERM, lambda *a: sys.exit(15))  # a Python-level handler, like Prefect's
rx = compile_budgeted(r"(a|aa)+$")
print("ready", flush=True)
while True:  # a runaway check that is retried for ever
    try:
        rx.search("a" * 80 + "!")
    except RegexTimeout:
        pass
"""


def test_sigterm_is_handled_while_a_runaway_pattern_is_matched() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIGTERM_PROBE], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        proc.terminate()
        assert proc.wait(timeout=30) == 15  # the handler ran: matching gave the GIL back
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize(
    ("pattern", "cheap"),
    [
        ("不知道(现在|方便|是否)", True),
        (r"^你.{4,}(对吗|是吗|对吧)$", True),
        (r"(如果|要是)?你自己\S{0,6}的话", True),
        (r"(a|aa)+$", False),  # a repeat over a group: budgeted
        (r"\w*\w*x", False),  # two unbounded repeats: polynomial, budgeted
        (r".{0,100}.{0,100}.{0,100}x", False),  # bounded, but too much work per position
    ],
)
def test_only_patterns_of_bounded_work_skip_the_time_limit(pattern: str, cheap: bool) -> None:
    from qa_pipeline.lang.safe_regex import is_cheap

    assert is_cheap(pattern) is cheap
    assert isinstance(compile_budgeted(pattern), re.Pattern) is cheap
