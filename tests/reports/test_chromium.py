"""Each report kind opened in real headless Chromium: screenshot, DOM, no console errors."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from synth import RUBRIC, between

from qa_pipeline.reports import build_agent_report, build_bulletin, build_team_report
from qa_pipeline.reports.periods import parse_period
from qa_pipeline.reports.render import chromium_args, chromium_binary

NOV = parse_period("month:2026-11")
OCT = NOV.previous()


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("QA_REQUIRE_CHROMIUM") == "1":
            pytest.fail("QA_REQUIRE_CHROMIUM=1 but no chromium binary on PATH")
        pytest.skip("chromium not installed")
    return binary


def _open(binary: str, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="qa-test-chromium-") as profile:
        cmd = [
            binary,
            *chromium_args(Path(profile)),
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.resolve().as_uri(),
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _reports(history: tuple[pd.DataFrame, pd.DataFrame], out: Path) -> dict[str, Path]:
    s, i = history
    ms, mi = between(s, NOV.start, NOV.end), between(i, NOV.start, NOV.end)
    agent = build_agent_report(
        ms,
        mi,
        agent_id="A1001",
        period=NOV,
        rubric=RUBRIC,
        out_dir=out,
        formats=["html"],
        history=s,
    )[0]
    team = build_team_report(
        ms,
        mi,
        team="一组",
        period=NOV,
        rubric=RUBRIC,
        out_dir=out,
        formats=["html"],
        since="2026-11-01",
        effect_items=i,
    )[0]
    bulletin = build_bulletin(
        ms,
        mi,
        period=NOV,
        rubric=RUBRIC,
        out_dir=out,
        formats=["html"],
        previous_scores=between(s, OCT.start, OCT.end),
        previous_items=between(i, OCT.start, OCT.end),
        history=s,
    )[0]
    return {"agent": agent, "team": team, "bulletin": bulletin}


KEYS = {
    "agent": ["个人辅导报告", "A1001", "安抚共情", "重点改进项", "优先收听的通话"],
    "team": [
        "培训薄弱项报告",
        "一组",
        "共性问题",
        "个性问题",
        "培训优先级",
        "政策答复准确率",
        "培训效果",
    ],
    "bulletin": ["质量简报", "上期", "班组排名", "五大问题", "本期小结", "二组"],
}


@pytest.mark.slow
def test_reports_render_in_chromium(chromium: str, history, tmp_path: Path) -> None:
    pages = _reports(history, tmp_path)
    for kind, page in pages.items():
        shot = tmp_path / f"{kind}.png"
        r = _open(chromium, page, f"--screenshot={shot}", "--window-size=1280,2000")
        assert shot.is_file() and shot.stat().st_size > 20_000, r.stderr[-2000:]
        bad = [
            ln
            for ln in r.stderr.splitlines()
            if "Uncaught" in ln or ("CONSOLE" in ln and "error" in ln.lower())
        ]
        assert not bad, bad
        dom = _open(chromium, page, "--dump-dom").stdout
        missing = [k for k in KEYS[kind] if k not in dom]
        assert not missing, f"{kind}: {missing}"
        assert dom.count("<svg") >= 1 and "<table" in dom
    if os.environ.get("QA_REPORT_SHOTS"):
        keep = Path(os.environ["QA_REPORT_SHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        for kind in pages:
            (keep / f"{kind}.png").write_bytes((tmp_path / f"{kind}.png").read_bytes())


@pytest.mark.slow
def test_pdf_is_printed_by_chromium(chromium: str, history, tmp_path: Path) -> None:
    s, i = history
    ms, mi = between(s, NOV.start, NOV.end), between(i, NOV.start, NOV.end)
    paths = build_bulletin(ms, mi, period=NOV, rubric=RUBRIC, out_dir=tmp_path, formats=["pdf"])
    assert [p.suffix for p in paths] == [".pdf"]
    assert paths[0].read_bytes()[:5] == b"%PDF-" and paths[0].stat().st_size > 10_000
