"""Reads of the workbench: nights, the calls list, the call page."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, literal, or_, select

from qa_pipeline.review.base import PAGE_SIZE, WorkbenchBase
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import (
    ItemVerdict,
    pending_suggestions,
    recompute,
)
from qa_pipeline.review.views import (
    AppealRow,
    CallDetail,
    CallRow,
    Decision,
    EvaluationView,
    ItemView,
    NightRow,
    Recording,
    Reopening,
    Segment,
)
from qa_pipeline.store.queries import Filters, apply_filters
from qa_pipeline.store.schema import (
    call_errors,
    call_scores,
    item_results,
    recordings,
    review_decisions,
    runs,
    transcripts,
)
from qa_pipeline.store.workbench import (
    appeals,
    evaluation_reopenings,
    evaluations,
    review_queue,
)

log = logging.getLogger(__name__)


class CallsMixin(WorkbenchBase):
    """Nights, the calls list and the call page."""

    # ------------------------------------------------------------------ nights, calls

    def nights(self, tz: str, user: User | None = None, limit: int = 60) -> list[NightRow]:
        """Per night (local date in ``tz``): calls received, scored, failed, in review.

        Args:
            tz: IANA time zone whose local dates name the nights.
            user: Whose calls to count; an agent sees only their own (and no received
                counts). ``None`` counts every call.
            limit: The most nights returned.

        Returns:
            The newest ``limit`` nights, newest first.
        """
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        sqlite = self.store.engine.dialect.name == "sqlite"
        started = recordings.c.started_at
        h = func.substr(started, 1, 13) if sqlite else func.date_trunc("hour", started)
        out: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"received": None, "scored": 0, "failed": 0, "in_review": 0}
        )
        agent = user.agent_id if user is not None and not user.sees_all_calls else None
        with self.store._read("count nights") as conn:
            for column, q in _night_count_queries(h, agent):
                for hh, n in conn.execute(q):
                    out[_local_day(hh, zone)][column] += int(n)
            if agent is None:
                for night, valid in _received_per_night(conn).items():
                    out[night]["received"] = valid
                for night, n in _unrecorded_failures_per_night(conn).items():
                    out[night]["failed"] += n
        rows = [NightRow(night=k, **v) for k, v in out.items()]
        rows.sort(key=lambda r: r.night, reverse=True)
        return rows[:limit]

    def _final_score(self) -> Any:
        return func.coalesce(evaluations.c.score, call_scores.c.score)

    def list_calls(
        self,
        user: User,
        f: Filters,
        page: int = 1,
        per_page: int = PAGE_SIZE,
        after: tuple[datetime, int] | None = None,
    ) -> tuple[list[CallRow], bool]:
        """One page of evaluations (newest call first) and whether a next page exists.

        ``after`` (the ``started_at`` and ``score_id`` of the last row of the previous
        page) continues from there by the index instead of skipping rows with ``OFFSET``,
        so the 100th page costs what the first does; ``page`` is then ignored.

        Args:
            user: Who asks; an agent sees only their own calls.
            f: The list's filters.
            page: 1-based page number (used when ``after`` is ``None``).
            per_page: Rows per page.
            after: Keyset position of the previous page's last row, if any.

        Returns:
            The page's rows and whether more rows follow.
        """
        q = self._calls_query(user, f)
        with self.store._read("list calls") as conn:
            if after is None:
                page_q = q.limit(per_page + 1).offset(max(page - 1, 0) * per_page)
                rows = [CallRow.from_row(r) for r in conn.execute(page_q)]
            else:
                rows = self._calls_after(conn, q, after, per_page)
        return rows[:per_page], len(rows) > per_page

    def _calls_query(self, user: User, f: Filters) -> Select[Any]:
        """The calls list's query: filtered evaluations, newest call first, not paged."""
        ev_on = and_(
            evaluations.c.call_id == call_scores.c.call_id,
            evaluations.c.rubric_id == call_scores.c.rubric_id,
            evaluations.c.rubric_version == call_scores.c.rubric_version,
        )
        final = self._final_score()
        state = func.coalesce(evaluations.c.state, literal("machine"))
        q: Select[Any] = select(
            call_scores.c.call_id,
            call_scores.c.rubric_id,
            call_scores.c.rubric_version,
            call_scores.c.id.label("score_id"),
            call_scores.c.score.label("machine_score"),
            final.label("score"),
            func.coalesce(evaluations.c.grade, call_scores.c.grade).label("grade"),
            state.label("state"),
            recordings.c.agent_id,
            recordings.c.team,
            recordings.c.started_at,
        ).select_from(call_scores.join(recordings).outerjoin(evaluations, ev_on))
        if not user.sees_all_calls:
            q = q.where(recordings.c.agent_id == user.agent_id)
        q = apply_filters(q, f)
        q = _filter_state_and_score(q, f, final)
        q = _filter_items(q, f)
        return q.order_by(recordings.c.started_at.desc(), call_scores.c.id.desc())

    def _calls_after(
        self, conn: Connection, q: Select[Any], after: tuple[datetime, int], per_page: int
    ) -> list[CallRow]:
        """Up to ``per_page + 1`` rows of ``q`` after the keyset position ``after``."""
        ts, sid = after
        # the first term is a range on ix_recordings_started_at; the second breaks
        # ties between evaluations of one instant
        dated = q.where(
            recordings.c.started_at <= ts,
            or_(recordings.c.started_at < ts, call_scores.c.id < sid),
        )
        rows = [CallRow.from_row(r) for r in conn.execute(dated.limit(per_page + 1))]
        if len(rows) <= per_page and self.store.engine.dialect.name == "sqlite":
            # SQLite sorts calls without a start time last when descending
            # (PostgreSQL first: they were on earlier pages there)
            undated = q.where(recordings.c.started_at.is_(None))
            undated = undated.limit(per_page + 1 - len(rows))
            rows += [CallRow.from_row(r) for r in conn.execute(undated)]
        return rows

    def call_detail(self, user: User, call_id: str) -> CallDetail:
        """Everything the call page shows: recording, transcript, evaluations, history."""
        with self.store._read("read a call") as conn:
            rec = self._check_call(conn, user, call_id)
            tr = conn.execute(
                select(transcripts.c.segments)
                .where(transcripts.c.call_id == call_id)
                .order_by(transcripts.c.created_at.desc())
            ).first()
            evals = tuple(
                self._evaluation(conn, s)
                for s in conn.execute(
                    select(call_scores)
                    .where(call_scores.c.call_id == call_id)
                    .order_by(call_scores.c.rubric_id, call_scores.c.rubric_version)
                )
            )
        segments = (tr.segments if tr else None) or []
        return CallDetail(
            Recording.from_row(rec),
            tuple(Segment.from_json(s) for s in segments if isinstance(s, dict)),
            evals,
        )

    def _evaluation(self, conn: Connection, s: Any) -> EvaluationView:
        """One evaluation of the call page: items with their final verdicts, the history."""
        key = (s.call_id, s.rubric_id, s.rubric_version)
        decisions = tuple(
            Decision.from_row(r)
            for r in conn.execute(
                select(review_decisions)
                .where(*_same(review_decisions, key))
                .order_by(review_decisions.c.id)
            )
        )
        latest = {d.item_id: d for d in decisions}
        pending = pending_suggestions(conn, *key)  # the ledger's: awaiting people
        items = tuple(
            _item_view(r, latest.get(r.item_id), r.item_id in pending)
            for r in conn.execute(
                select(item_results)
                .where(item_results.c.score_id == s.id)
                .order_by(item_results.c.id)
            )
        )
        # recomputed on every read: right even if the machine re-scored the call
        final = recompute(
            [
                ItemVerdict(
                    i.item_id,
                    float(i.points),
                    i.status,
                    bool(i.critical_failed),
                    i.final_status,
                    i.decided_by is not None,
                )
                for i in items
            ],
            self.gradings.get((s.rubric_id, s.rubric_version)),
        )
        ev = conn.execute(select(evaluations).where(*_same(evaluations, key))).first()
        apps = conn.execute(select(appeals).where(*_same(appeals, key)).order_by(appeals.c.id))
        reopened = conn.execute(
            select(evaluation_reopenings)
            .where(*_same(evaluation_reopenings, key))
            .order_by(evaluation_reopenings.c.id)
        )
        names = {i.item_id: i.item_name for i in items}
        return EvaluationView(
            rubric_id=s.rubric_id,
            rubric_version=s.rubric_version,
            machine_score=s.score,
            score=final[0] if latest or pending else s.score,
            grade=final[1] if latest or pending else s.grade,
            state=ev.state if ev else "machine",
            human_items=ev.human_items if ev else None,
            acknowledged_by=ev.acknowledged_by if ev else None,
            acknowledged_at=ev.acknowledged_at if ev else None,
            items=items,
            decisions=decisions,
            appeals=tuple(AppealRow.from_row(a, item_name=names.get(a.item_id)) for a in apps),
            appeal_deadline=s.scored_at + self.appeal_window,
            reopenings=tuple(Reopening.from_row(r) for r in reopened),
        )

    def teams_and_agents(self) -> tuple[list[str], list[str]]:
        """Distinct teams and agents (for filter menus)."""
        with self.store._read("list teams") as conn:
            teams = [r[0] for r in conn.execute(select(recordings.c.team).distinct()) if r[0]]
            agents = [r[0] for r in conn.execute(select(recordings.c.agent_id).distinct()) if r[0]]
        return sorted(teams), sorted(agents)


