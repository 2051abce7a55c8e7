"""Prefect environment for the command line: must run before ``import prefect``.

Prefect reads its settings when it is first imported. On a fresh machine without a
Prefect server, ``qa run`` and ``qa demo`` use Prefect's ephemeral mode with a home
folder under ``QA_DATA_DIR`` (so runs of different centres never share a SQLite file),
and keep Prefect's console logging quiet. Values the user set win.
"""

from __future__ import annotations

import os
from pathlib import Path


def configure_prefect_env(data_dir: Path, *, quiet: bool = True) -> None:
    """Set ``PREFECT_HOME`` under ``data_dir`` (unless set) and quiet Prefect's logs.

    Args:
        data_dir: ``QA_DATA_DIR``; Prefect's home becomes ``<data_dir>/prefect``.
        quiet: Keep Prefect's own console logging to critical messages (its tracebacks
            of a failed flow would bury the one line `qa` prints).
    """
    if "PREFECT_HOME" not in os.environ:
        home = Path(data_dir).resolve() / "prefect"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # the ephemeral server starts in a subprocess; on a busy 2-core box 20 s is too short
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if quiet:
        # failures reach the operator as one line from `qa`; tracebacks with --verbose
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")
