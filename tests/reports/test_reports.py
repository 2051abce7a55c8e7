"""The three reports from a synthetic history: files, key figures, labels, errors, CLI."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from synth import RUBRIC, RUBRIC_EN, between, make_history, write_to_store
from typer.testing import CliRunner

from qa_pipeline.errors import ReportError
from qa_pipeline.reports import build_agent_report, build_bulletin, build_team_report
from qa_pipeline.reports.agent import agent_document
from qa_pipeline.reports.periods import parse_period
from qa_pipeline.reports.team import team_document

NOV = parse_period("month:2026-11")
OCT = NOV.previous()


def _month(frame: pd.DataFrame, p=NOV) -> pd.DataFrame:
    return between(frame, p.start, p.end)


def test_agent_report_files_and_content(history, tmp_path: Path) -> None:
    s, i = history
    paths = build_agent_report(
        _month(s),
        _month(i),
        agent_id="A1001",
        period=NOV,
        rubric=RUBRIC,
        out_dir=tmp_path,
        history=_month(s, OCT),
    )
    html = (tmp_path / "agent_A1001_month-2026-11.html").read_text(encoding="utf-8")
    mine = _month(s)[_month(s)["agent_id"] == "A1001"]
    assert "个人辅导报告" in html and "A1001" in html and f"{mine['score'].mean():.1f}" in html
    # A1001 fails empathy far more than the team: a weak item with its coaching text and a link
    assert "重点改进项" in html and "安抚共情" in html and "先共情再处理" in html
    assert re.search(r'href="[^"]*C\d{6}\.wav#t=\d+"', html)
    assert "<svg" in html and not re.search(r'(src|href)="https?:', html)  # self-contained
    md = (tmp_path / "agent_A1001_month-2026-11.md").read_text(encoding="utf-8")
    assert md.startswith("# 个人辅导报告") and "#t=" in md
    items_csv = tmp_path / "agent_A1001_month-2026-11.items.csv"
    assert items_csv in paths
    with items_csv.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][0] == "评分项" and {r[0] for r in table[1:]} >= {"安抚共情", "开场问候"}


def test_weak_items_rank_the_agents_real_problem(history) -> None:
    s, i = history
    doc = agent_document(_month(s), _month(i), agent_id="A1001", period=NOV, rubric=RUBRIC)
    weak = next(sec for sec in doc.sections if sec.title == "重点改进项")
    assert "安抚共情" in weak.paragraphs[0]
    items = next(sec for sec in doc.sections if sec.title == "评分项表现").tables[0]
    assert items.rows[0][0] in {"安抚共情", "一次性告知"}


def test_team_report_classes_priority_policy_and_training(history, tmp_path: Path) -> None:
    s, i = history
    since = pd.Timestamp("2026-11-01", tz="Asia/Shanghai")
    doc = team_document(
        _month(s), _month(i), team="一组", period=NOV, rubric=RUBRIC, since=since, effect_items=i
    )
    prio = next(sec for sec in doc.sections if sec.title.startswith("薄弱项分类")).tables[0]
    by_item = {r[0]: r for r in prio.rows}
    # everybody fails one-time notice often → common; only A1001 is weak on empathy → individual
    assert by_item["一次性告知"][5].startswith("共性问题")
    assert by_item["安抚共情"][5].startswith("个性问题") and by_item["安抚共情"][6] == "A1001"
    assert prio.rows[0][0] == "一次性告知"  # highest priority
    policy = next(sec for sec in doc.sections if sec.title == "政策答复准确率").tables[0]
    assert {r[0] for r in policy.rows} == {"契税税率", "居住证申领条件", "一次性告知"}
    effect = next(sec for sec in doc.sections if sec.title == "培训效果").tables[0]
    notice = next(r for r in effect.rows if r[0] == "一次性告知")
    assert notice[3] == "z" and notice[5] == "是"  # the synthetic improvement from 2026-10-31 on
    paths = build_team_report(
        _month(s),
        _month(i),
        team="一组",
        period=NOV,
        rubric=RUBRIC,
        out_dir=tmp_path,
        formats=["html"],
    )
    html = paths[0].read_text(encoding="utf-8")
    assert "培训薄弱项报告" in html and "A1004" in html and "规则" in html


def test_bulletin_against_previous_period(history, tmp_path: Path) -> None:
    s, i = history
    build_bulletin(
        _month(s),
        _month(i),
        period=NOV,
        rubric=RUBRIC,
        out_dir=tmp_path,
        previous_scores=_month(s, OCT),
        previous_items=_month(i, OCT),
        history=s,
    )
    html = (tmp_path / "bulletin_month-2026-11.html").read_text(encoding="utf-8")
    assert "质量简报" in html and "上期" in html and "month:2026-10" in html
    assert f"本期共质检{len(_month(s))}通" in html
    assert "一组" in html and "二组" in html and "五大问题" in html and "来电类型分布" in html
    with (tmp_path / "bulletin_month-2026-11.top_issues.csv").open(encoding="utf-8-sig") as fh:
        top = list(csv.reader(fh))
    assert len(top) == 6 and top[1][1] == "一次性告知"


def test_english_rubric_gets_english_labels(history, tmp_path: Path) -> None:
    s, i = history
    build_bulletin(
        _month(s), _month(i), period=NOV, rubric=RUBRIC_EN, out_dir=tmp_path, formats=["md"]
    )
    md = (tmp_path / "bulletin_month-2026-11.md").read_text(encoding="utf-8")
    assert md.startswith("# Quality bulletin") and "Team ranking" in md and "质量" not in md


def test_clear_errors(history, tmp_path: Path) -> None:
    s, i = history
    with pytest.raises(ReportError, match="A9999"):
        build_agent_report(s, i, agent_id="A9999", period=NOV, rubric=RUBRIC, out_dir=tmp_path)
    with pytest.raises(ReportError, match="三组"):
        build_team_report(s, i, team="三组", period=NOV, rubric=RUBRIC, out_dir=tmp_path)
    with pytest.raises(ReportError, match="no calls"):
        build_bulletin(s.iloc[0:0], i.iloc[0:0], period=NOV, rubric=RUBRIC, out_dir=tmp_path)
    with pytest.raises(ReportError, match="format"):
        build_bulletin(s, i, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["docx"])


def test_cli_reports_from_the_real_store(qa_env: Path) -> None:
    from qa_pipeline.cli import app
    from qa_pipeline.config import load_settings
    from qa_pipeline.store import Store

    s, i = make_history(start="2026-11-10", days=14, calls_per_day=6, seed=3)
    url = load_settings().resolved_database_url
    with Store.open(url) as store:
        write_to_store(store, s, i)
    runner = CliRunner()
    out = qa_env / "out"
    rubric = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"
    base = ["--out", str(out), "--rubric", str(rubric)]
    r = runner.invoke(
        app, ["report", "team", "一组", "--period", "week:2026-W47", "--since", "2026-11-18", *base]
    )
    assert r.exit_code == 0, r.output
    assert (out / "team_一组_week-2026-W47.html").is_file()
    assert (out / "team_一组_week-2026-W47.training_effect.csv").is_file()
    r = runner.invoke(
        app, ["report", "agent", "A2001", "--period", "week:2026-W47", "--format", "md", *base]
    )
    assert r.exit_code == 0, r.output
    assert "A2001" in (out / "agent_A2001_week-2026-W47.md").read_text(encoding="utf-8")
    r = runner.invoke(app, ["report", "bulletin", "--period", "week:2026-W47", *base])
    assert r.exit_code == 0, r.output
    html = (out / "bulletin_week-2026-W47.html").read_text(encoding="utf-8")
    assert "week:2026-W46" in html  # the previous week was stored too
    r = runner.invoke(app, ["report", "agent", "A9999", "--period", "week:2026-W47", *base])
    assert isinstance(r.exception, ReportError) and "A9999" in str(r.exception)
    r = runner.invoke(app, ["report", "bulletin", "--period", "week:2026-W99", *base])
    assert isinstance(r.exception, ReportError) and "bad week" in str(r.exception)


def test_bulletin_coverage_of_calls_received(qa_env: Path, tmp_path: Path) -> None:
    """Nightly runs record what they received; the bulletin shows the share inspected,
    counting only nights whose run recorded it (history loaded otherwise is left out)."""
    from qa_pipeline.config import load_settings
    from qa_pipeline.reports import intake_counts, write_reports_from_store
    from qa_pipeline.store import Store

    s, i = make_history(start="2026-11-16", days=3, calls_per_day=6, seed=5)
    with Store.open(load_settings().resolved_database_url) as store:
        write_to_store(store, s, i)
        p = parse_period("week:2026-W47", "Asia/Shanghai")
        assert intake_counts(store, p) is None  # no nightly run on record
        per_day = s.assign(day=s["started_at"].dt.tz_convert("Asia/Shanghai").dt.date)
        scored_17 = per_day.loc[per_day["day"].astype(str) == "2026-11-17", "call_id"].nunique()
        old = store.start_run("nightly", {"night": "2026-11-17"})
        store.finish_run(old, "completed", {"night": "2026-11-17", "valid": 999})
        new = store.start_run("nightly", {"night": "2026-11-17"})  # the re-run wins
        store.finish_run(new, "completed", {"night": "2026-11-17", "valid": 4 * scored_17})
        failed = store.start_run("nightly", {"night": "2026-11-18"})  # manifest unreadable
        store.finish_run(failed, "failed", {"night": "2026-11-18", "error": "no manifest"})
        assert intake_counts(store, p) == (scored_17, 4 * scored_17)
        files = write_reports_from_store(
            store, "bulletin", None, p, RUBRIC, tmp_path, formats=["html", "md"]
        )
    md = next(f for f in files if f.suffix == ".md").read_text(encoding="utf-8")
    label = "质检覆盖率" if RUBRIC.language.startswith("zh") else "Coverage of calls received"
    assert label in md and "25.0%" in md, md[:1500]
