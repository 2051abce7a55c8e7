"""qa rubric diff: re-score stored calls with two rubric versions, list changed verdicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.models import CallMeta, Recording, Segment, Transcript
from qa_pipeline.scoring import load_rubric
from qa_pipeline.scoring.diff import diff_rubrics
from qa_pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]
RUBRIC = REPO / "rubrics" / "hotline_12345.yaml"
runner = CliRunner()


def _call(call_id: str, day: int, closing: str) -> Transcript:
    segs = (
        Segment("agent", 0.5, 5.0, "您好，12345热线，工号1001，请问有什么可以帮您？"),
        Segment("caller", 5.5, 12.0, "我家门口路灯坏了，东湖小区南门。"),
        Segment("agent", 12.5, 20.0, "我跟您核实一下，您反映的是东湖小区南门路灯坏了，对吗？"),
        Segment("caller", 20.5, 22.0, "对。"),
        Segment("agent", 22.5, 30.0, closing),
    )
    return Transcript(
        call_id=call_id,
        segments=segs,
        agent_id="A1",
        started_at=datetime(2026, 11, day, tzinfo=UTC),
    )


def _edited(tmp_path: Path) -> Path:
    """The rubric without 回见 as a goodbye (an edit a rubric owner might make)."""
    data = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    for item in data["items"]:
        if item["id"] == "closing":
            group = item["check"]["groups"][1]
            group["any"] = [w for w in group["any"] if w != "回见"]
    data["version"] = "2026.3"
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    calls = [
        _call("c-old", 1, "还有其他问题吗？回见。"),  # before --since: never listed
        _call("c-1", 20, "还有其他问题吗？回见。"),  # changes: closing pass → fail
        _call("c-2", 21, "还有其他问题吗？感谢您的来电，再见。"),  # unchanged
    ]
    with Store.open(url) as store:
        for t in calls:
            meta = CallMeta(call_id=t.call_id, agent_id=t.agent_id, started_at=t.started_at)
            store.save_call(Recording(Path(f"{t.call_id}.json"), meta, None, True), t, None, None)
    return url


def test_diff_lists_only_changed_verdicts_since_the_date(tmp_path: Path) -> None:
    url = _store(tmp_path)
    old, new = load_rubric(RUBRIC), load_rubric(_edited(tmp_path))
    with Store.open(url, upgrade=False) as store:
        since = datetime(2026, 11, 15, tzinfo=UTC)
        result = diff_rubrics(old, new, store.stored_transcripts(since))
    assert result.calls == 2
    assert [(c.call_id, c.item_id, c.old, c.new) for c in result.changes] == [
        ("c-1", "closing", "pass", "fail")
    ]
    assert "致谢或道别" in result.changes[0].new_reason
    assert result.by_item() == {"closing": {"pass→fail": 1}}


def test_cli_rubric_diff_json_and_bad_date(tmp_path: Path) -> None:
    url = _store(tmp_path)
    edited = str(_edited(tmp_path))
    args = ["rubric", "diff", str(RUBRIC), edited, "--since", "2026-11-15", "--url", url]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    change = json.loads(lines[0])
    assert (change["call_id"], change["item_id"], change["new"]) == ("c-1", "closing", "fail")
    assert "2 calls since 2026-11-15: 1 verdict(s) change in 1 call(s)" in lines[-1]
    bad = runner.invoke(app, [*args[:4], "--since", "last tuesday", "--url", url])
    assert bad.exit_code != 0 and "not a date" in bad.output
