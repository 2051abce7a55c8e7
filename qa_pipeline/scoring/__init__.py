"""Scoring engine: ``score_call(transcript, rubric) -> CallScore`` and the check registry.

Light by design: importing it loads no torch, transformers, faster_whisper, ctranslate2,
prefect or librosa (the optional emotion classifier imports transformers when used).
"""

from __future__ import annotations

from qa_pipeline.scoring.engine import score_call
from qa_pipeline.scoring.options import ScoringOptions
from qa_pipeline.scoring.registry import CHECKS
from qa_pipeline.scoring.text import normalise

__all__ = ["CHECKS", "ScoringOptions", "normalise", "score_call"]
