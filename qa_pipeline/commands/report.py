"""``qa report …``: agent coaching, team weak-point and management bulletin reports."""

from __future__ import annotations

from pathlib import Path

import typer

from qa_pipeline.commands.common import console, progress_bar, settings

FORMAT_HELP = "Comma-separated formats: html, md, csv, pdf (PDF needs Chromium)."
PERIOD_HELP = "day:2026-11-21, week:2026-W47, month:2026-11 or range:2026-11-01..2026-11-15."
RUBRIC_HELP = (
    "Rubric name or YAML path, found as `qa run` finds it (default hotline_12345); "
    "the report keeps its id (latest version per call)."
)
OUT_HELP = "Output folder (default QA_REPORTS_DIR)."
URL_HELP = "Database URL (default QA_DATABASE_URL, else the SQLite file under QA_DATA_DIR)."


def _run(
    kind: str,
    subject: str | None,
    period: str,
    fmt: str,
    out: Path | None,
    rubric: Path | None,
    url: str | None,
    since: str | None = None,
    hotline: object = None,
) -> None:
    from qa_pipeline.errors import ReportError
    from qa_pipeline.intake.rubrics import resolve_rubric
    from qa_pipeline.reports import write_reports_from_store
    from qa_pipeline.scoring import load_rubric
    from qa_pipeline.store import Store

    cfg = settings()
    # a path or a name, found the way `qa run` finds it, from any folder
    rubric = Path(resolve_rubric(str(rubric)) if rubric is not None else resolve_rubric())
    if not rubric.is_file():
        raise ReportError(f"rubric not found: {rubric}")
    formats = [f for f in fmt.split(",") if f.strip()]
    out_dir = out or cfg.reports_dir
    with (
        progress_bar(f"{kind} report", 1) as bar,
        Store.open(url or cfg.resolved_database_url, upgrade=False) as store,
    ):
        paths = write_reports_from_store(
            store,
            kind,
            subject,
            period,
            load_rubric(rubric),
            out_dir,
            formats,
            since=since,
            tz=cfg.timezone,
            web_base_url=cfg.web_base_url,
            hotline=hotline,  # type: ignore[arg-type]
        )
        bar.advance(bar.task_ids[0])
    for p in paths:
        console.print(str(p), highlight=False, markup=False, soft_wrap=True)


def _hotline_options(taxonomy: Path | None) -> object:
    """The hotline bulletin's options from settings (taxonomy, repeat window)."""
    from qa_pipeline.reports import HotlineOptions
    from qa_pipeline.topics.classify import default_classifier

    cfg = settings()
    path = taxonomy or cfg.taxonomy
    return HotlineOptions(
        classifier=default_classifier(str(path) if path else None),
        repeat_window_days=cfg.repeat_window_days,
    )


#: an id such as "-2+3" reads as an option to click: unknown options are taken as the
#: argument (a mistyped option still fails: as an extra argument or the missing
#: --period); `--` before the id works too
AS_ARGUMENT = {"ignore_unknown_options": True}


def report_agent(
    agent_id: str = typer.Argument(
        ..., help="Agent id, e.g. A1023 (one like -2+3 is read as the id)."
    ),
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    fmt: str = typer.Option("html,md,csv", "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    rubric: Path | None = typer.Option(None, "--rubric", help=RUBRIC_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Coaching report for one agent (个人辅导报告): weak items, evidence, actions."""
    _run("agent", agent_id, period, fmt, out, rubric, url)


def report_team(
    team_name: str = typer.Argument(..., help="Team name, e.g. 一组."),
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    since: str | None = typer.Option(
        None, "--since", help="Training date YYYY-MM-DD: compare item rates before/after."
    ),
    fmt: str = typer.Option("html,md,csv", "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    rubric: Path | None = typer.Option(None, "--rubric", help=RUBRIC_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Weak-point report for trainers (培训薄弱项报告): heatmap, common vs individual."""
    _run("team", team_name, period, fmt, out, rubric, url, since)


def report_hotline(
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    fmt: str = typer.Option("html,md,csv", "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    rubric: Path | None = typer.Option(None, "--rubric", help=RUBRIC_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    taxonomy: Path | None = typer.Option(
        None, "--taxonomy", help="Topic taxonomy YAML (default QA_TAXONOMY, else 12345)."
    ),
) -> None:
    """12345 monthly bulletin (热线月度通报): topics, hotspots, repeat calls, satisfaction."""
    _run("hotline", None, period, fmt, out, rubric, url, hotline=_hotline_options(taxonomy))


def report_bulletin(
    period: str = typer.Option(..., "--period", help=PERIOD_HELP),
    fmt: str = typer.Option("html,md,csv", "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    rubric: Path | None = typer.Option(None, "--rubric", help=RUBRIC_HELP),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Quality bulletin for management (质量简报) against the previous period."""
    _run("bulletin", None, period, fmt, out, rubric, url)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    report_app = typer.Typer(
        help="Reports: agent coaching, team weak points, bulletin, hotline bulletin."
    )
    app.add_typer(report_app, name="report", no_args_is_help=True)
    report_app.command("agent", context_settings=AS_ARGUMENT)(report_agent)
    report_app.command("team", context_settings=AS_ARGUMENT)(report_team)
    report_app.command("hotline")(report_hotline)
    report_app.command("bulletin")(report_bulletin)
