"""The check-kind registry: ``kind name -> function(ctx, item, params) -> Outcome``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qa_pipeline.scoring.base import Outcome
from qa_pipeline.scoring.checks_emotion import emotion_trigger
from qa_pipeline.scoring.checks_text import (
    coverage,
    hostility,
    phrase_absent,
    phrase_present,
    regex,
    sequence,
)
from qa_pipeline.scoring.checks_timing import gap_etiquette, overlap_count
from qa_pipeline.scoring.facts import fact_check

CheckFn = Callable[[Any, Any, Any], Outcome]

CHECKS: dict[str, CheckFn] = {
    "phrase_present": phrase_present,
    "phrase_absent": phrase_absent,
    "regex": regex,
    "sequence": sequence,
    "coverage": coverage,
    "fact_check": fact_check,
    "overlap_count": overlap_count,
    "gap_etiquette": gap_etiquette,
    "emotion_trigger": emotion_trigger,
    "hostility": hostility,
}
