"""Chunks of calls through two stages, a bounded number in flight at each.

Transcription of the next chunks overlaps the scoring of earlier ones, and the night
holds at most ``window`` chunks per stage (ids and counts, never the calls' audio).
The stages are handed in as submit functions returning futures (anything with
``result()``: a Prefect task's ``submit``, a ``concurrent.futures`` executor's), so the
same scheduling runs on threads, a Dask cluster or inline, and is tested without Prefect.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from qa_pipeline.models import Recording
from qa_pipeline.night.results import ChunkResult, NightTally, chunk_failed

Chunk = tuple[Recording, ...]
#: ``fn(calls_done, calls_total)``, told after each chunk (a progress bar, a log line).
Progress = Callable[[int, int], None]


class LocalProgress:
    """A progress callback that stays in the process that made it.

    Task runners that run tasks in other processes (Dask) pickle the flow's context,
    parameters included; a progress bar cannot travel (it holds locks and a terminal)
    and is needed only where the flow runs. Pickled, this becomes a callback that does
    nothing.
    """

    def __init__(self, fn: Progress) -> None:
        """Wrap ``fn(calls_done, calls_total)``."""
        self.fn = fn

    def __call__(self, done: int, total: int) -> None:
        """Tell ``fn``."""
        self.fn(done, total)

    def __reduce__(self) -> tuple[Any, tuple[Progress]]:
        """Pickle as a callback that does nothing."""
        return (LocalProgress, (_ignore,))


def _ignore(*_: object) -> None:
    return None


class Future(Protocol):
    """What a submit function returns."""

    def result(self) -> Any:
        """Wait for the stage's result (raise its exception)."""


def run_chunks(
    chunks: Iterable[Chunk],
    transcribe: Callable[[Chunk], Future],
    score: Callable[[Chunk, dict[str, Path]], Future],
    *,
    window: int,
    total: int,
    progress: Progress | None = None,
) -> NightTally:
    """Transcribe, then score, every chunk; a failed chunk fails its calls, not the night.

    A chunk's scoring is submitted with the transcription's result (paths), not its
    future: futures passed as task arguments do not serialize on every runner (Dask).

    Args:
        chunks: The calls to do, in chunks.
        transcribe: Submits a chunk's transcription; its future gives
            ``(paths by call id, ChunkResult)``.
        score: Submits a chunk's scoring and storing; its future gives a ``ChunkResult``.
        window: Chunks outstanding per stage.
        total: Calls in all chunks (for ``progress``).
        progress: Told ``(calls done, total)`` after each chunk.

    Returns:
        The night's tally of transcribed, scored and failed calls.
    """
    flow = _Flow(transcribe, score, max(1, window), total, progress)
    for chunk in chunks:
        flow.transcribing.append((chunk, transcribe(chunk)))
        while len(flow.transcribing) >= flow.window:
            flow.to_scoring()
        while len(flow.scoring) >= flow.window:
            flow.collect()
    while flow.transcribing:
        flow.to_scoring()
    while flow.scoring:
        flow.collect()
    return flow.tally


class _Flow:
    """The two queues of futures and the tally."""

    def __init__(
        self,
        transcribe: Callable[[Chunk], Future],
        score: Callable[[Chunk, dict[str, Path]], Future],
        window: int,
        total: int,
        progress: Progress | None,
    ) -> None:
        self.transcribe, self.score, self.window = transcribe, score, window
        self.total, self.progress, self.finished = total, progress, 0
        self.transcribing: deque[tuple[Chunk, Future]] = deque()
        self.scoring: deque[tuple[Chunk, list[str], Future]] = deque()
        self.tally = NightTally()

    def to_scoring(self) -> None:
        chunk, future = self.transcribing.popleft()
        try:
            paths, result = future.result()
        except Exception as exc:  # the whole chunk failed after its retries
            self.tally.add(chunk_failed(chunk, "transcribe", exc))
            self._done(len(chunk))
            return
        self.tally.add(result)
        self.scoring.append((chunk, list(paths), self.score(chunk, paths)))

    def collect(self) -> None:
        chunk, ids, future = self.scoring.popleft()
        try:
            result: ChunkResult = future.result()
            self.tally.add(result)
        except Exception as exc:  # storing failed after its retries: the transcribed calls
            done = set(ids)
            self.tally.add(chunk_failed([r for r in chunk if r.call_id in done], "store", exc))
        self._done(len(chunk))

    def _done(self, n: int) -> None:
        self.finished += n
        if self.progress is not None:
            self.progress(self.finished, self.total)
