"""Verdicts survive heavy homophone noise added to the dev corpus's clean calls.

Every Chinese character is swapped, with probability p, for another character of the
corpus that has the same toneless pinyin (what Mandarin speech-to-text does), and half
the punctuation is dropped. Verdicts must stay those of the clean call.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from qa_pipeline.evaluation.scoring import homophone_noise
from qa_pipeline.intake.transcript_io import LabelledCall, load_labelled_call
from qa_pipeline.scoring import load_rubric, score_call

REPO = Path(__file__).resolve().parents[2]


def _clean_calls(corpus: Path) -> list[LabelledCall]:
    noisy = set((corpus / "noisy.txt").read_text(encoding="utf-8").split())
    return [load_labelled_call(p) for p in sorted(corpus.glob("dev_*.json")) if p.stem not in noisy]


@pytest.mark.parametrize(("p", "seed"), [(0.15, 1), (0.25, 2)])
def test_agreement_under_homophone_noise(shared_dir: Path, p: float, seed: int) -> None:
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    calls = _clean_calls(shared_dir / "corpus" / "dev")
    texts = [s.text for call in calls for s in call.transcript.segments]
    noise = homophone_noise(texts, p, random.Random(seed))

    agree = decided = changed = 0
    for call in calls:
        segs = tuple(replace(s, text=noise(s.text)) for s in call.transcript.segments)
        changed += sum(
            a.text != b.text for a, b in zip(segs, call.transcript.segments, strict=True)
        )
        result = score_call(replace(call.transcript, segments=segs), rubric)
        for item_id, expected in call.expected:
            got = str(result.item(item_id).status)
            if got != "review":
                decided += 1
                agree += got == expected
    assert changed > 100  # the noise really touched the calls
    assert decided >= 0.95 * 28 * 11
    assert agree / decided >= 0.97
