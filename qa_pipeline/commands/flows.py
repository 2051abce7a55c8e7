"""CLI commands of the flows area: ``qa run``, ``qa sample-size``, ``qa serve``, ``qa demo``.

The flows live in the top-level ``flows`` package (the only place Prefect is used); these
commands import it inside the command, after pointing Prefect's home at ``QA_DATA_DIR``.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

import typer

from qa_pipeline.commands.common import console, console_err, progress_bar, settings
from qa_pipeline.errors import ConfigError
from qa_pipeline.intake.sampling import parse_plan, sample_size


def _prefect_ready(data_dir: Path, verbose: bool | None = None) -> None:
    from flows.env import configure_prefect_env

    if verbose is None:  # `qa -v …` shows Prefect's own logs (and tracebacks)
        verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO

    configure_prefect_env(data_dir, quiet=not verbose)
    if not os.environ.get("PREFECT_API_URL"):
        # ephemeral mode: its server must not outlive this process, even after kill -9
        from flows.watchdog import start_watchdog

        start_watchdog()
    if not verbose:
        # Prefect's own loggers write tracebacks to the console; `qa` prints one line
        for name in ("prefect", "httpx", "distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _print_summary(summary: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    # call ids, file names and messages are data: never read as rich markup
    table = Table(title=escape(f"Nightly QA {summary.night}"), show_header=False)
    for label, value in summary.counts():
        table.add_row(escape(str(label)), escape(str(value)))
    console.print(table)
    if summary.failures:
        console.print(f"[bold]{len(summary.failures)} failed:[/]")
        for f in summary.failures:
            console.print(f"  {f}", highlight=False, markup=False, soft_wrap=True)
    if summary.reports:
        console.print("[bold]Reports:[/]")
        for p in summary.reports:
            console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)


def run_night(
    inbox: Path,
    night: str,
    *,
    rubrics: list[str] | None,
    plan: str,
    seed: int,
    runner: str,
    dask_address: str | None,
    workers: int | None,
    chunk_size: int,
    policy_topics: list[str] | None = None,
    write_reports: bool = True,
) -> Any:
    """Run the nightly flow once in this process, with a progress bar; returns the summary."""
    from flows.nightly import nightly_qa
    from flows.runners import make_task_runner
    from qa_pipeline.night.pipeline import LocalProgress

    task_runner = make_task_runner(runner, dask_address=dask_address, workers=workers)
    flow = nightly_qa.with_options(task_runner=task_runner)
    with progress_bar(f"night {night}", None) as bar:
        task_id = bar.task_ids[0]

        def _advance(done: int, total: int) -> None:
            bar.update(task_id, completed=done, total=total)

        return flow(
            str(inbox),
            night,
            rubrics=rubrics,
            plan=plan,
            seed=seed,
            chunk_size=chunk_size,
            policy_topics=policy_topics,
            write_reports=write_reports,
            progress=LocalProgress(_advance),
        )


def run_cmd(
    inbox: Path = typer.Option(..., help="Folder with manifest.csv and the night's calls."),
    night: str = typer.Option(..., "--date", help="The night, YYYY-MM-DD."),
    rubric: list[str] | None = typer.Option(
        None,
        "--rubric",
        help="Rubric name or path; repeat KEY=RUBRIC to choose by language or call type "
        "(e.g. --rubric hotline_12345 --rubric en=contact_center_en).",
    ),
    plan: str = typer.Option(
        "all", help="Sampling plan: all, fraction:0.05, quota:5, stratified:0.1, risk:0.1."
    ),
    seed: int = typer.Option(0, help="Seed of the sampling draw."),
    policy_topic: list[str] | None = typer.Option(
        None, "--policy-topic", help="Topic under a recent policy change (risk plan)."
    ),
    runner: str = typer.Option("thread", help="Task runner: thread or dask."),
    dask_address: str | None = typer.Option(
        None, help="Dask scheduler, tcp://host:8786 (default: a local 2-worker cluster)."
    ),
    workers: int | None = typer.Option(None, help="Threads or local Dask workers."),
    chunk_size: int = typer.Option(16, help="Calls per transcription batch."),
    no_reports: bool = typer.Option(False, "--no-reports", help="Skip the night's reports."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run the nightly QA flow once on an inbox and print what failed and why.

    Exits 1 when the night scored nothing (every call failed, or none was valid).
    """
    _check_night(night, plan)
    s = settings()
    _prefect_ready(s.data_dir)
    summary = run_night(
        inbox,
        night,
        rubrics=list(rubric or []) or None,
        plan=plan,
        seed=seed,
        runner=runner,
        dask_address=dask_address,
        workers=workers,
        chunk_size=chunk_size,
        policy_topics=list(policy_topic or []),
        write_reports=not no_reports,
    )
    _report_night(summary, night, as_json=as_json)


