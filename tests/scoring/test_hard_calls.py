"""Verdicts on extra calls in other words than the dev corpus (guards against overfitting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.models import Segment, Transcript
from qa_pipeline.scoring import score_call
from tests.scoring.detection import detection_rubric

from .hard_calls import CALLS

REPO = Path(__file__).resolve().parents[2]


def build(name: str, rows: list[tuple[object, ...]]) -> Transcript:
    segs = []
    for row in rows:
        if len(row) == 2:
            segs.append(Segment(str(row[0]), None, None, str(row[1])))
        else:
            conf = float(row[4]) if len(row) > 4 else None  # type: ignore[arg-type]
            segs.append(Segment(str(row[0]), float(row[1]), float(row[2]), str(row[3]), conf))  # type: ignore[arg-type]
    return Transcript(call_id=name, segments=tuple(segs))


@pytest.fixture(scope="module")
def rubric():
    return detection_rubric()  # critical fails decided: what the checks detect


@pytest.mark.parametrize(("name", "rows", "expected"), CALLS, ids=[c[0] for c in CALLS])
def test_hard_call_verdicts(name: str, rows, expected: dict[str, str], rubric) -> None:
    result = score_call(build(name, rows), rubric)
    got = {k: str(result.item(k).status) for k in expected}
    reasons = {k: result.item(k).reason for k in expected if got[k] != expected[k]}
    assert got == expected, reasons


def test_wrong_rate_is_critical_and_zeroes_score(rubric) -> None:
    name, rows, _ = next(c for c in CALLS if c[0] == "wrong_rate_colloquial")
    result = score_call(build(name, rows), rubric)
    assert result.item("deed_tax_rate").critical_failed
    assert result.score == 0.0 and result.critical_failed
