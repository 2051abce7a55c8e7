"""Written cases: a caller's upset lost in recognition, told by the agent's reply.

Each case is (expected empathy verdict, turns). The caller's words are garbled the way
recognition garbles them (no stock emotion word survives), and the agent answers as to
an upset caller: the item applies (``pass``), it is not ``na``. The ``na`` cases are
calm callers whose agent uses formulas a calm caller also hears (不好意思, 让您久等了,
给您带来不便, 辛苦您了, 您放心, 特别着急用吗, 别急着挂). Written 2026-12-07 apart from
``../shared``; split by the parity of the first byte of sha256 of the agent's reply:
even → tuning half, odd → held out (``HELD_OUT``).
"""

from __future__ import annotations

import hashlib

CASES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "pass",
        [
            ("caller", "我这都打了第三回了那个路灯还是那个黑的嘛你们到底有人没"),
            ("agent", "您先别着急，我这就帮您催办。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "那个退休金的事情一直拖着说是下个月又说是下下个月这日子怎么过"),
            ("agent", "我理解您的难处，我先把情况记下来。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "楼上那个水又漏下来了，墙皮都掉了，物业也说管不了"),
            ("agent", "这个确实挺闹心的，我帮您转给街道。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "你们这个系统老是显示错误我都填了五六遍了还是不行"),
            ("agent", "您消消气，我一步一步帮您看。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "就是说那个孩子上学的事情他们学校就是不给办我们家长也没办法"),
            ("agent", "换作是我也会着急，我们先看看需要哪些材料。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "那个工资拖了半年了老板电话也不接我们几个人天天在工地等"),
            ("agent", "让您受累了，这个我们马上转劳动监察。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "我妈八十多了走不动路他们非让本人去现场认证"),
            ("agent", "能体会您的心情，我们问一下能不能上门。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "上回你们说三天回复现在都两个礼拜了啥也没有"),
            ("agent", "确实让人着急，我这边给您加急。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "那个噪音半夜一两点还在弄孩子明天还考试"),
            ("agent", "您别生气，我这就联系执法队。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "车被拖走了也没人通知我找了一上午"),
            ("agent", "这个情况确实不容易，我先帮您查一下在哪个停车场。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "那个公积金提了三次都被退回来也不说为什么"),
            ("agent", "明白您的感受，我帮您查一下退回的原因。"),
        ],
    ),
    (
        "pass",
        [
            ("caller", "小区门口那个垃圾堆了一个礼拜了苍蝇到处都是"),
            ("agent", "您先不要激动，我马上派单给环卫。"),
        ],
    ),
    (
        "na",
        [
            ("caller", "我想问一下居住证到期了怎么续"),
            ("agent", "不好意思让您久等了，续签带身份证去派出所就可以。"),
        ],
    ),
    (
        "na",
        [
            ("caller", "社保卡丢了去哪补办"),
            ("agent", "给您带来不便了，系统刚才有点慢，补办去合作银行就行。"),
        ],
    ),
    (
        "na",
        [
            ("caller", "我要办一个营业执照需要什么材料"),
            ("agent", "您放心，材料清单我一次性告诉您。"),
        ],
    ),
    (
        "na",
        [
            ("caller", "这个事情我下周就要用你看能不能快一点"),
            ("agent", "您是特别着急用吗？我看一下最快的办法。"),
        ],
    ),
    ("na", [("caller", "好的那我记一下电话"), ("agent", "您先别急着挂，我把单号也告诉您。")]),
    ("na", [("caller", "好的谢谢你啊"), ("agent", "不客气，辛苦您了，再见。")]),
    ("na", [("caller", "我想咨询一下契税怎么交"), ("agent", "抱歉刚才没听清，您是说契税对吧？")]),
    (
        "na",
        [("caller", "公交卡老年卡在哪里办"), ("agent", "这个区别在于年龄，满六十五岁可以免费办。")],
    ),
]


def _half(reply: str) -> str:
    return "odd" if hashlib.sha256(reply.encode()).digest()[0] % 2 else "even"


TUNING = [c for c in CASES if _half(c[1][-1][1]) == "even"]
HELD_OUT = [c for c in CASES if _half(c[1][-1][1]) == "odd"]
