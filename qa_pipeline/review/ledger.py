"""The trust ledger: per item and rubric version, how far the machine may decide alone.

Over a rolling window (``window_days``), the ledger compares the machine's verdict on
each item people decided (the latest decision: a queue decision, a suggestion taken or
changed, an appeal's resolution) with that decision: checks, agreement with its Wilson
95 % interval, the precision of the machine's fails and the confusion matrix. Each item
has a **floor** (the site's default, or its own): the Wilson lower bound of agreement it
must reach to be trusted.

Each item is in one of two **modes**: ``machine`` (its verdict is final; the default) or
``people`` (its verdict is only a pre-filled suggestion: the night queues it for review
and the evaluation shows the item as awaiting review until a person decides). Only an
admin switches a mode or changes a floor, with a reason; each change is appended to
``ledger_switches`` with the figures of that moment. Switching to ``machine`` is refused
while the item is below its floor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from qa_pipeline.review.base import _now
from qa_pipeline.review.decisions import _unqueued_items, queue_values
from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import latest_decisions_query
from qa_pipeline.store.ledger import ledger_modes, ledger_switches
from qa_pipeline.store.schema import call_scores, item_results, review_decisions
from qa_pipeline.store.workbench import review_queue

MODES = ("machine", "people")
#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: How many recent calls the "calls behind the figures" page lists at most.
CALLS_SHOWN = 500


def wilson(agreed: int, checks: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion ``agreed / checks``.

    Unlike ``p ± z·√(p(1−p)/n)`` it stays inside [0, 1] and is honest for small ``n``:
    one agreeing check gives [0.21, 1.00], not 100 %.

    Args:
        agreed: Successes.
        checks: Trials.
        z: The normal quantile (1.96 for 95 %).

    Returns:
        ``(lower, upper)``, or ``None`` without checks.

    Raises:
        ValueError: ``agreed`` outside ``0..checks``.
    """
    if not 0 <= agreed <= checks:
        raise ValueError("agreed must lie between 0 and checks")
    if checks == 0:
        return None
    n, p = float(checks), agreed / checks
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lower = 0.0 if agreed == 0 else max(0.0, centre - half)
    upper = 1.0 if agreed == checks else min(1.0, centre + half)
    return lower, upper


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One item of one rubric version in the ledger."""

    rubric_id: str
    rubric_version: str
    item_id: str
    name: str
    checks: int
    agreed: int
    fails: int
    fails_kept: int
    sampled: int
    confusion: dict[tuple[str, str], int]
    mode: str
    floor: float
    min_checks: int
    interval: tuple[float, float] | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "interval", wilson(self.agreed, self.checks))

    @property
    def agreement(self) -> float | None:
        """Share of checks on which the machine agreed (``None`` without checks)."""
        return self.agreed / self.checks if self.checks else None

    @property
    def lower(self) -> float | None:
        """The Wilson lower bound of agreement."""
        return self.interval[0] if self.interval else None

    @property
    def upper(self) -> float | None:
        """The Wilson upper bound of agreement."""
        return self.interval[1] if self.interval else None

    @property
    def fail_precision(self) -> float | None:
        """Share of the machine's fails people kept as fails."""
        return self.fails_kept / self.fails if self.fails else None

    @property
    def too_few(self) -> bool:
        """Fewer checks than the ledger's minimum: the figures say little."""
        return self.checks < self.min_checks

    @property
    def below_floor(self) -> bool:
        """The Wilson lower bound is under the floor (or there are no checks)."""
        return self.lower is None or self.lower < self.floor

    @property
    def advice(self) -> str | None:
        """What the ledger suggests an admin do with the item, if anything.

        ``to_people`` when machine-decided below the floor, ``to_machine`` when it needs
        people but has reached its floor with enough checks, else ``None``.
        """
        if self.mode == "machine" and self.below_floor:
            return "to_people"
        if self.mode == "people" and not self.below_floor and not self.too_few:
            return "to_machine"
        return None


@dataclass(frozen=True, slots=True)
class LedgerCall:
    """One decided item behind the ledger's figures."""

    call_id: str
    machine: str
    human: str
    kind: str | None
    reviewer: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerSwitch:
    """One audited change of an item's mode or floor."""

    id: int
    rubric_id: str
    rubric_version: str
    item_id: str
    user_id: int
    user_name: str
    switched_at: datetime
    old_mode: str
    new_mode: str
    old_floor: float
    new_floor: float
    checks: int
    agreed: int
    lower: float | None
    upper: float | None
    fail_precision: float | None
    window_days: float
    reason: str


