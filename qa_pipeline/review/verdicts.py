"""Final verdicts: the latest human decision on an item wins over the machine's.

The score of an evaluation is recomputed from final verdicts with the engine's rule:
``100 × pass points / (pass + fail points)``, 0 on a failed critical item (一票否决),
``None`` when nothing is decided.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from qa_pipeline.store.schema import call_scores, item_results, review_decisions
from qa_pipeline.store.workbench import review_queue

Key = tuple[str, str, str, str]  # call_id, rubric_id, rubric_version, item_id

VERDICTS = ("pass", "fail", "na")


@dataclass(frozen=True, slots=True)
class Grading:
    """What recomputing a score needs from a rubric: critical items and grade thresholds.

    ``item_ids`` (when known) are the rubric's items; a decision on any other is refused.
    """

    critical_items: frozenset[str] = frozenset()
    grades: tuple[tuple[str, float], ...] = ()
    item_ids: frozenset[str] | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    def grade(self, score: float | None) -> str | None:
        """The grade of ``score``: the highest whose threshold it reaches, else the last.

        Args:
            score: A score out of 100, or ``None``.

        Returns:
            The grade's name; ``None`` without a score or without grades.
        """
        if score is None or not self.grades:
            return None
        for name, threshold in sorted(self.grades, key=lambda g: -g[1]):
            if score >= threshold:
                return name
        return self.grades[-1][0]

    @classmethod
    def from_rubric(cls, rubric: Any) -> Grading:
        """From a loaded rubric or a reports ``RubricInfo``."""
        items = tuple(rubric.items)
        return cls(
            critical_items=frozenset(i.id for i in items if getattr(i, "critical", False)),
            grades=tuple((str(g), float(t)) for g, t in getattr(rubric, "grades", ()) or ()),
            item_ids=frozenset(i.id for i in items),
            names={i.id: str(i.name) for i in items},
        )


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    """One item of an evaluation: the machine's verdict and the final one."""

    item_id: str
    points: float
    machine_status: str
    machine_critical: bool
    status: str  # final
    decided: bool  # a person decided it


def recompute(
    items: Iterable[ItemVerdict], grading: Grading | None
) -> tuple[float | None, str | None, bool]:
    """``(score, grade, critical_failed)`` of an evaluation from its final verdicts.

    An item is critical when the rubric says so; without the rubric, when the machine
    failed it as critical.
    """
    earned = decided = 0.0
    critical = False
    for it in items:
        if it.status == "pass":
            earned += it.points
            decided += it.points
        elif it.status == "fail":
            decided += it.points
            is_critical = (
                it.item_id in grading.critical_items if grading is not None else False
            ) or it.machine_critical
            critical = critical or is_critical
    score: float | None = None
    if decided > 0:
        score = 0.0 if critical else 100.0 * earned / decided
    elif critical:
        score = 0.0
    return score, (grading.grade(score) if grading else None), critical


def latest_decisions_query(rubric_id: str | None = None) -> Any:
    """The latest decision per (call, rubric version, item): a select of decision rows."""
    rd = review_decisions
    latest = select(func.max(rd.c.id).label("id")).group_by(
        rd.c.call_id, rd.c.rubric_id, rd.c.rubric_version, rd.c.item_id
    )
    if rubric_id is not None:
        latest = latest.where(rd.c.rubric_id == rubric_id)
    sub = latest.subquery()
    return select(rd).join(sub, rd.c.id == sub.c.id)


def latest_decisions(conn: Connection, rubric_id: str | None = None) -> dict[Key, Any]:
    """Latest human decision rows keyed by (call, rubric id, version, item)."""
    return {
        (r.call_id, r.rubric_id, r.rubric_version, r.item_id): r
        for r in conn.execute(latest_decisions_query(rubric_id))
    }


@dataclass(frozen=True, slots=True)
class PendingSuggestion:
    """Stands for a decision on an item whose machine verdict awaits people (the ledger's).

    Among the latest decisions it makes the item's final verdict ``review`` without
    counting it as decided by a person.
    """

    new_status: str = "review"
    pending: bool = True


