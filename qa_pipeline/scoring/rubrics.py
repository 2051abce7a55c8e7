"""Rubrics for this engine: the rubric parser with every registered check kind."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qa_pipeline import rubric
from qa_pipeline.rubric.schema import RubricModel
from qa_pipeline.scoring.registry import kind_set


def load_rubric(path: str | Path) -> RubricModel:
    """Load and validate a rubric file against the kinds this engine runs.

    Raises:
        RubricError: the file is missing, not YAML, or not a valid rubric.
    """
    return rubric.load_rubric(path, kinds=kind_set())


def parse_rubric(mapping: Mapping[str, Any], source: str = "<mapping>") -> RubricModel:
    """Validate a rubric mapping against the kinds this engine runs (pure; no I/O).

    Raises:
        RubricError: naming the source, the item and the field at fault.
    """
    return rubric.parse_rubric(mapping, source, kinds=kind_set())
