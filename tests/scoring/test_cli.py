"""qa score, qa rubric check/describe/test, qa eval scoring."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import QAPipelineError, RubricError

REPO = Path(__file__).resolve().parents[2]
RUBRIC = str(REPO / "rubrics" / "hotline_12345.yaml")
runner = CliRunner()


def test_score_json_lines(shared_dir: Path) -> None:
    files = [str(shared_dir / "corpus" / "dev" / f"dev_{n:03d}.json") for n in (13, 35)]
    result = runner.invoke(app, ["score", "--rubric", RUBRIC, *files, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.strip().splitlines()]
    assert [x["call_id"] for x in lines] == ["20261118-0014", "20261116-0031"]
    first = lines[0]
    for key in ("call_id", "agent_id", "rubric_id", "rubric_version", "rubric_sha256", "score",
                "grade", "critical_failed", "items"):  # fmt: skip
        assert key in first
    # the critical fail is the machine's proposal: a person confirms it (confirm_critical)
    hostile = next(i for i in first["items"] if i["id"] == "no_hostility")
    assert hostile["status"] == "review" and "一票否决项由机器提出，须人工确认" in hostile["reason"]
    assert hostile["evidence"] and first["critical_failed"] is False
    item = first["items"][0]
    assert set(item) >= {"id", "status", "points", "reason", "evidence"}
    assert set(item["evidence"][0]) == {"speaker", "start", "end", "text"}
    assert lines[1]["score"] == 100


def test_score_table_and_bad_file(tmp_path: Path, shared_dir: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    good = str(shared_dir / "corpus" / "dev" / "dev_001.json")
    result = runner.invoke(app, ["score", "--rubric", RUBRIC, good, str(bad)])
    assert "20261118-0037" in result.output and "deed_tax_rate" in result.output
    assert isinstance(result.exception, QAPipelineError)  # reported after the batch went on


def test_rubric_commands(tmp_path: Path) -> None:
    for rubric in sorted((REPO / "rubrics").glob("*.yaml")):
        for cmd in ("check", "describe", "test"):
            result = runner.invoke(app, ["rubric", cmd, str(rubric)])
            assert result.exit_code == 0, (cmd, rubric, result.output)
    out = runner.invoke(app, ["rubric", "describe", RUBRIC]).output
    assert "开场白" in out and "一票否决" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "rubrics" / "hotline_12345.yaml").read_text(encoding="utf-8").replace(
        "kind: overlap_count", "kind: mind_reading"), encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["rubric", "check", str(bad)])
    assert isinstance(result.exception, RubricError)
    assert "no_interruption" in str(result.exception) and "bad.yaml" in str(result.exception)


def test_eval_scoring_last_line_is_json(shared_dir: Path) -> None:
    corpus = str(shared_dir / "corpus" / "dev")
    result = runner.invoke(app, ["eval", "scoring", "--rubric", RUBRIC, "--corpus", corpus])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["accuracy"] >= 0.97 and summary["review_rate"] <= 0.05
    assert set(summary["items"]) >= {"opening", "hold_etiquette"}
    assert {"clean", "noisy"} <= set(summary["subsets"])
    assert "opening" in result.output and "noisy" in result.output