class Ledger:
    """The trust ledger over a :class:`qa_pipeline.store.Store`.

    Args:
        store: An open store (migrated to 0007 or later).
        window_days: Only decisions of the last this many days count.
        floor: The default floor: the Wilson lower bound of agreement an item must reach.
        min_checks: Below this many checks the figures carry a warning.
    """

    def __init__(
        self, store: Any, window_days: float = 90.0, floor: float = 0.95, min_checks: int = 30
    ) -> None:
        self.store = store
        self.window_days = window_days
        self.floor = floor
        self.min_checks = min_checks

    # ------------------------------------------------------------------ figures

    def rows(
        self, rubric_id: str | None = None, known: Iterable[tuple[str, str, str, str]] = ()
    ) -> list[LedgerRow]:
        """Every item with a decision in the window, a stored mode, or in ``known``.

        Args:
            rubric_id: Only this rubric's versions; ``None`` for all.
            known: ``(rubric id, version, item id, name)`` of the site's rubrics, listed
                even without a check.

        Returns:
            One row per (rubric id, version, item), by rubric, version and item.
        """
        stats: dict[tuple[str, str, str], dict[str, Any]] = {}
        with self.store._read("read the trust ledger") as conn:
            for r in conn.execute(self._decided(rubric_id)):
                _count(stats, (r.rubric_id, r.rubric_version, r.item_id), r)
            modes = _modes(conn, rubric_id)
        for rid, ver, item_id, name in known:
            if rubric_id is None or rid == rubric_id:
                stats.setdefault((rid, ver, item_id), _empty(name))
        for key in modes:
            stats.setdefault(key, _empty(key[2]))
        return [self._row(key, st, modes.get(key)) for key, st in sorted(stats.items())]

    def row(self, rubric_id: str, rubric_version: str, item_id: str) -> LedgerRow:
        """The ledger row of one item (no checks and machine mode when it has none).

        Args:
            rubric_id: The rubric.
            rubric_version: Its version.
            item_id: The item.

        Returns:
            The item's row.
        """
        key = (rubric_id, rubric_version, item_id)
        st = _empty(item_id)
        with self.store._read("read the trust ledger") as conn:
            q = self._decided(rubric_id).where(
                review_decisions.c.rubric_version == rubric_version,
                review_decisions.c.item_id == item_id,
            )
            for r in conn.execute(q):
                _count({key: st}, key, r)
            mode = _modes(conn, rubric_id).get(key)
        return self._row(key, st, mode)

    def calls(self, rubric_id: str, rubric_version: str, item_id: str) -> list[LedgerCall]:
        """The decided items behind one row's figures, newest first.

        Args:
            rubric_id: The rubric.
            rubric_version: Its version.
            item_id: The item.

        Returns:
            Up to :data:`CALLS_SHOWN` calls with the machine's and the people's verdict.
        """
        rd = review_decisions
        q = (
            self._decided(rubric_id)
            .add_columns(rd.c.call_id, rd.c.reviewer, rd.c.decided_at)
            .where(rd.c.rubric_version == rubric_version, rd.c.item_id == item_id)
            .order_by(rd.c.decided_at.desc(), rd.c.id.desc())
            .limit(CALLS_SHOWN)
        )
        with self.store._read("read the calls behind the ledger") as conn:
            return [
                LedgerCall(r.call_id, r.machine, r.human, r.kind, r.reviewer, r.decided_at)
                for r in conn.execute(q)
            ]

    def _decided(self, rubric_id: str | None) -> Any:
        """Latest decisions in the window joined to the machine's verdict (not ``review``)."""
        latest = latest_decisions_query(rubric_id).subquery()
        rd = review_decisions
        since = _now() - timedelta(days=self.window_days)
        return (
            select(
                rd.c.rubric_id,
                rd.c.rubric_version,
                rd.c.item_id,
                rd.c.kind,
                item_results.c.item_name,
                item_results.c.status.label("machine"),
                rd.c.new_status.label("human"),
            )
            .select_from(
                rd.join(latest, latest.c.id == rd.c.id)
                .join(
                    call_scores,
                    and_(
                        call_scores.c.call_id == rd.c.call_id,
                        call_scores.c.rubric_id == rd.c.rubric_id,
                        call_scores.c.rubric_version == rd.c.rubric_version,
                    ),
                )
                .join(
                    item_results,
                    and_(
                        item_results.c.score_id == call_scores.c.id,
                        item_results.c.item_id == rd.c.item_id,
                    ),
                )
            )
            .where(rd.c.decided_at >= since, item_results.c.status != "review")
        )

    def _row(self, key: tuple[str, str, str], st: dict[str, Any], mode: Any) -> LedgerRow:
        floor = mode.floor if mode is not None and mode.floor is not None else self.floor
        return LedgerRow(
            *key,
            **st,
            mode=mode.mode if mode is not None else "machine",
            floor=float(floor),
            min_checks=self.min_checks,
        )

    # ------------------------------------------------------------------ modes

    def summary(
        self, rubric_id: str, rubric_version: str, item_ids: Iterable[str]
    ) -> dict[str, int]:
        """How many of a rubric version's items the machine decides, and how many people.

        Args:
            rubric_id: The rubric.
            rubric_version: Its version.
            item_ids: Its items.

        Returns:
            ``{"machine": n, "people": m}``.
        """
        with self.store._read("read the ledger's modes") as conn:
            modes = _modes(conn, rubric_id)
        out = {"machine": 0, "people": 0}
        for item_id in item_ids:
            m = modes.get((rubric_id, rubric_version, item_id))
            out[m.mode if m is not None else "machine"] += 1
        return out

    def switch(
        self,
        user: User,
        item: tuple[str, str, str],
        mode: str | None,
        reason: str,
        floor: float | None = None,
    ) -> int:
        """Switch an item's mode and/or set its floor; the change is appended to the audit.

        Args:
            user: The admin switching.
            item: ``(rubric id, version, item id)``.
            mode: ``machine`` or ``people``; ``None`` keeps the mode.
            reason: Why; required, stored masked.
            floor: A new floor (0 to 1); ``None`` keeps the floor.

        Returns:
            The id of the audit row.

        Raises:
            ForbiddenError: not an admin.  InvalidInputError: no reason, an unknown mode,
            a floor outside 0..1, nothing changed, or ``machine`` below the floor.
        """
        user.need(Permission.SWITCH_LEDGER, "only admins switch ledger items")
        reason = _checked_switch(mode, floor, reason)
        now = self.row(*item)
        new_mode = mode or now.mode
        new_floor = now.floor if floor is None else floor
        if new_mode == now.mode and new_floor == now.floor:
            raise InvalidInputError("nothing to change", "ledger_no_change")
        after = self._row(item, _figures(now), _Mode(new_mode, new_floor))
        if new_mode == "machine" and after.below_floor:
            raise InvalidInputError(
                f"{item[2]} is below its floor: people must decide it",
                "ledger_below_floor",
                item=item[2],
            )
        with self.store._write("switch a ledger item") as conn:
            self._save_mode(conn, user, item, new_mode, None if floor is None else floor)
            return self._audit(conn, user, now, new_mode, new_floor, reason)

    def _save_mode(
        self, conn: Connection, user: User, item: tuple[str, str, str], mode: str, floor: Any
    ) -> None:
        key = dict(zip(("rubric_id", "rubric_version", "item_id"), item, strict=True))
        values = {"mode": mode, "changed_by": user.id, "changed_at": _now()}
        if floor is not None:
            values["floor"] = floor
        ins = self.store._insert()(ledger_modes).values(**key, **values)
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=list(key), set_={k: ins.excluded[k] for k in values}
            )
        )

    def _audit(
        self, conn: Connection, user: User, now: LedgerRow, mode: str, floor: float, reason: str
    ) -> int:
        row = {
            "rubric_id": now.rubric_id,
            "rubric_version": now.rubric_version,
            "item_id": now.item_id,
            "user_id": user.id,
            "user_name": user.name,
            "switched_at": _now(),
            "old_mode": now.mode,
            "new_mode": mode,
            "old_floor": now.floor,
            "new_floor": floor,
            "checks": now.checks,
            "agreed": now.agreed,
            "lower": now.lower,
            "upper": now.upper,
            "fail_precision": now.fail_precision,
            "window_days": self.window_days,
            "reason": self.store.mask(reason),
        }
        stmt = insert(ledger_switches).returning(ledger_switches.c.id)
        return int(conn.execute(stmt, row).scalar_one())

    def switches(self, limit: int = 200) -> list[LedgerSwitch]:
        """The audit of switches, newest first.

        Args:
            limit: At most this many.

        Returns:
            The audited changes.
        """
        q = select(ledger_switches).order_by(ledger_switches.c.id.desc()).limit(limit)
        with self.store._read("read the ledger's audit") as conn:
            return [LedgerSwitch(**r._mapping) for r in conn.execute(q)]


