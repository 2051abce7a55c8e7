"""Hotline bulletin speed: a month of 30,000 calls (and the month before) → `qa report hotline`.

Usage: ``.venv/bin/python benchmarks/hotline_report.py [--calls 30000]``; with
``QA_TEST_POSTGRES_URL`` set, PostgreSQL is measured too (in a throw-away schema).
Loading the generated calls (transcripts, scores, callers, callbacks) is not timed; the
report is: reading the store, topics for every call, hotspots, emerging topics, repeat
links, satisfaction and quality joins, and writing HTML, Markdown and CSV. Target: under
30 s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine

from qa_pipeline.demo.hotline import bulk_load
from qa_pipeline.reports import write_reports_from_store
from qa_pipeline.scoring import load_rubric
from qa_pipeline.store import Store
from qa_pipeline.topics.generate import MonthPlan, generate_month

ROOT = Path(__file__).resolve().parents[1]
TZ = timezone(timedelta(hours=8))
TARGET_S = 30.0


def _calls(per_month: int) -> list:
    per_day = per_month // 30
    october = MonthPlan(start=datetime(2026, 10, 1, tzinfo=TZ), days=31, per_day=per_day, seed=1)
    november = MonthPlan(
        start=datetime(2026, 11, 1, tzinfo=TZ),
        per_day=per_day,
        rise_topic="environment.noise",
        emerging=60,
        odd=12,
        seed=2,
    )
    return generate_month(october) + generate_month(november)


def _measure(name: str, url: str, calls: list, out: Path) -> None:
    rubric = load_rubric(ROOT / "rubrics" / "hotline_12345.yaml")
    with Store.open(url) as store:
        t0 = time.perf_counter()
        bulk_load(store, calls, out)
        load = time.perf_counter() - t0
        t1 = time.perf_counter()
        paths = write_reports_from_store(
            store, "hotline", None, "month:2026-11", rubric, out / name, ["html", "md", "csv"]
        )
        took = time.perf_counter() - t1
    november = sum(1 for c in calls if c.started_at.month == 11)
    verdict = "ok" if took < TARGET_S else "SLOW"
    print(
        f"{name:10s} calls in month {november:6d} (+{len(calls) - november} before)  "
        f"load {load:6.1f} s (not timed)  report {took:6.1f} s  files {len(paths)}  "
        f"target < {TARGET_S:.0f} s: {verdict}"
    )


def _postgres(base: str) -> tuple[str, object, str]:
    schema = f"qa_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", admin, schema


def main() -> None:
    """Load the generated months and time the bulletin on each backend."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=30_000, help="calls in the month")
    args = ap.parse_args()
    calls = _calls(args.calls)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        _measure("sqlite", f"sqlite:///{out / 'qa.sqlite3'}", calls, out)
        base = os.environ.get("QA_TEST_POSTGRES_URL")
        if not base:
            print("postgres   skipped (QA_TEST_POSTGRES_URL not set)")
            return
        url, admin, schema = _postgres(base)
        try:
            _measure("postgres", url, calls, out)
        finally:
            with admin.begin() as conn:  # type: ignore[attr-defined]
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
