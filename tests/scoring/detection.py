"""The shipped rubric as the checks see it: critical fails decided, not proposed.

By default a critical fail (一票否决) the machine finds goes to ``review`` for a person
to confirm (``ScoringOptions.confirm_critical``). Tests of what a check *detects* load
the rubric with that confirmation off; ``test_confirm_critical.py`` tests the default.
"""

from __future__ import annotations

from pathlib import Path

from qa_pipeline.rubric.schema import RubricModel
from qa_pipeline.scoring import load_rubric

HOTLINE = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"


def detection_rubric(path: Path = HOTLINE) -> RubricModel:
    """``path`` loaded with ``scoring: {confirm_critical: false}``."""
    rubric = load_rubric(path)
    rubric.scoring["confirm_critical"] = False
    return rubric
