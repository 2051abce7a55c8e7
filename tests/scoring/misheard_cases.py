"""Cases for critical items that must not pass or fail silently (issue 18, item 2).

Written for these tests, apart from ``../shared/corpus``. Each class is split before any
tuning: ``TUNE`` (the first half) was looked at while the thresholds were set,
``HELD_OUT`` (the second half) only measured (``benchmarks/scoring_misheard.py`` prints
both). A turn is (text, confidence).

- ``HOSTILE_MISHEARD``: hostile or forbidden agent wording with one or two words replaced
  by sound-alike characters, heard at 0.5: ``no_hostility`` must be ``review``.
- ``POLITE_SHARED``: polite agent turns that share sounds with hostile wording, heard at
  0.5: ``no_hostility`` must be ``pass``.
- ``RATES_LOW``: a correct 契税 answer whose numbers were heard at low confidence (the
  caller's question, the agent's answer, confidence of the answer): ``deed_tax_rate``
  must be ``review`` (the same answer heard at 0.95 passes).
- ``FAIL_LOW``: a critical fail that rests only on low-confidence words (caller turn,
  caller confidence, agent turn, agent confidence): ``review``; the same call with every
  turn at 0.95 is a critical fail.
"""

from __future__ import annotations

HOSTILE_MISHEARD_ALL: list[tuple[str, float]] = [
    ("你充我让让有什么用啊，这个事我也管不了。", 0.5),  # 冲我嚷嚷
    ("你到地想怎么羊，我都跟你解释半天了。", 0.5),  # 到底 / 怎么样
    ("你是听不通人话吗，我刚才不是讲了。", 0.5),  # 听不懂人话
    ("这关我什摸是啊，你找物业去。", 0.5),  # 关我什么事
    ("你冲我看有什么羊，又不是我定的政策。", 0.5),  # 冲我喊有什么用
    ("少费话，你直接说要办什么。", 0.5),  # 少废话
    ("你爱头速就投诉，我无所谓的。", 0.5),  # 爱投诉就投诉
    ("我都说了多少篇了，你怎么还问。", 0.5),  # 我都说了多少遍了
    ("你这是闹子进水了吧，表格都填不对。", 0.5),  # 脑子进水
    ("你又完没完啊，一个问题问八遍。", 0.5),  # 有完没完
    ("你自己不砍清楚怪谁，上面写着呢。", 0.5),  # 你自己不看清楚
    ("跟你说了好几边了，材料不全办不了。", 0.5),  # 跟你说了好几遍
    ("这得怪你字几，当时为什么不问清楚。", 0.5),  # 怪你自己
    ("你能不能别炒了，我听得见。", 0.5),  # 你能不能别吵
    ("有本是你去找领导，找我没用。", 0.5),  # 有本事你
    ("爱心不信，反正政策就这样。", 0.5),  # 爱信不信
    ("你是不是沙呀，这都看不懂。", 0.5),  # 你是不是傻
    ("你烦不凡呐，我这边还有别的电话。", 0.5),  # 你烦不烦
    ("你到底想干甚么，说了不行就是不行。", 0.5),  # 你到底想干什么
    ("随你边吧，你想怎么弄就怎么弄。", 0.5),  # 随你便
]

POLITE_SHARED_ALL: list[tuple[str, float]] = [
    ("您别着急，我帮您查一下有什么用得上的材料。", 0.5),
    ("我到时候想一想怎么样帮您协调这个事。", 0.5),
    ("您投诉的事情我已经记录了，会转给相关部门。", 0.5),
    ("这个情况我跟您说一下，需要带身份证和户口本。", 0.5),
    ("这个关系到您的补贴，我什么时候都可以帮您查。", 0.5),
    ("您有问题随时打过来，我们晚上也有人值班。", 0.5),
    ("请您稍等，我这边看一下系统里的记录。", 0.5),
    ("您自己可以在网上看一下，上面写得很清楚。", 0.5),
    ("好的，您说的我都记下了，您别担心。", 0.5),
    ("我再跟您核实一遍地址，幸福里小区三号楼对吧。", 0.5),
    ("您说的那个小区我查到了，属于城东街道。", 0.5),
    ("这个不用您自己跑，我们会通知社区上门。", 0.5),
    ("您的诉求我已经听清楚了，马上给您登记。", 0.5),
    ("有什么不清楚的地方您随时问我。", 0.5),
    ("不好意思让您久等了，刚才查了一下政策。", 0.5),
    ("您这个情况确实挺折腾的，我理解您的心情。", 0.5),
    ("我们这边会督促他们尽快处理，您放心。", 0.5),
    ("关于您说的噪音问题，我给您转到环保部门。", 0.5),
    ("这份表格您自己填好以后交到窗口就行。", 0.5),
    ("稍等我看看怎么帮您把这个问题反映上去。", 0.5),
]

