"""The workbench's reads and writes: calls, decisions, review queue, appeals, calibration.

Rights are checked here as well as in the web routes, both against the one table of
:mod:`qa_pipeline.review.permissions`: a user without ``VIEW_ALL_CALLS`` (an agent) only
ever reaches calls whose ``agent_id`` is theirs, and only ``DECIDE`` (inspectors) decides.
Reads return the frozen views of :mod:`qa_pipeline.review.views`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa_pipeline.review.base import PAGE_SIZE, STATES
from qa_pipeline.review.calibration import CalibrationMixin
from qa_pipeline.review.calls import CallsMixin
from qa_pipeline.review.decisions import DecisionsMixin
from qa_pipeline.review.finality import FinalityMixin
from qa_pipeline.review.ledger import queue_suggestions
from qa_pipeline.store.queries import Filters


class Workbench(CallsMixin, DecisionsMixin, FinalityMixin, CalibrationMixin):
    """The human-decision layer over a :class:`qa_pipeline.store.Store`.

    Args:
        store: An open store (migrated to 0002 or later).
        gradings: ``(rubric id, version) → Grading`` from the rubrics the site has; an
            evaluation whose rubric is missing is recomputed without grades.
        appeal_window: How long after scoring an agent may appeal.
        sample_rate: Share of machine passes and fails drawn into the review queue.
    """


def queue_scored(store: Any, call_ids: Sequence[str], rate: float) -> dict[str, int]:
    """Queue the review items and a stratified sample of the given freshly scored calls.

    What the night calls once it has stored a chunk of calls. Items the trust ledger
    says people must decide are queued first, as suggestions (see
    :func:`qa_pipeline.review.ledger.queue_suggestions`).

    Args:
        store: The open results store.
        call_ids: The calls just scored.
        rate: The share of machine passes and fails sampled.

    Returns:
        Entries added by reason (``suggestion``, ``review``, ``sample``).
    """
    if not call_ids:
        return {"suggestion": 0, "review": 0, "sample": 0}
    # first the ledger's suggestions (items people must decide), so the sample below
    # does not take them as sampled machine decisions
    added = {"suggestion": queue_suggestions(store, call_ids)}
    return added | Workbench(store, sample_rate=rate).fill_queue(call_ids=call_ids)


__all__ = ["PAGE_SIZE", "STATES", "Filters", "Workbench", "queue_scored"]
