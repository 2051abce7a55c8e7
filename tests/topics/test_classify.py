"""Topic per call: caller turns only, held-out accuracy, unknown below the threshold."""

from __future__ import annotations

from collections import Counter

import pytest

from qa_pipeline.errors import ConfigError
from qa_pipeline.models import AGENT, CALLER, Segment
from qa_pipeline.topics import UNKNOWN, load_taxonomy
from qa_pipeline.topics.classify import (
    SECOND_SET,
    LabelledCall,
    TopicClassifier,
    TopicOptions,
    accuracy,
    caller_text,
    cv_threshold,
    default_classifier,
    load_labelled,
    shipped_sets,
    split_of,
)

#: The issue's target for the held-out half of the second set; measured 94.2 % (81/86)
#: when the classifier was built (benchmarks/topic_accuracy.py, docs/reports.md).
HELD_OUT_FLOOR = 0.90


def test_labelled_calls_cover_every_subtopic_and_split_by_id() -> None:
    first, second = load_labelled(), load_labelled(SECOND_SET)
    assert len(first) >= 160 and len(second) >= 120
    both = [*first, *second]
    assert len({c.id for c in both}) == len(both)
    leaves = {t.id for t in load_taxonomy().leaves}
    assert {c.topic for c in second} == leaves | {UNKNOWN}  # and requests no topic fits
    assert {c.topic for c in both} - {UNKNOWN} == leaves
    halves = Counter(split_of(c.id) for c in second)
    assert halves["train"] > 40 and halves["heldout"] > 40
    assert split_of("tc001") == split_of("tc001")  # fixed, not random
    sets = shipped_sets()
    assert not {c.id for c in sets.held_out} & {c.id for c in sets.tuning}


def test_held_out_accuracy() -> None:
    clf = default_classifier()
    assert accuracy(clf, shipped_sets().held_out) >= HELD_OUT_FLOOR


def test_shipped_threshold_is_the_cross_validated_one() -> None:
    """The threshold was chosen by 5-fold cross-validation within the tuning data."""
    chosen, curve = cv_threshold(load_taxonomy(), shipped_sets().tuning)
    assert TopicOptions().threshold == chosen
    assert curve[chosen] > 0.9


#: Speech-to-text writes a homophone for a taxonomy word (公租房 → 公组房): heard by sound.
HOMOPHONE_SLIPS = [
    ("你好，我想问问那个公组房怎么申请，我们家没房子", "housing.public_rental"),
    ("我的社宝卡前两天丢了，要去哪补办", "social_security.card"),
    ("我想问一下医宝在外地看病能报多少", "social_security.medical"),
    ("我的失业斤这个月怎么没发", "social_security.unemployment"),
    ("那个居主证到期了要怎么续", "public_security.residence_permit"),
    ("我的驾驶正下个月到期了，在哪换", "transport.vehicle"),
    ("老板拖欠公资三个月了，一分钱都没给", "labor.wages"),
    ("我们小区的物页费又涨了，服务还是那么差", "housing.property"),
    ("楼下的噪因太大了，晚上根本睡不着", "environment.noise"),
    ("买二手房的契水怎么交，我是首套", "tax.property"),
    ("孩子明年入雪，要准备什么材料", "education.enrolment"),
    ("在哪里可以打狂犬一苗", "health.vaccination"),
]


def test_homophone_slips_are_heard() -> None:
    clf = default_classifier()
    guesses = clf.classify([text for text, _ in HOMOPHONE_SLIPS])
    labels = [label for _, label in HOMOPHONE_SLIPS]
    assert [g.best for g in guesses] == labels  # never another topic; unsure → unknown
    placed = sum(g.topic == label for g, label in zip(guesses, labels, strict=True))
    assert placed >= 10
    deaf = TopicClassifier.train(
        load_taxonomy(), list(shipped_sets().tuning), TopicOptions(sound_weight=0.0)
    )
    by_text = deaf.classify([text for text, _ in HOMOPHONE_SLIPS])
    assert sum(g.topic == label for g, label in zip(by_text, labels, strict=True)) < placed
    # a sound alike is worth less than the word written: 国企 is not 过期 (expired food)
    same_sound = clf.classify(["以前在国企上班的那几年能不能算工龄，我快退休了"])[0]
    assert same_sound.topic == "social_security.pension"


def test_caller_turns_only() -> None:
    segments = [
        Segment(AGENT, 0, 1, "您好，12345热线，请问有什么可以帮您，公租房"),
        Segment(CALLER, 1, 3, "我们楼下的垃圾桶三天没人清运了"),
        {"speaker": "caller", "text": "臭得不行"},
    ]
    text = caller_text(segments)
    assert text == "我们楼下的垃圾桶三天没人清运了，臭得不行"
    guess = default_classifier().classify([text])[0]
    assert guess.topic == "environment.garbage"
    assert default_classifier().options.threshold <= guess.confidence <= 1


def test_low_confidence_is_unknown_not_a_guess() -> None:
    clf = default_classifier()
    guesses = clf.classify(["小区的电动车充电桩太少了，晚上充不上电", "", "嗯嗯好的"])
    assert [g.topic for g in guesses] == [UNKNOWN] * 3
    assert guesses[0].best != UNKNOWN and guesses[0].confidence < clf.options.threshold


def test_training_rejects_topics_outside_the_taxonomy() -> None:
    with pytest.raises(ConfigError, match="not in"):
        TopicClassifier.train(load_taxonomy(), [LabelledCall("x", "housing.nope", "房子")])