_ASK_FIRST = "我买首套房，一百二十平，契税交多少？"
_ASK_BIG = "家里第一套房，一百六十平米，契税怎么算？"
_ASK_SECOND = "这是我家第二套房子，九十平，契税多少？"

RATES_LOW_ALL: list[tuple[str, str, float]] = [
    (_ASK_FIRST, "首套140平方米及以下是1%，您这套按1%交。", 0.5),
    (_ASK_BIG, "首套超过140平方米的是1.5%，您这套就是1.5%。", 0.45),
    (_ASK_SECOND, "第二套140平方米及以下是1%，您按1%交就行。", 0.3),
    (_ASK_FIRST, "您这个首套，没超过140平，税率百分之一。", 0.55),
    (_ASK_BIG, "140平方米以上的首套房是百分之一点五，您这套一百六十平按1.5%。", 0.4),
    (_ASK_SECOND, "二套的话140平方米以下也是1%，您这个九十平就是1%。", 0.52),
    (_ASK_FIRST, "家庭唯一住房，140平米及以下按1%征收，您符合。", 0.35),
    (_ASK_BIG, "面积超过140平方米，首套按1.5%缴纳。", 0.58),
    (_ASK_SECOND, "第二套住房，面积在140平方米以内的，税率是1%。", 0.2),
    (_ASK_FIRST, "首套120平，在140平方米以内，所以是1%的契税。", 0.5),
]

FAIL_LOW_ALL: list[tuple[str, float, str, float]] = [
    # the agent's wrong rate heard at low confidence
    (_ASK_FIRST, 0.95, "首套140平方米以下是3%，您这套按3%交。", 0.45),
    # the caller's case words heard at low confidence decide that the rate is wrong
    (
        "这是我家第二套房子，一百六十平，契税多少？",
        0.4,
        "140平方米以上按1.5%交，您就交1.5%。",
        0.95,
    ),
    (_ASK_BIG, 0.95, "首套超过140平方米是3%，您交3%。", 0.5),
    ("我这个是二套房，一百五十平，契税多少？", 0.35, "140平方米以上的话是1.5%。", 0.92),
    (_ASK_SECOND, 0.95, "二套的140平方米以下是2%，您按2%交。", 0.55),
    ("第二套，面积一百八十平，契税多少？", 0.5, "超过140平方米的就是1.5%。", 0.9),
    (_ASK_FIRST, 0.95, "您这套首套140平方米以下，税率百分之三。", 0.3),
    (
        "我家这是第二套，一百四十五平，税率多少？",
        0.45,
        "140平方米以上按1.5%，您这套就是1.5%。",
        0.95,
    ),
    (_ASK_BIG, 0.95, "首套超过140平米按2.5%征收。", 0.4),
    ("二套房一百六十平，契税多少？", 0.3, "超过140平方米按照1.5%来交。", 0.96),
]


def halves(cases: list) -> tuple[list, list]:  # type: ignore[type-arg]
    """(tuning half, held-out half): even positions, odd positions."""
    return cases[0::2], cases[1::2]


HOSTILE_MISHEARD, HOSTILE_MISHEARD_HELD_OUT = halves(HOSTILE_MISHEARD_ALL)
POLITE_SHARED, POLITE_SHARED_HELD_OUT = halves(POLITE_SHARED_ALL)
RATES_LOW, RATES_LOW_HELD_OUT = halves(RATES_LOW_ALL)
FAIL_LOW, FAIL_LOW_HELD_OUT = halves(FAIL_LOW_ALL)
