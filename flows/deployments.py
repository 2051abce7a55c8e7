"""Deployments: nightly QA and the weekly and monthly bulletins, in ``QA_TIMEZONE``.

Nightly QA runs at 01:00, the weekly bulletin on Mondays at 08:00 and the monthly
bulletin on the 1st at 08:00, in ``QA_TIMEZONE`` (default Asia/Shanghai).

``qa serve`` serves them from this process (Prefect ``serve``). To run them from a work
pool instead, see ``docs/flows.md``.
"""

from __future__ import annotations

from typing import Any

NIGHTLY_CRON = "0 1 * * *"
WEEKLY_CRON = "0 8 * * 1"
MONTHLY_CRON = "0 8 1 * *"


def build_deployments(
    inbox_root: str,
    *,
    timezone: str = "Asia/Shanghai",
    rubrics: list[str] | None = None,
    plan: str = "all",
) -> list[Any]:
    """The three scheduled deployments (``RunnerDeployment`` objects).

    Args:
        inbox_root: Folder holding one inbox per night, named ``YYYY-MM-DD``; the
            nightly run takes yesterday's (in ``timezone``).
        timezone: IANA time zone of the schedules.
        rubrics: Rubric entries for the nightly flow (see ``nightly_qa``).
        plan: Sampling plan of the nightly flow.
    """
    from prefect.schedules import Cron

    from flows.reports import quality_bulletin
    from flows.scheduled import scheduled_nightly

    nightly = scheduled_nightly.to_deployment(
        name="nightly-qa",
        schedules=[Cron(NIGHTLY_CRON, timezone=timezone)],
        parameters={"inbox_root": inbox_root, "rubrics": rubrics, "plan": plan},
        tags=["qa"],
    )
    weekly = quality_bulletin.to_deployment(
        name="weekly-bulletin",
        schedules=[Cron(WEEKLY_CRON, timezone=timezone)],
        parameters={"period": "last-week"},
        tags=["qa"],
    )
    monthly = quality_bulletin.to_deployment(
        name="monthly-bulletin",
        schedules=[Cron(MONTHLY_CRON, timezone=timezone)],
        parameters={"period": "last-month"},
        tags=["qa"],
    )
    return [nightly, weekly, monthly]


def serve_all(inbox_root: str, **kwargs: Any) -> None:
    """Serve the deployments from this process until interrupted."""
    from prefect import serve

    serve(*build_deployments(inbox_root, **kwargs))