def with_pending(
    conn: Connection, decisions: Mapping[Key, Any], rubric_id: str | None
) -> dict[Key, Any]:
    """``decisions`` plus a :class:`PendingSuggestion` for each undecided suggested item.

    Args:
        conn: An open connection.
        decisions: Latest human decisions by key.
        rubric_id: Only this rubric's suggestions; ``None`` for all.

    Returns:
        The decisions, the pending suggestions under them.
    """
    rq = review_queue
    q = select(rq.c.call_id, rq.c.rubric_id, rq.c.rubric_version, rq.c.item_id).where(
        rq.c.reason == "suggestion", rq.c.done.is_(False)
    )
    if rubric_id is not None:
        q = q.where(rq.c.rubric_id == rubric_id)
    pending: dict[Key, Any] = {tuple(r): PendingSuggestion() for r in conn.execute(q)}  # type: ignore[misc]
    return pending | dict(decisions)


def pending_suggestions(
    conn: Connection, call_id: str, rubric_id: str, rubric_version: str
) -> set[str]:
    """Items of one evaluation whose machine verdict is only a suggestion awaiting people.

    The trust ledger queues them (reason ``suggestion``) when their item needs people;
    until a person decides, their final verdict is ``review``.
    """
    rq = review_queue
    return {
        r.item_id
        for r in conn.execute(
            select(rq.c.item_id).where(
                rq.c.call_id == call_id,
                rq.c.rubric_id == rubric_id,
                rq.c.rubric_version == rubric_version,
                rq.c.reason == "suggestion",
                rq.c.done.is_(False),
            )
        )
    }


def evaluation_items(
    conn: Connection, call_id: str, rubric_id: str, rubric_version: str
) -> list[ItemVerdict]:
    """The items of one evaluation with their final verdicts, in rubric order."""
    rd = review_decisions
    rows = conn.execute(
        select(
            item_results.c.item_id,
            item_results.c.points,
            item_results.c.status,
            item_results.c.critical_failed,
        )
        .select_from(item_results.join(call_scores))
        .where(
            call_scores.c.call_id == call_id,
            call_scores.c.rubric_id == rubric_id,
            call_scores.c.rubric_version == rubric_version,
        )
        .order_by(item_results.c.id)
    ).all()
    latest = select(rd.c.item_id, func.max(rd.c.id).label("id")).where(
        and_(rd.c.call_id == call_id, rd.c.rubric_id == rubric_id),
        rd.c.rubric_version == rubric_version,
    )
    sub = latest.group_by(rd.c.item_id).subquery()
    human = {
        r.item_id: r.new_status
        for r in conn.execute(select(rd.c.item_id, rd.c.new_status).join(sub, rd.c.id == sub.c.id))
    }
    pending = pending_suggestions(conn, call_id, rubric_id, rubric_version)
    return [
        ItemVerdict(
            r.item_id,
            float(r.points),
            r.status,
            bool(r.critical_failed),
            human.get(r.item_id, "review" if r.item_id in pending else r.status),
            r.item_id in human,
        )
        for r in rows
    ]


