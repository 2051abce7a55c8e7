"""Which process a run belongs to, robust to pid reuse (Linux ``/proc``)."""

from __future__ import annotations

from pathlib import Path

_PROC = Path("/proc")


def process_start(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot.

    With the pid it names one process, even after the pid is reused.

    Returns:
        The start time, or ``None`` when the process is gone or ``/proc`` is missing.
    """
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # fields after the command name, which may hold spaces and parentheses
    return int(text[text.rindex(")") + 2 :].split()[19])