def _check_night(night: str, plan: str) -> None:
    """Fail fast on a ``--date`` that is not a date or a plan that does not parse."""
    try:
        date.fromisoformat(night)
    except ValueError:
        raise ConfigError(f"--date {night!r} is not a date (YYYY-MM-DD)") from None
    parse_plan(plan)  # fail fast on a bad plan


def _report_night(summary: Any, night: str, *, as_json: bool) -> None:
    """Print the night's summary; exit 1 when it scored nothing."""
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
    else:
        _print_summary(summary)
    if summary.status == "failed":
        # nothing was scored: a scheduler or a wrapping script must see it
        console_err.print(
            f"error: night {night}: nothing scored ({len(summary.failures)} failed)",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)


def sample_size_cmd(
    margin: float = typer.Option(0.05, help="Half-width of the interval (0.05 = ±5 points)."),
    confidence: float = typer.Option(0.95, help="Confidence level."),
    expected_rate: float = typer.Option(0.5, help="Expected rate (0.5 is the safe maximum)."),
    population: int | None = typer.Option(None, help="Calls in the period (finite population)."),
) -> None:
    """How many calls to inspect to estimate a rate within a margin."""
    n = sample_size(margin, confidence, expected_rate, population)
    pop = f" of {population}" if population else ""
    typer.echo(
        f"{n}{pop} calls for ±{margin:.1%} at {confidence:.0%} confidence "
        f"(expected rate {expected_rate:.0%})"
    )


def serve_cmd(
    inbox_root: Path = typer.Option(
        None, help="Folder with one inbox per night (YYYY-MM-DD); default QA_DATA_DIR/inbox."
    ),
    rubric: list[str] | None = typer.Option(None, "--rubric", help="As for qa run."),
    plan: str = typer.Option("all", help="Sampling plan of the nightly run."),
) -> None:
    """Serve the nightly (01:00) and bulletin (Mon/1st 08:00) schedules from this machine."""
    parse_plan(plan)
    s = settings()
    _prefect_ready(s.data_dir, verbose=True)
    from flows.deployments import serve_all

    root = inbox_root or s.data_dir / "inbox"
    console_err.print(f"serving schedules in {s.timezone}; inboxes under {root}")
    serve_all(str(root), timezone=s.timezone, rubrics=list(rubric or []) or None, plan=plan)


def demo_cmd(
    seed: int = typer.Option(0, help="Seed of the demo centre."),
    no_audio: bool = typer.Option(
        False, "--no-audio", help="Leave out the recordings (no speech-to-text)."
    ),
) -> None:
    """Build the demo call centre under QA_DATA_DIR, run a night and the reports."""
    s = settings()
    _prefect_ready(s.data_dir)
    from flows.demo_run import run_demo

    result = run_demo(s, seed=seed, with_audio=not no_audio, run_night=run_night)
    _print_summary(result.summary)
    console.print("[bold]Demo reports:[/]")
    for label, paths in result.reports.items():
        for p in paths:
            console.print(f"  {label}: {p}", highlight=False, markup=False, soft_wrap=True)
    _print_workbench(s)


def _print_workbench(s: Any) -> None:
    """The demo's accounts (new passwords shown once) and how to open the workbench."""
    from qa_pipeline.demo.accounts import demo_accounts
    from qa_pipeline.review import Workbench
    from qa_pipeline.store import Store

    with Store.open(s.resolved_database_url, redact=s.redact_pii) as store:
        accounts = demo_accounts(store)
        # the night queued its items before the demo inspector existed: assign them now
        assigned = sum(Workbench(store, due_days=s.review_due_days).assign_open().values())
    console.print(
        "[bold]Workbench (复核, 申诉, 校准):[/] run `qa web`, then open http://127.0.0.1:8080"
    )
    for a in accounts:
        secret = a.password or "(set by an earlier demo run; `qa users reset-password NAME`)"
        console.print(f"  {a.role:<9} {a.name:<15} {secret}", highlight=False, markup=False)
    if any(a.password for a in accounts):
        console.print("  (the passwords are shown this once)")
    if assigned:
        console.print(
            f"  {assigned} review items assigned; the inspector's review screen is /review/next",
            highlight=False,
            markup=False,
        )


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    app.command("run")(run_cmd)
    app.command("sample-size")(sample_size_cmd)
    app.command("serve")(serve_cmd)
    app.command("demo")(demo_cmd)
