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
