"""Critical items never pass (or fail) silently on what may have been misheard (issue 18).

The cases are in ``misheard_cases.py``, each class split into a tuning half and a
held-out half; both halves run here. ``python -m tests.scoring.test_misheard`` prints the
figures per half.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, load_rubric
from qa_pipeline.scoring import score_call as _score_call
from qa_pipeline.scoring.misheard import literal_forms
from tests.scoring import misheard_cases as mc

REPO = Path(__file__).resolve().parents[2]
GREETING = "您好，12345热线，工号1001，请问有什么可以帮您？"
OPEN = Segment("agent", 0.5, 5.0, GREETING, confidence=0.95)


#: the engine's rules alone: the fitted confidence gate (scoring/confidence.py, refitted
#: by qa eval calibrate) is tested in tests/scoring/test_confidence.py
RULES = ScoringOptions(confidence_model=None, confirm_critical=False)


def score_call(transcript, rubric, options=None):
    return _score_call(transcript, rubric, options or RULES)


def _rubric():
    return load_rubric(REPO / "rubrics" / "hotline_12345.yaml")


@pytest.fixture(scope="module")
def hotline():
    return _rubric()


def agent_turn(text: str, conf: float) -> Transcript:
    """A call whose agent says ``text`` (heard at ``conf``) after a neutral question."""
    return Transcript(
        call_id="m",
        segments=(
            OPEN,
            Segment("caller", 5.5, 9.0, "你好我想问个事情。", confidence=0.95),
            Segment("agent", 9.5, 18.0, text, confidence=conf),
            Segment("caller", 40.0, 41.0, "嗯。", confidence=0.95),
        ),
    )


def rate_call(ask: str, ask_conf: float, answer: str, answer_conf: float) -> Transcript:
    """A 契税 question and its answer, each heard at its confidence."""
    return Transcript(
        call_id="r",
        segments=(
            OPEN,
            Segment("caller", 5.5, 12.0, ask, confidence=ask_conf),
            Segment("agent", 12.5, 22.0, answer, confidence=answer_conf),
            Segment("caller", 40.0, 41.0, "好的，谢谢。", confidence=0.95),
        ),
    )


def status(rubric, t: Transcript, item: str) -> Status:
    return score_call(t, rubric).item(item).status


def test_literal_forms_of_patterns() -> None:
    assert literal_forms("冲我(喊|嚷)") == {"冲我喊", "冲我嚷"}
    forms = {"你有病", "你才有病", "你有毛病", "你才有毛病"}
    assert literal_forms("你(才)?有(病|毛病)(?!历)") == forms
    assert literal_forms("我说了(几|\\d+)遍") == {"我说了几遍"}  # the open branch is left out
    assert literal_forms("爱投诉\\D{0,3}就投诉") == set()  # a fragment is not the sentence
    assert literal_forms("(") == set()


@pytest.mark.parametrize("text,conf", mc.HOSTILE_MISHEARD + mc.HOSTILE_MISHEARD_HELD_OUT)
def test_hostile_wording_misheard_goes_to_review(hotline, text: str, conf: float) -> None:
    item = score_call(agent_turn(text, conf), hotline).item("no_hostility")
    assert item.status is Status.REVIEW, item.reason
    assert "音近" in item.reason and item.evidence


@pytest.mark.parametrize("text,conf", mc.POLITE_SHARED + mc.POLITE_SHARED_HELD_OUT)
def test_polite_turn_sharing_sounds_passes(hotline, text: str, conf: float) -> None:
    item = score_call(agent_turn(text, conf), hotline).item("no_hostility")
    assert item.status is Status.PASS, item.reason


@pytest.mark.parametrize("ask,answer,conf", mc.RATES_LOW + mc.RATES_LOW_HELD_OUT)
def test_policy_numbers_heard_at_low_confidence_go_to_review(
    hotline, ask: str, answer: str, conf: float
) -> None:
    assert status(hotline, rate_call(ask, 0.95, answer, 0.95), "deed_tax_rate") is Status.PASS
    item = score_call(rate_call(ask, 0.95, answer, conf), hotline).item("deed_tax_rate")
    assert item.status is Status.REVIEW, item.reason


@pytest.mark.parametrize("ask,ask_conf,answer,answer_conf", mc.FAIL_LOW + mc.FAIL_LOW_HELD_OUT)
def test_critical_fail_on_low_confidence_words_goes_to_review(
    hotline, ask: str, ask_conf: float, answer: str, answer_conf: float
) -> None:
    clear = score_call(rate_call(ask, 0.95, answer, 0.95), hotline).item("deed_tax_rate")
    assert clear.critical_failed, clear.reason
    item = score_call(rate_call(ask, ask_conf, answer, answer_conf), hotline).item("deed_tax_rate")
    assert item.status is Status.REVIEW and not item.critical_failed, item.reason


def test_clearly_heard_hostility_still_fails(hotline) -> None:
    item = score_call(agent_turn("你冲我喊有什么用，又不是我定的。", 0.5), hotline).item(
        "no_hostility"
    )
    assert item.status is Status.REVIEW  # every hit low-confidence: review (as before)
    item = score_call(agent_turn("你冲我喊有什么用，又不是我定的。", 0.9), hotline).item(
        "no_hostility"
    )
    assert item.critical_failed


def test_sound_alike_at_high_confidence_needs_identical_sounds(hotline) -> None:
    # one syllable wrong (tong/dong) is enough only when the turn was heard at low confidence
    text = "你是听不通人话吗，我刚才不是讲了。"
    assert status(hotline, agent_turn(text, 0.9), "no_hostility") is Status.PASS
    # identical fuzzy pinyin (充我让 = 冲我嚷) is doubtful at any confidence
    text = "你充我让让有什么用啊，这个事我也管不了。"
    assert status(hotline, agent_turn(text, 0.9), "no_hostility") is Status.REVIEW


def test_identical_sounds_rule_can_be_switched_off(hotline) -> None:
    from qa_pipeline.scoring import ScoringOptions

    t = agent_turn("你充我让让有什么用啊，这个事我也管不了。", 0.9)
    off = ScoringOptions(exact_sound_min_len=0, confirm_critical=False)
    assert score_call(t, hotline, off).item("no_hostility").status is Status.PASS


def _figures() -> None:  # pragma: no cover - a report for docs/rubrics.md
    rubric = _rubric()
    classes = {
        "hostile misheard → review": (
            (mc.HOSTILE_MISHEARD, mc.HOSTILE_MISHEARD_HELD_OUT),
            lambda c: status(rubric, agent_turn(*c), "no_hostility") is Status.REVIEW,
        ),
        "polite sharing sounds → pass": (
            (mc.POLITE_SHARED, mc.POLITE_SHARED_HELD_OUT),
            lambda c: status(rubric, agent_turn(*c), "no_hostility") is Status.PASS,
        ),
        "policy numbers low → review": (
            (mc.RATES_LOW, mc.RATES_LOW_HELD_OUT),
            lambda c: (
                status(rubric, rate_call(c[0], 0.95, c[1], c[2]), "deed_tax_rate") is Status.REVIEW
            ),
        ),
        "critical fail on low words → review": (
            (mc.FAIL_LOW, mc.FAIL_LOW_HELD_OUT),
            lambda c: status(rubric, rate_call(*c), "deed_tax_rate") is Status.REVIEW,
        ),
    }
    for name, ((tune, held), ok) in classes.items():
        t, h = sum(map(ok, tune)), sum(map(ok, held))
        print(f"{name}: tuning {t}/{len(tune)}, held out {h}/{len(held)}")


if __name__ == "__main__":  # pragma: no cover
    _figures()
