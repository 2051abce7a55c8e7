"""Writes of the workbench: decisions, the review queue, appeals."""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    exists,
    func,
    insert,
    select,
    update,
)

from qa_pipeline.review.base import _now
from qa_pipeline.review.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from qa_pipeline.review.mail import send_mails
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.queueing import QueueMixin
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import (
    VERDICTS,
    Key,
)
from qa_pipeline.review.views import AppealRow
from qa_pipeline.store.schema import (
    call_scores,
    item_results,
    review_decisions,
)
from qa_pipeline.store.workbench import (
    appeals,
    evaluations,
    review_queue,
)

log = logging.getLogger(__name__)


class DecisionsMixin(QueueMixin):
    """Inspectors' decisions, the review queue, appeals and acknowledgements."""

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
            user: The inspector deciding.
            call_id: The call.
            rubric_id: The evaluation's rubric.
            rubric_version: The evaluation's rubric version.
            item_id: The rubric item decided.
            status: The verdict, one of ``VERDICTS``.
            reason: Why; required, stored masked.
            expected_last: Id of the latest decision on the item the inspector saw (0 when
                there was none). If someone decided since, nothing is written.

        Returns:
            The new decision's id.

        Raises:
            ForbiddenError: not an inspector.  NotFoundError: unknown call or evaluation.
            InvalidInputError: bad verdict, empty reason, item not in the rubric.
            ConflictError: another decision came first (its author and verdict named), or
            the evaluation is final (an admin must reopen it first).
        """
        user.need(Permission.DECIDE, "only inspectors decide verdicts")
        reason = _checked_verdict(status, reason)
        key = (call_id, rubric_id, rubric_version, item_id)
        with self.store._write("record a decision") as conn:
            self._check_call(conn, user, call_id)
            self._check_open(conn, key)
            item = self._item_row(conn, *key)
            last = self._latest(conn, *key)
            _check_not_stale(last, expected_last, call_id, item_id)
            old = last.new_status if last else item.status
            queued = conn.execute(select(review_queue.c.reason).where(*_queued(key))).first()
            kind = queued.reason if queued else "review"
            did = self._append(conn, user, key, item, old, status, reason, kind)
            conn.execute(update(review_queue).where(*_queued(key)).values(done=True))
            state = self._state(conn, call_id, rubric_id, rubric_version)
            self._recompute(
                conn,
                call_id,
                rubric_id,
                rubric_version,
                "reviewed" if state == "machine" else state,
            )
            return did

    def accept_sampled(
        self, user: User, entry_ids: Sequence[int], reason: str
    ) -> tuple[list[int], list[int]]:
        """Accept machine passes of the random sample in bulk: one decision per item.

        Each entry must be open, drawn for the sample, and a machine pass; each is
        decided ``pass`` through :meth:`decide` (its own audit line, rights, finality
        and 409 checks). An entry that is not such, or that someone decided first, is
        left as it is.

        Args:
            user: The inspector.
            entry_ids: Queue entries chosen.
            reason: The reason recorded on each decision.

        Returns:
            The entries accepted, and those left (not a sampled open pass, or refused).

        Raises:
            ForbiddenError: not an inspector.
        """
        user.need(Permission.DECIDE, "only inspectors decide verdicts")
        done: list[int] = []
        left: list[int] = []
        for eid in dict.fromkeys(entry_ids):
            e = self.queue_entry(eid)
            if e is None or e.done or e.reason != "sample" or e.machine_status != "pass":
                left.append(eid)
                continue
            key = (e.call_id, e.rubric_id, e.rubric_version, e.item_id)
            try:
                self.decide(user, *key, "pass", reason, self.latest_decision_id(key))
            except (ConflictError, InvalidInputError, NotFoundError):
                left.append(eid)
                continue
            done.append(eid)
        return done, left

    def latest_decision_id(self, key: Key) -> int:
        """The id of the latest decision on one item (0: none) — a form's ``expected_last``."""
        with self.store._read("read the latest decision") as conn:
            last = self._latest(conn, *key)
        return int(last.id) if last is not None else 0

    # ------------------------------------------------------------------ review queue

    def fill_queue(
        self,
        rate: float | None = None,
        seed: int | None = None,
        call_ids: Sequence[str] | None = None,
    ) -> dict[str, int]:
        """Queue every new ``review`` item and a stratified sample of new machine verdicts.

        The sample is drawn per stratum (rubric, item, pass or fail) — ``rate`` of each,
        rounded at random so the expected share is exact — from the evaluations scored
        since the last fill, or from ``call_ids`` when given (the night queues each chunk
        it stores this way). Items already queued or decided are never queued again.

        Args:
            rate: The share of passes and fails sampled (default: ``sample_rate``).
            seed: Seed of the random draw, for repeatable samples.
            call_ids: Only these calls' items (and no "since the last fill" limit).

        Open items are then assigned to inspectors (:meth:`assign_open`) and those with
        items due soon are reminded (:meth:`remind_due`).

        Returns:
            Entries added by reason (``review``, ``sample``).
        """
        rate = self.sample_rate if rate is None else rate
        rng = random.Random(seed)
        added = {"review": 0, "sample": 0}
        with self.store._write("fill the review queue") as conn:
            now = _now()
            review_q = _unqueued_items(item_results.c.status == "review")
            sample_q = _unqueued_items(item_results.c.status.in_(("pass", "fail")))
            if call_ids is not None:
                review_q = review_q.where(call_scores.c.call_id.in_(list(call_ids)))
                # the draw is a function of the calls: a retried chunk draws the same
                # sample again, which is queued already (nothing is added twice)
                sample_q = _unqueued_items(
                    item_results.c.status.in_(("pass", "fail")), never_queued=False
                ).where(call_scores.c.call_id.in_(list(call_ids)))
                if seed is None:
                    rng = random.Random(zlib.crc32("\n".join(sorted(call_ids)).encode()))
            else:
                since = conn.execute(select(func.max(review_queue.c.added_at))).scalar()
                if since is not None:
                    sample_q = sample_q.where(call_scores.c.scored_at > since)
            review_rows = conn.execute(review_q).all()
            sample_rows = stratified(conn.execute(sample_q).all(), rate, rng)
            for reason, rows in (("review", review_rows), ("sample", sample_rows)):
                added[reason] = self._enqueue(conn, reason, rows, now)
            if conn.dialect.name == "postgresql" and sum(added.values()) > 1000:
                # a large draw changes the table's shape: give the planner fresh statistics
                # (the queue page took 250 ms on stale ones, 5 ms after)
                conn.exec_driver_sql("ANALYZE review_queue")
            # new items (and any left without an active inspector) go to inspectors now
            mails = self._assign(conn, now)[1] + self._remind(conn, now)[1]
        send_mails(self.mail, mails)  # after the commit; a failure is only logged
        log.info("review queue: %s", added)
        return added

    def _enqueue(self, conn: Connection, reason: str, rows: Sequence[Any], now: datetime) -> int:
        """Queue ``rows`` (item rows) for ``reason``; the number of entries really added."""
        rq = review_queue
        ins = self.store._insert()(rq).on_conflict_do_nothing()
        count = select(func.count()).select_from(rq).where(rq.c.reason == reason)
        before = int(conn.execute(count).scalar_one())
        values = queue_values(rows, reason, now)
        for lo in range(0, len(values), 5000):  # one statement per batch, not per row
            conn.execute(ins, values[lo : lo + 5000])
        return int(conn.execute(count).scalar_one()) - before

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

        Args:
            user: The agent appealing.
            call_id: The call.
            rubric_id: The evaluation's rubric.
            rubric_version: The evaluation's rubric version.
            item_id: The disputed item.
            reason: Why; required, stored masked.
            now: The time of filing (default: now).

        The inspectors who may resolve it are told (:meth:`_appeal_waiting`).

        Returns:
            The new appeal's id.

        Raises:
            ForbiddenError: not an agent, or another agent's call.  InvalidInputError:
            window passed, evaluation final, empty reason, an open appeal on the item.
        """
        user.need(Permission.APPEAL, "only the call's agent can appeal")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("an appeal needs a reason", "need_reason")
        now = now or _now()
        key = (call_id, rubric_id, rubric_version, item_id)
        with self.store._write("file an appeal") as conn:
            rec = self._check_call(conn, user, call_id)
            item = self._item_row(conn, *key)
            self._check_appealable(conn, key, item, now)
            aid = conn.execute(
                insert(appeals).returning(appeals.c.id),
                {
                    "call_id": call_id,
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "item_id": item_id,
                    "agent_id": rec.agent_id,
                    "filed_by": user.id,
                    "reason": self.store.mask(reason),
                    "state": "open",
                    "filed_at": now,
                },
            ).scalar_one()
            self._recompute(conn, call_id, rubric_id, rubric_version, "appealed")
            mails = self._appeal_waiting(conn, key, reason)
        send_mails(self.mail, mails)  # after the commit; a failure is only logged
        return int(aid)

    def _check_open(self, conn: Connection, key: Key) -> None:
        """Refuse a decision on a final evaluation, or on an item under appeal.

        Raises:
            ConflictError: the evaluation is final (an admin must reopen it first), or
            the item has an open appeal (it is decided by resolving the appeal).
        """
        call_id, rid, ver, item_id = key
        if self._state(conn, call_id, rid, ver) == "final":
            raise ConflictError(
                f"the evaluation of {call_id} is final; an admin must reopen it first",
                "final_locked",
                call=call_id,
            )
        under_appeal = _open_appeal(conn, (call_id, rid, ver, item_id))
        if under_appeal is not None:
            raise ConflictError(
                f"{item_id} of {call_id} is under appeal; resolve the appeal instead",
                "decide_under_appeal",
                appeal=under_appeal.id,
            )

    def _check_appealable(self, conn: Connection, key: Key, item: Any, now: datetime) -> None:
        """Refuse an appeal after the window, of a final evaluation, of an item under appeal.

        Only an item whose final verdict is against the agent may be appealed: ``fail``
        (it costs points), or ``na`` (it leaves out an item the agent says they earned,
        e.g. a topic word the machine misheard). A ``pass`` is never against the agent.

        Raises:
            InvalidInputError: any of those.
        """
        call_id, rubric_id, rubric_version, item_id = key
        scored_at = conn.execute(
            select(call_scores.c.scored_at).where(call_scores.c.id == item.score_id)
        ).scalar_one()
        deadline = scored_at + self.appeal_window
        if now > deadline:
            raise InvalidInputError(
                f"the appeal window of {call_id} closed on {deadline:%Y-%m-%d %H:%M} UTC",
                "window_closed",
                deadline=f"{deadline:%Y-%m-%d %H:%M} UTC",
            )
        state = self._state(conn, call_id, rubric_id, rubric_version)
        if state == "final":
            raise InvalidInputError(
                f"the evaluation of {call_id} is final", "final_no_appeal", call=call_id
            )
        open_ = _open_appeal(conn, key)
        if open_ is not None:
            raise InvalidInputError(
                f"item {item_id} of {call_id} is already under appeal", "under_appeal"
            )
        last = self._latest(conn, *key)
        if (last.new_status if last else item.status) not in ("fail", "na"):
            raise InvalidInputError(
                f"only a failed or n/a item can be appealed ({item_id} of {call_id} is not)",
                "not_appealable",
                item=item.item_name or item_id,
            )

    def resolve_appeal(
        self, user: User, appeal_id: int, overturn: bool, reason: str, status: str | None = None
    ) -> int:
        """Another inspector upholds or overturns an appeal; the verdict is appended.

        Overturning sets the verdict the inspector chose (``status``: pass, fail or na;
        default pass, since only failed and n/a items are appealed). The evaluation becomes final
        when no appeal of it is open, and the agent is notified.

        Args:
            user: The inspector resolving.
            appeal_id: The appeal.
            overturn: Overturn (else uphold).
            reason: Why; required, stored masked.
            status: The final verdict of an overturned appeal.

        Returns:
            The id of the decision appended.

        Raises:
            ForbiddenError: not an inspector, or the inspector who made the disputed
            decision.  NotFoundError: unknown appeal.  ConflictError: already resolved.
            InvalidInputError: no reason, or an overturn to the verdict already there.
        """
        user.need(Permission.RESOLVE_APPEAL, "only inspectors resolve appeals")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("a resolution needs a reason", "need_reason")
        with self.store._write("resolve an appeal") as conn:
            ap = self._open_appeal(conn, appeal_id)
            key = (ap.call_id, ap.rubric_id, ap.rubric_version, ap.item_id)
            item = self._item_row(conn, *key)
            last = self._latest(conn, *key)
            if last is not None and last.user_id == user.id:
                raise ForbiddenError(
                    "another inspector must resolve an appeal of your decision", "own_decision"
                )
            current = last.new_status if last else item.status
            new = _overturned(current, status) if overturn else current
            did = self._append(
                conn, user, key, item, current, new, reason, "appeal", appeal_id=appeal_id
            )
            self._close_appeal(conn, user, appeal_id, overturn, reason)
            self._recompute(conn, *key[:3], "appealed" if self._any_open(conn, key) else "final")
            self._notify(
                conn, ap.agent_id, "appeal_" + ("overturned" if overturn else "upheld"), key, reason
            )
            return did

    def _open_appeal(self, conn: Connection, appeal_id: int) -> Any:
        """The appeal ``appeal_id``, if it is open.

        Raises:
            NotFoundError: unknown appeal.  ConflictError: already resolved.
        """
        ap = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
        if ap is None:
            raise NotFoundError(f"no appeal {appeal_id}", "no_appeal", appeal=appeal_id)
        if ap.state != "open":
            raise ConflictError(
                f"appeal {appeal_id} was already resolved ({ap.state})",
                "appeal_resolved",
                appeal=appeal_id,
            )
        return ap

    def _close_appeal(
        self, conn: Connection, user: User, appeal_id: int, overturn: bool, reason: str
    ) -> None:
        """Mark an appeal upheld or overturned, by ``user``, now, with the reason masked."""
        conn.execute(
            update(appeals)
            .where(appeals.c.id == appeal_id)
            .values(
                state="overturned" if overturn else "upheld",
                resolved_by=user.id,
                resolved_at=_now(),
                resolution=self.store.mask(reason),
            )
        )

    def _any_open(self, conn: Connection, key: Key) -> bool:
        """Whether an appeal of the evaluation of ``key`` (any item) is still open."""
        call_id, rid, ver, _item = key
        found = conn.execute(
            select(appeals.c.id).where(
                appeals.c.call_id == call_id,
                appeals.c.rubric_id == rid,
                appeals.c.rubric_version == ver,
                appeals.c.state == "open",
            )
        ).first()
        return found is not None

    def acknowledge(self, user: User, call_id: str, rubric_id: str, rubric_version: str) -> None:
        """The agent accepts a released evaluation; it becomes final.

        Raises:
            ForbiddenError: not the call's agent.  InvalidInputError: an appeal is open.
        """
        user.need(Permission.ACKNOWLEDGE, "only the call's agent acknowledges an evaluation")
        with self.store._write("acknowledge an evaluation") as conn:
            self._check_call(conn, user, call_id)
            if self._state(conn, call_id, rubric_id, rubric_version) == "appealed":
                raise InvalidInputError("an appeal of this evaluation is still open", "appeal_open")
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

    def list_appeals(self, user: User, state: str | None = None) -> list[AppealRow]:
        """Appeals newest first; an agent sees only their own."""
        name = (
            select(item_results.c.item_name)
            .select_from(item_results.join(call_scores))
            .where(
                call_scores.c.call_id == appeals.c.call_id,
                call_scores.c.rubric_id == appeals.c.rubric_id,
                call_scores.c.rubric_version == appeals.c.rubric_version,
                item_results.c.item_id == appeals.c.item_id,
            )
            .limit(1)
            .scalar_subquery()
        )
        q = select(appeals, name.label("item_name")).order_by(appeals.c.id.desc()).limit(500)
        if not user.sees_all_calls:
            q = q.where(appeals.c.filed_by == user.id)
        if state:
            q = q.where(appeals.c.state == state)
        with self.store._read("list appeals") as conn:
            return [AppealRow.from_row(r) for r in conn.execute(q)]


def _checked_verdict(status: str, reason: str) -> str:
    """The stripped reason of a decision, once the verdict and reason are valid.

    Raises:
        InvalidInputError: a verdict not in ``VERDICTS`` or an empty reason.
    """
    if status not in VERDICTS:
        raise InvalidInputError(
            f"verdict must be one of {', '.join(VERDICTS)}, not {status!r}", "bad_verdict"
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInputError("a decision needs a reason", "need_reason")
    return reason


def _overturned(current: str, status: str | None) -> str:
    """The verdict an overturned appeal sets: ``status``, else pass.

    Args:
        current: The item's final verdict now.
        status: The verdict the inspector chose (pass, fail, na), if any.

    Returns:
        The new verdict.

    Raises:
        InvalidInputError: not a verdict, or the verdict already there.
    """
    new = status or "pass"
    if new not in VERDICTS or new == current:
        raise InvalidInputError(
            f"overturning {current!r} needs another verdict", "overturn_verdict"
        )
    return new


def _check_not_stale(last: Any, expected_last: int, call_id: str, item_id: str) -> None:
    """Refuse a decision made on a stale view of the item.

    Raises:
        ConflictError: the latest decision is not ``expected_last`` (0: none).
    """
    last_id = int(last.id) if last else 0
    if last is None and expected_last:
        raise ConflictError(f"the decisions on {item_id} changed; reload", "reload")
    if last is not None and last_id != expected_last:
        raise ConflictError(
            f"{last.reviewer} decided {item_id} on {call_id} first "
            f"({last.new_status}: {last.note}); reload to see it — your verdict "
            "was not saved",
            "stale",
            who=last.reviewer,
            item=item_id,
            verdict=last.new_status,
            note=last.note,
        )


def _queued(key: Key) -> tuple[Any, ...]:
    """``WHERE`` terms: the review-queue entry of one item of one evaluation."""
    call_id, rubric_id, rubric_version, item_id = key
    return (
        review_queue.c.call_id == call_id,
        review_queue.c.rubric_id == rubric_id,
        review_queue.c.rubric_version == rubric_version,
        review_queue.c.item_id == item_id,
    )


def stratified(rows: Sequence[Any], rate: float, rng: random.Random) -> list[Any]:
    """A random ``rate`` of each stratum (rubric, version, item, verdict) of item rows.

    Each stratum gives ``rate × size`` rows, the fraction rounded up with that
    probability, so every item and both verdicts are represented in proportion and the
    expected share is exactly ``rate``.

    Args:
        rows: Item rows with ``rubric_id``, ``rubric_version``, ``item_id``, ``status``.
        rate: The share drawn, 0 to 1.
        rng: The random source.

    Returns:
        The drawn rows.
    """
    strata: dict[tuple[Any, ...], list[Any]] = {}
    for r in rows:
        strata.setdefault((r.rubric_id, r.rubric_version, r.item_id, r.status), []).append(r)
    out: list[Any] = []
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda r: r.call_id)  # the same rows, the same draw
        want = rate * len(group)
        k = min(len(group), int(want) + (rng.random() < want - int(want)))
        out += rng.sample(group, k)
    return out


def queue_values(rows: Sequence[Any], reason: str, now: datetime) -> list[dict[str, Any]]:
    """The ``review_queue`` rows of item rows (from :func:`_unqueued_items`) for ``reason``.

    The machine's verdict, critical failure and confidence are copied, so the queue's
    order reads the queue alone.
    """
    return [
        {
            "call_id": r.call_id,
            "rubric_id": r.rubric_id,
            "rubric_version": r.rubric_version,
            "item_id": r.item_id,
            "reason": reason,
            "machine_status": r.status,
            "critical_failed": bool(r.critical_failed),
            "confidence": r.confidence,
            "added_at": now,
            "done": False,
        }
        for r in rows
    ]


def _unqueued_items(status_term: Any, never_queued: bool = True) -> Select[Any]:
    """Items matching ``status_term`` that no one decided (and that were never queued).

    Args:
        status_term: The ``WHERE`` term on ``item_results.status``.
        never_queued: Leave out the items queued already.

    Returns:
        The select of (call, rubric id, version, item, status) rows.
    """
    rd, rq = review_decisions, review_queue
    terms = [
        ~exists(
            select(rd.c.id).where(
                rd.c.call_id == call_scores.c.call_id,
                rd.c.rubric_id == call_scores.c.rubric_id,
                rd.c.rubric_version == call_scores.c.rubric_version,
                rd.c.item_id == item_results.c.item_id,
            )
        )
    ]
    if never_queued:
        terms.append(
            ~exists(
                select(rq.c.id).where(
                    rq.c.call_id == call_scores.c.call_id,
                    rq.c.rubric_id == call_scores.c.rubric_id,
                    rq.c.rubric_version == call_scores.c.rubric_version,
                    rq.c.item_id == item_results.c.item_id,
                )
            )
        )
    return (
        select(
            call_scores.c.call_id,
            call_scores.c.rubric_id,
            call_scores.c.rubric_version,
            item_results.c.item_id,
            item_results.c.status,
            item_results.c.critical_failed,
            item_results.c.confidence,
        )
        .select_from(item_results.join(call_scores))
        .where(status_term, *terms)
    )


def _open_appeal(conn: Connection, key: Key) -> Any:
    """The open appeal of one item (``call_id, rubric_id, rubric_version, item_id``), if any."""
    call_id, rubric_id, rubric_version, item_id = key
    return conn.execute(
        select(appeals.c.id).where(
            appeals.c.call_id == call_id,
            appeals.c.rubric_id == rubric_id,
            appeals.c.rubric_version == rubric_version,
            appeals.c.item_id == item_id,
            appeals.c.state == "open",
        )
    ).first()