@dataclass(frozen=True, slots=True)
class _Mode:
    mode: str
    floor: float | None


def _modes(conn: Connection, rubric_id: str | None) -> dict[tuple[str, str, str], Any]:
    q = select(ledger_modes)
    if rubric_id is not None:
        q = q.where(ledger_modes.c.rubric_id == rubric_id)
    return {(r.rubric_id, r.rubric_version, r.item_id): r for r in conn.execute(q)}


def _empty(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "checks": 0,
        "agreed": 0,
        "fails": 0,
        "fails_kept": 0,
        "sampled": 0,
        "confusion": {},
    }


def _figures(row: LedgerRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "checks": row.checks,
        "agreed": row.agreed,
        "fails": row.fails,
        "fails_kept": row.fails_kept,
        "sampled": row.sampled,
        "confusion": dict(row.confusion),
    }


def _count(stats: dict[tuple[str, str, str], dict[str, Any]], key: Any, r: Any) -> None:
    """Add one decided item (machine verdict ``r.machine``, people's ``r.human``)."""
    st = stats.setdefault(key, _empty(r.item_name or r.item_id))
    if r.item_name:
        st["name"] = r.item_name
    st["checks"] += 1
    st["agreed"] += int(r.machine == r.human)
    st["sampled"] += int(r.kind in ("sample", "suggestion"))
    st["confusion"][(r.machine, r.human)] = st["confusion"].get((r.machine, r.human), 0) + 1
    if r.machine == "fail":
        st["fails"] += 1
        st["fails_kept"] += int(r.human == "fail")


