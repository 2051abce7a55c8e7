"""Concurrent and interrupted writers: no "database is locked", no lost, duplicate or
partial rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qa_pipeline.models import CallScore, ItemResult, Status
from qa_pipeline.store import Store
from qa_pipeline.store.schema import call_scores, item_results

WRITER = Path(__file__).with_name("writer.py")
N_CALLS = 1000
N_THREADS = 8
N_ITEMS = 5


def _score(i: int, version: str, score: float) -> CallScore:
    items = tuple(
        ItemResult(f"i{k}", Status.PASS, 4.0, "ok", critical_failed=False) for k in range(N_ITEMS)
    )
    return CallScore(f"c{i:04d}", "r", version, "0" * 64, score, "A", False, items)


def _items_per_score(store: Store) -> Counter[int]:
    query = select(item_results.c.score_id, func.count()).group_by(item_results.c.score_id)
    with store.engine.connect() as conn:
        return Counter(n for _, n in conn.execute(query))


def _score_keys(store: Store) -> list[tuple[str, str]]:
    query = select(call_scores.c.call_id, call_scores.c.rubric_version)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


@pytest.mark.slow
def test_eight_threads_write_1000_calls_without_loss_or_duplicates(store: Store) -> None:
    run_id = store.start_run("concurrency", {})
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(k, N_CALLS, N_THREADS):
                store.save_score(_score(i, "1", 50.0), run_id)
                # re-score a call another thread owns: replaced, never duplicated
                store.save_score(_score((i + 1) % N_CALLS, "1", 90.0), run_id)
                if i % 10 == 0:
                    store.record_error(run_id, f"c{i:04d}", "score", "scoring", "noise")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    keys = _score_keys(store)
    assert len(keys) == N_CALLS and len(set(keys)) == N_CALLS
    assert _items_per_score(store) == Counter({N_ITEMS: N_CALLS})
    frame = store.scores_frame()
    assert frame["call_id"].nunique() == N_CALLS
    assert len(store.errors_frame(run_id)) == N_CALLS // 10


def _run_writer(url: str, first: int, last: int, n_items: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), url, str(first), str(last), str(n_items)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_writer_killed_mid_batch_then_rerun_leaves_one_result_per_call(db_url: str) -> None:
    n_calls, n_items = 150, 40
    Store.open(db_url).close()  # migrate first so the kill lands in the batch
    proc = _run_writer(db_url, 0, n_calls, n_items)
    assert proc.stdout is not None
    done = 0
    for line in proc.stdout:
        done += line.startswith("done ")
        if done >= 40:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    with Store.open(db_url) as store:
        keys = _score_keys(store)
        assert 40 <= len(keys) < n_calls
        assert _items_per_score(store) == Counter({n_items: len(keys)})  # nothing partial
    rerun = _run_writer(db_url, 0, n_calls, n_items)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    with Store.open(db_url) as store:
        keys = _score_keys(store)
        assert sorted(keys) == [(f"call-{i:05d}", "1") for i in range(n_calls)]
        assert _items_per_score(store) == Counter({n_items: n_calls})
        assert store.status()["counts"]["recordings"] == n_calls
        assert store.status()["counts"]["transcripts"] == n_calls


@pytest.mark.slow
def test_four_processes_write_one_sqlite_file_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    Store.open(url).close()
    procs = [_run_writer(url, k * 50, (k + 1) * 50, 5) for k in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Store.open(url) as store:
        assert len(set(_score_keys(store))) == 200
        assert _items_per_score(store) == Counter({5: 200})
        assert len(store.runs_frame()) == 4
