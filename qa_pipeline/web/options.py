"""The workbench's knobs (``qa web`` fills them from ``Settings``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class WebOptions:
    """Knobs of the workbench (``qa web`` fills them from ``Settings``).

    Attributes:
        language: Page language (``zh`` → Chinese labels).
        timezone: Nights are local dates in this zone.
        rubrics: Loaded rubrics; their grades and critical items recompute scores, and a
            decision on an item a rubric lacks is refused.
        appeal_window_days: How long after scoring an agent may appeal.
        sample_rate: Share of machine passes/fails drawn into the review queue.
        due_days: Days an inspector has for a queue item assigned to them.
        mail: SMTP settings of the e-mail hook (``MailSettings``), ``None`` for none.
        ledger_window_days: The trust ledger counts decisions of this many days.
        ledger_floor: Default floor of an item (Wilson lower bound of agreement).
        ledger_min_checks: Below this many checks the ledger warns.
        secure_cookies: Mark cookies ``Secure`` (serve over HTTPS).
        session_hours: Login lifetime.
    """

    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    rubrics: tuple[Any, ...] = field(default=())
    appeal_window_days: float = 7.0
    sample_rate: float = 0.02
    due_days: float = 2.0
    mail: Any = None
    ledger_window_days: float = 90.0
    ledger_floor: float = 0.95
    ledger_min_checks: int = 30
    secure_cookies: bool = False
    session_hours: float = 12.0
