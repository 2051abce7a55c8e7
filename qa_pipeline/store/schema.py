"""Tables of the results store (SQLAlchemy Core) and the engine set-up per backend.

The schema itself is created and changed only by the Alembic migrations in
``qa_pipeline/store/migrations``; these ``Table`` objects describe the head revision for
queries. Timestamps are stored timezone-aware in UTC (:class:`UTCDateTime`).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.types import TypeDecorator

from qa_pipeline.errors import StoreError

#: SQLite waits this long for another writer (another process) before giving up.
SQLITE_BUSY_TIMEOUT_MS = 60_000


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC; naive input is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store ``value`` in UTC (naive taken as UTC)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read a stored value back as an aware UTC timestamp."""
        if value is None:
            return None
        if isinstance(value, str):  # SQLite hands back text
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()


def _call_fk() -> Column[str]:
    return Column(
        "call_id", String(128), ForeignKey("recordings.call_id", ondelete="CASCADE"), nullable=False
    )


def _run_fk() -> Column[int]:
    return Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)


runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("params", JSONType, nullable=False),
    Column("summary", JSONType, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

recordings = Table(
    "recordings",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("path", Text, nullable=True),
    Column("content_hash", String(128), nullable=True),
    Column("is_transcript", Boolean, nullable=False, default=False),
    Column("agent_id", String(64), nullable=True),
    Column("team", String(128), nullable=True),
    Column("started_at", UTCDateTime, nullable=True),
    Column("call_type", String(64), nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("satisfaction", Float, nullable=True),
    Column("topic", String(256), nullable=True),
    Column("extra", JSONType, nullable=True),
    _run_fk(),
    Column("updated_at", UTCDateTime, nullable=False),
    # 0003: HMAC of the caller's number with the site's secret (never the number)
    Column("caller_key", String(64), nullable=True),
    Index("ix_recordings_started_at", "started_at"),
    Index("ix_recordings_agent_id", "agent_id"),
    Index("ix_recordings_team", "team"),
    Index("ix_recordings_caller_key", "caller_key", "started_at"),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _call_fk(),
    Column("model", String(256), nullable=False),  # "" for a vendor transcript
    Column("options", JSONType, nullable=False),
    Column("content_hash", String(128), nullable=True),
    Column("language", String(16), nullable=False),
    Column("duration_s", Float, nullable=True),
    Column("segments", JSONType, nullable=False),  # PII redacted
    Column("metrics", JSONType, nullable=True),
    Column("flags", JSONType, nullable=False),
    _run_fk(),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("call_id", "model", name="uq_transcripts_call_model"),
)

call_scores = Table(
    "call_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _call_fk(),
    Column("rubric_id", String(128), nullable=False),
    Column("rubric_version", String(64), nullable=False),
    Column("rubric_sha256", String(64), nullable=False),
    Column("asr_model", String(256), nullable=True),
    Column("score", Float, nullable=True),
    Column("grade", String(32), nullable=True),
    Column("critical_failed", Boolean, nullable=False),
    Column("errors", JSONType, nullable=False),
    _run_fk(),
    Column("scored_at", UTCDateTime, nullable=False),
    UniqueConstraint("call_id", "rubric_id", "rubric_version", name="uq_call_scores_call_rubric"),
    Index("ix_call_scores_rubric", "rubric_id", "rubric_version"),
)

item_results = Table(
    "item_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "score_id",
        Integer,
        ForeignKey("call_scores.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("item_id", String(128), nullable=False),
    Column("item_name", String(256), nullable=True),
    Column("dimension", String(128), nullable=True),
    Column("status", String(16), nullable=False),
    Column("points", Float, nullable=False),
    Column("awarded", Float, nullable=True),
    Column("critical_failed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),  # PII redacted
    Column("evidence", JSONType, nullable=False),  # PII redacted
    # probability the machine verdict is right (scoring/confidence.py); NULL for review
    Column("confidence", Float, nullable=True),
    UniqueConstraint("score_id", "item_id", name="uq_item_results_score_item"),
)

call_errors = Table(
    "call_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    Column("call_id", String(128), nullable=True),
    Column("stage", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_call_errors_run", "run_id"),
)

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(128), nullable=False),
    Column("rubric_id", String(128), nullable=False),
    Column("rubric_version", String(64), nullable=False),
    Column("item_id", String(128), nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("new_status", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    # 0002: the workbench's audit (who, why looked at, machine verdict, verdict replaced)
    Column("user_id", Integer, nullable=True),
    Column("kind", String(16), nullable=True),
    Column("machine_status", String(16), nullable=True),
    Column("old_status", String(16), nullable=True),
    Column("appeal_id", Integer, nullable=True),
    Index("ix_review_decisions_call", "call_id", "rubric_id", "rubric_version"),
    Index("ix_review_decisions_item", "call_id", "rubric_id", "rubric_version", "item_id", "id"),
)

TABLES = (runs, recordings, transcripts, call_scores, item_results, call_errors, review_decisions)

_PASSWORD_IN_URL = re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)([^@\s]*)(@)")


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (safe for logs and messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD_IN_URL.sub(r"\1***\3", url)


def scrub(message: str, url: str | None = None) -> str:
    """Remove database passwords from a message: any ``scheme://user:pw@`` and ``url``'s own."""
    out = _PASSWORD_IN_URL.sub(r"\1***\3", message)
    if url:
        try:
            password = make_url(url).password
        except ArgumentError:
            password = None
        if password and len(str(password)) >= 3:
            out = out.replace(str(password), "***")
    return out


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the store's connection settings.

    SQLite: WAL journal, a busy timeout, foreign keys on, and write transactions opened
    with ``BEGIN IMMEDIATE`` (see :func:`write_lock`) so concurrent writers queue up
    instead of failing with "database is locked" halfway through a transaction.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {mask_url(url)!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            from pathlib import Path

            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _setup_sqlite(engine)
    elif parsed.get_backend_name() == "postgresql":
        try:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
        except ImportError as exc:
            raise StoreError(
                f"PostgreSQL driver missing ({exc}); install qa-pipeline[postgres]"
            ) from None
    else:
        raise StoreError(
            f"unsupported database {mask_url(url)!r}: use sqlite:/// or postgresql+psycopg://"
        )
    return engine


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> threading.RLock | None:
    """The in-process write lock of a SQLite database file (``None`` for PostgreSQL).

    Threads of one process queue here (cheap) rather than in SQLite's busy handler;
    other processes are kept out by ``BEGIN IMMEDIATE`` and the busy timeout.
    """
    if not is_sqlite(engine):
        return None
    key = str(engine.url.database or ":memory:")
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.RLock())


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control from pysqlite so BEGIN IMMEDIATE can be emitted
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
