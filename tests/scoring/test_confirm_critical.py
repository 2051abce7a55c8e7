"""A critical fail (一票否决) the machine finds is a proposal a person confirms."""

from __future__ import annotations

from qa_pipeline.evaluation.tradeoff import Verdict, critical_errors, text_lines
from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, load_rubric, score_call
from tests.scoring.detection import HOTLINE, detection_rubric


def _hostile() -> Transcript:
    return Transcript(
        call_id="c",
        segments=[
            Segment(
                speaker="agent", start=0, end=3, text="您好，12345热线，工号1234。", confidence=0.95
            ),
            Segment(speaker="caller", start=4, end=8, text="你这什么态度！", confidence=0.95),
            Segment(
                speaker="agent",
                start=9,
                end=13,
                text="你冲我喊有什么用，政策又不是我定的。",
                confidence=0.95,
            ),
        ],
    )


def test_a_clear_critical_fail_goes_to_a_person_by_default() -> None:
    result = score_call(_hostile(), load_rubric(HOTLINE))
    item = result.item("no_hostility")
    assert item.status is Status.REVIEW
    assert "冲我喊" in item.reason and "一票否决项由机器提出，须人工确认" in item.reason
    assert [e.text for e in item.evidence][-1].startswith("你冲我喊")
    assert item.critical_failed and not result.critical_failed  # proposed, not zeroed
    assert result.score != 0.0  # no zero before a person confirms


def test_the_option_and_the_rubric_let_the_machine_decide() -> None:
    off = score_call(_hostile(), load_rubric(HOTLINE), ScoringOptions(confirm_critical=False))
    assert off.item("no_hostility").critical_failed and off.score == 0.0
    by_rubric = score_call(_hostile(), detection_rubric())
    assert by_rubric.item("no_hostility").status is Status.FAIL and by_rubric.critical_failed


def test_non_critical_fails_are_still_decided() -> None:
    t = Transcript(
        call_id="c",
        segments=[
            Segment(speaker="agent", start=0, end=3, text="喂。", confidence=0.95),
            Segment(speaker="caller", start=4, end=8, text="我想问一下居住证。", confidence=0.95),
        ],
    )
    assert score_call(t, load_rubric(HOTLINE)).item("opening").status is Status.FAIL


def test_evaluation_counts_proposals_not_decided_critical_fails() -> None:
    wrong = Verdict("c1", "no_hostility", "pass", "fail", 0.99, 0.5, True, True, confirm=True)
    right = Verdict("c2", "no_hostility", "fail", "fail", 0.99, 0.5, True, True, confirm=True)
    assert wrong.status() == "review" and wrong.status(0.0) == "review"
    crit = critical_errors([wrong, right])
    assert crit["invented"] == 0 and crit["proposed"] == 2 and crit["proposed_right"] == 1
    assert critical_errors([wrong, right], gate=False)["invented"] == 1
    assert any(
        "proposed" in line and ": 2, labelled fail: 1" in line
        for line in text_lines([wrong, right])
    )
