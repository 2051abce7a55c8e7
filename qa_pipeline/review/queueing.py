"""The review queue as people work it: its order, assignment, due dates, notices.

* **Order** — :meth:`QueueMixin.queue_order` is the one place the queue's order is
  written: the reader's own items first, then by risk (critical items, then the machine's
  ``review`` items and the trust ledger's suggestions, then the sample), within each
  the machine's least confident verdicts first, then oldest first. Every list, the
  review screen's "next" and the keyset that walks it use it.
* **Assignment** — open items without an (active) inspector are assigned when the queue
  is filled: to the inspectors mapped to the call's team (``inspector_teams``) if it has
  any, else to every active inspector, in turn (whoever has the fewest open items; ties
  go to the one who waited longest). Each item is due ``due_days`` after it was assigned.
* **Notices** — an inspector is told in the workbench (``notifications`` with their user
  id) of items assigned, appeals waiting and items due within 24 hours, and by e-mail
  where the site has SMTP (:mod:`qa_pipeline.review.mail`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    FromClause,
    Select,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from qa_pipeline.review.base import PAGE_SIZE, _now
from qa_pipeline.review.finality import FinalityMixin
from qa_pipeline.review.mail import Mail, notice_mail, send_mails
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import Key
from qa_pipeline.review.views import QueueRow
from qa_pipeline.store.schema import call_scores, item_results, recordings
from qa_pipeline.store.workbench import inspector_teams, notifications, review_queue, users

#: An item is "due soon" when it is due within this time (or overdue).
DUE_SOON = timedelta(hours=24)

rq = review_queue


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """An inspector's open queue: items assigned to them, and how many are due soon."""

    mine: int
    due_soon: int


def _queue_from() -> FromClause:
    """The queue joined to its items (the order reads the item's critical flag)."""
    return rq.join(
        call_scores,
        and_(
            call_scores.c.call_id == rq.c.call_id,
            call_scores.c.rubric_id == rq.c.rubric_id,
            call_scores.c.rubric_version == rq.c.rubric_version,
        ),
    ).join(
        item_results,
        and_(
            item_results.c.score_id == call_scores.c.id,
            item_results.c.item_id == rq.c.item_id,
        ),
    )


def _queue_rows() -> Select[Any]:
    """Queue entries with what a list or the review screen shows of each."""
    return select(
        rq,
        item_results.c.item_name,
        item_results.c.reason.label("machine_reason"),
        recordings.c.agent_id,
        recordings.c.team,
    ).select_from(_queue_from().join(recordings, recordings.c.call_id == rq.c.call_id))


