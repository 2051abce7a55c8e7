"""Sentences for the context-scored homophone correction (issue 18, item 3).

Written for these tests, apart from ``../shared``. Split before tuning: ``TUNE`` (even
positions) was looked at while :data:`qa_pipeline.asr.homophones.BOOST` was set,
``HELD_OUT`` (odd positions) only measured.

``FIX``: (heard, meant): a topic word written as a same-sounding word inside its topic.
``KEEP``: sentences that must come out unchanged (no topic, or the heard word is right).
"""

from __future__ import annotations

FIX_ALL: list[tuple[str, str]] = [
    ("契税的话，手套房一百二十平是百分之一。", "契税的话，首套房一百二十平是百分之一。"),
    ("我这个是手套，想问一下契税怎么交。", "我这个是首套，想问一下契税怎么交。"),
    ("家里这是儿套房，契税交多少？", "家里这是二套房，契税交多少？"),
    ("社保卡丢了，在哪里不办？", "社保卡丢了，在哪里补办？"),
    ("社保卡丢了先挂石，再去补办。", "社保卡丢了先挂失，再去补办。"),
    ("契税这边，您是头一套还是儿套？", "契税这边，您是头一套还是二套？"),
    ("社保卡遗石了怎么弄？", "社保卡遗失了怎么弄？"),
    ("办居住证要有稳定住所，或者在独也可以。", "办居住证要有稳定住所，或者在读也可以。"),
    ("我的社保卡坏了，能不能不卡？", "我的社保卡坏了，能不能补卡？"),
    ("契税按手套算的话是1%。", "契税按首套算的话是1%。"),
]

KEEP_ALL: list[str] = [
    "我想买一副手套，冬天太冷了。",
    "社保卡我先不办了，下个月再说。",
    "社保卡一时找不到了。",
    "契税交完了，工地发的手套我还没领。",
    "居住证办下来以后，他上半年就去上班了。",
    "社保卡补办要不要本人去？",
    "契税的税率是多少，首套是1%吗？",
    "居住证的事儿，就也不用着急了。",
    "社保卡的事一时半会办不完。",
    "他说社保卡不办也行，反正不常用。",
    "居住证要在读证明吗？",
    "契税我问过了，二套是百分之二。",
]


def halves(cases: list) -> tuple[list, list]:  # type: ignore[type-arg]
    """(tuning half, held-out half): even positions, odd positions."""
    return cases[0::2], cases[1::2]


FIX, FIX_HELD_OUT = halves(FIX_ALL)
KEEP, KEEP_HELD_OUT = halves(KEEP_ALL)


# Written 2026-12-07 (third session) after the negation and function-word guards were
# added, and measured once: a fresh held-out set, since the guards were designed on
# failures of the held-out half above.
FIX_FRESH: list[tuple[str, str]] = [
    (
        "社保卡丢了，我想问问补卡要带啥，挂石要去银行吗？",
        "社保卡丢了，我想问问补卡要带啥，挂失要去银行吗？",
    ),
    ("契税的事，我家这是手套房，九十平。", "契税的事，我家这是首套房，九十平。"),
    ("居住证办理要合法稳定就也或者住所。", "居住证办理要合法稳定就业或者住所。"),
    ("我们买的是儿套，契税按多少交？", "我们买的是二套，契税按多少交？"),
    ("社保卡补办之前要先挂师吗？", "社保卡补办之前要先挂失吗？"),
    ("居住证要的在读证明，学校开的证名行不行？", "居住证要的在读证明，学校开的证明行不行？"),
]

KEEP_FRESH: list[str] = [
    "社保卡我今天不办，明天再去银行。",
    "契税的事我不急，首套先放着。",
    "居住证我没办过，也不知道要啥。",
    "社保卡补办了，就也没什么事了。",
    "契税那个我问了，手套厂的老板说他是二套。",
    "居住证的事儿，他说别办了，太麻烦。",
    "社保卡挂失了，新卡不卡顿吧？",
    "契税交多少？我这是首套，可别算错了。",
]
