"""Workbench pages on a store of 100,000 calls: server time p50/p95 of the calls list (with
each filter), call pages, the review queue, the transcript search and the exports, then
the review of 1,000 items through HTTP.

The store is filled in bulk (not through the night) from real scored demo calls (the
shipped rubric, the real engine), copied under new ids, agents, teams and times over 60
nights; one in four has its ``closing`` item left to a person (review). Every call has its
score, item verdicts and transcript, and its turns in the search table; each transcript
gets one more caller turn of random words from a list, so a search finds anything from
every call ("您好") to a handful. The queue is filled as the night fills it (every
``review`` item and a sample) before the pages are timed.

The app is the real one, served by uvicorn on 127.0.0.1 in a thread of this process
(``tests/web/conftest.py``'s ``LiveServer``) and asked over HTTP by httpx. Server time is
the app's own ``Server-Timing`` header; client time (round trip) is shown beside it.

    PYTHONPATH=$PWD nice -n 5 .venv/bin/python benchmarks/web_pages.py [--calls 100000]
        [--url postgresql+psycopg://...]  # default: a SQLite file in a temp dir
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))

TEAMS = ("一组", "二组", "三组", "四组", "五组")
#: Words of the extra caller turn: 2 of 60 per call, so a pair is in ~1 call of 1,800.
_WORDS = (
    "噪音 施工 路灯 井盖 积水 停车 垃圾 油烟 绿化 电梯 供暖 燃气 公交 地铁 学校 "
    "医院 社保 医保 公积金 户口 拆迁 物业 房租 工资 养老 低保 残疾 违建 占道 摊贩 "
    "漏水 停电 断网 信号 快递 外卖 装修 宠物 广场舞 共享单车 充电桩 窨井 树木 "
    "河道 桥梁 隧道 高架 红绿灯 斑马线 护栏 站牌 候车亭 公厕 菜市场 超市 药店 银行 邮局"
)
WORDS = tuple(_WORDS.split())
#: In one call of a thousand: a rare two-character word (the slowest kind of search).
RARE = "鲸鱼"
TARGET_MS = 200.0


def _templates(root: Path) -> tuple[Any, list[dict[str, Any]], dict[int, list[Any]], dict]:
    """Scored demo calls to copy: rubric, scores, items by score id, transcripts by call."""
    from qa_pipeline.demo.workbench import seed_centre
    from qa_pipeline.store import Store
    from qa_pipeline.store.schema import call_scores, item_results, transcripts

    with Store.open(f"sqlite:///{root / 'templates.sqlite3'}") as tmpl:
        rubric, _ = seed_centre(tmpl, root / "tmpl", 48, audio_every=0, review_every=4)
        with tmpl._read("t") as conn:
            scores = [dict(r._mapping) for r in conn.execute(call_scores.select())]
            items = [dict(r._mapping) for r in conn.execute(item_results.select())]
            trs = [dict(r._mapping) for r in conn.execute(transcripts.select())]
    by_score: dict[int, list[dict[str, Any]]] = {}
    for it in items:
        by_score.setdefault(it["score_id"], []).append(it)
    return rubric, scores, by_score, {t["call_id"]: t for t in trs}


def _extra_turn(rng: random.Random, i: int, after: float) -> dict[str, Any]:
    a, b, c = rng.sample(WORDS, 3)
    text = f"我要反映{a}{b}的问题，就在{c}旁边"
    if i % 1000 == 500:
        text += f"，还看到了{RARE}"
    return {"speaker": "caller", "start": after + 1.0, "end": after + 4.0, "text": text}


def build(store: Any, root: Path, n_calls: int) -> Any:
    """Fill ``store`` with ``n_calls`` scored, transcribed, searchable calls; the rubric."""
    from qa_pipeline.store.schema import call_scores, item_results, recordings, transcripts
    from qa_pipeline.store.search import search_turns, turn_rows

    rubric, scores, by_score, tr_by_call = _templates(root)
    pg = store.engine.dialect.name == "postgresql"
    if pg:  # a GIN index is built faster once than kept up row by row
        with store._write("drop the search index") as conn:
            trgm = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_turns_trgm' "
                "AND schemaname = current_schema()"
            ).scalar()
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_turns_trgm")
    rng = random.Random(11)
    now = datetime.now(UTC)
    first_night = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)
    for lo in range(0, n_calls, 5000):
        rows: dict[str, list[dict[str, Any]]] = {"rec": [], "score": [], "item": [], "tr": []}
        turns: list[dict[str, Any]] = []
        for i in range(lo, min(n_calls, lo + 5000)):
            t = scores[rng.randrange(len(scores))]
            call_id = f"B{i:07d}"
            agent = f"A{2000 + rng.randrange(150)}"
            rows["rec"].append(
                {
                    "call_id": call_id,
                    "path": f"/recordings/{call_id}.wav",
                    "is_transcript": False,
                    "agent_id": agent,
                    "team": TEAMS[int(agent[1:]) % 5],
                    "started_at": first_night
                    + timedelta(days=i % 60, seconds=rng.randrange(12 * 3600)),
                    "call_type": "咨询",
                    "duration_s": 180.0,
                    "satisfaction": 4.0,
                    "updated_at": now,
                }
            )
            sid = i + 1
            rows["score"].append(
                {**t, "id": sid, "call_id": call_id, "scored_at": now, "run_id": None}
            )
            rows["item"] += [
                {**{k: v for k, v in it.items() if k != "id"}, "score_id": sid}
                for it in by_score[t["id"]]
            ]
            tr = tr_by_call[t["call_id"]]
            segments = list(tr["segments"])
            segments.append(_extra_turn(rng, i, float(segments[-1].get("end") or 0)))
            rows["tr"].append(
                {
                    **{k: v for k, v in tr.items() if k != "id"},
                    "call_id": call_id,
                    "segments": segments,
                    "run_id": None,
                }
            )
            turns += turn_rows(call_id, segments)
        with store._write("bulk load") as conn:
            conn.execute(insert(recordings), rows["rec"])
            conn.execute(insert(call_scores), rows["score"])
            conn.execute(insert(item_results), rows["item"])
            conn.execute(insert(transcripts), rows["tr"])
            conn.execute(insert(search_turns), turns)
        print(f"  loaded {min(n_calls, lo + 5000):>7} calls", end="\r", flush=True)
    with store._write("analyze") as conn:
        if pg:  # the search index back, and new rows: let the planner see them
            if trgm:
                conn.exec_driver_sql(trgm)
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('call_scores','id'), "
                "(SELECT max(id) FROM call_scores))"
            )
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


class Table:
    """The printed table and the figures it holds (``results``: name → p50, p95, n)."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, float]] = {}
        print(f"\n{'page':<28} {'n':>4} {'server p50':>11} {'server p95':>11} {'client p95':>11}")

    def add(self, name: str, srv: list[float], wall: list[float]) -> None:
        self.results[name] = {"p50": statistics.median(srv), "p95": p95(srv), "n": len(srv)}
        flag = "" if p95(srv) < TARGET_MS else "  > target"
        print(
            f"{name:<28} {len(srv):>4} {statistics.median(srv):>9.1f}ms "
            f"{p95(srv):>9.1f}ms {p95(wall):>9.1f}ms{flag}"
        )

    def get(self, name: str, client: httpx.Client, path: str, repeat: int) -> None:
        timed(client, "GET", path)  # warm
        srv, wall = [], []
        for _ in range(repeat):
            s, w, r = timed(client, "GET", path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            srv.append(s)
            wall.append(w)
        self.add(name, srv, wall)


def _follow(table: Table, name: str, client: httpx.Client, path: str, pages: int) -> None:
    """Follow ``pages`` "next" links from ``path`` (keyset pagination)."""
    srv, wall = [], []
    html = client.get(path).text
    for _ in range(pages):
        m = re.search(r'href="([^"]*)" id="next"', html)
        if not m:
            break
        s, w, r = timed(client, "GET", m.group(1).replace("&amp;", "&"))
        assert r.status_code == 200, r.text[:200]
        srv.append(s)
        wall.append(w)
        html = r.text
    if srv:
        table.add(name, srv, wall)


def pages(table: Table, li: httpx.Client, ag: httpx.Client, n_calls: int, repeat: int) -> None:
    """Time the calls list, call pages, queue and search pages."""
    variants = {
        "calls (newest)": "/calls",
        "calls night": "/calls?night=2026-10-15",
        "calls team": "/calls?team=二组",
        "calls agent": "/calls?agent=A2042",
        "calls item fail": "/calls?item=closing&item_status=fail",
        "calls review": "/calls?review=1",
        "calls score<60": "/calls?score_max=60",
        "calls page 100 (offset)": "/calls?page=100",
        "queue page 1": "/review",
        "queue page 20": "/review?page=20",
        "search 您好 (every call)": "/search?q=您好",
        "search 社保卡 (template)": "/search?q=社保卡",
        f"search {WORDS[3]}{WORDS[17]} (pair)": f"/search?q={WORDS[3]}{WORDS[17]}",
        "search absent (7 chars)": "/search?q=不存在的词语组合",
        f"search {RARE} (rare, 2 chars)": f"/search?q={RARE}",
    }
    for name, path in variants.items():
        table.get(name, li, path, repeat)
    table.get("calls as agent", ag, "/calls", repeat)
    table.get("search 您好 as agent", ag, "/search?q=您好", repeat)
    table.get(f"search {RARE} as agent", ag, f"/search?q={RARE}", repeat)
    _follow(table, "calls next ×100 (keyset)", li, "/calls", 100)
    _follow(table, "search next ×20", li, "/search?q=您好", 20)
    rng = random.Random(5)
    srv, wall = [], []
    for cid in (f"B{rng.randrange(n_calls):07d}" for _ in range(200)):
        s, w, r = timed(li, "GET", f"/calls/{cid}")
        assert r.status_code == 200, r.text[:200]
        srv.append(s)
        wall.append(w)
    table.add("call page", srv, wall)
    table.get("nights", li, "/nights", max(2, repeat // 4))


def _rss_mb() -> float:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    m = re.search(r"VmRSS:\s+(\d+)", text)
    return int(m.group(1)) / 1024 if m else float("nan")


def export(li: httpx.Client, path: str) -> dict[str, float]:
    """Download an export, sampling this process's memory meanwhile."""
    before, peak, stop = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    size, lines = 0, 0
    with li.stream("GET", path) as r:
        assert r.status_code == 200, r.status_code
        for chunk in r.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
    took = time.perf_counter() - t0
    stop.set()
    watcher.join()
    grew = max(peak[0] - before, 0.0)
    print(f"{path:<44} {took:>6.1f} s  {size / 1e6:>6.1f} MB  rss +{grew:.0f} MB")
    return {"seconds": took, "bytes": size, "lines": lines, "rss_growth_mb": grew}


def review(li: httpx.Client, bench: Any, store: Any, n: int) -> dict[str, float]:
    """Decide ``n`` queued items through HTTP, in queue order."""
    from qa_pipeline.review.views import QueueRow

    queue: list[QueueRow] = []
    page = 1
    while len(queue) < n:
        rows, more = bench.queue(page, per_page=500)
        queue += rows
        if not more:
            break
        page += 1
    srv: list[float] = []
    t0 = time.perf_counter()
    for k, q in enumerate(queue[:n]):
        data = {
            "csrf": li.csrf,  # type: ignore[attr-defined]
            "rubric_id": q.rubric_id,
            "rubric_version": q.rubric_version,
            "item_id": q.item_id,
            "status": ("pass", "fail", "na")[k % 3],
            "reason": "基准复核",
            "expected_last": "0",
            "back": "/review",
        }
        s, _w, r = timed(li, "POST", f"/calls/{q.call_id}/decide", data=data)
        assert r.status_code == 303, r.text[:300]
        srv.append(s)
    total = time.perf_counter() - t0
    done = len(store.reviews_frame())
    print(
        f"reviewed {len(srv)} items through HTTP in {total:.1f} s; decision server "
        f"p50 {statistics.median(srv):.1f} ms, p95 {p95(srv):.1f} ms; decisions stored: {done}"
    )
    return {"p50": statistics.median(srv), "p95": p95(srv), "n": len(srv)}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """Build, serve, time; returns the figures (``pages``, ``exports``, ``decide``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--reviews", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=20, help="requests per page variant")
    ap.add_argument("--url", default=None, help="database URL (default: SQLite in a temp dir)")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="qa-web-bench-"))
    try:
        return _run(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from conftest import PASSWORD, LiveServer, login  # tests/web/conftest.py

    from qa_pipeline.review import UserStore, Workbench
    from qa_pipeline.store import Store

    store = Store.open(args.url or f"sqlite:///{root / 'qa.sqlite3'}")
    t0 = time.perf_counter()
    rubric = build(store, root, args.calls)
    dialect = store.engine.dialect.name
    print(f"store: {args.calls} calls on {dialect}, built in {time.perf_counter() - t0:.0f} s")
    bench = Workbench(store)
    t0 = time.perf_counter()
    added = bench.fill_queue(rate=0.002, seed=1)
    print(f"review queue filled in {time.perf_counter() - t0:.1f} s: {added}")
    users = UserStore(store)
    users.add("li", PASSWORD, "inspector")
    users.add("agent", PASSWORD, "agent", agent_id="A2003")
    centre: Any = type("Centre", (), {"store": store, "rubric": rubric})()
    out: dict[str, Any] = {"dialect": dialect, "calls": args.calls}
    with LiveServer(centre) as live:
        li, ag = login(live.url, "li"), login(live.url, "agent")
        table = Table()
        pages(table, li, ag, args.calls, args.repeat)
        out["pages"] = table.results
        print()
        out["decide"] = review(li, bench, store, args.reviews)
        print()
        out["exports"] = {
            "evaluations.csv": export(li, "/export/evaluations?format=csv"),
            "evaluations.xlsx (a night)": export(
                li, "/export/evaluations?format=xlsx&night=2026-10-15"
            ),
            "decisions.csv": export(li, "/export/decisions?format=csv"),
            "decisions.xlsx": export(li, "/export/decisions?format=xlsx"),
        }
    slow = {k: v["p95"] for k, v in out["pages"].items() if v["p95"] >= TARGET_MS}
    print(f"\npages over the {TARGET_MS:.0f} ms target (server p95): {slow or 'none'}")
    store.close()
    return out


if __name__ == "__main__":
    run()
