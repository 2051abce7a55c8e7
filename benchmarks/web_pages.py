"""Workbench pages on a store of 100,000 calls: server time p95 of the calls list (with
each filter) and of call pages, and the review of 1,000 items through HTTP.

The store is filled in bulk from real scored demo calls (the shipped rubric, the real
engine), copied under new ids, agents, teams and times over 60 nights; one in four has
its ``closing`` item left to a person (review). Every call has its score and item
verdicts; transcripts are stored for ``--transcripts`` of them (the call page looks a
transcript up by its call id, an index lookup whatever the table's size), and the call
pages measured are those calls. Server time is the app's own ``Server-Timing`` header;
client time (round trip on 127.0.0.1) is shown beside it.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/web_pages.py [--calls 100000]
        [--url postgresql+psycopg://...]  # default: a SQLite file in a temp dir
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))

TEAMS = ("一组", "二组", "三组", "四组", "五组")


def build(store: Any, root: Path, n_calls: int, n_transcripts: int) -> Any:
    """Fill ``store`` with ``n_calls`` scored calls; returns the rubric."""
    from qa_pipeline.demo.workbench import seed_centre
    from qa_pipeline.store.schema import call_scores, item_results, recordings, transcripts

    tmpl_store_url = f"sqlite:///{root / 'templates.sqlite3'}"
    from qa_pipeline.store import Store

    with Store.open(tmpl_store_url) as tmpl:
        rubric, _ = seed_centre(tmpl, root / "tmpl", 48, audio_every=0, review_every=4)
        with tmpl._read("t") as conn:
            scores = [dict(r._mapping) for r in conn.execute(call_scores.select())]
            items = [dict(r._mapping) for r in conn.execute(item_results.select())]
            trs = [dict(r._mapping) for r in conn.execute(transcripts.select())]
    by_score: dict[int, list[dict[str, Any]]] = {}
    for it in items:
        by_score.setdefault(it["score_id"], []).append(it)
    tr_by_call = {t["call_id"]: t for t in trs}
    rng = random.Random(11)
    now = datetime.now(UTC)
    first_night = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)
    chunk = 5000
    for lo in range(0, n_calls, chunk):
        rec_rows, score_rows, item_rows, tr_rows = [], [], [], []
        for i in range(lo, min(n_calls, lo + chunk)):
            t = scores[rng.randrange(len(scores))]
            call_id = f"B{i:07d}"
            started = first_night + timedelta(days=i % 60, seconds=rng.randrange(12 * 3600))
            agent = f"A{2000 + rng.randrange(150)}"
            rec_rows.append(
                {
                    "call_id": call_id,
                    "path": f"/recordings/{call_id}.wav",
                    "content_hash": None,
                    "is_transcript": False,
                    "agent_id": agent,
                    "team": TEAMS[int(agent[1:]) % 5],
                    "started_at": started,
                    "call_type": "咨询",
                    "duration_s": 180.0,
                    "satisfaction": 4.0,
                    "topic": None,
                    "extra": None,
                    "run_id": None,
                    "updated_at": now,
                }
            )
            sid = i + 1
            score_rows.append(
                {
                    **{k: v for k, v in t.items() if k != "id"},
                    "id": sid,
                    "call_id": call_id,
                    "scored_at": now,
                    "run_id": None,
                }
            )
            for it in by_score[t["id"]]:
                item_rows.append({**{k: v for k, v in it.items() if k != "id"}, "score_id": sid})
            if i < n_transcripts:
                tr = tr_by_call[t["call_id"]]
                tr_rows.append(
                    {
                        **{k: v for k, v in tr.items() if k != "id"},
                        "call_id": call_id,
                        "run_id": None,
                    }
                )
        with store._write("bulk load") as conn:
            conn.execute(insert(recordings), rec_rows)
            conn.execute(insert(call_scores), score_rows)
            conn.execute(insert(item_results), item_rows)
            if tr_rows:
                conn.execute(insert(transcripts), tr_rows)
        print(f"  loaded {min(n_calls, lo + chunk):>7} calls", end="\r", flush=True)
    if store.engine.dialect.name == "postgresql":  # new rows: let the planner see them
        with store._write("analyze") as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('call_scores','id'), "
                "(SELECT max(id) FROM call_scores))"
            )
            conn.exec_driver_sql("ANALYZE")
    else:
        with store._write("analyze") as conn:
            conn.exec_driver_sql("ANALYZE")
    print()
    return rubric


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]


def timed(client: httpx.Client, method: str, url: str, **kw: Any) -> tuple[float, float, Any]:
    t0 = time.perf_counter()
    r = client.request(method, url, **kw)
    wall = 1000 * (time.perf_counter() - t0)
    m = re.search(r"dur=([\d.]+)", r.headers.get("server-timing", ""))
    return float(m.group(1)) if m else float("nan"), wall, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--transcripts", type=int, default=2_000)
    ap.add_argument("--reviews", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=20, help="requests per list variant")
    ap.add_argument("--url", default=None, help="database URL (default: SQLite in a temp dir)")
    args = ap.parse_args()

    from conftest import PASSWORD, LiveServer, login  # tests/web/conftest.py

    from qa_pipeline.review import UserStore, Workbench
    from qa_pipeline.review.views import QueueRow
    from qa_pipeline.store import Store

    root = Path(tempfile.mkdtemp(prefix="qa-web-bench-"))
    url = args.url or f"sqlite:///{root / 'qa.sqlite3'}"
    store = Store.open(url)
    t0 = time.perf_counter()
    rubric = build(store, root, args.calls, args.transcripts)
    print(
        f"store: {args.calls} calls on {store.engine.dialect.name}, built in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    users = UserStore(store)
    users.add("li", PASSWORD, "inspector")
    users.add("agent", PASSWORD, "agent", agent_id="A2003")

    class _Centre:  # what LiveServer needs
        pass

    centre: Any = _Centre()
    centre.store, centre.rubric = store, rubric
    with LiveServer(centre) as live:
        li = login(live.url, "li")
        ag = login(live.url, "agent")
        variants = {
            "calls (newest)": "/calls",
            "calls night": "/calls?night=2026-10-15",
            "calls team": "/calls?team=二组",
            "calls agent": "/calls?agent=A2042",
            "calls item fail": "/calls?item=closing&item_status=fail",
            "calls review": "/calls?review=1",
            "calls score<60": "/calls?score_max=60",
            "calls state": "/calls?state=reviewed",
            "calls page 100 (offset)": "/calls?page=100",
            "calls as agent": "AGENT /calls",
        }
        print(f"\n{'page':<24} {'n':>4} {'server p50':>11} {'server p95':>11} {'client p95':>11}")
        all_list: list[float] = []
        for name, path in variants.items():
            client = ag if path.startswith("AGENT ") else li
            path = path.removeprefix("AGENT ")
            timed(client, "GET", path)  # warm
            srv, wall = [], []
            for _ in range(args.repeat):
                s, w, r = timed(client, "GET", path)
                assert r.status_code == 200, (path, r.status_code, r.text[:200])
                srv.append(s)
                wall.append(w)
            all_list += srv
            print(
                f"{name:<24} {len(srv):>4} {statistics.median(srv):>9.1f}ms "
                f"{p95(srv):>9.1f}ms {p95(wall):>9.1f}ms"
            )
        # following "next" links: each page continues from the last one by the index
        srv, wall = [], []
        page_html = li.get("/calls").text
        for _ in range(100):
            m = re.search(r'href="(/calls\?[^"]*)" id="next"', page_html)
            assert m, "no next link"
            s, w, r = timed(li, "GET", m.group(1).replace("&amp;", "&"))
            assert r.status_code == 200, r.text[:200]
            srv.append(s)
            wall.append(w)
            page_html = r.text
        all_list += srv
        print(
            f"{'calls next ×100':<24} {len(srv):>4} {statistics.median(srv):>9.1f}ms "
            f"{p95(srv):>9.1f}ms {p95(wall):>9.1f}ms"
        )
        rng = random.Random(5)
        ids = [f"B{rng.randrange(args.transcripts):07d}" for _ in range(200)]
        srv, wall = [], []
        for cid in ids:
            s, w, r = timed(li, "GET", f"/calls/{cid}")
            assert r.status_code == 200, r.text[:200]
            srv.append(s)
            wall.append(w)
        print(
            f"{'call page':<24} {len(srv):>4} {statistics.median(srv):>9.1f}ms "
            f"{p95(srv):>9.1f}ms {p95(wall):>9.1f}ms"
        )
        s, w, r = timed(li, "GET", "/nights")
        print(f"{'nights':<24} {1:>4} {s:>9.1f}ms {s:>9.1f}ms {w:>9.1f}ms")
        print(
            f"\nlist pages, all variants: server p95 {p95(all_list):.1f} ms "
            f"(target < 200 ms); call pages: server p95 {p95(srv):.1f} ms"
        )

        # ---------------------------------------------------------- 1,000 reviews
        bench = Workbench(store)
        t0 = time.perf_counter()
        added = bench.fill_queue(rate=0.002, seed=1)
        fill_s = time.perf_counter() - t0
        print(f"\nreview queue filled in {fill_s:.1f} s: {added}")
        queue: list[QueueRow] = []
        page = 1
        while len(queue) < args.reviews:
            rows, more = bench.queue(page, per_page=500)
            queue += rows
            if not more:
                break
            page += 1
        queue = queue[: args.reviews]
        srv, wall = [], []
        t0 = time.perf_counter()
        for k, q in enumerate(queue):
            verdict = ("pass", "fail", "na")[k % 3]
            s, w, r = timed(
                li,
                "POST",
                f"/calls/{q.call_id}/decide",
                data={
                    "csrf": li.csrf,
                    "rubric_id": q.rubric_id,
                    "rubric_version": q.rubric_version,
                    "item_id": q.item_id,
                    "status": verdict,
                    "reason": "基准复核",
                    "expected_last": "0",
                    "back": "/review",
                },
            )
            assert r.status_code == 303, r.text[:300]
            srv.append(s)
            wall.append(w)
        total = time.perf_counter() - t0
        done = len(store.reviews_frame())
        print(
            f"reviewed {len(queue)} items through HTTP in {total:.1f} s "
            f"({len(queue) / total:.0f}/s); decision server p50 {statistics.median(srv):.1f} ms, "
            f"p95 {p95(srv):.1f} ms; decisions stored: {done}"
        )
        s, w, r = timed(li, "GET", "/review")
        print(f"review queue page after: server {s:.1f} ms")
        s, w, r = timed(li, "GET", "/agreement")
        print(f"machine agreement page over {done} decisions: server {s:.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
