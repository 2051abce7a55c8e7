"""Finality: reopening a final evaluation (admins, audited) and agents' notifications.

An evaluation is final once its agent acknowledged it or every appeal of it is
resolved; inspectors' decisions on it are then refused. An admin may reopen it with a
reason: the reopening is appended to ``evaluation_reopenings`` (never changed) and the
agent gets a notification in the workbench.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from qa_pipeline.review.base import WorkbenchBase, _now
from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import Key
from qa_pipeline.review.views import Notification, Reopening
from qa_pipeline.store.schema import call_scores, item_results
from qa_pipeline.store.workbench import evaluation_reopenings, evaluations, notifications


class FinalityMixin(WorkbenchBase):
    """Reopening final evaluations; notifying agents."""

    def reopen(
        self, user: User, call_id: str, rubric_id: str, rubric_version: str, reason: str
    ) -> int:
        """An admin reopens a final evaluation: audited, and the agent is notified.

        The evaluation goes back to ``reviewed`` (its decisions stay); its
        acknowledgement is cleared, so the agent may acknowledge or appeal again.

        Args:
            user: The admin.
            call_id: The call.
            rubric_id: The evaluation's rubric.
            rubric_version: The evaluation's rubric version.
            reason: Why; required, stored masked.

        Returns:
            The id of the reopening's audit row.

        Raises:
            ForbiddenError: not an admin.  NotFoundError: unknown call or evaluation.
            InvalidInputError: no reason, or an evaluation that is not final.
        """
        user.need(Permission.REOPEN, "only an admin reopens a final evaluation")
        reason = reason.strip()
        if not reason:
            raise InvalidInputError("reopening needs a reason", "need_reason")
        key3 = (call_id, rubric_id, rubric_version)
        with self.store._write("reopen an evaluation") as conn:
            rec = self._check_call(conn, user, call_id)
            self._item_row_exists(conn, *key3)
            if self._state(conn, *key3) != "final":
                raise InvalidInputError(
                    f"the evaluation of {call_id} is not final", "not_final", call=call_id
                )
            rid = conn.execute(
                insert(evaluation_reopenings).returning(evaluation_reopenings.c.id),
                {
                    "call_id": call_id,
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "user_id": user.id,
                    "user_name": user.name,
                    "old_state": "final",
                    "reason": self.store.mask(reason),
                    "reopened_at": _now(),
                },
            ).scalar_one()
            self._recompute(conn, *key3, "reviewed")
            conn.execute(
                update(evaluations)
                .where(
                    evaluations.c.call_id == call_id,
                    evaluations.c.rubric_id == rubric_id,
                    evaluations.c.rubric_version == rubric_version,
                )
                .values(acknowledged_by=None, acknowledged_at=None)
            )
            self._notify(conn, rec.agent_id, "reopened", (*key3, ""), reason)
            return int(rid)

    def _notify(
        self, conn: Connection, agent_id: str | None, kind: str, key: Key, text: str
    ) -> None:
        """Tell the agent ``agent_id`` (if any) about their evaluation ``key``.

        Args:
            conn: The open write.
            agent_id: The call's agent; nothing is written without one.
            kind: ``reopened``, ``appeal_upheld`` or ``appeal_overturned``.
            key: ``(call, rubric id, version, item)``; item ``""`` for the evaluation.
            text: The reason given (stored masked).
        """
        if not agent_id:
            return
        call_id, rid, ver, item_id = key
        conn.execute(
            insert(notifications),
            {
                "agent_id": agent_id,
                "kind": kind,
                "call_id": call_id,
                "rubric_id": rid,
                "rubric_version": ver,
                "item_id": item_id or None,
                "text": self.store.mask(text),
                "created_at": _now(),
            },
        )

    def unread_notifications(self, user: User) -> int:
        """How many notifications the user has not seen (theirs by agent id or user id)."""
        q = select(func.count()).where(_addressed_to(user), notifications.c.read_at.is_(None))
        with self.store._read("count notifications") as conn:
            return int(conn.execute(q).scalar_one())

    def notifications(self, user: User, mark_read: bool = True) -> list[Notification]:
        """The user's notifications, newest first (the latest 200); marks them read.

        Args:
            user: Whose: an agent's by agent id, anyone's by user id (an inspector's).
            mark_read: Set ``read_at`` on the unread ones.

        Returns:
            The notifications, with the item's name where there is one.
        """
        n = notifications
        q = select(n).where(_addressed_to(user)).order_by(n.c.id.desc()).limit(200)
        with self.store._write("read notifications") as conn:
            rows = list(conn.execute(q))
            names = _item_names(conn, rows)
            if mark_read:
                conn.execute(
                    update(n)
                    .where(_addressed_to(user), n.c.read_at.is_(None))
                    .values(read_at=_now())
                )
        return [Notification.from_row(r, item_name=names.get((r.call_id, r.item_id))) for r in rows]

    def reopenings(self, call_id: str) -> list[Reopening]:
        """The audit of reopenings of a call's evaluations, oldest first."""
        r = evaluation_reopenings
        with self.store._read("read reopenings") as conn:
            rows = conn.execute(select(r).where(r.c.call_id == call_id).order_by(r.c.id))
            return [Reopening.from_row(x) for x in rows]


def _addressed_to(user: User) -> Any:
    """``WHERE`` term: notifications for ``user`` (by user id, or by their agent id)."""
    n = notifications
    if user.agent_id:
        return or_(n.c.user_id == user.id, n.c.agent_id == user.agent_id)
    return n.c.user_id == user.id


def _item_names(conn: Connection, rows: list[Any]) -> dict[tuple[str, str], Any]:
    """The stored name of each (call, item) the notification ``rows`` name."""
    calls = {r.call_id for r in rows if r.item_id and r.call_id}
    if not calls:
        return {}
    q = (
        select(call_scores.c.call_id, item_results.c.item_id, item_results.c.item_name)
        .select_from(item_results.join(call_scores))
        .where(call_scores.c.call_id.in_(calls))
    )
    return {(c, i): name for c, i, name in conn.execute(q)}
