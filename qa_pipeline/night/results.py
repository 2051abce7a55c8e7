"""What the stages return: per-call failures, chunk results and the night's tally.

Small value objects (ids and counts), so a night of 10,000 calls holds little in memory
and results travel between processes cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qa_pipeline.models import Recording


@dataclass(frozen=True, slots=True)
class Failure:
    """One call (or manifest row) that failed one stage, and why."""

    call_id: str | None
    stage: str
    kind: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = self.call_id or (f"row {self.row}" if self.row else "night")
        if self.call_id and self.row:
            where = f"{self.call_id} (row {self.row})"
        return f"{where}: {self.stage}/{self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk of calls came to (small: ids and counts only)."""

    transcribed: tuple[str, ...] = ()
    from_cache: tuple[str, ...] = ()
    vendor: tuple[str, ...] = ()
    scored: tuple[tuple[str, float | None], ...] = ()
    failures: tuple[Failure, ...] = ()


@dataclass(slots=True)
class NightTally:
    """Counts gathered as chunks finish (the flow keeps only this, not the calls)."""

    transcribed: list[str] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)
    vendor: list[str] = field(default_factory=list)
    scored: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, result: ChunkResult) -> None:
        """Add one chunk's counts and failures."""
        self.transcribed.extend(result.transcribed)
        self.from_cache.extend(result.from_cache)
        self.vendor.extend(result.vendor)
        self.scored += len(result.scored)
        self.failures.extend(result.failures)


def chunk_failed(chunk: Sequence[Recording], stage: str, exc: BaseException) -> ChunkResult:
    """Every call of ``chunk`` failed ``stage`` with ``exc`` (after the task's retries)."""
    kind = str(getattr(exc, "kind", type(exc).__name__))
    return ChunkResult(failures=tuple(Failure(r.call_id, stage, kind, str(exc)) for r in chunk))


def night_status(scored: int, already_done: int, failures: Sequence[Failure], found: int) -> str:
    """The run's final status.

    ``failed`` when the night scored nothing (none already done either) and either
    something failed or nothing was delivered: an empty or wholly broken delivery must
    not pass as a quiet success. A plan that picked no call (a quota already met) is
    ``completed``. Otherwise ``completed`` or ``completed_with_failures``.
    """
    if scored == 0 and already_done == 0 and (failures or found == 0):
        return "failed"
    return "completed_with_failures" if failures else "completed"
