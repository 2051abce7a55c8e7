"""The two-stage chunk scheduler without Prefect: bounded in flight, failures per chunk."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from qa_pipeline.models import CallMeta, Recording
from qa_pipeline.night.pipeline import run_chunks
from qa_pipeline.night.results import ChunkResult


def _rec(i: int) -> Recording:
    return Recording(meta=CallMeta(call_id=f"c{i}"), path=Path(f"/x/c{i}.wav"))


def test_run_chunks_bounds_work_in_flight_and_fails_only_the_bad_chunk() -> None:
    chunks = [tuple(_rec(4 * k + i) for i in range(4)) for k in range(6)]
    lock = threading.Lock()
    outstanding = {"n": 0, "peak": 0}
    seen: list[tuple[int, int]] = []

    def transcribe(chunk: tuple[Recording, ...]) -> Future[object]:
        with lock:
            outstanding["n"] += 1
            outstanding["peak"] = max(outstanding["peak"], outstanding["n"])

        def work() -> object:
            with lock:
                outstanding["n"] -= 1
            if chunk[0].call_id == "c8":
                raise RuntimeError("decoder broke")
            ids = tuple(r.call_id for r in chunk)
            return {i: Path(i) for i in ids}, ChunkResult(transcribed=ids)

        return pool.submit(work)

    def score(chunk: tuple[Recording, ...], paths: dict[str, Path]) -> Future[object]:
        if chunk[0].call_id == "c16":
            return pool.submit(lambda: (_ for _ in ()).throw(OSError("disk full")))
        return pool.submit(lambda: ChunkResult(scored=tuple((i, 90.0) for i in paths)))

    with ThreadPoolExecutor(2) as pool:
        tally = run_chunks(
            chunks, transcribe, score, window=2, total=24, progress=lambda d, t: seen.append((d, t))
        )
    assert outstanding["peak"] <= 2
    assert tally.scored == 16  # 6 chunks, one failed transcribing, one failed storing
    failed = {(f.call_id, f.stage) for f in tally.failures}
    assert {c for c, s in failed if s == "transcribe"} == {"c8", "c9", "c10", "c11"}
    assert {c for c, s in failed if s == "store"} == {"c16", "c17", "c18", "c19"}
    assert {f.kind for f in tally.failures} == {"RuntimeError", "OSError"}
    assert seen[-1] == (24, 24) and len(seen) == 6


def test_local_progress_pickles_as_a_callback_that_does_nothing() -> None:
    import pickle

    from qa_pipeline.night.pipeline import LocalProgress

    lock = threading.Lock()  # what a progress bar holds: cannot be pickled
    seen: list[tuple[int, int]] = []

    def tell(done: int, total: int) -> None:
        with lock:
            seen.append((done, total))

    progress = LocalProgress(tell)
    progress(1, 2)
    assert seen == [(1, 2)]
    pickle.loads(pickle.dumps(progress))(3, 4)  # in another process: nothing happens
    assert seen == [(1, 2)]
