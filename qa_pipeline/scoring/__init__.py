"""Scoring engine: ``score_call(transcript, rubric) -> CallScore`` and the check registry.

Light by design: importing it loads no torch, transformers, faster_whisper, ctranslate2,
prefect or librosa (the optional emotion classifier imports transformers when used).
Rubrics are loaded through :func:`load_rubric` here, which hands the rubric parser every
registered check kind.
"""

from __future__ import annotations

from qa_pipeline.scoring.engine import score_call
from qa_pipeline.scoring.options import ScoringOptions
from qa_pipeline.scoring.registry import CHECKS, kind_set
from qa_pipeline.scoring.rubrics import load_rubric, parse_rubric
from qa_pipeline.scoring.text import normalise

__all__ = [
    "CHECKS",
    "ScoringOptions",
    "kind_set",
    "load_rubric",
    "normalise",
    "parse_rubric",
    "score_call",
]
