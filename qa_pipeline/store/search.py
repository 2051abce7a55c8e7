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
    func,
    insert,
    literal_column,
    select,
)

from qa_pipeline.store.schema import metadata, recordings, transcripts

__all__ = [
    "MAX_QUERY",
    "SHORT_WINDOW",
    "TRIGRAM",
    "escape_like",
    "fts_phrase",
    "newest_turn",
    "reindex_calls",
    "replace_turns",
    "search_fts",
    "search_query",
    "search_turns",
    "turn_rows",
]

#: The longest search text accepted (characters).
MAX_QUERY = 100
#: A search this long or longer is answered by the trigram index.
TRIGRAM = 3
#: A shorter search reads at most this many turns per page, newest first (then offers
#: to go on with older ones), so its time is bounded whatever the table's size.
SHORT_WINDOW = 40_000

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
    r"""``%text%`` with ``LIKE``'s wildcards (``%``, ``_``) and the escape (``\\``) escaped.

    Args:
        text: What the user searches for.

    Returns:
        The pattern, for ``LIKE … ESCAPE '\\'``.
    """
    body = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{body}%"


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (its characters taken literally).

    Args:
        text: What the user searches for.

    Returns:
        The text in double quotes, its own double quotes doubled.
    """
    return '"' + text.replace('"', '""') + '"'


def search_query(
    dialect: str,
    text: str,
    agent_id: str | None,
    before: int | None,
    limit: int,
    floor: int | None = None,
) -> Select[Any]:
    """Turns containing ``text`` (case-insensitive for Latin letters), newest stored first.

    Args:
        dialect: ``sqlite`` or ``postgresql``.
        text: The search text (already stripped, not empty).
        agent_id: Only this agent's calls (``None``: every call).
        before: Only turns with an id below this (the next page), or ``None``.
        limit: The most rows.
        floor: Only turns with an id at least this (a short search's window), or ``None``.

    Returns:
        A query of ``id, call_id, turn, start, speaker, text, agent_id, team, started_at``.
    """
    if dialect == "sqlite" and len(text) >= TRIGRAM:
        q, key = _fts_query(text)
    else:
        q, key = _scan_query(dialect, text)
    if before is not None:
        q = q.where(key < before)
    if floor is not None:
        q = q.where(key >= floor)
    if agent_id is not None:
        q = q.where(recordings.c.agent_id == agent_id)
    return q.order_by(key.desc()).limit(limit)


def _columns() -> tuple[Any, ...]:
    st = search_turns
    return (
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


def _fts_query(text: str) -> tuple[Select[Any], Any]:
    """SQLite, 3 characters or more: the query through the FTS5 table, and its order key.

    The FTS5 table finds the turns by trigrams (a phrase of them is a substring,
    case-insensitive) and walks its rowids (= ``search_turns.id``) backwards, so LIMIT
    stops the walk early; LIKE re-checks each candidate exactly.
    """
    st, fts = search_turns, search_fts
    q = (
        select(*_columns())
        .select_from(
            fts.join(st, st.c.id == fts.c.rowid).join(
                recordings, recordings.c.call_id == st.c.call_id
            )
        )
        .where(
            literal_column("search_fts").op("MATCH")(fts_phrase(text)),
            st.c.text.like(escape_like(text), escape="\\"),
        )
    )
    return q, fts.c.rowid


def _scan_query(dialect: str, text: str) -> tuple[Select[Any], Any]:
    """The query on ``search_turns`` itself, and its order key.

    PostgreSQL: the GIN trigram index (3 characters or more) or a backward walk of the
    primary key; SQLite, one or two characters: the backward walk (``instr`` is LIKE
    without its pattern parsing, twice as fast).
    """
    st = search_turns
    if dialect == "sqlite":
        found = func.instr(func.lower(st.c.text), func.lower(text)) > 0
    else:
        found = st.c.text.ilike(escape_like(text), escape="\\")
    q = (
        select(*_columns())
        .select_from(st.join(recordings, recordings.c.call_id == st.c.call_id))
        .where(found)
    )
    return q, st.c.id


def newest_turn(conn: Connection) -> int:
    """The highest turn id (0 when nothing is indexed).

    Args:
        conn: A connection.

    Returns:
        The id.
    """
    return int(conn.execute(select(func.max(search_turns.c.id))).scalar() or 0)
