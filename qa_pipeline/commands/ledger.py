"""``qa ledger …``: the trust ledger from the command line (show, switch, history)."""

from __future__ import annotations

import typer
from rich.table import Table

from qa_pipeline.commands.common import console, settings
from qa_pipeline.errors import ConfigError

URL_HELP = "Database URL (default QA_DATABASE_URL, else a SQLite file under QA_DATA_DIR)."


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def ledger_show(
    rubric: str | None = typer.Option(None, "--rubric", help="Only this rubric id."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Per item: mode, checks, agreement with its Wilson 95 % interval, floor."""
    from qa_pipeline.review.ledger import Ledger
    from qa_pipeline.store import Store

    cfg = settings()
    with Store.open(url or cfg.resolved_database_url) as store:
        ledger = Ledger(store, cfg.ledger_window_days, cfg.ledger_floor, cfg.ledger_min_checks)
        rows = ledger.rows(rubric)
    table = Table("rubric", "version", "item", "mode", "checks", "agreed", "interval", "floor", "")
    for r in rows:
        note = "below floor" if r.below_floor else ""
        if r.too_few:
            note = f"{note}; only {r.checks} checks".lstrip("; ")
        table.add_row(
            r.rubric_id,
            r.rubric_version,
            r.item_id,
            r.mode,
            str(r.checks),
            f"{r.agreed}/{r.checks}",
            f"[{_pct(r.lower)}, {_pct(r.upper)}]",
            _pct(r.floor),
            note,
        )
    machine = sum(r.mode == "machine" for r in rows)
    console.print(table)
    console.print(
        f"{machine} items machine-decided, {len(rows) - machine} need people "
        f"(window {cfg.ledger_window_days:g} days)",
        highlight=False,
        markup=False,
    )


def ledger_switch(
    rubric: str = typer.Argument(..., help="Rubric id."),
    version: str = typer.Argument(..., help="Rubric version."),
    item: str = typer.Argument(..., help="Item id."),
    mode: str | None = typer.Option(None, "--mode", help="machine or people."),
    floor: float | None = typer.Option(None, "--floor", help="A new floor, 0 to 1."),
    reason: str = typer.Option(..., "--reason", help="Why (stored in the audit)."),
    by: str = typer.Option(..., "--by", help="The admin account making the switch."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Switch an item between machine-decided and needs-people, or set its floor (audited)."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.review.ledger import Ledger
    from qa_pipeline.store import Store

    cfg = settings()
    with Store.open(url or cfg.resolved_database_url) as store:
        user = next((u for u in UserStore(store).list() if u.name == by), None)
        if user is None or user.disabled:
            raise ConfigError(f"no active account {by!r}: --by names an admin account")
        ledger = Ledger(store, cfg.ledger_window_days, cfg.ledger_floor, cfg.ledger_min_checks)
        ledger.switch(user, (rubric, version, item), mode, reason, floor=floor)
        row = ledger.row(rubric, version, item)
    console.print(
        f"{rubric} v{version} {item}: {row.mode}, floor {_pct(row.floor)} (audited)",
        highlight=False,
        markup=False,
    )


def ledger_history(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """The audit of switches, newest first."""
    from qa_pipeline.review.ledger import Ledger
    from qa_pipeline.store import Store

    with Store.open(url or settings().resolved_database_url) as store:
        rows = Ledger(store).switches()
    table = Table("when", "who", "item", "mode", "floor", "figures then", "reason")
    for s in rows:
        table.add_row(
            s.switched_at.strftime("%Y-%m-%d %H:%M"),
            s.user_name,
            f"{s.rubric_id} v{s.rubric_version} {s.item_id}",
            f"{s.old_mode} → {s.new_mode}",
            f"{_pct(s.old_floor)} → {_pct(s.new_floor)}",
            f"{s.agreed}/{s.checks} [{_pct(s.lower)}, {_pct(s.upper)}]",
            s.reason,
        )
    console.print(table)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    ledger_app = typer.Typer(help="Trust ledger: show, switch (audited), history.")
    app.add_typer(ledger_app, name="ledger", no_args_is_help=True)
    ledger_app.command("show")(ledger_show)
    ledger_app.command("switch")(ledger_switch)
    ledger_app.command("history")(ledger_history)
