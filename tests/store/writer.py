"""Writes a batch of scored calls, as the nightly flow does; used by the kill and
multi-process tests (``python writer.py URL FIRST LAST N_ITEMS``). Prints ``done <i>`` after
each call so the parent knows how far it got."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from qa_pipeline.models import (
    CallMeta,
    CallScore,
    Evidence,
    ItemResult,
    Recording,
    Segment,
    Status,
    Transcript,
)
from qa_pipeline.store import Store


def call(i: int, n_items: int) -> tuple[Recording, Transcript, CallScore]:
    call_id = f"call-{i:05d}"
    started = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i)
    meta = CallMeta(call_id, agent_id=f"A{i % 17}", team=f"T{i % 3}", started_at=started)
    rec = Recording(Path(f"/inbox/{call_id}.wav"), meta, content_hash=f"h{i}")
    seg = Segment("caller", 0.0, 2.0, f"我的手机是138{i:08d}")
    transcript = Transcript(call_id, (seg,), asr_model="base")
    items = tuple(
        ItemResult(
            f"item{k:02d}",
            Status.PASS if (i + k) % 3 else Status.FAIL,
            2.0,
            f"理由{k}",
            (Evidence("agent", 0.0, 1.0, "您好"),),
        )
        for k in range(n_items)
    )
    score = CallScore(call_id, "r", "1", "0" * 64, 90.0, "A", False, items)
    return rec, transcript, score


def main() -> None:
    url, first, last, n_items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    store = Store.open(url)
    run_id = store.start_run("test", {"first": first, "last": last})
    for i in range(first, last):
        rec, transcript, score = call(i, n_items)
        store.upsert_recording(rec, run_id)
        store.save_transcript(transcript, rec.content_hash, run_id)
        store.save_score(score, run_id)
        print(f"done {i}", flush=True)
    store.finish_run(run_id, "completed", {"calls": last - first})
    store.close()


if __name__ == "__main__":
    main()
