"""Task runner selection: threads on one machine, or a Dask cluster (prefect-dask)."""

from __future__ import annotations

from typing import Any

from qa_pipeline.errors import ConfigError

RUNNERS: tuple[str, ...] = ("thread", "dask")


def make_task_runner(
    kind: str = "thread",
    *,
    dask_address: str | None = None,
    workers: int | None = None,
) -> Any:
    """Build a Prefect task runner.

    Args:
        kind: ``thread`` (a thread pool in this process) or ``dask``.
        dask_address: ``tcp://host:8786`` of a running Dask scheduler; without it a
            local cluster of ``workers`` processes is started for the run.
        workers: Threads (``thread``) or local worker processes (``dask``), default 2.

    Dask worker processes report to the Prefect API: run a real server
    (``prefect server start``) and set ``PREFECT_API_URL``; the ephemeral API cannot
    serve several processes.

    Raises:
        ConfigError: unknown runner, or prefect-dask is not installed.
    """
    if kind == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers or 2)
    if kind != "dask":
        raise ConfigError(f"unknown task runner {kind!r}; use one of {', '.join(RUNNERS)}")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - the dask extra is installed in CI
        raise ConfigError(
            "--runner dask needs the dask extra: pip install 'qa-pipeline[dask]'"
        ) from exc
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1, "processes": True}
    )
