"""Agreement with the labelled dev corpus and the rubrics' golden examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.evaluation.scoring import evaluate_corpus, run_examples
from qa_pipeline.intake.transcript_io import load_labelled_call
from qa_pipeline.scoring import ScoringOptions, load_rubric
from qa_pipeline.scoring import score_call as _score_call

REPO = Path(__file__).resolve().parents[2]
RUBRICS = sorted((REPO / "rubrics").glob("*.yaml"))


#: the engine's rules alone: the fitted confidence gate (scoring/confidence.py, refitted
#: by qa eval calibrate) is tested in tests/scoring/test_confidence.py
RULES = ScoringOptions(confidence_model=None, confirm_critical=False)


def score_call(transcript, rubric, options=None):
    return _score_call(transcript, rubric, options or RULES)


@pytest.fixture(scope="module")
def hotline():
    return load_rubric(REPO / "rubrics" / "hotline_12345.yaml")


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.name)
def test_golden_examples_pass(path: Path) -> None:
    results = run_examples(load_rubric(path))
    assert results, "every shipped rubric has golden examples"
    assert [r for r in results if not r.ok] == []


def test_dev_corpus_agreement(shared_dir: Path, hotline) -> None:
    report = evaluate_corpus(hotline, shared_dir / "corpus" / "dev")
    summary = report.summary()
    assert report.calls == 36
    assert summary["subsets"]["clean"]["accuracy"] >= 0.99, report.disagreements
    assert summary["subsets"]["noisy"]["accuracy"] >= 0.97, report.disagreements
    assert summary["review_rate"] <= 0.05


def test_critical_fails_match_corpus_readme(shared_dir: Path, hotline) -> None:
    corpus = shared_dir / "corpus" / "dev"
    critical = {"dev_001", "dev_006", "dev_007", "dev_013", "dev_016", "dev_020", "dev_023",
                "dev_026", "dev_036"}  # fmt: skip
    for path in sorted(corpus.glob("dev_*.json")):
        result = score_call(load_labelled_call(path).transcript, hotline)
        assert result.critical_failed == (path.stem in critical), path.name
        if result.critical_failed:
            assert result.score == 0.0
    for stem in ("dev_028", "dev_031"):  # non-critical deed-tax fails
        result = score_call(load_labelled_call(corpus / f"{stem}.json").transcript, hotline)
        item = result.item("deed_tax_rate")
        assert str(item.status) == "fail" and not item.critical_failed
