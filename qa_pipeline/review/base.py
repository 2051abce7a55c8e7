"""Shared parts of the workbench: rights, the item lock, the audit append, recompute."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from qa_pipeline.review.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from qa_pipeline.review.mail import MailSettings
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import (
    Grading,
    evaluation_items,
    recompute,
)
from qa_pipeline.store.schema import (
    call_scores,
    item_results,
    recordings,
    review_decisions,
)
from qa_pipeline.store.workbench import (
    evaluations,
)

log = logging.getLogger(__name__)


STATES = ("machine", "reviewed", "appealed", "final")
PAGE_SIZE = 50


def _now() -> datetime:
    return datetime.now(UTC)


class WorkbenchBase:
    """Shared state and helpers of the workbench mixins (see :class:`Workbench`)."""

    def __init__(
        self,
        store: Any,
        gradings: Mapping[tuple[str, str], Grading] | None = None,
        appeal_window: timedelta = timedelta(days=7),
        sample_rate: float = 0.02,
        due_days: float = 2.0,
        mail: MailSettings | None = None,
    ) -> None:
        self.store = store
        self.gradings = dict(gradings or {})
        self.appeal_window = appeal_window
        self.sample_rate = sample_rate
        self.due_days = due_days
        self.mail = mail

    # ------------------------------------------------------------------ rights

    def _check_call(self, conn: Connection, user: User, call_id: str) -> Any:
        row = conn.execute(select(recordings).where(recordings.c.call_id == call_id)).first()
        if row is None:
            raise NotFoundError(f"no call {call_id!r}", "no_call", call=call_id)
        if not user.sees_all_calls and row.agent_id != user.agent_id:
            raise ForbiddenError(
                f"call {call_id!r} belongs to another agent", "other_agent", call=call_id
            )
        return row

    def call_visible(self, user: User, call_id: str) -> Any:
        """The recording row of a call the user may see.

        Raises:
            NotFoundError: unknown call.  ForbiddenError: another agent's call.
        """
        with self.store._read("read a call") as conn:
            return self._check_call(conn, user, call_id)

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
            raise NotFoundError(
                f"call {call_id!r} has no evaluation with {rid} v{ver}",
                "no_evaluation",
                call=call_id,
            )
        grading = self.gradings.get((rid, ver))
        if grading is not None and grading.item_ids is not None and item_id not in grading.item_ids:
            raise InvalidInputError(
                f"rubric {rid} v{ver} has no item {item_id!r}", "no_item", item=item_id
            )
        # FOR UPDATE: two deciders of one item queue here on PostgreSQL (SQLite writers
        # are serialised already), so the check of the latest decision below is exact
        row = conn.execute(
            select(item_results)
            .where(item_results.c.score_id == score.id, item_results.c.item_id == item_id)
            .with_for_update()
        ).first()
        if row is None:
            raise InvalidInputError(
                f"rubric {rid} v{ver} has no item {item_id!r} on call {call_id!r}",
                "no_item",
                item=item_id,
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
                    "note": self.store.mask(reason),
                    "decided_at": _now(),
                },
            ).scalar_one()
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
            raise NotFoundError(
                f"call {call_id!r} has no evaluation with {rid} v{ver}",
                "no_evaluation",
                call=call_id,
            )
