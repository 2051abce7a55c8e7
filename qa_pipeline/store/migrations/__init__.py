"""Alembic migrations of the results store, run programmatically (no ``alembic.ini``).

:class:`qa_pipeline.store.Store` calls these inside its own transaction (and lock), so
several processes opening a fresh database at once migrate it exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent


class MigrationError(Exception):
    """Alembic could not reach the requested revision (e.g. an unknown, newer one)."""


def _config(conn: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this version of qa-pipeline."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The migration the database behind ``conn`` is at (``None`` when empty)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``conn`` (inside the caller's transaction).

    Raises:
        MigrationError: Alembic cannot find a path to ``revision``.
    """
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(_config(conn), revision)
    except CommandError as exc:
        raise MigrationError(str(exc)) from None
