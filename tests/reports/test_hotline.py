"""The hotline bulletin end to end on a generated store: sections, traceability, bad input."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.demo.hotline import SeedOptions, bulk_load
from qa_pipeline.errors import ConfigError, ReportError
from qa_pipeline.models import CallMeta, Recording
from qa_pipeline.reports import write_reports_from_store
from qa_pipeline.scoring import load_rubric
from qa_pipeline.store import Store
from qa_pipeline.topics.generate import MonthPlan, PlannedCall, generate_month

REPO = Path(__file__).resolve().parents[2]
TZ = timezone(timedelta(hours=8))
STEM = "hotline_2026-11"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _seed(url: str, root: Path) -> list[PlannedCall]:
    october = MonthPlan(start=datetime(2026, 10, 1, tzinfo=TZ), days=31, per_day=80, seed=1)
    november = MonthPlan(
        start=datetime(2026, 11, 1, tzinfo=TZ),
        per_day=80,
        rise_topic="environment.noise",
        rise_factor=4,
        emerging=20,
        odd=10,
        seed=2,
    )
    planned = generate_month(october) + generate_month(november)
    t = datetime(2026, 11, 20, 10, tzinfo=TZ)
    with Store.open(url) as store:
        bulk_load(store, planned, root, SeedOptions(no_number=0.05))
        # bad input: no caller number, no transcript; one with only the manifest's topic
        store.upsert_recording(Recording(root / "x1.wav", CallMeta("X-1", started_at=t)), None)
        tagged = CallMeta("X-2", agent_id="A01", started_at=t, topic="物业管理")
        store.upsert_recording(Recording(root / "x2.wav", tagged), None)
        # a manifest topic the taxonomy does not know: unknown, counted all the same
        odd = CallMeta("X-3", agent_id="A01", started_at=t, topic="火星移民")
        store.upsert_recording(Recording(root / "x3.wav", odd), None)
    return planned


@pytest.fixture()
def bulletin(db_url: str, tmp_path: Path) -> tuple[list[PlannedCall], Path]:
    planned = _seed(db_url, tmp_path)
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    with Store.open(db_url) as store:
        paths = write_reports_from_store(
            store, "hotline", None, "month:2026-11", rubric, tmp_path / "out", ["html", "md", "csv"]
        )
    assert {p.name for p in paths} >= {f"{STEM}.html", f"{STEM}.md", f"{STEM}.calls.csv"}
    return planned, tmp_path / "out"


def test_every_call_is_counted_and_traceable(bulletin: tuple[list[PlannedCall], Path]) -> None:
    planned, out = bulletin
    november = {c.call_id for c in planned if c.started_at.month == 11} | {"X-1", "X-2", "X-3"}
    calls = {r["call_id"]: r for r in _read(out / f"{STEM}.calls.csv")}
    assert set(calls) == november
    categories = _read(out / f"{STEM}.categories.csv")
    traced = [i for r in categories for i in r["call_ids"].split()]
    assert sorted(traced) == sorted(november)  # the categories partition the calls
    assert sum(int(r["来电量"]) for r in categories) == len(november)
    assert calls["X-1"]["topic_id"] == "unknown" and calls["X-1"]["followed_by"] == ""
    assert calls["X-2"]["topic_id"] == "housing.property"  # the manifest's topic, no text
    assert calls["X-3"]["topic_id"] == "unknown"  # a topic outside the taxonomy
    types = _read(out / f"{STEM}.types.csv")
    assert {r["类型"] for r in types} >= {"咨询", "求助", "投诉", "建议", "–"}


def test_hotspot_emerging_and_repeats(bulletin: tuple[list[PlannedCall], Path]) -> None:
    planned, out = bulletin
    topics = _read(out / f"{STEM}.topics.csv")
    assert [r["诉求"] for r in topics if r["热点"]] == ["市容环境/噪音扰民"]
    emerging = _read(out / f"{STEM}.emerging.csv")
    charging = [r for r in emerging if "充电桩" in r["关键词"]]
    assert len(charging) == 1
    truth = {c.call_id for c in planned if c.topic == "emerging"}
    assert set(charging[0]["call_ids"].split()) <= truth
    assert int(charging[0]["来电量"]) >= 10

    calls = {r["call_id"]: r for r in _read(out / f"{STEM}.calls.csv")}
    notice = _read(out / f"{STEM}.one_time_notice.csv")
    assert notice
    for row in notice:
        first, again = row["来电"], row["再次来电"]
        assert calls[first]["followed_by"] == again
        assert row["call_ids"].split() == [first, again]
    by_agent = _read(out / f"{STEM}.repeats_by_agent.csv")
    for row in by_agent:
        ids = row["call_ids"].split()
        assert len(ids) == int(row["被重复来电"])
        assert all(calls[i]["agent_id"] == row["话务员"] and calls[i]["followed_by"] for i in ids)
    items = {r["质检项"]: r for r in _read(out / f"{STEM}.item_repeats.csv")}
    assert "一次性告知" in items
    html = (out / f"{STEM}.html").read_text(encoding="utf-8")
    for title in ("热点诉求", "新出现的诉求", "重复来电", "满意度回访", "质检结果（按诉求）"):
        assert title in html


def test_cli_writes_the_bulletin_and_rejects_a_bad_taxonomy(qa_env: Path) -> None:
    url = f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}"
    (qa_env / "data").mkdir()
    _seed(url, qa_env)
    runner = CliRunner()
    ok = runner.invoke(app, ["report", "hotline", "--period", "month:2026-11", "--format", "md"])
    assert ok.exit_code == 0, ok.output
    assert (qa_env / "reports" / f"{STEM}.md").is_file()
    bad = qa_env / "cycle.yaml"
    bad.write_text("topics:\n  - {id: a, parent: b}\n  - {id: b, parent: a}\n", encoding="utf-8")
    res = runner.invoke(
        app, ["report", "hotline", "--period", "month:2026-11", "--taxonomy", str(bad)]
    )
    # `qa` (cli.main) prints a QAPipelineError as one line; the app raises it
    assert isinstance(res.exception, ConfigError)
    assert "cycle.yaml" in str(res.exception) and "cycle in topic parents" in str(res.exception)
    empty = runner.invoke(app, ["report", "hotline", "--period", "month:2027-01"])
    assert isinstance(empty.exception, ReportError)
    assert "no calls received" in str(empty.exception)
