"""Schedules of the deployments and the task runner choice."""

from __future__ import annotations

import pytest

from qa_pipeline.errors import ConfigError


def test_three_deployments_with_schedules_in_the_time_zone() -> None:
    from flows.deployments import build_deployments

    deps = {d.name: d for d in build_deployments("/srv/inbox", timezone="Asia/Shanghai")}
    assert set(deps) == {"nightly-qa", "weekly-bulletin", "monthly-bulletin"}
    crons = {name: d.schedules[0].schedule for name, d in deps.items()}
    assert crons["nightly-qa"].cron == "0 1 * * *"
    assert crons["weekly-bulletin"].cron == "0 8 * * 1"
    assert crons["monthly-bulletin"].cron == "0 8 1 * *"
    assert {c.timezone for c in crons.values()} == {"Asia/Shanghai"}
    assert deps["weekly-bulletin"].parameters["period"] == "last-week"
    assert deps["nightly-qa"].parameters["inbox_root"] == "/srv/inbox"


def test_task_runners() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.runners import make_task_runner

    assert isinstance(make_task_runner("thread", workers=3), ThreadPoolTaskRunner)
    assert isinstance(make_task_runner("dask", dask_address="tcp://127.0.0.1:8786"), DaskTaskRunner)
    with pytest.raises(ConfigError, match="unknown task runner"):
        make_task_runner("ray")


def test_last_period_resolution() -> None:
    from flows.reports import resolve_period

    assert resolve_period("last-week", "Asia/Shanghai").startswith("week:")
    assert resolve_period("last-month", "Asia/Shanghai").startswith("month:")
    assert resolve_period("week:2026-W47", "UTC") == "week:2026-W47"
