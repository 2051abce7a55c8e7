"""Report flows: ``weak_points`` for trainers, ``quality_bulletin`` and ``hotline_bulletin``."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from qa_pipeline.config import load_settings
from qa_pipeline.errors import ConfigError
from qa_pipeline.night.config import StageConfig, stage_config
from qa_pipeline.night.reporting import write_reports


@task(name="write-report", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def report_task(
    config: StageConfig,
    kind: str,
    subject: str | None,
    period: str,
    out_dir: str,
    formats: list[str],
    since: str | None = None,
) -> list[str]:
    """Write one report (agent, team or bulletin); returns the paths written."""
    rubric_path = dict(config.rubrics)["default"]
    paths = write_reports(
        config, kind, subject, period, rubric_path, Path(out_dir), formats, since=since
    )
    return [str(p) for p in paths]


@flow(name="weak-points", validate_parameters=False)
def weak_points(
    period: str,
    team: str | None = None,
    agent: str | None = None,
    rubric: str | None = None,
    formats: list[str] | None = None,
    since: str | None = None,
) -> list[str]:
    """A trainer's report on where a team or an agent loses points in a period.

    Args:
        period: ``day:2026-11-21``, ``week:2026-W47`` or ``month:2026-11``.
        team: The team (give a team or an agent).
        agent: The agent id.
        rubric: Rubric name or path (default ``hotline_12345``).
        formats: Report formats (default ``html`` and ``md``).
        since: Training date (``YYYY-MM-DD``): the team report compares before/after.

    Returns:
        Paths of the reports written.
    """
    if (team is None) == (agent is None):
        raise ConfigError("weak_points needs exactly one of team or agent")
    settings = load_settings()
    config = stage_config(settings, [rubric] if rubric else None)
    kind, subject = ("team", team) if team is not None else ("agent", agent)
    return report_task(
        config, kind, subject, period, str(settings.reports_dir), formats or ["html", "md"], since
    )


@flow(name="quality-bulletin", validate_parameters=False)
def quality_bulletin(
    period: str,
    rubric: str | None = None,
    formats: list[str] | None = None,
) -> list[str]:
    """Management's quality bulletin (质检通报) for a week or a month.

    Args:
        period: ``week:2026-W47`` or ``month:2026-11``; ``last-week`` / ``last-month``
            mean the period before today in ``QA_TIMEZONE`` (what the schedules use).
        rubric: Rubric name or path (default ``hotline_12345``).
        formats: Report formats (default ``html`` and ``md``).

    Returns:
        Paths of the reports written.
    """
    settings = load_settings()
    config = stage_config(settings, [rubric] if rubric else None)
    period = resolve_period(period, settings.timezone)
    return report_task(
        config, "bulletin", None, period, str(settings.reports_dir), formats or ["html", "md"]
    )


@flow(name="hotline-bulletin", validate_parameters=False)
def hotline_bulletin(
    period: str,
    rubric: str | None = None,
    formats: list[str] | None = None,
) -> list[str]:
    """The 12345 monthly bulletin (热线月度通报): topics, hotspots, repeat calls, satisfaction.

    Args:
        period: ``month:2026-11`` (or ``last-month``; any period kind works).
        rubric: Rubric name or path (default ``hotline_12345``).
        formats: Report formats (default ``html``, ``md`` and ``csv``).

    Returns:
        Paths of the reports written.
    """
    settings = load_settings()
    config = stage_config(settings, [rubric] if rubric else None)
    period = resolve_period(period, settings.timezone)
    return report_task(
        config, "hotline", None, period, str(settings.reports_dir), formats or ["html", "md", "csv"]
    )


def resolve_period(period: str, timezone: str) -> str:
    """Turn ``last-week``/``last-month`` into ``week:YYYY-Www``/``month:YYYY-MM``."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo(timezone)).date()
    if period == "last-week":
        year, week, _ = (today - timedelta(days=7)).isocalendar()
        return f"week:{year}-W{week:02d}"
    if period == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return f"month:{last:%Y-%m}"
    return period
