"""The review screen's reads and the queue's assignment at scale (issue 19, wt19a).

Builds a store of N scored calls (``benchmarks/web_pages.build``: 11 items a call, a
quarter with a review item), two inspectors, draws the queue (every review item and a
sample), which assigns it; then times what each step of the review screen reads: the
"next" keyset, one entry, the navigation's counts, the first queue page.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/review_screen.py --calls 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_pages import build, p95

from qa_pipeline.review import UserStore, Workbench
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.store import Store


def _ms(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    return out


def main() -> None:
    """Build, draw and assign, then time the screen's reads."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--rate", type=float, default=0.002, help="sample rate of the draw")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--url", default=None, help="database URL (default: SQLite in a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = args.url or f"sqlite:///{root / 'qa.sqlite3'}"
        with Store.open(url) as store:
            rubric = build(store, root, args.calls, 0)
            users = UserStore(store)
            li = users.add("li", "benchmark-pass", "inspector")
            users.add("wang", "benchmark-pass", "inspector")
            bench = Workbench(store, {(rubric.id, rubric.version): Grading.from_rubric(rubric)})
            t = time.perf_counter()
            added = bench.fill_queue(rate=args.rate, seed=1)
            took = time.perf_counter() - t
            print(f"draw + assign: {added} in {took:.1f} s ({store.engine.dialect.name})")
            rows, _ = bench.queue(per_page=200, user=li)
            ids = [r.id for r in rows]
            for name, fn in (
                ("next after an item", lambda: bench.next_entry(li, ids[len(ids) // 2])),
                ("next from the top", lambda: bench.next_entry(li, None)),
                ("one entry", lambda: bench.queue_entry(ids[0])),
                ("navigation counts", lambda: bench.queue_counts(li)),
                ("queue page 1", lambda: bench.queue(1, user=li)),
            ):
                xs = _ms(fn, args.repeat)
                print(f"{name:<20} p50 {statistics.median(xs):7.1f} ms  p95 {p95(xs):7.1f} ms")


if __name__ == "__main__":
    main()