def _same(table: Any, key: tuple[str, str, str]) -> tuple[Any, ...]:
    """``WHERE`` terms: ``table``'s rows of one call's evaluation with one rubric version."""
    call_id, rid, ver = key
    return (
        table.c.call_id == call_id,
        table.c.rubric_id == rid,
        table.c.rubric_version == ver,
    )


def _item_view(row: Any, last: Decision | None, pending: bool = False) -> ItemView:
    """An item of the call page: the machine's verdict, and the latest human one if any.

    A ``pending`` item (the machine's verdict is only a suggestion the ledger sent to
    people) is ``review`` until someone decides it.
    """
    evidence = row.evidence if isinstance(row.evidence, list) else []
    return ItemView.from_row(
        row,
        critical_failed=bool(row.critical_failed),
        evidence=tuple(Segment.from_json(e) for e in evidence if isinstance(e, dict)),
        final_status=last.new_status if last else ("review" if pending else row.status),
        decided_by=last.reviewer if last else None,
        last_decision=last.id if last else 0,
    )


def _local_day(value: Any, zone: tzinfo) -> str:
    """The local date in ``zone`` of an hour bucket (SQLite gives ``YYYY-MM-DD HH`` text)."""
    if isinstance(value, str):
        value = datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return str(value.astimezone(zone).date().isoformat())


