"""Write throughput of the results store: N calls × M items, T threads.

Usage: python benchmarks/store_write.py [URL] [--calls 2000] [--items 20] [--threads 8]
(default URL: a SQLite file in a temporary folder). Prints calls/s and the frame read time.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from qa_pipeline.models import CallScore, Evidence, ItemResult, Status
from qa_pipeline.store import Store


def _score(i: int, n_items: int) -> CallScore:
    items = tuple(
        ItemResult(
            f"item{k:02d}",
            Status.PASS if (i + k) % 4 else Status.FAIL,
            5.0,
            "坐席未复述来电人号码13812345678",
            (Evidence("agent", 1.0, 2.5, "好的，您的电话是幺三八幺二三四五六七八"),),
        )
        for k in range(n_items)
    )
    return CallScore(f"call-{i:06d}", "bench", "1", "0" * 64, 80.0, "B", False, items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        store = Store.open(url)
        scores = [_score(i, args.items) for i in range(args.calls)]
        t0 = time.perf_counter()

        def work(k: int) -> None:
            for s in scores[k :: args.threads]:
                store.save_score(s, None)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        items = store.items_frame(rubric_id="bench")
        read_s = time.perf_counter() - t0
        print(
            f"{store.url}: {args.calls} calls × {args.items} items, {args.threads} threads: "
            f"{args.calls / write_s:.0f} calls/s written; items_frame of {len(items)} rows "
            f"in {read_s:.2f} s"
        )
        store.close()


if __name__ == "__main__":
    main()
