"""Hostile names in reports: nothing is injected into CSV, Markdown, HTML links or charts."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from synth import RUBRIC, between, make_history

from qa_pipeline.reports import build_agent_report, build_team_report
from qa_pipeline.reports.periods import parse_period

NOV = parse_period("month:2026-11")
AGENT = '=HYPERLINK("http://evil","x")'
AGENT2 = "<img src=x onerror=alert(1)>"
AGENT3 = "-2+3"
TEAM = "组$\\undefinedcmd$"
TEAM2 = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile() -> tuple[pd.DataFrame, pd.DataFrame]:
    s, i = make_history(
        days=91, agents={TEAM: [AGENT, AGENT2, "@SUM(1+1)"], TEAM2: [AGENT3, "A2002"]}
    )
    return between(s, NOV.start, NOV.end), between(i, NOV.start, NOV.end)


def _with_recordings(frame: pd.DataFrame, folder: Path) -> pd.DataFrame:
    # a recording whose file name reads as a script URL once linked relative to the report
    return frame.assign(recording_path=str(folder / "javascript:alert(document.domain)"))


def test_csv_cells_are_neutralised_and_numbers_kept(hostile, tmp_path: Path) -> None:
    s, i = hostile
    paths = build_team_report(
        s, i, team=TEAM2, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["csv"]
    )
    cells = [
        cell
        for p in paths
        for row in csv.reader(p.read_text(encoding="utf-8-sig").splitlines())
        for cell in row
        if cell
    ]
    assert cells
    formula = [c for c in cells if c[0] in "=+-@\t\r" and not re.fullmatch(r"-?\d+(\.\d+)?%?", c)]
    assert formula == [], formula
    assert any(c.startswith("'-2+3") for c in cells)  # the agent id, shown as text
    paths = build_agent_report(
        s, i, agent_id=AGENT, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["csv"]
    )
    text = "".join(p.read_text(encoding="utf-8-sig") for p in paths)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_markdown_carries_no_raw_html_and_links_are_encoded(hostile, tmp_path: Path) -> None:
    s, i = hostile
    s, i = _with_recordings(s, tmp_path), _with_recordings(i, tmp_path)
    [md] = build_agent_report(
        s, i, agent_id=AGENT2, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["md"]
    )
    text = md.read_text(encoding="utf-8")
    assert "onerror" in text  # the id is shown …
    assert "<img" not in text  # … as text, not as a tag
    assert "](javascript:" not in text
    assert re.search(r"\]\(javascript%3Aalert", text)  # a relative link to the file
    [md2] = build_team_report(
        s, i, team=TEAM2, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["md"]
    )
    assert "<script" not in md2.read_text(encoding="utf-8")


def test_html_recording_links_cannot_run_script(hostile, tmp_path: Path) -> None:
    s, i = hostile
    s, i = _with_recordings(s, tmp_path), _with_recordings(i, tmp_path)
    [html] = build_agent_report(
        s, i, agent_id=AGENT2, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["html"]
    )
    hrefs = re.findall(r'href="([^"]*)"', html.read_text(encoding="utf-8"))
    assert hrefs
    assert all(
        not re.match(r"^[a-z][a-z0-9+.-]*:", h, re.I) or h.startswith("file:") for h in hrefs
    )
    assert any(h.startswith("javascript%3A") for h in hrefs)


def test_math_text_in_a_team_name_does_not_break_the_charts(hostile, tmp_path: Path) -> None:
    s, i = hostile
    [html] = build_team_report(
        s, i, team=TEAM, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["html"]
    )
    [html2] = build_agent_report(
        s, i, agent_id="@SUM(1+1)", period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["html"]
    )
    assert "<svg" in html.read_text(encoding="utf-8")
    assert "<svg" in html2.read_text(encoding="utf-8")


def test_chart_labels_are_drawn_as_written_without_the_machines_fonts(monkeypatch) -> None:
    """A fresh machine without a CJK font (or with a font cache built before one was
    installed): no glyph warnings (pytest turns them into errors), text kept as text."""
    from qa_pipeline.reports import charts

    monkeypatch.setattr(charts, "_FONTS", ["DejaVu Sans"])
    svg = charts.bar_chart([TEAM, "服务态度", "$x^2$"], [0.2, 0.5, 0.1])
    assert "undefinedcmd" in svg and "服务态度" in svg and "x^2" in svg
    svg = charts.heatmap(["坐席一", TEAM], ["开场白"], [[0.5], [0.25]])
    assert "坐席一" in svg