def _night_count_queries(h: Any, agent: str | None) -> list[tuple[str, Select[Any]]]:
    """Per hour bucket ``h`` of dated calls: counts of scored, failed and queued calls.

    Args:
        h: The hour-bucket expression over ``recordings.started_at``.
        agent: Count only this agent's calls; ``None`` counts all.

    Returns:
        ``(column of NightRow, query of (hour, count) rows)`` pairs.
    """
    dated = recordings.c.started_at.is_not(None)
    queries: list[tuple[str, Select[Any]]] = [
        (
            "scored",
            select(h.label("h"), func.count(func.distinct(call_scores.c.call_id)))
            .select_from(call_scores.join(recordings))
            .where(dated)
            .group_by(h),
        ),
        (
            "failed",
            select(h.label("h"), func.count(func.distinct(call_errors.c.call_id)))
            .select_from(
                call_errors.join(recordings, call_errors.c.call_id == recordings.c.call_id)
            )
            .where(dated)
            .group_by(h),
        ),
        (
            "in_review",
            select(h.label("h"), func.count())
            .select_from(
                review_queue.join(recordings, review_queue.c.call_id == recordings.c.call_id)
            )
            .where(review_queue.c.done.is_(False), dated)
            .group_by(h),
        ),
    ]
    if agent:
        return [(column, q.where(recordings.c.agent_id == agent)) for column, q in queries]
    return queries


def _received_per_night(conn: Connection) -> dict[str, int]:
    """Valid calls received per night, from the latest nightly run's summary of each."""
    received: dict[str, int] = {}
    for kind, summary in conn.execute(
        select(runs.c.kind, runs.c.summary).order_by(runs.c.id.desc())
    ):
        if kind != "nightly" or not isinstance(summary, dict):
            continue
        night = str(summary.get("night"))
        if "valid" in summary and night not in received:
            received[night] = int(summary["valid"] or 0)
    return received


def _unrecorded_failures_per_night(conn: Connection) -> dict[str, int]:
    """Failed calls the store has no recording of, per night of the run that failed them.

    A call that failed before it was stored (unreadable audio, a scoring error) has no
    start time in ``recordings``; its night is the one its nightly run was started for.
    """
    nights: dict[int, str] = {}
    for rid, kind, params in conn.execute(select(runs.c.id, runs.c.kind, runs.c.params)):
        if kind == "nightly" and isinstance(params, dict) and params.get("night"):
            nights[int(rid)] = str(params["night"])
    if not nights:
        return {}
    q = (
        select(call_errors.c.run_id, func.count(func.distinct(call_errors.c.call_id)))
        .where(
            call_errors.c.call_id.is_not(None),
            call_errors.c.run_id.in_(list(nights)),
            ~exists(
                select(recordings.c.call_id).where(recordings.c.call_id == call_errors.c.call_id)
            ),
        )
        .group_by(call_errors.c.run_id)
    )
    out: dict[str, int] = defaultdict(int)
    for rid, n in conn.execute(q):
        out[nights[int(rid)]] += int(n)
    return dict(out)


def _filter_state_and_score(q: Select[Any], f: Filters, final: Any) -> Select[Any]:
    """``q`` narrowed by the filters' evaluation state and final-score range."""
    if f.state == "machine":
        q = q.where(evaluations.c.state.is_(None))
    elif f.state:
        # on the joined column itself (not the coalesce): the outer join becomes an
        # inner one driven by ix_evaluations_state
        q = q.where(evaluations.c.state == f.state)
    if f.score_min is not None:
        q = q.where(final >= f.score_min)
    if f.score_max is not None:
        q = q.where(final <= f.score_max)
    return q


def _filter_items(q: Select[Any], f: Filters) -> Select[Any]:
    """``q`` narrowed to evaluations with an item matching the filters' item terms."""
    if f.item_id or f.item_status:
        cond = [item_results.c.score_id == call_scores.c.id]
        if f.item_id:
            cond.append(item_results.c.item_id == f.item_id)
        if f.item_status:
            cond.append(item_results.c.status == f.item_status)
        q = q.where(exists(select(item_results.c.id).where(*cond)))
    if f.review:
        q = q.where(
            exists(
                select(item_results.c.id).where(
                    item_results.c.score_id == call_scores.c.id,
                    item_results.c.status == "review",
                )
            )
        )
    return q
