"""Read queries of the results store, returned as pandas DataFrames.

The columns are the contract in :mod:`qa_pipeline.store.frames`. Timestamps come back as
timezone-aware (UTC) pandas Timestamps; call them through :class:`qa_pipeline.store.Store`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, func, select

from qa_pipeline.store.frames import CALL_COLUMNS, ERROR_COLUMNS, ITEM_COLUMNS, SCORE_COLUMNS
from qa_pipeline.store.schema import (
    call_errors,
    call_scores,
    item_results,
    recordings,
    review_decisions,
    runs,
    transcripts,
)
from qa_pipeline.topics.classify import caller_text


class QueryMixin:
    """The read API of :class:`qa_pipeline.store.Store` (which supplies ``_read``)."""

    def _read(self, action: str) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def scores_frame(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        agent_id: str | None = None,
        team: str | None = None,
        rubric_id: str | None = None,
        rubric_version: str | None = None,
    ) -> pd.DataFrame:
        """One row per scored call (columns ``frames.SCORE_COLUMNS``), oldest call first.

        ``start``/``end`` filter the call's ``started_at`` on ``[start, end)``; naive
        datetimes are taken as UTC. Calls without a start time drop out of period queries.
        """
        filters = Filters(start, end, agent_id, team, rubric_id, rubric_version)
        with self._read("query scores") as conn:
            return scores_frame(conn, filters)

    def items_frame(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        agent_id: str | None = None,
        team: str | None = None,
        rubric_id: str | None = None,
        rubric_version: str | None = None,
        item_id: str | None = None,
    ) -> pd.DataFrame:
        """One row per item verdict (columns ``frames.ITEM_COLUMNS``); filters as scores."""
        filters = Filters(start, end, agent_id, team, rubric_id, rubric_version, item_id)
        with self._read("query item results") as conn:
            return items_frame(conn, filters)

    def calls_frame(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> pd.DataFrame:
        """One row per call received in ``[start, end)`` (``frames.CALL_COLUMNS``).

        Every recording counts, scored or not; ``caller_text`` is the caller's turns of
        its latest transcript (up to 400 characters).
        """
        with self._read("query calls") as conn:
            return calls_frame(conn, Filters(start, end))

    def errors_frame(self, run_id: int | None = None) -> pd.DataFrame:
        """Recorded failures (columns ``frames.ERROR_COLUMNS``), of one run or all."""
        with self._read("query errors") as conn:
            return errors_frame(conn, run_id)

    def reviews_frame(self, call_id: str | None = None) -> pd.DataFrame:
        """Review decisions, oldest first (columns as the ``review_decisions`` table)."""
        with self._read("query reviews") as conn:
            return reviews_frame(conn, call_id)

    def runs_frame(self) -> pd.DataFrame:
        """Every run, newest first (id, kind, status, params, summary, started/finished)."""
        with self._read("query runs") as conn:
            return runs_frame(conn)


@dataclass(frozen=True, slots=True)
class Filters:
    """The one set of call filters, for report frames and the workbench's calls list.

    ``None`` (or ``False``) means any.

    The first seven are applied by :func:`apply_filters` (and ``item_id`` by the item
    queries); the workbench's list also reads the verdict, state, score and review ones.

    Attributes:
        start: Calls that started at or after this (naive: UTC).
        end: Calls that started before this (naive: UTC).
        agent_id: One agent's calls.
        team: One team's calls.
        rubric_id: Evaluations with this rubric.
        rubric_version: Evaluations with this rubric version.
        item_id: One item (its rows; in the calls list, calls with that item).
        item_status: Calls with an item of this verdict (with ``item_id``: that item's).
        state: Evaluation state (``machine``, or a state of the workbench's evaluations).
        score_min: Final score at least this.
        score_max: Final score at most this.
        review: Only calls with an item the machine left to people.
    """

    start: datetime | None = None
    end: datetime | None = None
    agent_id: str | None = None
    team: str | None = None
    rubric_id: str | None = None
    rubric_version: str | None = None
    item_id: str | None = None
    item_status: str | None = None
    state: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    review: bool = False


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def apply_filters(query: Select[Any], f: Filters) -> Select[Any]:
    """``query`` (over ``recordings`` and ``call_scores``) narrowed by the call filters."""
    if f.start is not None:
        query = query.where(recordings.c.started_at >= _utc(f.start))
    if f.end is not None:
        query = query.where(recordings.c.started_at < _utc(f.end))
    if f.agent_id is not None:
        query = query.where(recordings.c.agent_id == f.agent_id)
    if f.team is not None:
        query = query.where(recordings.c.team == f.team)
    if f.rubric_id is not None:
        query = query.where(call_scores.c.rubric_id == f.rubric_id)
    if f.rubric_version is not None:
        query = query.where(call_scores.c.rubric_version == f.rubric_version)
    return query


_NOT_TEXT = {"run_id", "id", "params", "summary", "evidence"}


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...], times: tuple[str, ...]) -> Any:
    """A frame with stable dtypes, empty or not: UTC microsecond timestamps, ``str`` text."""
    df = pd.DataFrame(rows, columns=list(columns))
    for col in columns:
        if col in times:
            df[col] = pd.to_datetime(df[col], utc=True).dt.as_unit("us")
        elif col not in _NOT_TEXT and (df.empty or df[col].map(_is_text).all()):
            df[col] = df[col].astype("str")
    return df


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _floats(df: pd.DataFrame, *cols: str) -> None:
    for col in cols:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")


def _bools(df: pd.DataFrame, *cols: str) -> None:
    for col in cols:
        df[col] = df[col].astype(bool)


_CALL_COLS = (
    call_scores.c.call_id,
    recordings.c.agent_id,
    recordings.c.team,
    recordings.c.started_at,
    recordings.c.call_type,
)


def scores_frame(conn: Connection, f: Filters) -> pd.DataFrame:
    """One row per scored call and rubric version (``SCORE_COLUMNS``)."""
    query = select(
        *_CALL_COLS,
        call_scores.c.run_id,
        recordings.c.duration_s,
        recordings.c.satisfaction,
        recordings.c.path.label("recording_path"),
        call_scores.c.rubric_id,
        call_scores.c.rubric_version,
        call_scores.c.rubric_sha256,
        call_scores.c.asr_model,
        call_scores.c.score,
        call_scores.c.grade,
        call_scores.c.critical_failed,
        call_scores.c.scored_at,
    ).select_from(call_scores.join(recordings))
    query = apply_filters(query, f).order_by(
        recordings.c.started_at, call_scores.c.call_id, call_scores.c.rubric_version
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    df = _frame(rows, SCORE_COLUMNS, ("started_at", "scored_at"))
    _floats(df, "duration_s", "satisfaction", "score")
    _bools(df, "critical_failed")
    df["run_id"] = df["run_id"].astype("Int64")
    return df


def items_frame(conn: Connection, f: Filters) -> pd.DataFrame:
    """One row per item verdict (``ITEM_COLUMNS``), in rubric order within a call."""
    query: Select[Any] = select(
        *_CALL_COLS,
        call_scores.c.rubric_id,
        call_scores.c.rubric_version,
        item_results.c.item_id,
        item_results.c.item_name,
        item_results.c.dimension,
        item_results.c.status,
        item_results.c.points,
        item_results.c.awarded,
        item_results.c.critical_failed,
        item_results.c.reason,
        item_results.c.evidence,
        item_results.c.confidence,
        recordings.c.path.label("recording_path"),
    ).select_from(item_results.join(call_scores).join(recordings))
    query = apply_filters(query, f)
    if f.item_id is not None:
        query = query.where(item_results.c.item_id == f.item_id)
    query = query.order_by(
        recordings.c.started_at,
        call_scores.c.call_id,
        call_scores.c.rubric_version,
        item_results.c.id,
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["evidence"] = list(row["evidence"] or [])
    df = _frame(rows, ITEM_COLUMNS, ("started_at",))
    _floats(df, "points", "awarded", "confidence")
    _bools(df, "critical_failed")
    return df


def calls_frame(conn: Connection, f: Filters) -> pd.DataFrame:
    """One row per recording (``CALL_COLUMNS``), oldest first, with the caller's turns."""
    latest = (
        select(func.max(transcripts.c.id).label("tid"), transcripts.c.call_id)
        .group_by(transcripts.c.call_id)
        .subquery()
    )
    query = (
        select(
            *(recordings.c[c] for c in CALL_COLUMNS if c != "caller_text"),
            transcripts.c.segments,
        )
        .select_from(
            recordings.outerjoin(latest, latest.c.call_id == recordings.c.call_id).outerjoin(
                transcripts, transcripts.c.id == latest.c.tid
            )
        )
        .order_by(recordings.c.started_at, recordings.c.call_id)
    )
    query = apply_filters(query, Filters(f.start, f.end, f.agent_id, f.team))
    rows = []
    for r in conn.execute(query):
        row = dict(r._mapping)
        row["caller_text"] = caller_text(row.pop("segments") or ())
        rows.append(row)
    df = _frame(rows, CALL_COLUMNS, ("started_at",))
    _floats(df, "satisfaction")
    # a missing key or tag stays missing (never the text "None": it would link callers)
    for col in ("caller_key", "topic", "agent_id", "team", "call_type"):
        df[col] = pd.Series([row[col] for row in rows], index=df.index, dtype="object")
    return df


def errors_frame(conn: Connection, run_id: int | None) -> pd.DataFrame:
    """Recorded failures (``ERROR_COLUMNS``), oldest first."""
    query = select(*(call_errors.c[c] for c in ERROR_COLUMNS))
    if run_id is not None:
        query = query.where(call_errors.c.run_id == run_id)
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(call_errors.c.id))]
    df = _frame(rows, ERROR_COLUMNS, ("created_at",))
    df["run_id"] = df["run_id"].astype("Int64")
    return df


def reviews_frame(conn: Connection, call_id: str | None) -> pd.DataFrame:
    """Review decisions, oldest first."""
    cols = tuple(c.name for c in review_decisions.c if c.name != "id")
    query = select(*(review_decisions.c[c] for c in cols))
    if call_id is not None:
        query = query.where(review_decisions.c.call_id == call_id)
    rows = [dict(r._mapping) for r in conn.execute(query.order_by(review_decisions.c.id))]
    return _frame(rows, cols, ("decided_at",))


def runs_frame(conn: Connection) -> pd.DataFrame:
    """Every run, newest first."""
    cols = tuple(c.name for c in runs.c)
    rows = [dict(r._mapping) for r in conn.execute(select(runs).order_by(runs.c.id.desc()))]
    return _frame(rows, cols, ("started_at", "finished_at"))
