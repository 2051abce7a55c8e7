"""Rubrics as data: schema, ``parse_rubric`` (pure), ``load_rubric`` (I/O), ``describe``."""

from __future__ import annotations

from qa_pipeline.rubric.loader import load_rubric, parse_rubric
from qa_pipeline.rubric.schema import Dimension, Item, Knowledge, Rubric
from qa_pipeline.scoring.registry import KINDS

CHECK_KINDS: tuple[str, ...] = tuple(KINDS)  # filled while the schema was built

__all__ = ["CHECK_KINDS", "Dimension", "Item", "Knowledge", "Rubric", "load_rubric", "parse_rubric"]
