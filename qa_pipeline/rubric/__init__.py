"""Rubrics as data: schema, ``parse_rubric`` (pure), ``load_rubric`` (I/O), ``describe``.

This package knows no check kind: the caller hands the kinds over
(``parse_rubric(data, kinds=…)``). :func:`qa_pipeline.scoring.load_rubric` does that
with every kind the scoring engine registers.
"""

from __future__ import annotations

from qa_pipeline.rubric.loader import KindSet, load_rubric, parse_rubric, rubric_model
from qa_pipeline.rubric.schema import Dimension, Item, Knowledge, Rubric

__all__ = [
    "Dimension",
    "Item",
    "KindSet",
    "Knowledge",
    "Rubric",
    "load_rubric",
    "parse_rubric",
    "rubric_model",
]
