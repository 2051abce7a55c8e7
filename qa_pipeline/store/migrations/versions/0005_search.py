"""Full-text search in the stored transcripts (branch wt19c; renumber at merge).

``search_turns`` holds one row per turn of each call's newest (redacted) transcript,
filled here from the transcripts already stored. SQLite indexes it with an FTS5 table
using the ``trigram`` tokenizer (external content, kept in step by triggers);
PostgreSQL with a ``pg_trgm`` GIN index (the extension is created if the database user
may; without it the search still works, by scanning).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "text, content='search_turns', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER search_turns_ai AFTER INSERT ON search_turns BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER search_turns_ad AFTER DELETE ON search_turns BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER search_turns_au AFTER UPDATE ON search_turns BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
)


def _trgm_schema(conn: sa.Connection) -> str | None:
    """The schema of ``pg_trgm``, creating the extension (in ``public``) if allowed."""
    found = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar()
    if found:
        return str(found)
    try:
        with conn.begin_nested():
            # in public, never in a per-test or per-site schema that may be dropped
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm not available (%s): the search scans without an index", exc.orig)
        return None
    return "public"


def upgrade() -> None:
    """Add ``search_turns`` and its index, and fill it from the stored transcripts."""
    op.create_table(
        "search_turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id",
            sa.String(128),
            sa.ForeignKey("recordings.call_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("start", sa.Float),
        sa.Column("speaker", sa.String(32)),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_search_turns_call", "search_turns", ["call_id"])
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            conn.exec_driver_sql(statement)
    else:
        schema = _trgm_schema(conn)
        if schema is not None:
            conn.exec_driver_sql(
                "CREATE INDEX ix_search_turns_trgm ON search_turns "
                f'USING gin (text "{schema}".gin_trgm_ops)'
            )
    from qa_pipeline.store.search import reindex_calls

    n = reindex_calls(conn)
    log.info("search: %d calls' transcripts indexed", n)


def downgrade() -> None:
    """Drop the search table and its index."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("search_turns_ai", "search_turns_ad", "search_turns_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_turns_call", "search_turns")
    op.drop_table("search_turns")
