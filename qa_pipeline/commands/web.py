"""``qa web`` (the workbench server) and ``qa users …`` (its accounts)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from qa_pipeline.commands.common import console, settings

log = logging.getLogger(__name__)

URL_HELP = "Database URL (default QA_DATABASE_URL, else a SQLite file under QA_DATA_DIR)."


def _url(url: str | None) -> str:
    return url or settings().resolved_database_url


def web_cmd(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    rubrics: Path = typer.Option(
        Path("rubrics"), help="Folder of rubric YAML files (grades, critical items)."
    ),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark cookies Secure (when served over HTTPS)."
    ),
) -> None:
    """Serve the QA workbench (复核, 申诉, 校准) on the results store."""
    import uvicorn

    from qa_pipeline.review.mail import mail_settings
    from qa_pipeline.store import Store
    from qa_pipeline.web import WebOptions, create_app

    cfg = settings()
    store = Store.open(_url(url), redact=cfg.redact_pii)
    opts = WebOptions(
        language=cfg.language,
        timezone=cfg.timezone,
        rubrics=load_rubrics(rubrics),
        appeal_window_days=cfg.appeal_window_days,
        sample_rate=cfg.review_sample_rate,
        due_days=cfg.review_due_days,
        mail=mail_settings(cfg),
        ledger_window_days=cfg.ledger_window_days,
        ledger_floor=cfg.ledger_floor,
        ledger_min_checks=cfg.ledger_min_checks,
        secure_cookies=secure_cookies,
    )
    console.print(
        f"workbench on http://{host}:{port}/ — database {store.url}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    try:
        uvicorn.run(create_app(store, opts), host=host, port=port, log_level="warning")
    finally:
        store.close()


def users_add(
    name: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(..., "--role", help="admin, inspector, trainer, manager or agent."),
    agent_id: str | None = typer.Option(
        None, "--agent-id", help="The agent's id in the calls (role agent)."
    ),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Password (prompted when not given; at least 8 characters).",
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Create a workbench account (the password is hashed with argon2id)."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        user = UserStore(store).add(name, password, role, agent_id)
    console.print(f"added {user.name} ({user.role})", highlight=False, markup=False)


def users_list(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """List workbench accounts."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        users = UserStore(store).list()
    table = Table("name", "role", "agent id", "status")
    for u in users:
        table.add_row(u.name, u.role, u.agent_id or "-", "disabled" if u.disabled else "active")
    console.print(table)


def users_disable(
    name: str = typer.Argument(..., help="Login name."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Disable an account; its open sessions stop working at once."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        UserStore(store).disable(name)
    console.print(f"disabled {name}", highlight=False, markup=False)


def users_enable(
    name: str = typer.Argument(..., help="Login name."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Enable a disabled account again."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        UserStore(store).enable(name)
    console.print(f"enabled {name}", highlight=False, markup=False)


def users_reset_password(
    name: str = typer.Argument(..., help="Login name."),
    password: str = typer.Option(
        ...,
        prompt="New password",
        hide_input=True,
        confirmation_prompt=True,
        help="The new password (prompted when not given; at least 8 characters).",
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Set a new password; the account's open sessions end."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        UserStore(store).reset_password(name, password)
    console.print(f"password of {name} reset", highlight=False, markup=False)


def users_role(
    name: str = typer.Argument(..., help="Login name."),
    role: str = typer.Argument(..., help="admin, inspector, trainer, manager or agent."),
    agent_id: str | None = typer.Option(
        None, "--agent-id", help="The agent's id in the calls (role agent)."
    ),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Change an account's role (applies on its next request)."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        user = UserStore(store).set_role(name, role, agent_id)
    console.print(f"{user.name} is now {user.role}", highlight=False, markup=False)


def users_email(
    name: str = typer.Argument(..., help="Login name."),
    address: str = typer.Argument("", help="E-mail address; empty clears it."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Set where the e-mail hook (QA_SMTP_HOST) sends an inspector's notices."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        UserStore(store).set_email(name, address)
    shown = address or "(none)"
    console.print(f"e-mail of {name}: {shown}", highlight=False, markup=False)


def users_teams(
    name: str = typer.Argument(..., help="An inspector's login name."),
    teams: list[str] = typer.Argument(None, help="Teams (as in the calls); none clears."),
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
) -> None:
    """Set the teams whose review items go to this inspector (assignment by team)."""
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store

    with Store.open(_url(url)) as store:
        UserStore(store).set_teams(name, teams or [])
    shown = ", ".join(teams or []) or "(any team)"
    console.print(f"{name} reviews: {shown}", highlight=False, markup=False)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this area's commands to the `qa` app."""
    app.command("web")(web_cmd)
    users_app = typer.Typer(
        help="Workbench accounts: add, list, disable, enable, reset-password, role, email, teams."
    )
    app.add_typer(users_app, name="users", no_args_is_help=True)
    users_app.command("add")(users_add)
    users_app.command("list")(users_list)
    users_app.command("disable")(users_disable)
    users_app.command("enable")(users_enable)
    users_app.command("reset-password")(users_reset_password)
    users_app.command("role")(users_role)
    users_app.command("email")(users_email)
    users_app.command("teams")(users_teams)


def load_rubrics(directory: Path) -> tuple[Any, ...]:
    """Every rubric YAML in ``directory`` (bad files are logged and skipped)."""
    from qa_pipeline.errors import RubricError
    from qa_pipeline.scoring import load_rubric

    out = []
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else []:
        try:
            out.append(load_rubric(path))
        except RubricError as exc:
            log.warning("workbench: skipping rubric %s: %s", path, exc)
    return tuple(out)
