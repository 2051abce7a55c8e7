"""The workbench's reads and writes: calls, decisions, review queue, appeals, calibration.

Rights are checked here as well as in the web routes: an agent only ever reaches calls
whose ``agent_id`` is theirs, and only inspectors decide.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, literal, select, update

from qa_pipeline.redact import redact_text
from qa_pipeline.review.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from qa_pipeline.review.stats import cohen_kappa, fleiss_kappa, percent_agreement
from qa_pipeline.review.tables import (
    appeals,
    calibration_calls,
    calibration_scores,
    calibration_sessions,
    evaluations,
    review_queue,
)
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import (
    VERDICTS,
    Grading,
    ItemVerdict,
    evaluation_items,
    latest_decisions_query,
    recompute,
)
from qa_pipeline.store_schema import (
    call_errors,
    call_scores,
    item_results,
    recordings,
    review_decisions,
    runs,
    transcripts,
)

log = logging.getLogger(__name__)

STATES = ("machine", "reviewed", "appealed", "final")
PAGE_SIZE = 50


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CallFilters:
    """Filters of the calls page (``None`` means any)."""

    start: datetime | None = None
    end: datetime | None = None
    team: str | None = None
    agent_id: str | None = None
    item_id: str | None = None
    item_status: str | None = None
    state: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    review: bool = False


class Workbench:
    """The human-decision layer over a :class:`qa_pipeline.store.Store`.

    Args:
        store: An open store (migrated to 0002 or later).
        gradings: ``(rubric id, version) → Grading`` from the rubrics the site has; an
            evaluation whose rubric is missing is recomputed without grades.
        appeal_window: How long after scoring an agent may appeal.
        sample_rate: Share of machine passes and fails drawn into the review queue.
    """

    def __init__(
        self,
        store: Any,
        gradings: Mapping[tuple[str, str], Grading] | None = None,
        appeal_window: timedelta = timedelta(days=7),
        sample_rate: float = 0.02,
    ) -> None:
        self.store = store
        self.gradings = dict(gradings or {})
        self.appeal_window = appeal_window
        self.sample_rate = sample_rate

    # ------------------------------------------------------------------ rights

    def _check_call(self, conn: Connection, user: User, call_id: str) -> Any:
        row = conn.execute(select(recordings).where(recordings.c.call_id == call_id)).first()
        if row is None:
            raise NotFoundError(f"no call {call_id!r}")
        if user.is_agent and row.agent_id != user.agent_id:
            raise ForbiddenError(f"call {call_id!r} belongs to another agent")
        return row

    def call_visible(self, user: User, call_id: str) -> Any:
        """The recording row of a call the user may see.

        Raises:
            NotFoundError: unknown call.  ForbiddenError: another agent's call.
        """
        with self.store._read("read a call") as conn:
            return self._check_call(conn, user, call_id)

    # ------------------------------------------------------------------ nights, calls

    def nights(self, tz: str, user: User | None = None, limit: int = 60) -> list[dict[str, Any]]:
        """Per night (local date in ``tz``): calls received, scored, failed, in review."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        sqlite = self.store.engine.dialect.name == "sqlite"

        def hour(col: Any) -> Any:
            return func.substr(col, 1, 13) if sqlite else func.date_trunc("hour", col)

        def local_day(value: Any) -> str:
            if isinstance(value, str):
                value = datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
            return value.astimezone(zone).date().isoformat()

        out: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"received": None, "scored": 0, "failed": 0, "in_review": 0}
        )
        agent = user.agent_id if user is not None and user.is_agent else None
        with self.store._read("count nights") as conn:
            h = hour(recordings.c.started_at)
            q = (
                select(h.label("h"), func.count(func.distinct(call_scores.c.call_id)))
                .select_from(call_scores.join(recordings))
                .where(recordings.c.started_at.is_not(None))
                .group_by(h)
            )
            if agent:
                q = q.where(recordings.c.agent_id == agent)
            for hh, n in conn.execute(q):
                out[local_day(hh)]["scored"] += int(n)
            q = (
                select(h.label("h"), func.count(func.distinct(call_errors.c.call_id)))
                .select_from(
                    call_errors.join(recordings, call_errors.c.call_id == recordings.c.call_id)
                )
                .where(recordings.c.started_at.is_not(None))
                .group_by(h)
            )
            if agent:
                q = q.where(recordings.c.agent_id == agent)
            for hh, n in conn.execute(q):
                out[local_day(hh)]["failed"] += int(n)
            q = (
                select(h.label("h"), func.count())
                .select_from(
                    review_queue.join(recordings, review_queue.c.call_id == recordings.c.call_id)
                )
                .where(review_queue.c.done.is_(False), recordings.c.started_at.is_not(None))
                .group_by(h)
            )
            if agent:
                q = q.where(recordings.c.agent_id == agent)
            for hh, n in conn.execute(q):
                out[local_day(hh)]["in_review"] += int(n)
            if agent is None:
                seen: set[str] = set()
                for kind, summary in conn.execute(
                    select(runs.c.kind, runs.c.summary).order_by(runs.c.id.desc())
                ):
                    if kind != "nightly" or not isinstance(summary, dict):
                        continue
                    night = str(summary.get("night"))
                    if "valid" in summary and night not in seen:
                        seen.add(night)
                        out[night]["received"] = int(summary["valid"] or 0)
        rows = [{"night": k, **v} for k, v in out.items()]
        rows.sort(key=lambda r: r["night"], reverse=True)
        return rows[:limit]

    def _final_score(self) -> Any:
        return func.coalesce(evaluations.c.score, call_scores.c.score)

    def list_calls(
        self, user: User, f: CallFilters, page: int = 1, per_page: int = PAGE_SIZE
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page of evaluations (newest call first) and whether a next page exists."""
        ev_on = and_(
            evaluations.c.call_id == call_scores.c.call_id,
            evaluations.c.rubric_id == call_scores.c.rubric_id,
            evaluations.c.rubric_version == call_scores.c.rubric_version,
        )
        final = self._final_score()
        state = func.coalesce(evaluations.c.state, literal("machine"))
        q = select(
            call_scores.c.call_id,
            call_scores.c.rubric_id,
            call_scores.c.rubric_version,
            call_scores.c.score.label("machine_score"),
            final.label("score"),
            func.coalesce(evaluations.c.grade, call_scores.c.grade).label("grade"),
            state.label("state"),
            recordings.c.agent_id,
            recordings.c.team,
            recordings.c.started_at,
        ).select_from(call_scores.join(recordings).outerjoin(evaluations, ev_on))
        if user.is_agent:
            q = q.where(recordings.c.agent_id == user.agent_id)
        if f.start is not None:
            q = q.where(recordings.c.started_at >= f.start)
        if f.end is not None:
            q = q.where(recordings.c.started_at < f.end)
        if f.team:
            q = q.where(recordings.c.team == f.team)
        if f.agent_id:
            q = q.where(recordings.c.agent_id == f.agent_id)
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
        q = q.order_by(recordings.c.started_at.desc(), call_scores.c.call_id).limit(per_page + 1)
        q = q.offset(max(page - 1, 0) * per_page)
        with self.store._read("list calls") as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        return rows[:per_page], len(rows) > per_page

    def call_detail(self, user: User, call_id: str) -> dict[str, Any]:
        """Everything the call page shows: recording, transcript, evaluations, history."""
        with self.store._read("read a call") as conn:
            rec = self._check_call(conn, user, call_id)
            tr = conn.execute(
                select(transcripts)
                .where(transcripts.c.call_id == call_id)
                .order_by(transcripts.c.created_at.desc())
            ).first()
            evals = []
            for s in conn.execute(
                select(call_scores)
                .where(call_scores.c.call_id == call_id)
                .order_by(call_scores.c.rubric_id, call_scores.c.rubric_version)
            ):
                items = [
                    dict(r._mapping)
                    for r in conn.execute(
                        select(item_results)
                        .where(item_results.c.score_id == s.id)
                        .order_by(item_results.c.id)
                    )
                ]
                decisions = [
                    dict(r._mapping)
                    for r in conn.execute(
                        select(review_decisions)
                        .where(
                            review_decisions.c.call_id == call_id,
                            review_decisions.c.rubric_id == s.rubric_id,
                            review_decisions.c.rubric_version == s.rubric_version,
                        )
                        .order_by(review_decisions.c.id)
                    )
                ]
                latest: dict[str, dict[str, Any]] = {}
                for d in decisions:
                    latest[d["item_id"]] = d
                for it in items:
                    last = latest.get(it["item_id"])
                    it["final_status"] = last["new_status"] if last else it["status"]
                    it["decided_by"] = last["reviewer"] if last else None
                    it["last_decision"] = last["id"] if last else 0
                # recomputed on every read: right even if the machine re-scored the call
                final = recompute(
                    [
                        ItemVerdict(
                            i["item_id"],
                            float(i["points"]),
                            i["status"],
                            bool(i["critical_failed"]),
                            i["final_status"],
                            i["decided_by"] is not None,
                        )
                        for i in items
                    ],
                    self.gradings.get((s.rubric_id, s.rubric_version)),
                )
                ev = conn.execute(
                    select(evaluations).where(
                        evaluations.c.call_id == call_id,
                        evaluations.c.rubric_id == s.rubric_id,
                        evaluations.c.rubric_version == s.rubric_version,
                    )
                ).first()
                apps = [
                    dict(r._mapping)
                    for r in conn.execute(
                        select(appeals)
                        .where(
                            appeals.c.call_id == call_id,
                            appeals.c.rubric_id == s.rubric_id,
                            appeals.c.rubric_version == s.rubric_version,
                        )
                        .order_by(appeals.c.id)
                    )
                ]
                evals.append(
                    {
                        "score_row": dict(s._mapping),
                        "items": items,
                        "decisions": decisions,
                        "evaluation": dict(ev._mapping) if ev else None,
                        "state": ev.state if ev else "machine",
                        "score": final[0] if latest else s.score,
                        "grade": final[1] if latest else s.grade,
                        "appeals": apps,
                        "appeal_deadline": s.scored_at + self.appeal_window,
                    }
                )
        return {
            "recording": dict(rec._mapping),
            "transcript": dict(tr._mapping) if tr else None,
            "evaluations": evals,
        }

    # ------------------------------------------------------------------ decisions

    def _recompute(self, conn: Connection, call_id: str, rid: str, ver: str, state: str) -> None:
        verdicts = evaluation_items(conn, call_id, rid, ver)
        score, grade, critical = recompute(verdicts, self.gradings.get((rid, ver)))
        values = {
            "state": state,
            "score": score,
            "grade": grade,
            "critical_failed": critical,
            "human_items": sum(1 for v in verdicts if v.decided),
            "updated_at": _now(),
        }
        key = {"call_id": call_id, "rubric_id": rid, "rubric_version": ver}
        ins = self.store._insert()(evaluations).values(**key, **values)
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=["call_id", "rubric_id", "rubric_version"],
                set_={k: ins.excluded[k] for k in values},
            )
        )

    def _state(self, conn: Connection, call_id: str, rid: str, ver: str) -> str:
        row = conn.execute(
            select(evaluations.c.state).where(
                evaluations.c.call_id == call_id,
                evaluations.c.rubric_id == rid,
                evaluations.c.rubric_version == ver,
            )
        ).first()
        return row.state if row else "machine"

    def _item_row(self, conn: Connection, call_id: str, rid: str, ver: str, item_id: str) -> Any:
        score = conn.execute(
            select(call_scores.c.id).where(
                call_scores.c.call_id == call_id,
                call_scores.c.rubric_id == rid,
                call_scores.c.rubric_version == ver,
            )
        ).first()
        if score is None:
            raise NotFoundError(f"call {call_id!r} has no evaluation with {rid} v{ver}")
        grading = self.gradings.get((rid, ver))
        if grading is not None and grading.item_ids is not None and item_id not in grading.item_ids:
            raise InvalidInputError(f"rubric {rid} v{ver} has no item {item_id!r}")
        # FOR UPDATE: two deciders of one item queue here on PostgreSQL (SQLite writers
        # are serialised already), so the check of the latest decision below is exact
        row = conn.execute(
            select(item_results)
            .where(item_results.c.score_id == score.id, item_results.c.item_id == item_id)
            .with_for_update()
        ).first()
        if row is None:
            raise InvalidInputError(
                f"rubric {rid} v{ver} has no item {item_id!r} on call {call_id!r}"
            )
        return row

    def _latest(self, conn: Connection, call_id: str, rid: str, ver: str, item_id: str) -> Any:
        return conn.execute(
            select(review_decisions)
            .where(
                review_decisions.c.call_id == call_id,
                review_decisions.c.rubric_id == rid,
                review_decisions.c.rubric_version == ver,
                review_decisions.c.item_id == item_id,
            )
            .order_by(review_decisions.c.id.desc())
            .limit(1)
        ).first()

    def _append(
        self,
        conn: Connection,
        user: User,
        key: tuple[str, str, str, str],
        item: Any,
        old: str,
        new: str,
        reason: str,
        kind: str,
        appeal_id: int | None = None,
    ) -> int:
        call_id, rid, ver, item_id = key
        return int(
            conn.execute(
                insert(review_decisions).returning(review_decisions.c.id),
                {
                    "call_id": call_id,
                    "rubric_id": rid,
                    "rubric_version": ver,
                    "item_id": item_id,
                    "reviewer": user.name,
                    "user_id": user.id,
                    "new_status": new,
                    "old_status": old,
                    "machine_status": item.status,
                    "kind": kind,
                    "appeal_id": appeal_id,
                    "note": redact_text(reason, self.store.redact_options),
                    "decided_at": _now(),
                },
            ).scalar_one()
        )

    def decide(
        self,
        user: User,
        call_id: str,
        rubric_id: str,
        rubric_version: str,
        item_id: str,
        status: str,
        reason: str,
        expected_last: int,
    ) -> int:
        """Record an inspector's verdict on one item and recompute the call's score.

        Args:
            expected_last: Id of the latest decision on the item the inspector saw (0 when
                there was none). If someone decided since, nothing is written.

        Raises:
            ForbiddenError: not an inspector.  NotFoundError: unknown call or evaluation.
            InvalidInputError: bad verdict, empty reason, item not in the rubric.
            ConflictError: another decision came first (its author and verdict named).
        """
        if not user.can_decide:
            raise ForbiddenError("only inspectors decide verdicts")
        if status not in VERDICTS:
            raise InvalidInputError(f"verdict must be one of {', '.join(VERDICTS)}, not {status!r}")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("a decision needs a reason")
        with self.store._write("record a decision") as conn:
            self._check_call(conn, user, call_id)
            item = self._item_row(conn, call_id, rubric_id, rubric_version, item_id)
            last = self._latest(conn, call_id, rubric_id, rubric_version, item_id)
            last_id = int(last.id) if last else 0
            if last_id != expected_last:
                raise ConflictError(
                    f"{last.reviewer} decided {item_id} on {call_id} first "
                    f"({last.new_status}: {last.note}); reload to see it — your verdict "
                    "was not saved"
                )
            old = last.new_status if last else item.status
            queued = conn.execute(
                select(review_queue.c.reason).where(
                    review_queue.c.call_id == call_id,
                    review_queue.c.rubric_id == rubric_id,
                    review_queue.c.rubric_version == rubric_version,
                    review_queue.c.item_id == item_id,
                )
            ).first()
            kind = queued.reason if queued else "review"
            key = (call_id, rubric_id, rubric_version, item_id)
            did = self._append(conn, user, key, item, old, status, reason, kind)
            conn.execute(
                update(review_queue)
                .where(
                    review_queue.c.call_id == call_id,
                    review_queue.c.rubric_id == rubric_id,
                    review_queue.c.rubric_version == rubric_version,
                    review_queue.c.item_id == item_id,
                )
                .values(done=True)
            )
            state = self._state(conn, call_id, rubric_id, rubric_version)
            self._recompute(
                conn,
                call_id,
                rubric_id,
                rubric_version,
                "reviewed" if state == "machine" else state,
            )
            return did

    # ------------------------------------------------------------------ review queue

    def fill_queue(self, rate: float | None = None, seed: int | None = None) -> dict[str, int]:
        """Queue every ``review`` item plus a random share of machine passes and fails of
        the evaluations scored since the last fill. Returns counts added by reason."""
        rate = self.sample_rate if rate is None else rate
        rng = random.Random(seed)
        added = {"review": 0, "sample": 0}
        with self.store._write("fill the review queue") as conn:
            since = conn.execute(select(func.max(review_queue.c.added_at))).scalar()
            now = _now()
            base = select(
                call_scores.c.call_id,
                call_scores.c.rubric_id,
                call_scores.c.rubric_version,
                item_results.c.item_id,
                item_results.c.status,
            ).select_from(item_results.join(call_scores))
            decided = latest_decisions_query().subquery()
            not_decided = ~exists(
                select(decided.c.id).where(
                    decided.c.call_id == call_scores.c.call_id,
                    decided.c.rubric_id == call_scores.c.rubric_id,
                    decided.c.rubric_version == call_scores.c.rubric_version,
                    decided.c.item_id == item_results.c.item_id,
                )
            )
            review_rows = conn.execute(
                base.where(item_results.c.status == "review", not_decided)
            ).all()
            sample_q = base.where(item_results.c.status.in_(("pass", "fail")), not_decided)
            if since is not None:
                sample_q = sample_q.where(call_scores.c.scored_at > since)
            sample_rows = [r for r in conn.execute(sample_q) if rng.random() < rate]
            ins = self.store._insert()(review_queue)
            for reason, rows in (("review", review_rows), ("sample", sample_rows)):
                for r in rows:
                    res = conn.execute(
                        ins.values(
                            call_id=r.call_id,
                            rubric_id=r.rubric_id,
                            rubric_version=r.rubric_version,
                            item_id=r.item_id,
                            reason=reason,
                            machine_status=r.status,
                            added_at=now,
                            done=False,
                        )
                        .on_conflict_do_nothing()
                        .returning(review_queue.c.id)
                    )
                    added[reason] += len(res.all())
        log.info("review queue: %s", added)
        return added

    def queue(self, page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], bool]:
        """Open queue entries, oldest first, with the machine's verdict and reason."""
        q = (
            select(
                review_queue,
                item_results.c.item_name,
                item_results.c.reason.label("machine_reason"),
                item_results.c.evidence,
                recordings.c.agent_id,
                recordings.c.team,
            )
            .select_from(
                review_queue.join(
                    call_scores,
                    and_(
                        call_scores.c.call_id == review_queue.c.call_id,
                        call_scores.c.rubric_id == review_queue.c.rubric_id,
                        call_scores.c.rubric_version == review_queue.c.rubric_version,
                    ),
                )
                .join(
                    item_results,
                    and_(
                        item_results.c.score_id == call_scores.c.id,
                        item_results.c.item_id == review_queue.c.item_id,
                    ),
                )
                .join(recordings, recordings.c.call_id == review_queue.c.call_id)
            )
            .where(review_queue.c.done.is_(False))
            .order_by(review_queue.c.id)
            .limit(per_page + 1)
            .offset(max(page - 1, 0) * per_page)
        )
        with self.store._read("read the review queue") as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        return rows[:per_page], len(rows) > per_page

    # ------------------------------------------------------------------ appeals

    def file_appeal(
        self,
        user: User,
        call_id: str,
        rubric_id: str,
        rubric_version: str,
        item_id: str,
        reason: str,
        now: datetime | None = None,
    ) -> int:
        """An agent disputes one item of their own evaluation, within the appeal window.

        Raises:
            ForbiddenError: not an agent, or another agent's call.  InvalidInputError:
            window passed, evaluation final, empty reason, an open appeal on the item.
        """
        if not user.is_agent:
            raise ForbiddenError("only the call's agent can appeal")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("an appeal needs a reason")
        now = now or _now()
        with self.store._write("file an appeal") as conn:
            rec = self._check_call(conn, user, call_id)
            item = self._item_row(conn, call_id, rubric_id, rubric_version, item_id)
            scored_at = conn.execute(
                select(call_scores.c.scored_at).where(call_scores.c.id == item.score_id)
            ).scalar_one()
            deadline = scored_at + self.appeal_window
            if now > deadline:
                raise InvalidInputError(
                    f"the appeal window of {call_id} closed on {deadline:%Y-%m-%d %H:%M} UTC"
                )
            state = self._state(conn, call_id, rubric_id, rubric_version)
            if state == "final":
                raise InvalidInputError(f"the evaluation of {call_id} is final")
            open_ = conn.execute(
                select(appeals.c.id).where(
                    appeals.c.call_id == call_id,
                    appeals.c.rubric_id == rubric_id,
                    appeals.c.rubric_version == rubric_version,
                    appeals.c.item_id == item_id,
                    appeals.c.state == "open",
                )
            ).first()
            if open_ is not None:
                raise InvalidInputError(f"item {item_id} of {call_id} is already under appeal")
            aid = conn.execute(
                insert(appeals).returning(appeals.c.id),
                {
                    "call_id": call_id,
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "item_id": item_id,
                    "agent_id": rec.agent_id,
                    "filed_by": user.id,
                    "reason": redact_text(reason, self.store.redact_options),
                    "state": "open",
                    "filed_at": now,
                },
            ).scalar_one()
            self._recompute(conn, call_id, rubric_id, rubric_version, "appealed")
            return int(aid)

    def resolve_appeal(
        self, user: User, appeal_id: int, overturn: bool, reason: str, status: str | None = None
    ) -> int:
        """Another inspector upholds or overturns an appeal; the verdict is appended.

        Overturning sets ``status`` (default: pass for a failed item, fail otherwise).
        The evaluation becomes final when no appeal of it is open.

        Raises:
            ForbiddenError: not an inspector, or the inspector who made the disputed
            decision.  NotFoundError: unknown appeal.  ConflictError: already resolved.
        """
        if not user.can_decide:
            raise ForbiddenError("only inspectors resolve appeals")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("a resolution needs a reason")
        with self.store._write("resolve an appeal") as conn:
            ap = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
            if ap is None:
                raise NotFoundError(f"no appeal {appeal_id}")
            if ap.state != "open":
                raise ConflictError(f"appeal {appeal_id} was already resolved ({ap.state})")
            key = (ap.call_id, ap.rubric_id, ap.rubric_version, ap.item_id)
            item = self._item_row(conn, *key)
            last = self._latest(conn, *key)
            if last is not None and last.user_id == user.id:
                raise ForbiddenError("another inspector must resolve an appeal of your decision")
            current = last.new_status if last else item.status
            if overturn:
                new = status or ("pass" if current == "fail" else "fail")
                if new not in VERDICTS or new == current:
                    raise InvalidInputError(f"overturning {current!r} needs another verdict")
            else:
                new = current
            did = self._append(
                conn, user, key, item, current, new, reason, "appeal", appeal_id=appeal_id
            )
            conn.execute(
                update(appeals)
                .where(appeals.c.id == appeal_id)
                .values(
                    state="overturned" if overturn else "upheld",
                    resolved_by=user.id,
                    resolved_at=_now(),
                    resolution=redact_text(reason, self.store.redact_options),
                )
            )
            still_open = conn.execute(
                select(appeals.c.id).where(
                    appeals.c.call_id == ap.call_id,
                    appeals.c.rubric_id == ap.rubric_id,
                    appeals.c.rubric_version == ap.rubric_version,
                    appeals.c.state == "open",
                )
            ).first()
            self._recompute(conn, *key[:3], "appealed" if still_open else "final")
            return did

    def acknowledge(self, user: User, call_id: str, rubric_id: str, rubric_version: str) -> None:
        """The agent accepts a released evaluation; it becomes final.

        Raises:
            ForbiddenError: not the call's agent.  InvalidInputError: an appeal is open.
        """
        if not user.is_agent:
            raise ForbiddenError("only the call's agent acknowledges an evaluation")
        with self.store._write("acknowledge an evaluation") as conn:
            self._check_call(conn, user, call_id)
            if self._state(conn, call_id, rubric_id, rubric_version) == "appealed":
                raise InvalidInputError("an appeal of this evaluation is still open")
            self._item_row_exists(conn, call_id, rubric_id, rubric_version)
            self._recompute(conn, call_id, rubric_id, rubric_version, "final")
            conn.execute(
                update(evaluations)
                .where(
                    evaluations.c.call_id == call_id,
                    evaluations.c.rubric_id == rubric_id,
                    evaluations.c.rubric_version == rubric_version,
                )
                .values(acknowledged_by=user.id, acknowledged_at=_now())
            )

    def _item_row_exists(self, conn: Connection, call_id: str, rid: str, ver: str) -> None:
        if (
            conn.execute(
                select(call_scores.c.id).where(
                    call_scores.c.call_id == call_id,
                    call_scores.c.rubric_id == rid,
                    call_scores.c.rubric_version == ver,
                )
            ).first()
            is None
        ):
            raise NotFoundError(f"call {call_id!r} has no evaluation with {rid} v{ver}")

    def list_appeals(self, user: User, state: str | None = None) -> list[dict[str, Any]]:
        """Appeals newest first; an agent sees only their own."""
        q = select(appeals).order_by(appeals.c.id.desc()).limit(500)
        if user.is_agent:
            q = q.where(appeals.c.filed_by == user.id)
        if state:
            q = q.where(appeals.c.state == state)
        with self.store._read("list appeals") as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ calibration

    def create_calibration(
        self, user: User, name: str, rubric_id: str, rubric_version: str, call_ids: Sequence[str]
    ) -> int:
        """A calibration session: several inspectors score the same calls blind."""
        if user.role not in ("admin", "trainer", "inspector"):
            raise ForbiddenError("only admins, trainers and inspectors start calibrations")
        calls = [c.strip() for c in call_ids if c.strip()]
        if not name.strip() or not calls:
            raise InvalidInputError("a calibration needs a name and at least one call")
        with self.store._write("start a calibration") as conn:
            for call_id in calls:
                self._item_row_exists(conn, call_id, rubric_id, rubric_version)
            sid = conn.execute(
                insert(calibration_sessions).returning(calibration_sessions.c.id),
                {
                    "name": name.strip(),
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "created_by": user.id,
                    "created_at": _now(),
                },
            ).scalar_one()
            conn.execute(
                insert(calibration_calls),
                [{"session_id": sid, "call_id": c} for c in dict.fromkeys(calls)],
            )
            return int(sid)

    def calibrations(self) -> list[dict[str, Any]]:
        with self.store._read("list calibrations") as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    select(calibration_sessions).order_by(calibration_sessions.c.id.desc())
                )
            ]

    def calibration(self, session_id: int) -> dict[str, Any]:
        """A session, its calls and items (names, no machine verdicts: the scoring is blind)."""
        with self.store._read("read a calibration") as conn:
            s = conn.execute(
                select(calibration_sessions).where(calibration_sessions.c.id == session_id)
            ).first()
            if s is None:
                raise NotFoundError(f"no calibration {session_id}")
            calls = [
                r.call_id
                for r in conn.execute(
                    select(calibration_calls.c.call_id)
                    .where(calibration_calls.c.session_id == session_id)
                    .order_by(calibration_calls.c.call_id)
                )
            ]
            items = conn.execute(
                select(item_results.c.item_id, item_results.c.item_name)
                .select_from(item_results.join(call_scores))
                .where(
                    call_scores.c.call_id == calls[0],
                    call_scores.c.rubric_id == s.rubric_id,
                    call_scores.c.rubric_version == s.rubric_version,
                )
                .order_by(item_results.c.id)
            ).all()
            scores = conn.execute(
                select(calibration_scores).where(calibration_scores.c.session_id == session_id)
            ).all()
        return {
            "session": dict(s._mapping),
            "calls": calls,
            "items": [(i.item_id, i.item_name or i.item_id) for i in items],
            "scores": [dict(r._mapping) for r in scores],
        }

    def score_calibration(
        self, user: User, session_id: int, call_id: str, verdicts: Mapping[str, str]
    ) -> None:
        """One inspector's blind verdicts on one call of a session (a new score replaces
        their own earlier one)."""
        if user.role not in ("inspector", "trainer"):
            raise ForbiddenError("only inspectors and trainers score calibrations")
        data = self.calibration(session_id)
        if call_id not in data["calls"]:
            raise NotFoundError(f"call {call_id!r} is not in calibration {session_id}")
        known = {i for i, _ in data["items"]}
        for item_id, status in verdicts.items():
            if item_id not in known:
                raise InvalidInputError(f"the rubric has no item {item_id!r}")
            if status not in VERDICTS:
                raise InvalidInputError(f"verdict must be one of {', '.join(VERDICTS)}")
        ins = self.store._insert()(calibration_scores)
        with self.store._write("score a calibration") as conn:
            for item_id, status in verdicts.items():
                stmt = ins.values(
                    session_id=session_id,
                    call_id=call_id,
                    item_id=item_id,
                    user_id=user.id,
                    status=status,
                    scored_at=_now(),
                )
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["session_id", "call_id", "item_id", "user_id"],
                        set_={"status": stmt.excluded.status, "scored_at": stmt.excluded.scored_at},
                    )
                )

    def calibration_results(self, session_id: int) -> dict[str, Any]:
        """Per item: raters, percent agreement, Fleiss' kappa and mean pairwise Cohen's kappa."""
        data = self.calibration(session_id)
        by_item: dict[str, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        raters: set[int] = set()
        for s in data["scores"]:
            by_item[s["item_id"]][s["call_id"]][s["user_id"]] = s["status"]
            raters.add(s["user_id"])
        rows = []
        for item_id, name in data["items"]:
            calls = by_item.get(item_id, {})
            ratings = [list(v.values()) for v in calls.values()]
            pairs = []
            ids = sorted(raters)
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    both = [(v[a], v[b]) for v in calls.values() if a in v and b in v]
                    if both:
                        k = cohen_kappa([x for x, _ in both], [y for _, y in both])
                        if k is not None:
                            pairs.append(k)
            rows.append(
                {
                    "item_id": item_id,
                    "name": name,
                    "calls": sum(1 for r in ratings if len(r) >= 2),
                    "agreement": percent_agreement(ratings),
                    "fleiss": fleiss_kappa(ratings),
                    "cohen": sum(pairs) / len(pairs) if pairs else None,
                }
            )
        return {**data, "raters": sorted(raters), "rows": rows}

    # ------------------------------------------------------------------ machine agreement

    def machine_agreement(self, rubric_id: str | None = None) -> list[dict[str, Any]]:
        """Per rubric version and item: how often the machine's verdict matches the final
        human one, and the precision of its fails, over items people decided.

        ``sampled`` counts the decisions on randomly sampled items (the unbiased part);
        items the machine sent to ``review`` have no machine verdict and are left out.
        """
        latest = latest_decisions_query(rubric_id).subquery()
        q = select(
            latest.c.rubric_id,
            latest.c.rubric_version,
            latest.c.item_id,
            latest.c.kind,
            item_results.c.item_name,
            item_results.c.status.label("machine"),
            latest.c.new_status.label("human"),
        ).select_from(
            latest.join(
                call_scores,
                and_(
                    call_scores.c.call_id == latest.c.call_id,
                    call_scores.c.rubric_id == latest.c.rubric_id,
                    call_scores.c.rubric_version == latest.c.rubric_version,
                ),
            ).join(
                item_results,
                and_(
                    item_results.c.score_id == call_scores.c.id,
                    item_results.c.item_id == latest.c.item_id,
                ),
            )
        )
        stats: dict[tuple[str, str, str], dict[str, Any]] = {}
        with self.store._read("measure machine agreement") as conn:
            for r in conn.execute(q):
                if r.machine == "review":
                    continue
                st = stats.setdefault(
                    (r.rubric_id, r.rubric_version, r.item_id),
                    {
                        "name": r.item_name or r.item_id,
                        "n": 0,
                        "agree": 0,
                        "fails": 0,
                        "fails_ok": 0,
                        "sampled": 0,
                    },
                )
                st["n"] += 1
                st["agree"] += int(r.machine == r.human)
                st["sampled"] += int(r.kind == "sample")
                if r.machine == "fail":
                    st["fails"] += 1
                    st["fails_ok"] += int(r.human == "fail")
        out = []
        for (rid, ver, item_id), st in sorted(stats.items()):
            out.append(
                {
                    "rubric_id": rid,
                    "rubric_version": ver,
                    "item_id": item_id,
                    **st,
                    "agreement": st["agree"] / st["n"] if st["n"] else None,
                    "fail_precision": st["fails_ok"] / st["fails"] if st["fails"] else None,
                }
            )
        return out

    def teams_and_agents(self) -> tuple[list[str], list[str]]:
        """Distinct teams and agents (for filter menus)."""
        with self.store._read("list teams") as conn:
            teams = [r[0] for r in conn.execute(select(recordings.c.team).distinct()) if r[0]]
            agents = [r[0] for r in conn.execute(select(recordings.c.agent_id).distinct()) if r[0]]
        return sorted(teams), sorted(agents)


__all__ = ["PAGE_SIZE", "STATES", "CallFilters", "Workbench"]
