"""The decoded audio a process holds at once, bounded by ``QA_NIGHT_MAX_AUDIO_MB``.

Every recording reserves its decoded size before a buffer is allocated: the duration
its header declares (a little over, for headers that round) capped by the per-recording
limits, or the whole cap when the header does not say. Decoding never fills more than
the reservation; audio that outgrows it takes more only when the budget has room, else
the recording is refused with a one-line reason. A recording whose reservation alone
exceeds the budget is refused before decoding; the others wait until a transcribed
group hands its reservation back. The transcriber hands back what its group holds before
it waits (no thread holds audio while waiting for more), so waiting cannot deadlock.

The budget is per process: the night's chunks share it in a thread pool; with Dask
worker processes each process has its own (``docs/asr.md``).
"""

from __future__ import annotations

import threading
from typing import Protocol

from qa_pipeline.errors import UnsupportedAudioError

__all__ = ["BYTES_PER_SAMPLE", "AudioBudget", "Reserver", "night_budget"]

BYTES_PER_SAMPLE = 4  # float32, per channel
_MB = 1_000_000


class Reserver(Protocol):
    """What the decoder needs of a budget (:class:`AudioBudget`, or a wrapper of it)."""

    def reserve(self, nbytes: int, what: str) -> None:
        """Reserve ``nbytes`` (may wait), or refuse a recording that never fits."""

    def try_reserve(self, nbytes: int) -> bool:
        """Reserve ``nbytes`` if there is room now."""

    def release(self, nbytes: int) -> None:
        """Hand back ``nbytes``."""


class AudioBudget:
    """A count of bytes of decoded audio that may be held at once (thread-safe)."""

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self.held = 0
        self.peak = 0
        self._cond = threading.Condition()

    def check(self, nbytes: int, what: str) -> None:
        """Refuse, in one line, a recording that alone needs more than the budget.

        Raises:
            UnsupportedAudioError: ``nbytes`` exceeds the whole budget.
        """
        if self.max_bytes is not None and nbytes > self.max_bytes:
            raise UnsupportedAudioError(
                f"{what}: needs {nbytes / _MB:.0f} MB of decoded audio, over the night's "
                f"limit of {self.max_bytes / _MB:.0f} MB (QA_NIGHT_MAX_AUDIO_MB)"
            )

    def try_reserve(self, nbytes: int) -> bool:
        """Reserve ``nbytes`` if the budget has room now; ``False`` otherwise."""
        with self._cond:
            if self.max_bytes is not None and self.held + nbytes > self.max_bytes:
                return False
            self._take(nbytes)
            return True

    def reserve(self, nbytes: int, what: str) -> None:
        """Reserve ``nbytes``, waiting until the budget has room.

        Raises:
            UnsupportedAudioError: ``nbytes`` alone exceeds the budget (never fits).
        """
        self.check(nbytes, what)
        with self._cond:
            while self.max_bytes is not None and self.held + nbytes > self.max_bytes:
                self._cond.wait()
            self._take(nbytes)

    def _take(self, nbytes: int) -> None:
        self.held += nbytes
        self.peak = max(self.peak, self.held)

    def release(self, nbytes: int) -> None:
        """Hand back ``nbytes`` reserved earlier; waiting reservations are woken."""
        if nbytes <= 0:
            return
        with self._cond:
            self.held = max(0, self.held - nbytes)
            self._cond.notify_all()


_NIGHT: dict[str, AudioBudget] = {}
_LOCK = threading.Lock()


def night_budget(max_mb: float | None) -> AudioBudget:
    """The process's budget for ``max_mb`` (one shared object per limit).

    Args:
        max_mb: ``QA_NIGHT_MAX_AUDIO_MB``; ``None`` or 0 for no limit.
    """
    key = str(max_mb or 0)
    with _LOCK:
        if key not in _NIGHT:
            _NIGHT[key] = AudioBudget(int(max_mb * _MB) if max_mb else None)
        return _NIGHT[key]