def _checked_switch(mode: str | None, floor: float | None, reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInputError("a switch needs a reason", "need_reason")
    if mode is not None and mode not in MODES:
        raise InvalidInputError(f"mode must be one of {', '.join(MODES)}", "ledger_bad_mode")
    if floor is not None and not (0.0 <= floor <= 1.0 and math.isfinite(floor)):
        raise InvalidInputError("a floor lies between 0 and 1", "ledger_bad_floor")
    return reason


def queue_suggestions(store: Any, call_ids: Sequence[str]) -> int:
    """Queue the machine's verdicts on items people must decide, as suggestions.

    For each item in ``people`` mode, every undecided verdict of the given calls (pass,
    fail or n/a; ``review`` items are queued as such) enters the review queue with the
    reason ``suggestion`` and the machine's verdict pre-filled. An item queued already
    (a retried chunk) is not queued again.

    Args:
        store: The open results store.
        call_ids: The calls just scored.

    Returns:
        Entries added.
    """
    if not call_ids:
        return 0
    with store._write("queue the machine's suggestions") as conn:
        people = [
            and_(
                call_scores.c.rubric_id == r.rubric_id,
                call_scores.c.rubric_version == r.rubric_version,
                item_results.c.item_id == r.item_id,
            )
            for r in conn.execute(select(ledger_modes).where(ledger_modes.c.mode == "people"))
        ]
        if not people:
            return 0
        # items no one decided yet (a re-scored call keeps its people's decisions)
        undecided = _unqueued_items(
            item_results.c.status.in_(("pass", "fail", "na")), never_queued=False
        )
        rows = conn.execute(
            undecided.where(call_scores.c.call_id.in_(list(call_ids)), or_(*people))
        ).all()
        return _enqueue_suggestions(store, conn, rows)


def _enqueue_suggestions(store: Any, conn: Connection, rows: Sequence[Any]) -> int:
    """Insert ``rows`` as ``suggestion`` entries (existing entries stay as they are)."""
    if not rows:
        return 0
    values = queue_values(rows, "suggestion", _now())
    rq = review_queue
    count = select(func.count()).select_from(rq).where(rq.c.reason == "suggestion")
    before = int(conn.execute(count).scalar_one())
    conn.execute(store._insert()(rq).on_conflict_do_nothing(), values)
    return int(conn.execute(count).scalar_one()) - before