def apply_final_verdicts(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    decisions: Mapping[Key, Any],
    grading: Grading | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Frames with the final verdicts, the scores of the calls they touch recomputed.

    Human decisions replace the machine's verdicts. Adds ``machine_status`` and
    ``human`` (a person decided the item) to ``items``, and ``human_items`` (items
    people decided) to ``scores``.

    Args:
        scores: One row per evaluation (``call_id``, ``rubric_id``, ``rubric_version``,
            ``score``, ``grade``, ``critical_failed``).
        items: One row per item of those evaluations.
        decisions: Latest human decisions by (call, rubric id, version, item).
        grading: The rubric's critical items and grades, if known.

    Returns:
        ``(scores, items)``: new frames; the arguments are left unchanged.
    """
    items = items.copy()
    scores = scores.copy()
    items["machine_status"] = items["status"]
    items["human"] = False
    scores["human_items"] = 0
    if items.empty or not decisions:
        return scores, items
    keys = list(
        zip(
            items["call_id"],
            items["rubric_id"],
            items["rubric_version"],
            items["item_id"],
            strict=True,
        )
    )
    hit = [k in decisions for k in keys]
    if not any(hit):
        return scores, items
    mask = pd.Series(hit, index=items.index)
    _apply_decisions(items, keys, hit, mask, decisions, grading)
    touched = items.loc[mask, ["call_id", "rubric_id", "rubric_version"]].drop_duplicates()
    for call_id, rid, ver in touched.itertuples(index=False):
        _rescore(scores, items, (call_id, rid, ver), grading)
    return scores, items


def _apply_decisions(
    items: pd.DataFrame,
    keys: list[Key],
    hit: list[bool],
    mask: pd.Series,
    decisions: Mapping[Key, Any],
    grading: Grading | None,
) -> None:
    """Set the decided items' final status, ``human``, ``awarded`` and critical failure.

    Args:
        items: The items frame, changed in place.
        keys: Each row's (call, rubric id, version, item).
        hit: Whether each row has a human decision.
        mask: ``hit`` as a series on ``items``' index.
        decisions: Latest human decisions by key.
        grading: The rubric's critical items, if known.
    """
    new = [
        decisions[k].new_status if h else s
        for k, h, s in zip(keys, hit, items["status"], strict=True)
    ]
    items["status"] = new
    # a pending suggestion is ``review`` until someone decides: not a person's verdict
    items["human"] = [
        h and not getattr(decisions[k], "pending", False) for k, h in zip(keys, hit, strict=True)
    ]
    items["awarded"] = [
        p if s == "pass" else (0.0 if s == "fail" else math.nan)
        for p, s in zip(items["points"], items["status"], strict=True)
    ]
    crit = grading.critical_items if grading else frozenset()
    items.loc[mask, "critical_failed"] = [
        s == "fail" and (i in crit or bool(c))
        for i, s, c in zip(
            items.loc[mask, "item_id"],
            items.loc[mask, "status"],
            items.loc[mask, "critical_failed"],
            strict=True,
        )
    ]


def _rescore(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    evaluation: tuple[Any, Any, Any],
    grading: Grading | None,
) -> None:
    """Recompute one evaluation's row of ``scores`` (in place) from its final verdicts.

    Args:
        scores: The scores frame, changed in place.
        items: The items frame with final verdicts.
        evaluation: ``(call_id, rubric_id, rubric_version)``.
        grading: The rubric's critical items and grades, if known.
    """
    call_id, rid, ver = evaluation
    sel = (
        (items["call_id"] == call_id)
        & (items["rubric_id"] == rid)
        & (items["rubric_version"] == ver)
    )
    verdicts = [
        ItemVerdict(i, float(p), m, bool(c), s, bool(h))
        for i, p, m, c, s, h in items.loc[
            sel, ["item_id", "points", "machine_status", "critical_failed", "status", "human"]
        ].itertuples(index=False)
    ]
    score, grade, critical = recompute(verdicts, grading)
    srow = (
        (scores["call_id"] == call_id)
        & (scores["rubric_id"] == rid)
        & (scores["rubric_version"] == ver)
    )
    scores.loc[srow, "score"] = math.nan if score is None else score
    if grade is not None:
        scores.loc[srow, "grade"] = grade
    scores.loc[srow, "critical_failed"] = critical
    scores.loc[srow, "human_items"] = int(sum(v.decided for v in verdicts))


def final_frames(
    store: Any, scores: pd.DataFrame, items: pd.DataFrame, rubric: Any | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`apply_final_verdicts` with the store's latest decisions (reports use this)."""
    rubric_id = str(rubric.id) if rubric is not None else None
    with store._read("read human decisions") as conn:
        decisions = with_pending(conn, latest_decisions(conn, rubric_id), rubric_id)
    grading = Grading.from_rubric(rubric) if rubric is not None else None
    return apply_final_verdicts(scores, items, decisions, grading)
