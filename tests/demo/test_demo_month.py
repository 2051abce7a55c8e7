"""The demo month behind the 通报: repeat callers after a failed 一次性告知, 居住证 as a
taxonomy topic, one planted emerging topic, and caller numbers that never get stored."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from flows.demo_run import score_history
from qa_pipeline.config import load_settings
from qa_pipeline.demo.centre import DemoOptions, build_demo
from qa_pipeline.intake.manifest import read_manifest
from qa_pipeline.night.config import stage_config
from qa_pipeline.reports import write_reports_from_store
from qa_pipeline.scoring import load_rubric
from qa_pipeline.store import Store
from qa_pipeline.topics import load_taxonomy

REPO = Path(__file__).resolve().parents[2]
STEM = "hotline_2026-11"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _numbers(centre_root: Path) -> set[str]:
    found: set[str] = set()
    for manifest in centre_root.glob("inbox/*/manifest.csv"):
        found |= {r["caller_number"] for r in _read(manifest) if r["caller_number"]}
    return found


@pytest.fixture(scope="module")
def demo_month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The demo centre scored into SQLite (every night from its transcripts) and its 通报."""
    root = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{root / 'qa.sqlite3'}"
    centre = build_demo(root / "centre", DemoOptions(with_audio=False))
    settings = load_settings(
        data_dir=root / "data", database_url=url, caller_key_secret="demo-test-secret"
    )
    config = stage_config(settings, ["hotline_12345"])
    every_night = dataclasses.replace(centre, history=(*centre.history, centre.tonight))
    assert score_history(every_night, config) > 150
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    with Store.open(url) as store:
        write_reports_from_store(
            store, "hotline", None, "month:2026-11", rubric, root / "out", ["html", "csv"]
        )
    return root, root / "out", url


def test_manifest_carries_callers_and_repeats(tmp_path: Path) -> None:
    centre = build_demo(tmp_path, DemoOptions(with_audio=False))
    rows = [
        r
        for night in (*centre.history, centre.tonight)
        for r in _read(centre.inbox(night) / "manifest.csv")
    ]
    numbers = [r["caller_number"] for r in rows]
    assert sum(1 for n in numbers if n) >= 0.9 * len(rows)
    assert len(set(numbers)) < len(numbers) - 10  # callers who call again
    assert not read_manifest(centre.inbox(centre.tonight)).errors


def test_the_month_shows_repeats_residence_permits_and_one_emerging_topic(
    demo_month: tuple[Path, Path, str],
) -> None:
    _, out, _ = demo_month
    calls = {r["call_id"]: r for r in _read(out / f"{STEM}.calls.csv")}
    notice = _read(out / f"{STEM}.one_time_notice.csv")
    assert len(notice) >= 3  # a repeat after an incomplete 一次性告知, linked
    assert any(r["被重复来电"] != "0" for r in _read(out / f"{STEM}.repeats_by_topic.csv"))
    # 居住证 is a topic of the taxonomy now, not an emerging one
    assert "public_security.residence_permit" in {t.id for t in load_taxonomy().leaves}
    permits = [r for r in calls.values() if r["topic_id"] == "public_security.residence_permit"]
    assert len(permits) >= 20
    emerging = _read(out / f"{STEM}.emerging.csv")
    assert len(emerging) == 1 and "充电桩" in emerging[0]["关键词"]
    assert "居住证" not in emerging[0]["关键词"]
    html = (out / f"{STEM}.html").read_text(encoding="utf-8")
    assert "重复来电" in html and "充电桩" in html


def test_caller_numbers_never_reach_the_store_or_the_report(
    demo_month: tuple[Path, Path, str],
) -> None:
    root, out, url = demo_month
    numbers = _numbers(root / "centre")
    assert len(numbers) > 50
    stored: list[str] = []
    with Store.open(url) as store:
        meta = MetaData()
        meta.reflect(store.engine)
        with store.engine.connect() as conn:
            for table in meta.sorted_tables:
                stored += [str(v) for row in conn.execute(select(table)) for v in row]
            keys = conn.execute(select(meta.tables["recordings"].c.caller_key)).scalars().all()
    assert sum(1 for k in keys if k) > 100  # keys, not numbers, link the calls
    text = "\n".join(stored)
    written = "\n".join(p.read_text(encoding="utf-8-sig") for p in out.iterdir())
    assert not [n for n in numbers if n in text or n in written]
