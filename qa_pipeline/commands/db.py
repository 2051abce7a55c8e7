"""``qa db …``: create, upgrade and inspect the results database; try PII redaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from qa_pipeline.commands.common import console, settings

URL_HELP = "Database URL (default QA_DATABASE_URL, else a SQLite file under QA_DATA_DIR)."


def _url(url: str | None) -> str:
    return url or settings().resolved_database_url


def _when(value: Any) -> str:
    # NaT is a datetime too, and the only one not equal to itself
    if isinstance(value, datetime) and value == value:
        return value.strftime("%Y-%m-%d %H:%M")
    return "-"


def db_upgrade(
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    revision: str = typer.Option("head", help="Migration to go to."),
) -> None:
    """Create the results database or migrate it to the newest schema."""
    from qa_pipeline.store import Store

    with Store.open(_url(url), upgrade=False) as store:
        before = store.current_revision()
        store.upgrade(revision)
        after = store.current_revision()
        console.print(
            f"{store.url}: schema {before or '(empty)'} → {after}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def db_status(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """Show the schema revision (current vs head) and the row count of each table."""
    from qa_pipeline.store import Store

    with Store.open(_url(url), upgrade=False) as store:
        info = store.status()
        recent = store.runs_frame().head(5) if info["current"] else None
    current, head = info["current"], info["head"]
    state = "up to date" if current == head else "needs `qa db upgrade`"
    console.print(f"database: {info['url']}", highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"schema:   {current or '(empty)'} (head {head}) — {state}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    table = Table("table", "rows")
    for name, count in info["counts"].items():
        table.add_row(name, "-" if count is None else str(count))
    console.print(table)
    if recent is not None and not recent.empty:
        runs = Table(
            "run", "kind", "status", "started (UTC)", "finished (UTC)", title="recent runs"
        )
        for run in recent.to_dict("records"):
            runs.add_row(
                str(run["id"]),
                str(run["kind"]),
                str(run["status"]),
                _when(run["started_at"]),
                _when(run["finished_at"]),
            )
        console.print(runs)


def db_scrub(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """Redact again what an earlier version left raw.

    Every text column of the database, the transcript files and the speech-to-text cache
    (run once after an upgrade; running it twice changes nothing).
    """
    from qa_pipeline.pii.redact import RedactOptions
    from qa_pipeline.store import Store
    from qa_pipeline.store.scrub import scrub_store, scrub_transcript_files

    s = settings()
    opts = RedactOptions(enabled=s.redact_pii)
    with Store.open(_url(url)) as store:
        changed = scrub_store(store, opts, recordings_dir=s.data_dir / "recordings")
    for folder in (s.transcripts_dir, s.data_dir / "asr_cache"):
        changed[f"files in {folder}"] = scrub_transcript_files(folder, opts)
    table = Table("where", "changed")
    for where, n in changed.items():
        table.add_row(where, str(n))
    console.print(table)


def db_redact(
    text: str = typer.Argument(..., help="Text to redact, e.g. '我的手机是13812345678'."),
    partial: bool = typer.Option(
        False, "--partial", help="Keep first 3 / last 4 digits instead of a label."
    ),
) -> None:
    """Show how a text is stored after PII redaction.

    Phones, IDs, cards, names, addresses, plates, WeChat/QQ and e-mail are masked.
    """
    from qa_pipeline.pii.redact import RedactOptions, redact_text

    opts = RedactOptions(style="partial") if partial else RedactOptions()
    console.print(redact_text(text, opts), highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    db_app = typer.Typer(help="Results database: migrations, status, PII redaction.")
    app.add_typer(db_app, name="db", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    db_app.command("status")(db_status)
    db_app.command("scrub")(db_scrub)
    db_app.command("redact")(db_redact)
