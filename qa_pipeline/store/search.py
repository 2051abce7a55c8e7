"""Full-text search in the stored (redacted) transcripts: one row per turn.

``search_turns`` holds the turns of each call's newest transcript, as the store wrote
them (personal data already masked). The store replaces a call's turns whenever it
stores a transcript of the call and ``qa db scrub`` re-indexes the calls it re-masks, so
the search never shows text the call page no longer holds.

One table on both databases, one query (a substring ``LIKE``), two indexes that serve
it: on SQLite an FTS5 table with the ``trigram`` tokenizer over ``search_turns`` (kept in
step by triggers, migration 0005); on PostgreSQL a ``pg_trgm`` GIN index. Both use the
index for a search of three characters or more and read turns newest first, so a search
of one or two characters (common in Chinese) stops as soon as a page is full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from qa_pipeline.store.schema import metadata, recordings, transcripts

__all__ = [
    "MAX_QUERY",
    "escape_like",
    "reindex_calls",
    "replace_turns",
    "search_fts",
    "search_query",
    "search_turns",
    "turn_rows",
]

#: The longest search text accepted (characters).
MAX_QUERY = 100

#: One row per turn of a call's newest transcript (migration 0005).
search_turns = Table(
    "search_turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "call_id",
        String(128),
        ForeignKey("recordings.call_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("turn", Integer, nullable=False),  # 0-based index of the segment
    Column("start", Float, nullable=True),
    Column("speaker", String(32), nullable=True),
    Column("text", Text, nullable=False),  # PII redacted (as the transcript)
    Index("ix_search_turns_call", "call_id"),
)

#: SQLite only: the FTS5 trigram index over ``search_turns.text`` (external content).
#: (On its own metadata: it is no table of the schema, and PostgreSQL has none.)
search_fts = Table(
    "search_fts",
    MetaData(),
    Column("rowid", Integer, primary_key=True),
    Column("text", Text),
)


def turn_rows(call_id: str, segments: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``search_turns`` rows of a transcript's segments (blank turns left out).

    Args:
        call_id: The call.
        segments: The stored segments (``Segment.to_dict`` form).

    Returns:
        Rows to insert.
    """
    rows = []
    for i, seg in enumerate(segments):
        if not isinstance(seg, Mapping):
            continue
        text = str(seg.get("text") or "").strip()
        if not text:
            continue
        start = seg.get("start")
        rows.append(
            {
                "call_id": call_id,
                "turn": i,
                "start": float(start) if isinstance(start, int | float) else None,
                "speaker": str(seg.get("speaker") or "")[:32] or None,
                "text": text,
            }
        )
    return rows


def replace_turns(conn: Connection, call_id: str, segments: Sequence[Mapping[str, Any]]) -> None:
    """Make ``segments`` the searchable turns of ``call_id`` (inside the caller's transaction).

    Args:
        conn: A connection in a write transaction.
        call_id: The call.
        segments: Its newest stored (redacted) segments.
    """
    conn.execute(delete(search_turns).where(search_turns.c.call_id == call_id))
    rows = turn_rows(call_id, segments)
    if rows:
        conn.execute(insert(search_turns), rows)


def reindex_calls(conn: Connection, call_ids: Iterable[str] | None = None) -> int:
    """Rebuild the turns of ``call_ids`` (all calls when ``None``) from their newest transcript.

    Args:
        conn: A connection in a write transaction.
        call_ids: The calls to re-index, or ``None`` for every call.

    Returns:
        The number of calls re-indexed.
    """
    query = select(transcripts.c.call_id, transcripts.c.segments).order_by(
        transcripts.c.call_id, transcripts.c.created_at.desc(), transcripts.c.id.desc()
    )
    ids = None if call_ids is None else sorted(set(call_ids))
    if ids is None:
        conn.execute(delete(search_turns))
    n = 0
    for lo in range(0, 1 if ids is None else len(ids), 500):
        q = query if ids is None else query.where(transcripts.c.call_id.in_(ids[lo : lo + 500]))
        seen: set[str] = set()
        batch: list[dict[str, Any]] = []
        for call_id, segments in conn.execute(q):
            if call_id in seen:
                continue
            seen.add(call_id)
            if ids is not None:
                conn.execute(delete(search_turns).where(search_turns.c.call_id == call_id))
            batch += turn_rows(call_id, segments if isinstance(segments, list) else [])
            if len(batch) >= 5000:
                conn.execute(insert(search_turns), batch)
                batch = []
        if batch:
            conn.execute(insert(search_turns), batch)
        n += len(seen)
    return n


def escape_like(text: str) -> str:
    """``%text%`` with ``LIKE``'s wildcards (``%``, ``_``) and the escape (``\\``) escaped.

    Args:
        text: What the user searches for.

    Returns:
        The pattern, for ``LIKE … ESCAPE '\\'``.
    """
    body = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{body}%"


def search_query(
    dialect: str, text: str, agent_id: str | None, before: int | None, limit: int
) -> Select[Any]:
    """Turns containing ``text`` (case-insensitive for Latin letters), newest stored first.

    Args:
        dialect: ``sqlite`` or ``postgresql``.
        text: The search text (already stripped, not empty).
        agent_id: Only this agent's calls (``None``: every call).
        before: Only turns with an id below this (the next page), or ``None``.
        limit: The most rows.

    Returns:
        A query of ``id, call_id, turn, start, speaker, text, agent_id, team, started_at``.
    """
    pattern = escape_like(text)
    st = search_turns
    cols = (
        st.c.id,
        st.c.call_id,
        st.c.turn,
        st.c.start,
        st.c.speaker,
        st.c.text,
        recordings.c.agent_id,
        recordings.c.team,
        recordings.c.started_at,
    )
    if dialect == "sqlite":
        # the FTS5 table answers LIKE (by trigrams from 3 characters on) and walks its
        # rowids (= search_turns.id) backwards, so LIMIT stops the walk early
        fts = search_fts
        q = (
            select(*cols)
            .select_from(
                fts.join(st, st.c.id == fts.c.rowid).join(
                    recordings, recordings.c.call_id == st.c.call_id
                )
            )
            .where(fts.c.text.like(pattern, escape="\\"))
            .order_by(fts.c.rowid.desc())
        )
        if before is not None:
            q = q.where(fts.c.rowid < before)
    else:
        q = (
            select(*cols)
            .select_from(st.join(recordings, recordings.c.call_id == st.c.call_id))
            .where(st.c.text.ilike(pattern, escape="\\"))
            .order_by(st.c.id.desc())
        )
        if before is not None:
            q = q.where(st.c.id < before)
    if agent_id is not None:
        q = q.where(recordings.c.agent_id == agent_id)
    return q.limit(limit)
