"""A deterministic demo call centre: 12345 hotline nights as vendor transcripts and recordings.

Calls are generated from templates with a seed, not written by hand: eight agents in
three teams, each with a style (how often they skip the job number, state a wrong
policy, forget materials, talk over callers, put callers on hold without a word, use a
forbidden phrase, lose their temper), answer callers about 契税, 居住证 and 社保卡, take
complaints and help requests, and get silent calls. Callers leave phone numbers and ID
numbers for the redaction to mask. Timestamps are laid out turn by turn, so holds and
interruptions are visible to the timing checks.

Tonight's inbox also gets one damaged vendor file (the kind of fault a recorder
delivers) and, when ``demo/audio`` is present, stereo recordings: four of tonight's
Mandarin calls (:data:`MANDARIN_AUDIO_CALLS`, made by ``demo/make_mandarin_calls.py``)
and the English calls made by ``demo/make_english_calls.py`` (manifest column
``language=en``).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from qa_pipeline.intake.manifest import EXPECTED_COLUMNS

DEMO_AUDIO = Path(__file__).resolve().parents[2] / "demo" / "audio"
TZ = timezone(timedelta(hours=8))
MANIFEST_COLUMNS = (
    *EXPECTED_COLUMNS,
    "topic",
    "agent_tenure_months",
    "language",
    "caller_number",
)


@dataclass(frozen=True, slots=True)
class DemoAgent:
    """An agent of the demo centre and how often each fault happens (0..1)."""

    agent_id: str
    team: str
    tenure_months: float
    opening: float = 0.05
    policy: float = 0.05
    materials: float = 0.1
    empathy: float = 0.1
    interrupt: float = 0.05
    hold: float = 0.1
    forbidden: float = 0.03
    closing: float = 0.05
    confirm: float = 0.05
    hostile: float = 0.0


AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent("A1001", "一组", 40, opening=0.0, policy=0.0, materials=0.05),
    DemoAgent("A1002", "一组", 26, materials=0.3, hold=0.3),
    DemoAgent("A1003", "一组", 2, policy=0.5, materials=0.6, confirm=0.3),
    DemoAgent("A1004", "二组", 18, interrupt=0.6, empathy=0.4),
    DemoAgent("A1005", "二组", 1, opening=0.6, closing=0.5, hold=0.4),
    DemoAgent("A1006", "二组", 30, forbidden=0.5, empathy=0.7, hostile=0.35),
    DemoAgent("A1007", "三组", 12, confirm=0.2, closing=0.2),
    DemoAgent("A1008", "三组", 7, policy=0.25, materials=0.3),
)

ENGLISH_CALLS: tuple[tuple[str, str, str, str, float], ...] = (
    # (file stem, agent, call type, topic, satisfaction); audio made by demo/make_english_calls.py
    ("en_01", "E2001", "inquiry", "billing", 5),
    ("en_02", "E2001", "complaint", "delivery", 4),
    ("en_03", "E2002", "inquiry", "password", 3),
    ("en_04", "E2002", "complaint", "refund", 1),
    ("en_05", "E2003", "inquiry", "opening hours", 5),
    ("en_06", "E2003", "complaint", "repair", 2),
    ("en_07", "E2004", "inquiry", "address change", 4),
    ("en_08", "E2004", "complaint", "billing", 1),
)


#: Tonight's Mandarin calls that arrive as recordings (``demo/audio/zh_<id>.ogg``, made
#: by ``demo/make_mandarin_calls.py`` from these calls' transcripts): a 居住证 enquiry,
#: a 契税 enquiry by the new agent who gets policy wrong, a complaint with interruptions
#: and a 社保卡 enquiry. They go through speech-to-text; the other calls stay vendor
#: transcripts.
MANDARIN_AUDIO_CALLS: tuple[str, ...] = (
    "20261120-0002",
    "20261120-0003",
    "20261120-0004",
    "20261120-0013",
)


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """Shape of the demo centre.

    Attributes:
        seed: Seed of every random choice (same seed, same centre).
        tonight: The night the nightly flow runs on.
        history_nights: Earlier nights (scored straight from vendor transcripts).
        calls_tonight: Mandarin calls tonight.
        calls_per_history_night: Mandarin calls on each earlier night.
        planted_per_night: Calls about the month's emerging topic (charging points for
            electric bikes, which the taxonomy lacks) added to each earlier night.
        with_audio: Put the recordings in tonight's inbox: the English calls and the
            Mandarin calls of :data:`MANDARIN_AUDIO_CALLS` (instead of their vendor
            transcripts).
    """

    seed: int = 0
    tonight: date = date(2026, 11, 20)
    history_nights: int = 10
    calls_tonight: int = 30
    calls_per_history_night: int = 14
    planted_per_night: int = 3
    with_audio: bool = True


@dataclass(frozen=True, slots=True)
class DemoCentre:
    """Where the demo centre was written: one inbox per night."""

    root: Path
    inbox_root: Path
    tonight: str
    history: tuple[str, ...]
    calls: dict[str, int] = field(default_factory=dict)

    def inbox(self, night: str) -> Path:
        """The inbox folder of ``night`` (``YYYY-MM-DD``)."""
        return self.inbox_root / night


class _Call:
    """Lays turns out in time: each turn after a short gap, or over the last one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.t = 0.0
        self.segments: list[dict[str, object]] = []

    def say(self, speaker: str, text: str, *, over: float = 0.0, gap: float | None = None) -> None:
        pause = self.rng.uniform(0.3, 0.9) if gap is None else gap
        start = self.t + pause if not over else max(0.0, self.t - over)
        end = start + 0.6 + len(text) * self.rng.uniform(0.19, 0.23)
        conf = round(self.rng.uniform(0.82, 0.97), 2)
        self.segments.append(
            {
                "speaker": speaker,
                "start": round(start, 2),
                "end": round(end, 2),
                "text": text,
                "confidence": conf,
            }
        )
        self.t = max(self.t, end)

    def agent(self, text: str, **kw: float) -> None:
        self.say("agent", text, **kw)

    def caller(self, text: str, **kw: float) -> None:
        self.say("caller", text, **kw)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def _opening(c: _Call, a: DemoAgent, faulty: bool) -> None:
    num = a.agent_id[1:]
    if not faulty:
        c.agent(f"您好，12345政务服务便民热线，工号{num}，很高兴为您服务。")
        return
    variant = c.rng.randrange(3)
    if variant == 0:
        c.agent("您好，12345热线，请讲。")
    elif variant == 1:
        c.agent(f"喂，工号{num}，请讲。")
    else:
        c.t = 16.0  # picked up late: the opening starts after 15 s
        c.agent(f"您好，12345政务服务便民热线，工号{num}，很高兴为您服务。", gap=0.0)


