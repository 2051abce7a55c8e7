"""Report speed: a month of 30,000 scored calls → the bulletin and every team report.

Usage: ``.venv/bin/python benchmarks/report_speed.py [--calls 30000] [--teams 10]``.
Generation of the synthetic frames is not timed; building the reports (statistics,
charts, HTML/MD/CSV files) is. Target: under 10 s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reports"))

from synth import RUBRIC, make_history  # noqa: E402

from qa_pipeline.reports import build_bulletin, build_team_report  # noqa: E402
from qa_pipeline.reports.periods import parse_period  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=30_000, help="scored calls in the month")
    ap.add_argument("--teams", type=int, default=10, help="teams of 15 agents each")
    args = ap.parse_args()
    roster = {f"{k + 1}组": [f"A{k + 1:02d}{j:02d}" for j in range(15)] for k in range(args.teams)}
    t0 = time.perf_counter()
    scores, items = make_history(
        "2026-11-01", days=30, calls_per_day=args.calls // 30, agents=roster
    )
    gen = time.perf_counter() - t0
    period = parse_period("month:2026-11")
    with tempfile.TemporaryDirectory() as out:
        t1 = time.perf_counter()
        files = build_bulletin(scores, items, period=period, rubric=RUBRIC, out_dir=Path(out))
        for team in roster:
            files += build_team_report(
                scores, items, team=team, period=period, rubric=RUBRIC, out_dir=Path(out)
            )
        took = time.perf_counter() - t1
    print(
        f"{len(scores)} calls, {len(items)} item verdicts, {len(roster)} teams "
        f"(generated in {gen:.1f} s)"
    )
    print(f"bulletin + {len(roster)} team reports: {len(files)} files in {took:.2f} s")


if __name__ == "__main__":
    main()
