"""What the workbench hands its pages: frozen, typed rows instead of dictionaries.

Each view is built from a database row (or a few) by the review layer; pages read their
attributes, and nothing on a page can change them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self


class _FromRow:
    """``from_row``: a view from the same-named columns of a row (others are ignored)."""

    __slots__ = ()

    @classmethod
    def from_row(cls, row: Any, **extra: Any) -> Self:
        """The view of ``row`` (a SQLAlchemy row or a mapping), ``extra`` overriding.

        Args:
            row: A result row or mapping with at least the view's required columns.
            **extra: Values that are not (or not so) in the row.

        Returns:
            The view.
        """
        data: Mapping[str, Any] = row if isinstance(row, Mapping) else row._mapping
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values = {k: v for k, v in data.items() if k in names}
        return cls(**{**values, **extra})


# ---------------------------------------------------------------------- nights, calls


@dataclass(frozen=True, slots=True)
class NightRow:
    """One night (a local date): calls received by the nightly run, scored, failed, queued."""

    night: str
    received: int | None
    scored: int
    failed: int
    in_review: int


@dataclass(frozen=True, slots=True)
class CallRow(_FromRow):
    """One evaluation on the calls list."""

    call_id: str
    rubric_id: str
    rubric_version: str
    score_id: int
    machine_score: float | None
    score: float | None
    grade: str | None
    state: str
    agent_id: str | None
    team: str | None
    started_at: datetime | None


@dataclass(frozen=True, slots=True)
class Recording(_FromRow):
    """A call's recording (or vendor transcript) as the call page shows it."""

    call_id: str
    path: str | None
    is_transcript: bool
    agent_id: str | None
    team: str | None
    started_at: datetime | None
    duration_s: float | None


@dataclass(frozen=True, slots=True)
class Segment:
    """One transcript segment, or a quoted one a machine verdict rests on (redacted)."""

    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    confidence: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Segment:
        """A segment from the transcript's stored JSON.

        Args:
            data: One element of ``transcripts.segments``.

        Returns:
            The segment.
        """
        return cls(
            str(data.get("text", "")),
            data.get("speaker"),
            _finite(data.get("start")),
            _finite(data.get("end")),
            _finite(data.get("confidence")),  # optional in the transcript format
        )


def _finite(value: Any) -> float | None:
    """A stored number as a float; ``None`` when missing, not a number, NaN or infinite.

    Rows stored before intake refused NaN times (and a vendor's segment without a
    confidence) must still render.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class ItemView(_FromRow):
    """One item of an evaluation: the machine's verdict and the final one."""

    item_id: str
    item_name: str | None
    status: str
    points: float
    critical_failed: bool
    reason: str
    evidence: tuple[Segment, ...]
    final_status: str
    decided_by: str | None
    last_decision: int
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Decision(_FromRow):
    """One human decision of the audit trail."""

    id: int
    item_id: str
    reviewer: str
    user_id: int | None
    new_status: str
    old_status: str | None
    machine_status: str | None
    kind: str | None
    note: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class AppealRow(_FromRow):
    """An appeal of one item."""

    id: int
    call_id: str
    rubric_id: str
    rubric_version: str
    item_id: str
    agent_id: str | None
    filed_by: int
    reason: str
    state: str
    filed_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolution: str | None
    item_name: str | None = None


@dataclass(frozen=True, slots=True)
class Reopening(_FromRow):
    """An admin reopened a final evaluation: who, when, why (append-only audit)."""

    id: int
    call_id: str
    rubric_id: str
    rubric_version: str
    user_id: int
    user_name: str
    old_state: str
    reason: str
    reopened_at: datetime


@dataclass(frozen=True, slots=True)
class Notification(_FromRow):
    """Something a user is told: an agent about an evaluation, an inspector about work."""

    id: int
    agent_id: str | None
    kind: str
    call_id: str | None
    rubric_id: str | None
    rubric_version: str | None
    item_id: str | None
    text: str
    created_at: datetime
    read_at: datetime | None
    item_name: str | None = None
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class EvaluationView:
    """One rubric's evaluation of a call, with human verdicts applied."""

    rubric_id: str
    rubric_version: str
    machine_score: float | None
    score: float | None
    grade: str | None
    state: str
    human_items: int | None
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    items: tuple[ItemView, ...]
    decisions: tuple[Decision, ...]
    appeals: tuple[AppealRow, ...]
    appeal_deadline: datetime
    reopenings: tuple[Reopening, ...] = ()

    def item_name(self, item_id: str) -> str:
        """The name of one of the evaluation's items (its id when it has none)."""
        return next((i.item_name or i.item_id for i in self.items if i.item_id == item_id), item_id)


