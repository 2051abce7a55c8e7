"""What a check returns, and small helpers the check kinds share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa_pipeline.models import Status

if TYPE_CHECKING:  # kinds import this module while the rubric schema is being defined
    from qa_pipeline.scoring.context import Seg


@dataclass(frozen=True, slots=True)
class Outcome:
    """A check's verdict before the engine applies confidence and attribution rules.

    Attributes:
        status: pass / fail / na / review.
        reason: One plain sentence for the coach.
        evidence: Segments the verdict rests on (quoted in the result).
        hinge: Segments whose words decide a ``fail``; low confidence there → review.
        critical: For checks that decide criticality themselves (fact check); ``None``
            means "as the item declares".
        absent: For a fail because something was *not* said: the normalised phrases
            looked for; a low-confidence hinge segment leads to review only when it could
            be one of them misheard (``()``: any low-confidence hinge does). ``None``: a
            fail because something *was* said; review only when every hinge segment is
            low-confidence (one clearly heard violation is enough).
        how: How the deciding words matched when not plainly (``near``,
            ``sound_alike``): a feature of the verdict's confidence.
    """

    status: Status
    reason: str
    evidence: tuple[Seg, ...] = ()
    hinge: tuple[Seg, ...] = ()
    critical: bool | None = None
    absent: tuple[str, ...] | None = None
    how: str = ""


def passed(reason: str, *evidence: Seg) -> Outcome:
    """A pass with ``reason`` and its evidence."""
    return Outcome(Status.PASS, reason, tuple(evidence))


def failed(
    reason: str,
    evidence: tuple[Seg, ...] = (),
    hinge: tuple[Seg, ...] = (),
    absent: tuple[str, ...] | None = None,
) -> Outcome:
    """A fail; ``hinge`` (default: the evidence) decides review; ``absent``: what is missing."""
    return Outcome(Status.FAIL, reason, evidence, hinge or evidence, absent=absent)


def na(reason: str) -> Outcome:
    """Not applicable, with ``reason``."""
    return Outcome(Status.NA, reason)


def review(reason: str, *evidence: Seg) -> Outcome:
    """A person must check, with ``reason`` and its evidence."""
    return Outcome(Status.REVIEW, reason, tuple(evidence))


def quote(s: Seg, limit: int = 40) -> str:
    """The segment's text, cut to ``limit`` characters with an ellipsis."""
    text = s.text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of ``spans``."""
    return any(a <= start and end <= b for a, b in spans)


def occurrences(text: str, phrase: str) -> list[int]:
    """Every start position of ``phrase`` in ``text`` (overlapping ones too)."""
    out = []
    i = text.find(phrase)
    while i >= 0:
        out.append(i)
        i = text.find(phrase, i + 1)
    return out