class QueueMixin(FinalityMixin):
    """The queue's order, reads, assignment and inspectors' notices."""

    def queue_order(self, user_id: int | None = None) -> tuple[Any, ...]:
        """``ORDER BY`` of the queue — the only place its order is defined.

        The reader's own items come first, then critical items (the rubric says so, or
        the machine failed it as critical), then the machine's ``review`` items and the
        ledger's suggestions, then the sample; within each the machine's least confident
        verdicts first (an item without a stored confidence counts as 1), then oldest
        first. Every term is non-null and the last is unique, so the tuple is also the
        keyset the review screen's "next" walks.

        Args:
            user_id: The reader, whose assigned items lead; ``None`` for no one.

        Returns:
            The terms, over ``review_queue`` alone (no join: the order of a queue of
            tens of thousands is a scan of its open rows).
        """
        crit = [
            and_(
                rq.c.rubric_id == rid,
                rq.c.rubric_version == ver,
                rq.c.item_id.in_(sorted(g.critical_items)),
            )
            for (rid, ver), g in sorted(self.gradings.items())
            if g.critical_items
        ]
        critical = or_(rq.c.critical_failed.is_(True), *crit)
        mine = case((rq.c.assigned_to == user_id, 0), else_=1) if user_id is not None else None
        return (
            *([mine] if mine is not None else []),
            case((critical, 0), else_=1),
            case((rq.c.reason.in_(("review", "suggestion")), 0), else_=1),
            func.coalesce(rq.c.confidence, 1.0),
            rq.c.id,
        )

    def queue(
        self,
        page: int = 1,
        per_page: int = PAGE_SIZE,
        user: User | None = None,
        sampled_passes: bool = False,
    ) -> tuple[list[QueueRow], bool]:
        """One page of open queue entries in :meth:`queue_order` (``user``'s first).

        Args:
            page: The page, from 1.
            per_page: Entries a page.
            user: The reader (their assigned items lead).
            sampled_passes: Only machine passes of the random sample (bulk accept).

        Returns:
            The entries, and whether there is a next page.
        """
        terms: list[Any] = [rq.c.done.is_(False)]
        if sampled_passes:
            terms += [rq.c.reason == "sample", rq.c.machine_status == "pass"]
        order = self.queue_order(user.id if user else None)
        # order and cut the queue alone, then join the page's rows for what they show
        ids = (
            select(rq.c.id)
            .where(*terms)
            .order_by(*order)
            .limit(per_page + 1)
            .offset(max(page - 1, 0) * per_page)
            .subquery()
        )
        q = _queue_rows().join(ids, ids.c.id == rq.c.id).order_by(*order)
        with self.store._read("read the review queue") as conn:
            rows = [QueueRow.from_row(r) for r in conn.execute(q)]
        return rows[:per_page], len(rows) > per_page

    def queue_entry(self, entry_id: int) -> QueueRow | None:
        """One queue entry (open or done), or ``None``."""
        with self.store._read("read a queue entry") as conn:
            row = conn.execute(_queue_rows().where(rq.c.id == entry_id)).first()
        return QueueRow.from_row(row) if row is not None else None

    def next_entry(self, user: User, after: int | None = None) -> int | None:
        """The open entry the review screen opens next, in :meth:`queue_order`.

        The one after ``after`` in the order (so skipped and decided items stay behind);
        past the end it starts again at the top (skipped items come round again).

        Args:
            user: The reader (their items lead).
            after: The entry just decided or skipped, if any.

        Returns:
            An entry id, or ``None`` when nothing is open.
        """
        order = self.queue_order(user.id)
        open_ = select(rq.c.id).where(rq.c.done.is_(False))
        with self.store._read("find the next queue entry") as conn:
            if after is not None:
                here = conn.execute(select(*order).where(rq.c.id == after)).first()
                if here is not None:
                    beyond = open_.where(tuple_(*order) > tuple_(*here))
                    found = conn.execute(beyond.order_by(*order).limit(1)).scalar()
                    if found is not None:
                        return int(found)
            first = conn.execute(open_.order_by(*order).limit(1)).scalar()
        return int(first) if first is not None else None

    def queue_counts(self, user: User) -> QueueCounts:
        """The navigation's counts: ``user``'s open items, and those due soon."""
        soon = _now() + DUE_SOON
        q = select(
            func.count(), func.coalesce(func.sum(case((rq.c.due_at <= soon, 1), else_=0)), 0)
        ).where(rq.c.assigned_to == user.id, rq.c.done.is_(False))
        with self.store._read("count the queue") as conn:
            mine, due = conn.execute(q).one()
        return QueueCounts(int(mine), int(due))

    # ------------------------------------------------------------------ assignment

    def assign_open(self, now: datetime | None = None) -> dict[int, int]:
        """Assign every open entry without an active inspector (see the module).

        Args:
            now: The time of assignment (default now); items are due ``due_days`` later.

        Returns:
            Entries newly assigned, by inspector's user id.
        """
        with self.store._write("assign the review queue") as conn:
            done, mails = self._assign(conn, now or _now())
        send_mails(self.mail, mails)
        return done

    def _assign(self, conn: Connection, now: datetime) -> tuple[dict[int, int], list[Mail]]:
        """Assign in an open write; the counts by inspector and the mails to send after."""
        pools = _inspector_pools(conn)
        if pools is None:
            return {}, []
        everyone, by_team = pools
        due = now + timedelta(days=self.due_days)
        conn.execute(
            update(rq).where(rq.c.done.is_(False), rq.c.due_at.is_(None)).values(due_at=due)
        )
        load = dict.fromkeys(everyone, 0)
        counted = select(rq.c.assigned_to, func.count()).where(
            rq.c.done.is_(False), rq.c.assigned_to.in_(everyone)
        )
        load.update({int(u): int(n) for u, n in conn.execute(counted.group_by(rq.c.assigned_to))})
        todo = conn.execute(
            select(rq.c.id, recordings.c.team)
            .select_from(rq.join(recordings, recordings.c.call_id == rq.c.call_id))
            .where(
                rq.c.done.is_(False),
                or_(rq.c.assigned_to.is_(None), rq.c.assigned_to.not_in(everyone)),
            )
            .order_by(rq.c.id)
        ).all()
        given = _round_robin(todo, everyone, by_team, load)
        for uid, ids in given.items():
            for lo in range(0, len(ids), 1000):
                conn.execute(
                    update(rq).where(rq.c.id.in_(ids[lo : lo + 1000])).values(assigned_to=uid)
                )
        mails: list[Mail] = []
        for uid, ids in sorted(given.items()):
            first_due = conn.execute(select(func.min(rq.c.due_at)).where(rq.c.id.in_(ids[:1000])))
            when = first_due.scalar()
            due_text = f"{when:%Y-%m-%d %H:%M} UTC" if when else ""
            mails += self._tell(conn, [uid], "assigned", str(len(ids)), n=len(ids), due=due_text)
        return {u: len(ids) for u, ids in given.items()}, mails

    def remind_due(self, now: datetime | None = None) -> int:
        """Tell each inspector whose items are due within 24 hours (at most twice a day).

        Args:
            now: The time (default now).

        Returns:
            Inspectors told.
        """
        with self.store._write("remind of due items") as conn:
            told, mails = self._remind(conn, now or _now())
        send_mails(self.mail, mails)
        return told

    def _remind(self, conn: Connection, now: datetime) -> tuple[int, list[Mail]]:
        """Due-soon notices in an open write; how many were told, and the mails."""
        n = notifications
        recent = select(n.c.user_id).where(
            n.c.kind == "due_soon", n.c.created_at > now - DUE_SOON / 2, n.c.user_id.is_not(None)
        )
        told_recently = {int(u) for (u,) in conn.execute(recent)}
        rows = conn.execute(
            select(rq.c.assigned_to, func.count())
            .select_from(rq.join(users, users.c.id == rq.c.assigned_to))
            .where(
                rq.c.done.is_(False),
                rq.c.due_at <= now + DUE_SOON,
                users.c.role == "inspector",
                users.c.disabled.is_(False),
            )
            .group_by(rq.c.assigned_to)
        ).all()
        mails: list[Mail] = []
        told = 0
        for uid, count in rows:
            if int(uid) in told_recently:
                continue
            mails += self._tell(conn, [int(uid)], "due_soon", str(count), n=int(count))
            told += 1
        return told, mails

    # ------------------------------------------------------------------ notices

    def _tell(
        self,
        conn: Connection,
        user_ids: Sequence[int],
        kind: str,
        note: str,
        key: Key | None = None,
        **mail: Any,
    ) -> list[Mail]:
        """Notify users (by id) in the workbench; the e-mails to send once committed.

        Args:
            conn: The open write.
            user_ids: Whom to tell.
            kind: ``assigned``, ``due_soon`` or ``appeal_waiting``.
            note: The notice's text (a count, or a reason — stored masked).
            key: ``(call, rubric id, version, item)`` the notice is about, if one.
            **mail: Values of the mail's text (:func:`notice_mail`).

        Returns:
            Mails for the users who have an address, when the site has SMTP.
        """
        call_id, rid, ver, item_id = key or (None, None, None, None)
        now = _now()
        masked = self.store.mask(note)
        for uid in user_ids:
            conn.execute(
                insert(notifications),
                {
                    "user_id": uid,
                    "kind": kind,
                    "call_id": call_id,
                    "rubric_id": rid,
                    "rubric_version": ver,
                    "item_id": item_id or None,
                    "text": masked,
                    "created_at": now,
                },
            )
        if self.mail is None or not user_ids:
            return []
        found = conn.execute(
            select(users.c.email).where(users.c.id.in_(list(user_ids)), users.c.email.is_not(None))
        )
        return [notice_mail(self.mail, e, kind, **mail) for (e,) in found if e]

    def _appeal_waiting(self, conn: Connection, key: Key, reason: str) -> list[Mail]:
        """Tell the inspectors who may resolve a new appeal of ``key`` that it waits.

        Those mapped to the call's team if it has any, else every active inspector; never
        the inspector whose decision is disputed (they may not resolve it).
        """
        pools = _inspector_pools(conn)
        if pools is None:
            return []
        everyone, by_team = pools
        team = conn.execute(
            select(recordings.c.team).where(recordings.c.call_id == key[0])
        ).scalar()
        who = by_team.get(team, everyone) if team else everyone
        last = self._latest(conn, *key)
        who = [u for u in who if last is None or u != last.user_id]
        masked = self.store.mask(reason)
        return self._tell(conn, who, "appeal_waiting", masked, key, call=key[0], text=masked)


