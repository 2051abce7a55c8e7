"""Rubric as code: re-score stored calls with two rubric versions, list what would change.

A rubric owner sees the effect of an edit before it goes live: every (call, item) whose
verdict differs between the old and the new rubric, with both reasons. Stored transcripts
are redacted, so both versions score the same redacted text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from qa_pipeline.models import Transcript
from qa_pipeline.rubric.schema import RubricModel
from qa_pipeline.scoring.engine import score_call
from qa_pipeline.scoring.options import ScoringOptions


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """One item of one call whose verdict the new rubric changes."""

    call_id: str
    item_id: str
    old: str  # status, "—" when the item is not in that rubric
    new: str
    old_reason: str
    new_reason: str
    critical: tuple[bool, bool] = (False, False)

    def to_dict(self) -> dict[str, object]:
        """The change as a JSON-ready mapping."""
        return {
            "call_id": self.call_id,
            "item_id": self.item_id,
            "old": self.old,
            "new": self.new,
            "old_reason": self.old_reason,
            "new_reason": self.new_reason,
            "old_critical": self.critical[0],
            "new_critical": self.critical[1],
        }


@dataclass
class RubricDiff:
    """The changes over all calls, with per-item counts and score moves."""

    calls: int = 0
    changes: list[VerdictChange] = field(default_factory=list)
    score_moves: list[tuple[str, float | None, float | None]] = field(default_factory=list)

    def by_item(self) -> dict[str, Counter[str]]:
        """``item -> Counter("old→new")``."""
        out: dict[str, Counter[str]] = {}
        for c in self.changes:
            out.setdefault(c.item_id, Counter())[f"{c.old}→{c.new}"] += 1
        return out


def diff_rubrics(
    old: RubricModel,
    new: RubricModel,
    transcripts: Iterable[Transcript],
    options: ScoringOptions | None = None,
) -> RubricDiff:
    """Score every transcript with both rubrics and collect the verdicts that change.

    A verdict changes when the status differs or the item becomes (or stops being) a
    critical fail; items only one rubric has are listed with ``—`` on the other side.
    """
    out = RubricDiff()
    for t in transcripts:
        out.calls += 1
        a = score_call(t, old, options)
        b = score_call(t, new, options)
        olds = {it.item_id: it for it in a.items}
        news = {it.item_id: it for it in b.items}
        for item_id in list(dict.fromkeys([*olds, *news])):
            x, y = olds.get(item_id), news.get(item_id)
            xs = str(x.status) if x else "—"
            ys = str(y.status) if y else "—"
            xc = bool(x and x.critical_failed)
            yc = bool(y and y.critical_failed)
            if xs != ys or xc != yc:
                why = (x.reason if x else "", y.reason if y else "")
                out.changes.append(VerdictChange(t.call_id, item_id, xs, ys, *why, (xc, yc)))
        if a.score != b.score:
            out.score_moves.append((t.call_id, a.score, b.score))
    return out
