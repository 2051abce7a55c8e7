"""``qa export evaluations|decisions``: the workbench's CSV/Excel export, on the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from qa_pipeline.commands.common import console, settings

URL_HELP = "Database URL (default QA_DATABASE_URL, else a SQLite file under QA_DATA_DIR)."


def export_cmd(
    kind: str = typer.Argument(..., help="evaluations or decisions."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (.csv or .xlsx)."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or xlsx (default: from the --out suffix)."
    ),
    night: str | None = typer.Option(None, help="Calls of this night (YYYY-MM-DD, local)."),
    team: str | None = typer.Option(None, help="One team's calls."),
    agent: str | None = typer.Option(None, help="One agent's calls."),
    item: str | None = typer.Option(None, help="Evaluations with this item."),
    item_status: str | None = typer.Option(None, help="…whose verdict is pass/fail/na/review."),
    state: str | None = typer.Option(None, help="machine, reviewed, appealed or final."),
    score_min: float | None = typer.Option(None, help="Final score at least this."),
    score_max: float | None = typer.Option(None, help="Final score at most this."),
    review: bool = typer.Option(False, "--review", help="Only calls with a review item."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Export evaluations or review decisions with the calls list's filters (streamed)."""
    from qa_pipeline.review import User, Workbench
    from qa_pipeline.review.export import export_rows, stream_csv, write_xlsx
    from qa_pipeline.store import Store
    from qa_pipeline.web.forms import call_filters

    if kind not in ("evaluations", "decisions"):
        raise typer.BadParameter("export evaluations or decisions", param_hint="KIND")
    cfg = settings()
    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    if fmt not in ("csv", "xlsx"):
        raise typer.BadParameter("--format must be csv or xlsx")
    query = {
        "night": night,
        "team": team,
        "agent": agent,
        "item": item,
        "item_status": item_status,
        "state": state,
        "score_min": None if score_min is None else str(score_min),
        "score_max": None if score_max is None else str(score_max),
        "review": "1" if review else None,
    }
    f = call_filters({k: v for k, v in query.items() if v}, cfg.timezone)
    operator = User(0, "qa-cli", "admin", None, False)  # the command line sees every call
    with Store.open(url or cfg.resolved_database_url, redact=cfg.redact_pii) as store:
        columns, rows = export_rows(Workbench(store), operator, kind, f, cfg.timezone)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            with out.open("wb") as fh:
                for chunk in stream_csv(columns, rows):
                    fh.write(chunk)
        else:
            shutil.move(write_xlsx(columns, rows, kind), out)
    console.print(f"wrote {out}", highlight=False, markup=False, soft_wrap=True)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    app.command("export")(export_cmd)
