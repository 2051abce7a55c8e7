"""General mechanisms that carry scoring beyond the wordings it was built with.

Each test is one failure class (near-exact wording, who is the subject, reported speech,
sound-alike matches on a critical item, restatement by echo, distress in plain words,
denials, numbers in context, misheard topic words, low confidence that matters), with
sentences written for these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, load_rubric
from qa_pipeline.scoring import score_call as _score_call
from qa_pipeline.scoring.search import could_say

REPO = Path(__file__).resolve().parents[2]
OPEN = ("agent", 0.5, 5.0, "您好，12345热线，工号1001，请问有什么可以帮您？")


#: the engine's rules alone: the fitted confidence gate (scoring/confidence.py, refitted
#: by qa eval calibrate) is tested in tests/scoring/test_confidence.py
RULES = ScoringOptions(confidence_model=None, confirm_critical=False)


def score_call(transcript, rubric, options=None):
    return _score_call(transcript, rubric, options or RULES)


@pytest.fixture(scope="module")
def hotline():
    return load_rubric(REPO / "rubrics" / "hotline_12345.yaml")


def call(*turns: tuple[str, float, float, str] | tuple[str, float, float, str, float]):
    segs = []
    end = ("caller", 40.0, 41.0, "嗯。")  # past 20 s, so no item is na for a short call
    for t in (OPEN, *turns, end):
        conf = t[4] if len(t) > 4 else None  # type: ignore[misc]
        segs.append(Segment(t[0], t[1], t[2], t[3], confidence=conf))
    return Transcript(call_id="g", segments=tuple(segs))


def agent_says(hotline, text: str, item: str):
    t = call(("caller", 5.5, 9.0, "你好我想问个事。"), ("agent", 9.5, 18.0, text))
    return score_call(t, hotline).item(item)


@pytest.mark.parametrize(
    "text",
    [
        "这个我不太清楚。",
        "这个不归我们12345管。",
        "我们也没得办法。",
        "这个我不晓得。",
        "不归咱这管。",
    ],
)
def test_near_exact_forbidden_wording_fails_and_says_how(hotline, text: str) -> None:
    it = agent_says(hotline, text, "forbidden_phrases")
    assert it.status is Status.FAIL
    assert "说出禁语" in it.reason and "秒处" in it.reason


@pytest.mark.parametrize(
    "text",
    [
        "您不知道是哪个骑手对不对，没关系我帮您查。",
        "这个政策很多人都不知道，今年刚调整的。",
        "您是说物业跟您说爱找谁找谁是吧，我们帮您督办。",
        "您要是不清楚流程，我一步一步跟您说。",
        "随便您选哪天过来都行。",
    ],
)
def test_caller_or_others_as_subject_and_reported_speech_are_not_forbidden(
    hotline, text: str
) -> None:
    assert agent_says(hotline, text, "forbidden_phrases").status is Status.PASS


def test_sound_alike_hostility_is_review_never_a_critical_fail(hotline) -> None:
    it = agent_says(hotline, "对就是那个方式了解清楚以后您就可以网上办了", "no_hostility")
    assert it.status is Status.REVIEW and not it.critical_failed
    assert "音近" in it.reason and it.evidence


def test_hostility_said_as_such_is_a_critical_fail(hotline) -> None:
    it = agent_says(hotline, "漏了一个多月您才打电话，早干嘛去了？", "no_hostility")
    assert it.status is Status.FAIL and it.critical_failed
    assert "言语失控" in it.reason


def test_restating_by_echoing_the_callers_facts_confirms(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我家住东湖街道幸福里小区，9号楼3单元401，停水了。"),
        ("agent", 12.5, 18.0, "幸福里小区9号楼3单元401。整个小区都停了吗？"),
    )
    assert score_call(t, hotline).item("confirm_request").status is Status.PASS


def test_checking_a_document_is_not_confirming_the_request(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我想问一下居住证要带什么。"),
        ("agent", 12.5, 18.0, "我核实一下系统里的最新政策文件，要带身份证和照片。"),
        ("caller", 18.5, 22.0, "好的，谢谢。"),
    )
    assert score_call(t, hotline).item("confirm_request").status is Status.FAIL


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("我这心里慌得不行，一宿一宿地睡不踏实。", Status.FAIL),
        ("我这周已经往税务大厅跑了四趟了，腿都快跑细了。", Status.FAIL),
        ("我倒也不生气，就是想反映一下。", Status.NA),
        ("我丈母娘急死了，其实我们俩倒不急。", Status.NA),
    ],
)
def test_distress_in_plain_words_with_negation_and_calm(hotline, caller, expected) -> None:
    t = call(
        ("caller", 5.5, 12.0, caller),
        ("agent", 12.5, 18.0, "好的，您的地址是哪里？"),
        ("caller", 18.5, 20.0, "东湖小区。"),
        ("agent", 20.5, 24.0, "好的，我记一下。"),
    )
    assert score_call(t, hotline).item("empathy").status is expected


def test_acknowledgement_in_own_words_passes(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我这心里慌得不行，一宿一宿地睡不踏实。"),
        ("agent", 12.5, 18.0, "老人家卧床，这一宿确实够您熬的。"),
    )
    assert score_call(t, hotline).item("empathy").status is Status.PASS


def test_a_denied_requirement_is_not_an_invented_condition(hotline) -> None:
    t = call(
        ("caller", 5.5, 9.0, "居住证怎么办？"),
        (
            "agent",
            9.5,
            20.0,
            "在本市居住满半年，有合法稳定就业或者合法稳定住所之一就可以，社保不是必须的。",
        ),
    )
    assert score_call(t, hotline).item("residence_permit_conditions").status is Status.PASS


@pytest.mark.parametrize(
    ("agent", "status", "critical"),
    [
        ("您这个情况不是百分之一点五。首套140平方米及以下按1%。", Status.PASS, False),
        ("正好140的，属于140及以下，不算超过，您这套按1%。", Status.PASS, False),
        ("140整的算到上面了，您这套就按百分之一点五交。", Status.FAIL, True),
    ],
)
def test_rates_in_context_denial_and_the_exact_threshold(hotline, agent, status, critical):
    t = call(
        ("caller", 5.5, 12.0, "我买首套新房，面积正好140平方米，契税交多少？中介说百分之一点五。"),
        ("agent", 12.5, 24.0, agent),
    )
    it = score_call(t, hotline).item("deed_tax_rate")
    assert (it.status, it.critical_failed) == (status, critical)


@pytest.mark.parametrize("heard", ["七岁", "汽水", "器税"])
def test_misheard_topic_word_with_knowledge_words_still_makes_the_topic(hotline, heard) -> None:
    t = call(
        ("caller", 5.5, 12.0, f"我想问一下买首套房{heard}怎么交，一百二十平的。"),
        ("agent", 12.5, 24.0, "首套140平方米及以下是1%，带上身份证和购房合同。"),
    )
    assert score_call(t, hotline).item("deed_tax_rate").status is Status.PASS


def test_a_stray_sound_alike_is_not_a_topic(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我家孩子七岁了，想问问上学的事。"), ("agent", 12.5, 15, "好的。")
    )
    assert score_call(t, hotline).item("deed_tax_rate").status is Status.NA


def test_low_confidence_matters_only_where_it_could_change_the_verdict(hotline) -> None:
    base = [
        ("caller", 5.5, 12.0, "我家门口路灯坏了。"),
        ("agent", 12.5, 18.0, "好的，我们转给路灯管理所处理。", 0.5),  # garbled, unrelated
        ("caller", 18.5, 22.0, "好的谢谢。"),
    ]
    assert score_call(call(*base), hotline).item("confirm_request").status is Status.FAIL
    base[1] = (
        "agent",
        12.5,
        18.0,
        "我跟你和是一下，你反应的是路灯坏了。",
        0.5,
    )  # could be 核实一下
    out = score_call(call(*base), hotline).item("confirm_request")
    assert out.status in (Status.PASS, Status.REVIEW)


def test_could_say_allows_one_wrong_syllable_in_long_phrases() -> None:
    assert could_say("我跟你和是1下", ("核实1下",))
    assert not could_say("及以下的契税", ("记下的是",))
    assert not could_say("东湖小区", ("核实1下",))


UPSET = [
    "这都第三回了还没人来修，我真是服了。",
    "你们这办事效率真是让人佩服啊。",
    "这都半个月了，一点动静都没有。",
    "孩子明天就开学了，证还没办下来，我愁得一晚上没睡。",
    "每次打过来都说让等，等到什么时候啊？",
]
CALM = [
    "我想问一下居住证怎么办，我来这边上班都半年了。",
    "我上回打过一次，你们说三天内回复，已经回复了，谢谢。",
    "我家老人去年住院花了不少钱，想问问医保报销。",
    "我们家跑了两趟派出所，都办好了，现在就差社保卡。",
    "这个事也不急，你们看着安排。",
]


@pytest.mark.parametrize(
    ("caller", "expected"), [(c, Status.FAIL) for c in UPSET] + [(c, Status.NA) for c in CALM]
)
def test_upset_and_calm_callers_in_other_words(hotline, caller, expected) -> None:
    t = call(("caller", 5.5, 15.0, caller), ("agent", 15.5, 25.0, "好的，我帮您登记。"))
    assert score_call(t, hotline).item("empathy").status is expected


@pytest.mark.parametrize(
    "agent",
    [
        "这事确实闹心，我马上帮您催。",
        "换了谁都着急。",
        "您受累了。",
        "您先别上火。",
        "真是难为您了。",
    ],
)
def test_acknowledgements_in_other_words(hotline, agent) -> None:
    t = call(("caller", 5.5, 15.0, "这都第三回了还没人来修。"), ("agent", 15.5, 25.0, agent))
    assert score_call(t, hotline).item("empathy").status is Status.PASS


@pytest.mark.parametrize(
    "text",
    [
        "这事儿我们也不太清楚。",
        "这不归我们这边管。",
        "你去问别人吧。",
        "跟我说也没什么用。",
        "我已经说过了好几遍了。",
        "我们这儿也没啥办法。",
        "您爱找谁找谁去。",
    ],
)
def test_forbidden_wording_in_other_forms_fails(hotline, text: str) -> None:
    assert agent_says(hotline, text, "forbidden_phrases").status is Status.FAIL


@pytest.mark.parametrize(
    "text",
    [
        "您知道对方的车牌号吗？",
        "这个您可能不太清楚，我给您解释一下。",
        "我查到了，这个归区住建局管。",
        "我们下班以后也有值班人员。",
        "您说的烦死了是指楼下装修的噪音吧？",
    ],
)
def test_ordinary_agent_wording_is_not_forbidden_or_hostile(hotline, text: str) -> None:
    assert agent_says(hotline, text, "forbidden_phrases").status is Status.PASS
    assert agent_says(hotline, text, "no_hostility").status is Status.PASS


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("我们会通知楼上邻居，让他们晚上别吵了。", Status.PASS),
        ("您到底想咨询哪方面的问题呢？", Status.PASS),
        ("这是您自己的选择，我们尊重。", Status.PASS),
        ("那是物业的问题，不是您的问题。", Status.PASS),
        ("跟您说了三遍了，您听不懂吗？", Status.FAIL),
        ("爱投诉您就去投诉。", Status.FAIL),
        ("您这人怎么这么不讲理。", Status.FAIL),
    ],
)
def test_hostility_relayed_or_ordinary_vs_said(hotline, text: str, status: Status) -> None:
    assert agent_says(hotline, text, "no_hostility").status is status


@pytest.mark.parametrize(
    "other",
    [
        "公积金贷款利率现在是2.85%。",
        "增值税的话满两年免征，不满两年按5%。",
        "如果是二手房，中介费一般是2%。",
        "您这个房子的契税是1%，维修基金是2%。",
    ],
)
def test_a_rate_of_something_else_is_not_a_deed_tax_rate(hotline, other: str) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我买首套房，一百平，契税多少？"),
        ("agent", 12.5, 20.0, "首套140平方米及以下是1%，您这套按1%交。"),
        ("agent", 20.5, 30.0, other),
    )
    it = score_call(t, hotline).item("deed_tax_rate")
    assert it.status is Status.PASS and not it.critical_failed


def test_a_wrong_deed_tax_rate_after_another_subject_still_fails(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我买首套房，一百平，契税多少？"),
        ("agent", 12.5, 20.0, "契税不看贷款，首套140平方米及以下是3%。"),
    )
    it = score_call(t, hotline).item("deed_tax_rate")
    assert it.status is Status.FAIL and it.critical_failed


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("您在这边已经住满一年了，肯定符合。", Status.PASS),
        ("居住证有效期一年，每年要签注一次。", Status.PASS),
        ("您得在本市住满一年才行。", Status.FAIL),
        ("另外必须有本地房产才能办。", Status.FAIL),
    ],
)
def test_durations_and_requirements_in_context(hotline, text: str, status: Status) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我想办居住证，我在这住了一年多了。"),
        ("agent", 12.5, 20.0, "在本市居住半年以上，有合法稳定就业或者合法稳定住所之一就可以申领。"),
        ("agent", 20.5, 30.0, text),
    )
    assert score_call(t, hotline).item("residence_permit_conditions").status is status


def test_homophone_repair_leaves_words_that_are_already_there(hotline) -> None:
    from qa_pipeline.scoring.context import build_context

    t = Transcript(call_id="w", segments=(Segment("agent", 0, 5, "必须有本地房产，电话是8265。"),))
    assert build_context(t, hotline).segs[0].norm == "必须有本地房产电话是8265"


@pytest.mark.parametrize(
    ("caller", "agent"),
    [
        ("我点的外卖里那瓶汽水洒了，能退吗？", "可以的，给您退3%的差价，另外补一张券。"),
        ("我要开发票，税率是多少？", "我们开的是专票，税率是6%，发票三个工作日内寄出。"),
    ],
)
def test_a_sound_alike_or_generic_topic_word_alone_makes_no_critical_topic(hotline, caller, agent):
    t = call(("caller", 5.5, 12.0, caller), ("agent", 12.5, 20.0, agent))
    it = score_call(t, hotline).item("deed_tax_rate")
    assert it.status is Status.NA and not it.critical_failed


def test_a_generic_topic_word_with_knowledge_words_makes_the_topic(hotline) -> None:
    t = call(
        ("caller", 5.5, 12.0, "我买首套房，税率是多少？要带购房合同吗？"),
        ("agent", 12.5, 20.0, "首套140平方米及以下是1%，要带购房合同和身份证。"),
    )
    assert score_call(t, hotline).item("deed_tax_rate").status is Status.PASS


@pytest.mark.parametrize(
    "opening",
    [
        "你号123-45请讲我是2001号欢误员",
        "您好是名热线123-45我是5003号方务员",
        "您好，幺二三四五热线，工号幺零零八",
    ],
)
def test_opening_read_through_recognition_noise(hotline, opening: str) -> None:
    t = Transcript(
        call_id="o", segments=(Segment("agent", 0.5, 5, opening), Segment("caller", 6, 8, "你好。"))
    )
    assert score_call(t, hotline).item("opening").status is Status.PASS
