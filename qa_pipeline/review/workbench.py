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
from qa_pipeline.review.mail import MailSettings
from qa_pipeline.review.queueing import QueueMixin
from qa_pipeline.store.queries import Filters


class Workbench(CallsMixin, DecisionsMixin, QueueMixin, FinalityMixin, CalibrationMixin):
    """The human-decision layer over a :class:`qa_pipeline.store.Store`.

    Args:
        store: An open store (migrated to 0002 or later).
        gradings: ``(rubric id, version) → Grading`` from the rubrics the site has; an
            evaluation whose rubric is missing is recomputed without grades.
        appeal_window: How long after scoring an agent may appeal.
        sample_rate: Share of machine passes and fails drawn into the review queue.
        due_days: Days an inspector has for an item assigned to them.
        mail: SMTP settings of the e-mail hook (``None``: notices in the workbench only).
    """


def queue_scored(
    store: Any,
    call_ids: Sequence[str],
    rate: float,
    due_days: float = 2.0,
    mail: MailSettings | None = None,
) -> dict[str, int]:
    """Queue the review items and a stratified sample of the given freshly scored calls.

    What the night calls once it has stored a chunk of calls. Items the trust ledger
    says people must decide are queued first, as suggestions (see
    :func:`qa_pipeline.review.ledger.queue_suggestions`); the new items are assigned
    to inspectors (who are told, by e-mail too when ``mail`` is set).

    Args:
        store: The open results store.
        call_ids: The calls just scored.
        rate: The share of machine passes and fails sampled.
        due_days: Days an inspector has for an item assigned to them.
        mail: SMTP settings of the e-mail hook, if the site has one.

    Returns:
        Entries added by reason (``suggestion``, ``review``, ``sample``).
    """
    if not call_ids:
        return {"suggestion": 0, "review": 0, "sample": 0}
    # first the ledger's suggestions (items people must decide), so the sample below
    # does not take them as sampled machine decisions
    added = {"suggestion": queue_suggestions(store, call_ids)}
    bench = Workbench(store, sample_rate=rate, due_days=due_days, mail=mail)
    return added | bench.fill_queue(call_ids=call_ids)


__all__ = ["PAGE_SIZE", "STATES", "Filters", "Workbench", "queue_scored"]