@dataclass(frozen=True, slots=True)
class CallDetail:
    """Everything the call page shows."""

    recording: Recording
    segments: tuple[Segment, ...]
    evaluations: tuple[EvaluationView, ...]


# ---------------------------------------------------------------------- queue, calibration


@dataclass(frozen=True, slots=True)
class QueueRow(_FromRow):
    """An open entry of the review queue."""

    id: int
    call_id: str
    rubric_id: str
    rubric_version: str
    item_id: str
    item_name: str | None
    reason: str
    machine_status: str
    machine_reason: str | None
    agent_id: str | None
    team: str | None
    added_at: datetime
    assigned_to: int | None = None
    due_at: datetime | None = None
    done: bool = False


@dataclass(frozen=True, slots=True)
class CalibrationSession(_FromRow):
    """A calibration session."""

    id: int
    name: str
    rubric_id: str
    rubric_version: str
    created_by: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CalibrationScore(_FromRow):
    """One rater's blind verdict on one item of one call."""

    call_id: str
    item_id: str
    user_id: int
    status: str


@dataclass(frozen=True, slots=True)
class CalibrationItem:
    """Agreement of the raters on one item."""

    item_id: str
    name: str
    calls: int
    agreement: float | None
    fleiss: float | None
    cohen: float | None
    chance: float | None = None
    """Agreement expected by chance from how often each verdict is given (Fleiss' P_e)."""
    top: str | None = None
    """The commonest verdict."""
    top_share: float | None = None
    """Its share of all verdicts."""


@dataclass(frozen=True, slots=True)
class RaterItem:
    """One rater on one item of a calibration: agreement with the others and the machine.

    The consensus of a call's item is the strict majority of the *other* raters (a tie
    has none); the machine's verdict is the one it stored (``review`` is left out).
    """

    user_id: int
    item_id: str
    consensus_n: int
    consensus_agree: int
    machine_n: int
    machine_agree: int

    @property
    def vs_consensus(self) -> float | None:
        """Share of calls on which the rater gave the consensus verdict."""
        return self.consensus_agree / self.consensus_n if self.consensus_n else None

    @property
    def vs_machine(self) -> float | None:
        """Share of calls on which the rater gave the machine's verdict."""
        return self.machine_agree / self.machine_n if self.machine_n else None


@dataclass(frozen=True, slots=True)
class Calibration:
    """A session, its calls and items (names only: the scoring is blind), its scores."""

    session: CalibrationSession
    calls: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    scores: tuple[CalibrationScore, ...]


@dataclass(frozen=True, slots=True)
class CalibrationResults:
    """A session with its raters and per-item agreement."""

    session: CalibrationSession
    calls: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    scores: tuple[CalibrationScore, ...]
    raters: tuple[int, ...]
    rows: tuple[CalibrationItem, ...]
    per_rater: tuple[RaterItem, ...] = ()

    def verdicts_of(self, user_id: int) -> dict[tuple[str, str], str]:
        """One rater's verdicts by ``(call id, item id)``.

        Args:
            user_id: The rater.

        Returns:
            Their verdicts so far.
        """
        return {(s.call_id, s.item_id): s.status for s in self.scores if s.user_id == user_id}

    def scored_all(self, user_id: int) -> bool:
        """Whether ``user_id`` scored every item of every call of the session.

        Args:
            user_id: The rater.

        Returns:
            ``True`` when nothing is left for them.
        """
        mine = self.verdicts_of(user_id)
        return all((c, i) in mine for c in self.calls for i, _ in self.items)


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """The machine's agreement with the final human verdicts on one item."""

    rubric_id: str
    rubric_version: str
    item_id: str
    name: str
    n: int
    agree: int
    fails: int
    fails_ok: int
    sampled: int
    agreement: float | None
    fail_precision: float | None