def _inspector_pools(conn: Connection) -> tuple[list[int], dict[str, list[int]]] | None:
    """Active inspectors' ids, and by team those mapped to it; ``None`` when none."""
    everyone = [
        int(u)
        for (u,) in conn.execute(
            select(users.c.id)
            .where(users.c.role == "inspector", users.c.disabled.is_(False))
            .order_by(users.c.id)
        )
    ]
    if not everyone:
        return None
    by_team: dict[str, list[int]] = {}
    mapped = select(inspector_teams.c.team, inspector_teams.c.user_id).where(
        inspector_teams.c.user_id.in_(everyone)
    )
    for team, uid in conn.execute(mapped.order_by(inspector_teams.c.user_id)):
        by_team.setdefault(team, []).append(int(uid))
    return everyone, by_team


def _round_robin(
    todo: Sequence[Any],
    everyone: list[int],
    by_team: dict[str, list[int]],
    load: dict[int, int],
) -> dict[int, list[int]]:
    """Entries (``id``, ``team``) → inspector: the team's inspectors if any, else anyone.

    Each entry goes to the inspector of its pool with the fewest open items; a tie goes
    to the one assigned least recently (in user-id order at first), so equal loads take
    turns.

    Returns:
        Entry ids by inspector's user id.
    """
    turn = {u: i - len(everyone) for i, u in enumerate(everyone)}
    given: dict[int, list[int]] = {}
    for step, row in enumerate(todo):
        pool = by_team.get(row.team, everyone) if row.team else everyone
        uid = min(pool, key=lambda u: (load[u], turn[u]))
        given.setdefault(uid, []).append(int(row.id))
        load[uid] += 1
        turn[uid] = step
    return given
