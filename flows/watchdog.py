"""Stop the ephemeral Prefect server when the ``qa`` process that started it dies.

Without a configured ``PREFECT_API_URL``, Prefect starts a temporary API server as a
child process (``uvicorn … prefect.server.api.server:create_app``) and stops it at exit.
A ``qa run`` killed with SIGKILL never reaches its exit handlers, and the server would
live on as an orphan holding a port and the Prefect database. :func:`start_watchdog`
starts a tiny separate process that notes the parent's server children while the parent
lives and stops them (SIGTERM, then SIGKILL) once it is gone.

Linux only (it reads ``/proc``); elsewhere it does nothing. Stdlib only: this file also
runs as a script, without importing the project.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: What identifies Prefect's ephemeral server on a command line.
SERVER_MARK = b"prefect.server.api.server:create_app"
_PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int] | None:
    """``(parent pid, start time in clock ticks)`` of a process, or ``None`` if gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[19])


def server_children(parent: int) -> dict[int, int]:
    """``pid -> start time`` of the ephemeral Prefect servers whose parent is ``parent``."""
    found: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        info = _stat(int(entry.name))
        if info is None or info[0] != parent:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if SERVER_MARK in cmdline:
            found[int(entry.name)] = info[1]
    return found


def _stop(servers: dict[int, int], grace_s: float = 5.0) -> None:
    def alive(pid: int, started: int) -> bool:
        info = _stat(pid)
        return info is not None and info[1] == started  # not a new process under that pid

    for pid, started in servers.items():
        if alive(pid, started):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(alive(p, s) for p, s in servers.items()):
        time.sleep(0.1)
    for pid, started in servers.items():
        if alive(pid, started):
            os.kill(pid, signal.SIGKILL)


def watch(parent: int, interval_s: float = 0.5) -> None:
    """Track ``parent``'s server children until ``parent`` dies, then stop them."""
    parent_start = (_stat(parent) or (0, -1))[1]
    servers: dict[int, int] = {}
    while True:
        info = _stat(parent)
        if info is None or info[1] != parent_start:
            break
        with contextlib.suppress(OSError):
            servers.update(server_children(parent))
        time.sleep(interval_s)
    with contextlib.suppress(OSError):
        _stop(servers)


def start_watchdog(parent: int | None = None) -> bool:
    """Start the watchdog process for ``parent`` (default: this process).

    Started through a shell that backgrounds it and exits at once, so the watchdog is
    not this process's child (nothing to reap, no dangling handle); it runs in its own
    session (a Ctrl-C to the terminal's group leaves it to finish its job) and ends by
    itself shortly after the parent. ``False`` where ``/proc`` is missing.
    """
    if not (_PROC / "self" / "stat").is_file():
        return False
    subprocess.run(
        [
            "/bin/sh",
            "-c",
            '"$0" "$1" "$2" </dev/null >/dev/null 2>&1 &',
            sys.executable,
            str(Path(__file__).resolve()),
            str(parent or os.getpid()),
        ],
        check=True,
        start_new_session=True,
        timeout=30,
    )
    return True


if __name__ == "__main__":  # pragma: no cover - runs as the watchdog process
    watch(int(sys.argv[1]))
