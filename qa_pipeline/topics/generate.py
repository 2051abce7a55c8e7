"""A generated month of hotline calls for tests, benchmarks and the demo.

Known-topic requests come from the shipped labelled calls (with spoken openings added so
no two are alike); an emerging topic is made of requests about something the taxonomy
lacks (electric-bike charging points); callers repeat on purpose. Deterministic per seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from qa_pipeline.topics.classify import LabelledCall, load_labelled

OPENINGS = ("", "你好，", "喂，你好，", "我想反映一下，", "麻烦问一下，", "是这样的，")
CLOSINGS = ("", "谢谢", "麻烦你们尽快处理", "你们管不管", "我等你们回复")
#: Requests about a topic the 12345 taxonomy does not have (charging points).
EMERGING_REQUESTS = (
    "我们小区的电动车充电桩太少了，晚上根本充不上电",
    "充电桩坏了好几个，一直没人来修，电动车充不了电",
    "楼下充电桩收费太贵了，充一次电要五块钱",
    "小区不让电动车进楼道，可是充电桩又不够用",
    "新装的充电桩扫码充不上电，钱扣了电没充进去",
    "想问一下小区里能不能多装几个电动车充电桩",
    "充电桩旁边停满了汽车，电动车过去充电都没位置",
)
#: One-off requests outside the taxonomy, each about something else (they must not cluster).
ODD_REQUESTS = (
    "我家的猫跑丢了，能不能帮忙发个寻猫启事",
    "请问市图书馆周一开不开门",
    "我想给你们热线提个表扬，上次那个接线员很好",
    "邻居家的狗天天跑到我家院子里",
    "我想问一下明天会不会下大雪",
    "手机收到一条中奖短信，是不是诈骗",
    "博物馆的讲解预约怎么弄",
    "我家楼顶有个马蜂窝，谁来摘",
    "想问问今年的烟花爆竹在哪里可以放",
    "快递员把包裹放门口被人拿走了",
    "公园里的游船几点开始营业",
    "献血以后的献血证丢了怎么补",
)


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One generated call: id, start, caller number, the caller's request, its true topic."""

    call_id: str
    started_at: datetime
    caller: str
    text: str
    topic: str


@dataclass(frozen=True, slots=True)
class MonthPlan:
    """What to generate.

    Attributes:
        start: First day of the month (aware).
        days: Days in it.
        per_day: Calls a day before any planted effect.
        rise_topic: Topic whose volume is multiplied in the last week (``None``: none).
        rise_factor: The multiplier.
        emerging: Calls about the emerging topic spread over the month (0: none).
        odd: One-off requests outside the taxonomy (at most ``len(ODD_REQUESTS)``).
        repeat_share: Share of calls made by a caller who calls again within days.
        seed: Random seed.
    """

    start: datetime
    days: int = 30
    per_day: int = 60
    rise_topic: str | None = None
    rise_factor: float = 3.0
    emerging: int = 0
    odd: int = 0
    repeat_share: float = 0.1
    seed: int = 7
    topics: Sequence[str] = field(default_factory=tuple)


def _vary(rng: random.Random, text: str) -> str:
    return f"{rng.choice(OPENINGS)}{text}{rng.choice(CLOSINGS)}"


def _day_calls(
    plan: MonthPlan, rng: random.Random, day: int, by_topic: dict[str, list[str]]
) -> Iterator[tuple[str, str]]:
    topics = list(by_topic)
    late = day >= plan.days - 7
    for _ in range(plan.per_day):
        topic = rng.choice(topics)
        yield topic, _vary(rng, rng.choice(by_topic[topic]))
    if plan.rise_topic and late:
        extra = round(plan.per_day / len(topics) * (plan.rise_factor - 1))
        for _ in range(extra):
            yield plan.rise_topic, _vary(rng, rng.choice(by_topic[plan.rise_topic]))


def generate_month(
    plan: MonthPlan, labelled: Sequence[LabelledCall] | None = None
) -> list[PlannedCall]:
    """The planned month's calls, oldest first."""
    rng = random.Random(plan.seed)
    by_topic: dict[str, list[str]] = {}
    for c in labelled if labelled is not None else load_labelled():
        if not plan.topics or c.topic in plan.topics:
            by_topic.setdefault(c.topic, []).append(c.text)
    rows: list[tuple[datetime, str, str]] = []
    for day in range(plan.days):
        for topic, text in _day_calls(plan, rng, day, by_topic):
            rows.append((_moment(plan.start, day, rng), topic, text))
    for _ in range(plan.emerging):
        day = rng.randrange(plan.days)
        rows.append(
            (_moment(plan.start, day, rng), "emerging", _vary(rng, rng.choice(EMERGING_REQUESTS)))
        )
    for text in ODD_REQUESTS[: plan.odd]:
        rows.append((_moment(plan.start, rng.randrange(plan.days), rng), "odd", text))
    rows.sort(key=lambda r: r[0])
    return _with_callers(rows, plan, rng)


def _moment(start: datetime, day: int, rng: random.Random) -> datetime:
    return start + timedelta(days=day, seconds=rng.randrange(8 * 3600, 20 * 3600))


def _with_callers(
    rows: list[tuple[datetime, str, str]], plan: MonthPlan, rng: random.Random
) -> list[PlannedCall]:
    """Give each call a caller; a repeat caller mostly asks about the same thing again."""
    out: list[PlannedCall] = []
    for i, (when, topic, text) in enumerate(rows):
        number, what, said = f"13{rng.randrange(10**9):09d}", topic, text
        if out and rng.random() < plan.repeat_share:
            earlier = rng.choice(out[-plan.per_day * 10 :])
            number = earlier.caller
            if rng.random() < 0.8:
                what, said = earlier.topic, earlier.text
        out.append(PlannedCall(f"H{plan.start:%Y%m}-{i:06d}", when, number, said, what))
    return out
