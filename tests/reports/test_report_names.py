"""Report file names are distinct for distinct ids and bounded (issue 20).

``A5/005`` and ``A5:005`` used to share one file, an id with a zero-width space overwrote
the real agent's report, and an id of 64 astral characters ("File name too long") stopped
every team report and the bulletin after it.
"""

from __future__ import annotations

import errno
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from qa_pipeline.demo.centre import DemoAgent, make_call
from qa_pipeline.intake.transcript_io import transcript_from_mapping
from qa_pipeline.models import CallMeta, Recording
from qa_pipeline.night.config import StageConfig
from qa_pipeline.night.reporting import night_reports
from qa_pipeline.reports.builders import safe_name
from qa_pipeline.scoring import load_rubric, score_call
from qa_pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]
RUBRIC = REPO / "rubrics" / "hotline_12345.yaml"
CST = timezone(timedelta(hours=8))
ASTRAL = "\U00020000" * 64  # 256 bytes in UTF-8
AGENTS = (
    ("A1001", "一组"),
    ("A1001\u200b", "一组"),  # looks like A1001
    ("A5/005", "二组"),
    ("A5:005", "二组"),
    (ASTRAL, ASTRAL),
)


def _seed(url: str, root: Path) -> None:
    store = Store.open(url)
    rubric = load_rubric(RUBRIC)
    rng = random.Random(3)
    for i, (agent_id, team) in enumerate(AGENTS):
        started = datetime(2026, 11, 20, 9, 0, tzinfo=CST) + timedelta(minutes=9 * i)
        data, _ = make_call(rng, f"C{i}", DemoAgent(agent_id, team, 12.0), started)
        transcript = transcript_from_mapping(data, f"C{i}")
        meta = CallMeta(call_id=f"C{i}", agent_id=agent_id, team=team, started_at=started)
        rec = Recording(path=root / f"C{i}.json", meta=meta, is_transcript=True)
        store.save_call(rec, transcript, score_call(transcript, rubric), None)
    store.close()


def test_names_are_injective_and_bounded() -> None:
    names = [safe_name(a) for a, _ in AGENTS]
    assert len(set(names)) == len(names)
    assert names[0] == "A1001" and safe_name("一组") == "一组"  # plain ids stay readable
    assert all(len(n.encode("utf-8")) <= 180 for n in names)


def _config(tmp_path: Path) -> StageConfig:
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    _seed(url, tmp_path)
    return StageConfig(
        database_url=url,
        models_dir=tmp_path,
        transcripts_dir=tmp_path / "t",
        asr_cache_dir=None,
        rubrics=(("default", str(RUBRIC)),),
    )


def test_every_agent_and_team_gets_its_own_report(tmp_path: Path) -> None:
    config = _config(tmp_path)
    out = tmp_path / "reports"

    paths, problems = night_reports(config, "2026-11-20", out, ["md"])

    assert problems == []
    names = sorted(p.name for p in paths)
    assert len([n for n in names if n.startswith("agent_")]) == 5, names
    assert len([n for n in names if n.startswith("team_")]) == 3, names
    assert any(n.startswith("bulletin_") for n in names)
    real = (out / "agent_A1001_day-2026-11-20.md").read_text(encoding="utf-8")
    assert "\u200b" not in real  # the look-alike wrote its own file


def test_a_report_that_cannot_be_written_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_pipeline.night import reporting

    config = _config(tmp_path)
    write = reporting.write_reports

    def full_disk(config: StageConfig, kind: str, subject: str | None, *args: Any) -> Any:
        if subject == "A5/005":
            raise OSError(errno.ENOSPC, "No space left on device", "agent_A5.md")
        return write(config, kind, subject, *args)

    monkeypatch.setattr(reporting, "write_reports", full_disk)
    paths, problems = night_reports(config, "2026-11-20", tmp_path / "reports", ["md"])
    assert problems == [
        "agent report A5/005 (hotline_12345): cannot write the report file (agent_A5.md): "
        "No space left on device"
    ]
    assert len(paths) == 8 and any(p.name.startswith("bulletin_") for p in paths)