def _closing(c: _Call, faulty: bool) -> None:
    if faulty:
        c.agent(c.rng.choice(["好的，就这样。", "行，那先这样。"]))
        return
    c.agent("请问还有其他可以帮您的吗？")
    c.caller("没有了，谢谢。")
    c.agent("感谢您的来电，再见。")


def _hold(c: _Call, faulty: bool, then: str) -> None:
    if not faulty:
        c.agent("我帮您查询一下，请稍等。")
        c.t += c.rng.uniform(12, 40)
        c.agent("感谢您的耐心等待，" + then, gap=0.0)
    else:
        c.agent("嗯。")
        c.t += c.rng.uniform(14, 35)
        c.agent(then, gap=0.0)


def _confirm(c: _Call, what: str, faulty: bool) -> None:
    if not faulty:
        c.agent(f"我跟您核实一下，您反映的是{what}，对吗？")
        c.caller("对，是的。")


def _deed_tax(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    first = c.rng.random() < 0.6
    area = c.rng.choice([78, 89, 96, 120, 138, 145, 152, 168])
    kind = "首套" if first else "第二套"
    c.caller(f"你好，我想问一下买二手房的契税怎么交，我这是{kind}，{area}平方米。")
    big = area > 140
    right = ("1.5%" if first else "2%") if big else "1%"
    if f["policy"]:
        wrong = c.rng.choice(["3%", "首套一律1%" if big and first else "2%"])
        c.agent(
            f"您这个情况契税按{wrong.replace('首套一律', '')}缴纳。",
            over=1.4 if f["interrupt"] else 0.0,
        )
    elif c.rng.random() < 0.2:
        c.agent(f"您这套按{right}交就行。")  # right rate, threshold never said
    else:
        c.agent(
            f"家庭{kind}住房面积140平方米及以下的契税是1%，140平方米以上是"
            f"{'1.5%' if first else '2%'}，您这个{area}平方米，按{right}缴纳。",
            over=1.4 if f["interrupt"] else 0.0,
        )
    materials = ["身份证", "购房合同", "卖方的不动产权证书", "家庭住房情况证明"]
    if f["materials"]:
        materials = materials[: c.rng.randint(1, 3)]
    c.caller("那办的时候要带什么材料？")
    c.agent(f"办理时请带上{'、'.join(materials)}。", over=1.3 if f["interrupt"] else 0.0)
    return f"{kind}{area}平方米二手房契税的缴纳"


def _residence(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    c.caller("你好，我刚来这边工作，想办个居住证，需要什么条件？")
    if f["policy"]:
        c.agent(c.rng.choice(["需要在本市居住满一年，而且必须有房产。", "要交满一年社保才能办。"]))
    else:
        c.agent(
            "在本市居住半年以上，有合法稳定就业、合法稳定住所或者连续就读其中一项，就可以申领。"
        )
    materials = ["身份证", "近期一寸照片", "居住证明，比如租房合同"]
    if f["materials"]:
        materials = materials[:1]
    c.agent(f"需要准备{'、'.join(materials)}，到社区服务中心办理。")
    return "居住证的申领条件和材料"


def _social_card(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    c.caller("我社保卡丢了，怎么补办啊？")
    if f["materials"]:
        c.agent("带身份证就行。")
    else:
        c.agent(
            "补办只需要带身份证，到社保经办网点或者合作银行网点办理，也可以在电子社保卡上申请。"
        )
    return "社保卡补办"


def _complaint(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    place = c.rng.choice(["幸福路", "建设大街", "滨河小区", "东风路"])
    issue = c.rng.choice(["工地夜间施工噪音", "小区物业不处理漏水", "路边占道经营"])
    c.caller(f"你们怎么回事，我都打了好几次了，{place}{issue}一直没人管，太过分了！")
    if f["hostile"]:
        c.agent("你冲我喊有什么用，你爱投诉就投诉。")
        c.caller("你什么态度！")
    elif f["empathy"]:
        c.agent("地址在哪？", over=1.5 if f["interrupt"] else 0.0)
    else:
        c.agent("非常抱歉给您带来不便，理解您的心情，您先别着急，我马上帮您登记。")
    if f["forbidden"]:
        c.agent(c.rng.choice(["这个其实不归我们管，", "我也没办法，"]) + "我先给您记一下。")
    phone = _phone(c.rng)
    c.agent("请留一下您的联系电话。", over=1.2 if f["interrupt"] else 0.0)
    id_number = f"{c.rng.randint(110101, 659001)}19850612{c.rng.randint(1000, 9999)}"
    c.caller(f"我电话是{phone}，身份证号{id_number}。")
    _hold(c, f["hold"], "已经帮您查到之前的工单，这次会加急转交街道办处理。")
    return f"{place}{issue}的问题，联系电话{phone}"


def _help(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    place = c.rng.choice(["青年路3号院", "南湖小区5栋", "学府街"])
    c.caller(f"你好，{place}门口的井盖不见了，路面上就剩一个大洞，晚上特别危险，谁来管一下？")
    _hold(c, f["hold"], "查到已经派单给市政，预计今晚八点前补上井盖，先设置围挡。")
    if f["forbidden"]:
        c.agent("具体几点我也不清楚。")
    return f"{place}井盖缺失的情况"


#: The demo month's planted emerging topic: charging points for electric bikes, which
#: the shipped taxonomy has no topic for (a caller's request, then the agent's answer).
CHARGING_REQUESTS = (
    "我们小区的电动车充电桩太少了，晚上根本充不上电，能不能多装几个？",
    "楼下的充电桩坏了好几个，一直没人来修，电动车充不了电。",
    "小区充电桩收费太贵了，充一次电要五块钱，这个价格谁定的？",
    "小区不让电动车进楼道，可是充电桩又不够用，我们到底去哪充电？",
    "新装的充电桩扫码充不上电，钱扣了电没充进去，找谁退钱？",
)


def _charging(c: _Call, a: DemoAgent, f: dict[str, bool]) -> str:
    c.caller(c.rng.choice(CHARGING_REQUESTS))
    _hold(c, f["hold"], "您反映的情况我们会转给街道和物业核实处理。")
    return "电动车充电桩的问题"


Body = Callable[[_Call, DemoAgent, dict[str, bool]], str]

TOPICS: tuple[tuple[str, str, Body, int], ...] = (
    ("咨询", "契税", _deed_tax, 4),
    ("咨询", "居住证", _residence, 3),
    ("咨询", "社保卡", _social_card, 2),
    ("投诉", "", _complaint, 3),
    ("求助", "井盖", _help, 2),
)


FAULTS = (
    "opening",
    "policy",
    "materials",
    "empathy",
    "interrupt",
    "hold",
    "forbidden",
    "closing",
    "confirm",
    "hostile",
)


def _faults(rng: random.Random, agent: DemoAgent) -> dict[str, bool]:
    """Which of the agent's faults happen on this call."""
    return {name: rng.random() < getattr(agent, name) for name in FAULTS}


def make_call(
    rng: random.Random,
    call_id: str,
    agent: DemoAgent,
    started: datetime,
    planted: tuple[str, str, Body] | None = None,
) -> tuple[dict[str, object], float]:
    """One demo call as transcript JSON and the satisfaction its caller gives.

    ``planted``: (call type, topic, body) of a call made to order (never silent). The
    JSON's ``topic`` and ``materials_missed`` (an incomplete 一次性告知) are for the
    manifest: the caller pops them.
    """
    faults = _faults(rng, agent)
    c = _Call(rng)
    if planted is None and rng.random() < 0.07:  # a silent call
        call_type, topic = "无效", ""
        _opening(c, agent, faults["opening"])
        c.t += 6
        c.agent("您好？请问能听到吗？", gap=0.0)
        c.t += 5
        c.agent("由于听不到您的声音，我先挂断了，再见。", gap=0.0)
    else:
        weights = [w for *_, w in TOPICS]
        call_type, topic, body = planted or rng.choices(TOPICS, weights=weights)[0][:3]
        _opening(c, agent, faults["opening"])
        what = body(c, agent, faults)
        if faults["hostile"] and call_type != "投诉":
            c.caller("不好意思，您能再说一遍吗？")
            c.agent("我说过了，你自己不看清楚吗？")
        _confirm(c, what, faults["confirm"])
        _closing(c, faults["closing"])
    bad = sum(faults.values())
    satisfaction = float(max(1, 5 - bad - (2 if faults["hostile"] else 0)))
    data: dict[str, object] = {
        "call_id": call_id,
        "agent_id": agent.agent_id,
        "team": agent.team,
        "started_at": started.isoformat(),
        "call_type": call_type,
        "language": "zh",
        "duration_s": round(c.t + 1.0, 1),
        "segments": c.segments,
    }
    data["topic"] = topic
    data["materials_missed"] = faults["materials"] and topic in ("契税", "居住证", "社保卡")
    return data, satisfaction


def _night(
    rng: random.Random,
    night: date,
    n: int,
    inbox: Path,
    planted: tuple[random.Random, int] | None = None,
) -> list[dict[str, object]]:
    """The night's ``n`` calls (their transcript files and manifest rows).

    ``planted``: a separate random source and how many charging-point calls to add after
    them (the month's emerging topic), so the other calls stay as they were.
    """
    calls_dir = inbox / "calls"
    calls_dir.mkdir(parents=True, exist_ok=True)
    prng, extra = planted if planted is not None else (rng, 0)
    rows: list[dict[str, object]] = []
    for i in range(n + extra):
        src = rng if i < n else prng
        agent = AGENTS[i % len(AGENTS)] if i < len(AGENTS) else src.choice(AGENTS)
        body = None if i < n else ("求助", "充电桩", _charging)
        started = datetime(night.year, night.month, night.day, 8, 30, tzinfo=TZ) + timedelta(
            minutes=src.randint(0, 11 * 60)
        )
        call_id = f"{night:%Y%m%d}-{i + 1:04d}"
        data, satisfaction = make_call(src, call_id, agent, started, body)
        topic = str(data.pop("topic"))
        missed = bool(data.pop("materials_missed"))
        (calls_dir / f"{call_id}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        rows.append(_row(call_id, agent, started, data, satisfaction, topic, missed))
    return rows


def _row(
    call_id: str,
    agent: DemoAgent,
    started: datetime,
    data: dict[str, object],
    satisfaction: float,
    topic: str,
    missed: bool,
) -> dict[str, object]:
    """A Mandarin call's manifest row (``_missed``: internal, not written)."""
    return {
        "call_id": call_id,
        "file": f"calls/{call_id}.json",
        "agent_id": agent.agent_id,
        "team": agent.team,
        "started_at": started.isoformat(),
        "call_type": data["call_type"],
        "duration_s": data["duration_s"],
        "satisfaction": satisfaction,
        "topic": topic,
        "agent_tenure_months": agent.tenure_months,
        "language": "zh",
        "_missed": missed,
    }


def assign_callers(nights: list[list[dict[str, object]]], seed: int) -> None:
    """Give each manifest row a ``caller_number``, with repeat callers planted.

    A caller whose 一次性告知 was incomplete (materials left out) calls again on the same
    subject one to six days later, most of the time; a few others do too; a few calls
    come without a number. Drawn from their own random source, so the calls stay the same.
    """
    rng = random.Random(f"{seed}-callers")
    earlier: list[tuple[date, dict[str, object]]] = []
    for rows in nights:
        for row in rows:
            day = date.fromisoformat(str(row["started_at"])[:10])
            row["caller_number"] = _caller_of(row, day, earlier, rng)
        earlier += [(date.fromisoformat(str(r["started_at"])[:10]), r) for r in rows]


def _caller_of(
    row: dict[str, object],
    day: date,
    earlier: list[tuple[date, dict[str, object]]],
    rng: random.Random,
) -> str:
    """A number already heard on the same subject in the last six days, a new one, or none."""
    same = [
        r
        for d, r in earlier
        if 1 <= (day - d).days <= 6
        and r["topic"] == row["topic"]
        and row["topic"]
        and not r.get("_called_again")
    ]
    missed = [r for r in same if r.get("_missed")]
    again = missed[-1] if missed and rng.random() < 0.7 else None
    if again is None and same and rng.random() < 0.1:
        again = rng.choice(same)
    if again is not None and again["caller_number"]:
        again["_called_again"] = True
        return str(again["caller_number"])
    return "" if rng.random() < 0.04 else _phone(rng)


def _write_manifest(inbox: Path, rows: list[dict[str, object]]) -> None:
    with (inbox / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _mandarin_recordings(inbox: Path, rows: list[dict[str, object]]) -> None:
    """Swap the vendor transcripts of :data:`MANDARIN_AUDIO_CALLS` for their recordings."""
    for row in rows:
        call_id = str(row["call_id"])
        src = DEMO_AUDIO / f"zh_{call_id}.ogg"
        if call_id not in MANDARIN_AUDIO_CALLS or not src.is_file():
            continue
        (inbox / str(row["file"])).unlink(missing_ok=True)
        shutil.copyfile(src, inbox / "audio" / src.name)
        row["file"] = f"audio/{src.name}"
        row["duration_s"] = ""  # the recording's own length (the speech was re-timed)


def _english_recordings(inbox: Path, tonight: date) -> list[dict[str, object]]:
    """Copy the English demo recordings into ``inbox/audio``; their manifest rows."""
    rows: list[dict[str, object]] = []
    start = datetime(tonight.year, tonight.month, tonight.day, 10, tzinfo=TZ)
    for i, (stem, agent, call_type, topic, sat) in enumerate(ENGLISH_CALLS):
        src = DEMO_AUDIO / f"{stem}.flac"
        if not src.is_file():
            continue
        shutil.copyfile(src, inbox / "audio" / src.name)
        rows.append(
            {
                "call_id": f"EN-{tonight:%Y%m%d}-{i + 1:02d}",
                "file": f"audio/{src.name}",
                "agent_id": agent,
                "team": "English desk",
                "started_at": (start + timedelta(minutes=17 * i)).isoformat(),
                "call_type": call_type,
                "duration_s": "",
                "satisfaction": sat,
                "topic": topic,
                "agent_tenure_months": 4 + i,
                "language": "en",
            }
        )
    return rows


def build_demo(root: str | Path, options: DemoOptions | None = None) -> DemoCentre:
    """Write the demo centre's inboxes under ``root/inbox/<YYYY-MM-DD>/`` (replacing them).

    Args:
        root: Folder of the centre (the CLI uses ``QA_DATA_DIR/demo``).
        options: Shape of the centre; the same options give the same files.

    Returns:
        Where each night's inbox is.
    """
    options = options or DemoOptions()
    inbox_root = Path(root) / "inbox"
    if inbox_root.exists():
        shutil.rmtree(inbox_root)
    rng = random.Random(options.seed)
    planted = random.Random(f"{options.seed}-planted")
    history = [options.tonight - timedelta(days=d) for d in range(options.history_nights, 0, -1)]
    nights: dict[str, list[dict[str, object]]] = {}
    for night in history:
        inbox = inbox_root / night.isoformat()
        extra = options.planted_per_night
        nights[night.isoformat()] = _night(
            rng, night, options.calls_per_history_night, inbox, (planted, extra)
        )
    tonight = options.tonight.isoformat()
    inbox = inbox_root / tonight
    rows = _night(rng, options.tonight, options.calls_tonight, inbox)
    nights[tonight] = rows
    assign_callers(list(nights.values()), options.seed)
    # a vendor file cut off in transfer: the night reports it and goes on
    broken = f"{options.tonight:%Y%m%d}-9001"
    (inbox / "calls" / f"{broken}.json").write_text('{"call_id": "' + broken + '", "segm', "utf-8")
    rows.append({**rows[0], "call_id": broken, "file": f"calls/{broken}.json"})
    if options.with_audio and DEMO_AUDIO.is_dir():
        (inbox / "audio").mkdir(exist_ok=True)
        _mandarin_recordings(inbox, rows)
        rows.extend(_english_recordings(inbox, options.tonight))
    for name, night_rows in nights.items():
        _write_manifest(inbox_root / name, night_rows)
    counts = {night: len(night_rows) for night, night_rows in nights.items()}
    return DemoCentre(
        root=Path(root),
        inbox_root=inbox_root,
        tonight=tonight,
        history=tuple(n.isoformat() for n in history),
        calls=counts,
    )
