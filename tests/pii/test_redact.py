"""PII redaction: ≥ 200 personal-data strings in context are masked, ≥ 100 look-alikes survive.

The cases are generated from a fixed seed (valid check digits, Luhn, real area codes) and
written out in the forms callers and agents really use: plain, grouped with spaces or
dashes, with +86, and spoken digit by digit in Chinese numerals (幺三八 …).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from qa_pipeline.models import CallScore, Evidence, ItemResult, Segment, Status, Transcript
from qa_pipeline.pii.redact import (
    BANK_CARD,
    EMAIL,
    ID_CARD,
    LABELS,
    LANDLINE,
    MOBILE,
    RedactOptions,
    find_pii,
    id18_ok,
    redact_score,
    redact_text,
    redact_transcript,
)

SPOKEN = dict(zip("0123456789", "零幺二三四五六七八九", strict=True))
SPOKEN_ALT = dict(zip("0123456789", "〇一两三四五六七八九", strict=True))
CONTEXTS = (
    "我的{what}是{pii}，麻烦您记一下",
    "您好，{what}{pii}对吧？",
    "嗯，{pii}，对，就是这个",
    "{what}：{pii}",
    "你们打{pii}找我就行，白天都在",
    "好的，我复述一下，{pii}，没错吧",
)


def _luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        digits = prefix + last
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _luhn_ok(digits: str) -> bool:
    return _luhn_complete(digits[:-1]) == digits


def _id18(rng: random.Random) -> str:
    while True:
        body = (
            rng.choice(["110105", "310104", "440305", "330106", "510107", "610113", "210102"])
            + f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + f"{rng.randint(0, 999):03d}"
        )
        for check in "0123456789X":
            if id18_ok(body + check):
                return body + check


def _spoken(digits: str, rng: random.Random, group: tuple[int, ...] | None = None) -> str:
    table = SPOKEN if rng.random() < 0.6 else SPOKEN_ALT
    words = [table.get(d, "叉") for d in digits]
    if not group:
        return "".join(words)
    out, pos = [], 0
    for size in group:
        out.append("".join(words[pos : pos + size]))
        pos += size
    if pos < len(words):
        out.append("".join(words[pos:]))
    return rng.choice([" ", "，", "-"]).join(out)


def _grouped(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


def pii_cases() -> list[tuple[str, str, str]]:
    """``(text, pii_substring, kind)`` triples."""
    rng = random.Random(12345)
    cases: list[tuple[str, str, str]] = []

    def add(pii: str, kind: str, what: str) -> None:
        ctx = rng.choice(CONTEXTS)
        cases.append((ctx.format(what=what, pii=pii), pii, kind))

    for _ in range(20):
        mobile = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        add(mobile, MOBILE, "手机号")
        add(_grouped(mobile, (3, 4), rng.choice([" ", "-"])), MOBILE, "电话")
        add(_spoken(mobile, rng), MOBILE, "手机")
        add(_spoken(mobile, rng, (3, 4)), MOBILE, "号码")
        add("+86 " + _grouped(mobile, (3, 4), " "), MOBILE, "手机")
    for _ in range(15):
        ident = _id18(rng)
        add(ident, ID_CARD, "身份证号")
        add(_grouped(ident, (6, 8), " "), ID_CARD, "身份证")
        add(_spoken(ident, rng), ID_CARD, "身份证号码")
    for date in ("500101", "681231", "790615", "850228"):
        add(
            rng.choice(["110105", "440305", "330106"]) + date + f"{rng.randint(0, 999):03d}",
            ID_CARD,
            "老身份证",
        )
    for _ in range(15):
        card16 = _luhn_complete("6222" + "".join(rng.choice("0123456789") for _ in range(11)))
        card19 = _luhn_complete("6217" + "".join(rng.choice("0123456789") for _ in range(14)))
        add(card16, BANK_CARD, "银行卡号")
        add(_grouped(card16, (4, 4, 4), " "), BANK_CARD, "卡号")
        add(_grouped(card19, (4, 4, 4, 4), " "), BANK_CARD, "储蓄卡")
        add(_spoken(card19, rng, (4, 4, 4, 4)), BANK_CARD, "卡号")
    for _ in range(12):
        code = rng.choice(["010", "021", "022", "0571", "0755", "0531", "0898"])
        local = rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(7))
        add(f"{code}-{local}", LANDLINE, "座机")
        add(f"({code}){local[:4]}-{local[4:]}", LANDLINE, "办公电话")
        add(f"{code} {local[:4]} {local[4:]}", LANDLINE, "家里电话")
        add(_spoken(code + local, rng, (len(code), 4)), LANDLINE, "固话")
    for _ in range(6):
        local = rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(7))
        cases.append((f"座机是{local}，晚上打", local, LANDLINE))
    users = ["zhangsan", "li.si", "wang_wu88", "chen-xiao", "zhao.liu2024", "sunqi"]
    domains = ["163.com", "qq.com", "126.com", "gmail.com", "sina.com.cn", "gov.cn"]
    for user in users:
        for domain in domains[:4]:
            add(f"{user}@{domain}", EMAIL, "邮箱")
    # forms speech-to-text produces: digits one by one, mixed scripts, 、 between groups
    cases += [
        ("手机 1 3 8 1 2 3 4 5 6 7 8 好的", "1 3 8 1 2 3 4 5 6 7 8", MOBILE),
        ("号码138幺二三四5678对", "138幺二三四5678", MOBILE),
        ("幺三八、幺二三四、五六七八，记好了吗", "幺三八、幺二三四、五六七八", MOBILE),
        ("手机是壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌壹贰叁肆伍陆柒捌", MOBILE),
        (
            "身份证一一零一零五一九四九一二三一零零二叉",
            "一一零一零五一九四九一二三一零零二叉",
            ID_CARD,
        ),
        ("电话是八八八八六六六六", "八八八八六六六六", LANDLINE),
    ]
    return cases


def lookalike_cases() -> list[str]:
    """Texts with numbers that are not personal data and must come through unchanged."""
    rng = random.Random(54321)
    fixed = [
        "您好，工号1023为您服务",
        "我是工号10231的话务员",
        "工号是 2048，有问题随时找我",
        "房子面积140平方米",
        "建筑面积一百四十平方米",
        "小规模纳税人税率1.5%",
        "增值税税率是13%，附加税12%",
        "来电时间2024-03-15 14:30",
        "2024年3月15日下午3点",
        "二〇二四年三月十五日",
        "一九八五年出生",
        "上午9:30到下午5:30",
        "金额13800000000元",
        "一共¥1,380.50",
        "欠款12,345,678元",
        "补贴一共13912345678元，分三年发",
        "请拨打12345政务服务热线",
        "银行客服95588",
        "拨打110报警，120急救",
        "客服热线400-810-8888",
        "邮编100010",
        "车牌号码还没上，临时牌照",
        "验证码是 837261",
        "手机尾号5678的那位",
        "年龄35岁",
        "等了三四天",
        "大概七八十块钱",
        "一两个小时",
        "第3次来电了",
        "版本v1.2.3",
        "IP地址192.168.1.1",
        "百分之十五",
        "圆周率3.1415926535",
        "一共2000000000000000元的预算",
        "订单号13812345678",
        "工单号2024031500012",
        "受理号是 20240315123456789",
        "快递单号 773125436789012",
        "合同号 HT2024031500012345",
        "编号No.20240315",
        "序号 6222020200021234567",
        "发票号码 4400231130 12345678",
        "分数是95.5分",
        "时长185秒",
        "一千三百八十元",
        "三点五个百分点",
        "12月31日之前",
        "2023.12.31到期",
        "2024/03/15 08:00:00",
        "区号 0123 4567 8901 不存在",
        "0000 0000 0000 0000",
        "我一九九零年生的，家住三号楼",
        "一共是一千三百八十元",
        "尾号是五六七八",
        "壹仟叁佰捌拾元整",
    ]
    generated: list[str] = []
    for _ in range(15):
        n = "".join(rng.choice("0123456789") for _ in range(14))
        generated.append(f"订单号{rng.choice('23456789')}{n[:10]}已经发货")
    for _ in range(15):
        while True:
            digits = rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(15))
            if not _luhn_ok(digits):
                break
        generated.append(f"流水{digits}这笔")
    for _ in range(10):
        amount = rng.randint(1_000_000_000, 99_999_999_999)
        generated.append(f"涉及金额{amount}元")
    for _ in range(10):
        area = rng.randint(30, 300)
        rate = rng.choice(["0.5%", "1%", "1.5%", "3%", "6%", "9%"])
        generated.append(f"面积{area}平方米，税率{rate}")
    for _ in range(10):
        generated.append(f"工号{rng.randint(1000, 99999)}，编号{rng.randint(10**10, 10**11)}")
    return fixed + generated


PII = pii_cases()
LOOKALIKES = lookalike_cases()


def test_case_sets_are_big_enough() -> None:
    assert len(PII) >= 200
    assert len(LOOKALIKES) >= 100
    spoken = [c for c in PII if any(ch in c[1] for ch in "幺一二三四五六七八九")]
    assert len(spoken) >= 60


def test_every_pii_string_is_masked() -> None:
    missed = []
    for text, pii, kind in PII:
        out = redact_text(text)
        if pii in out or LABELS[kind] not in out:
            missed.append((text, out))
    assert missed == [], f"{len(missed)}/{len(PII)} PII strings not masked: {missed[:10]}"
    spoken = sum(any(ch in pii for ch in "零〇幺一二两三四五六七八九壹叁捌") for _, pii, _ in PII)
    print(f"PII masked: {len(PII) - len(missed)}/{len(PII)} ({spoken} spoken in Chinese numerals)")


def test_every_lookalike_survives() -> None:
    changed = [(t, redact_text(t)) for t in LOOKALIKES if redact_text(t) != t]
    assert changed == [], f"{len(changed)}/{len(LOOKALIKES)} look-alikes masked: {changed[:10]}"
    print(f"look-alikes kept: {len(LOOKALIKES) - len(changed)}/{len(LOOKALIKES)}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机是13812345678谢谢", "我的手机是[手机号]谢谢"),
        ("幺三八 幺二三四 五六七八", "[手机号]"),
        ("身份证11010519491231002X", "身份证[身份证号]"),
        ("电话010-65528888", "电话[座机号]"),
        ("邮箱zhang.san@163.com，收到回复", "邮箱[邮箱]，收到回复"),
        ("两个号码13812345678 13987654321", "两个号码[手机号] [手机号]"),
    ],
)
def test_label_style(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_partial_style_keeps_the_shape() -> None:
    opts = RedactOptions(style="partial")
    assert redact_text("手机13812345678", opts) == "手机138****5678"
    assert redact_text("手机幺三八 幺二三四 五六七八", opts) == "手机138****5678"
    assert redact_text("+86 138 1234 5678", opts) == "+138****5678"
    assert redact_text("邮箱zhang@163.com", opts) == "邮箱z***@163.com"


def test_redaction_is_idempotent() -> None:
    for text, _, _ in PII[:50]:
        once = redact_text(text)
        assert redact_text(once) == once
    partial = RedactOptions(style="partial")
    once = redact_text("手机13812345678", partial)
    assert redact_text(once, partial) == once


def test_kinds_can_be_switched_off() -> None:
    text = "手机13812345678，邮箱a@b.com"
    assert redact_text(text, RedactOptions(mobile=False)) == "手机13812345678，邮箱[邮箱]"
    assert redact_text(text, RedactOptions(enabled=False)) == text


def test_id_checksum_is_verified() -> None:
    assert [m.kind for m in find_pii("身份证11010519491231002X")] == [ID_CARD]
    # one digit off: the checksum fails (and these 18 digits fail Luhn, so no card either)
    wrong = "110105194912310021"
    assert not id18_ok(wrong)
    assert find_pii(f"编码{wrong}") == []


def test_bank_card_needs_luhn_or_a_card_label() -> None:
    valid = _luhn_complete("622202020002123456")
    invalid = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert [m.kind for m in find_pii(f"转到{valid}")] == [BANK_CARD]
    assert find_pii(f"转到{invalid}") == []
    assert [m.kind for m in find_pii(f"卡号{invalid}")] == [BANK_CARD]


def test_transcript_and_score_are_redacted_without_touching_the_original() -> None:
    seg = Segment("caller", 1.0, 2.0, "我电话幺三八幺二三四五六七八")
    transcript = Transcript("c1", (seg,))
    redacted = redact_transcript(transcript)
    assert redacted.segments[0].text == "我电话[手机号]"
    assert transcript.segments[0].text == "我电话幺三八幺二三四五六七八"
    item = ItemResult(
        "verify",
        Status.FAIL,
        10.0,
        "坐席复述了号码13812345678",
        (Evidence("agent", 1.0, 2.0, "您的号码是13812345678"),),
    )
    score = CallScore("c1", "r", "1", "sha", 0.0, "D", False, (item,), errors=("a@b.com",))
    out = redact_score(score)
    assert out.items[0].reason == "坐席复述了号码[手机号]"
    assert out.items[0].evidence[0].text == "您的号码是[手机号]"
    assert out.errors == ("[邮箱]",)
    assert score.items[0].reason.endswith("13812345678")


def test_long_runs_of_digits_are_handled_group_by_group() -> None:
    zeros = " ".join("0" * 5000)  # all-zero passes Luhn, but no card starts with 0
    assert redact_text(zeros) == zeros
    listed = "，".join(["13812345678"] * 300)
    assert redact_text(listed) == "，".join(["[手机号]"] * 300)


def test_dev_corpus_keeps_job_numbers_areas_and_rates(shared_dir: Path) -> None:
    changed = []
    kept = 0
    for path in sorted((shared_dir / "corpus" / "dev").glob("dev_*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        for seg in call["transcript"]["segments"]:
            out = redact_text(seg["text"])
            if out != seg["text"]:
                changed.append(out)
            for word in ("工号", "平方米", "%", "12345", "社区", "街道", "小区"):
                if word in seg["text"]:
                    assert word in out, (seg["text"], out)
                    kept += 1
    assert kept > 50
    # what the dev calls spell out: an office phone, and street addresses (the road and
    # the compound stay, the house number down to the room goes)
    assert changed
    for out in changed:
        assert "[座机号]" in out or "[地址]" in out, out
    assert any("小区[地址]" in out for out in changed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # separators people and speech-to-text put inside a phone number
        ("138，1234，5678", "[手机号]"),
        ("138、1234、5678", "[手机号]"),
        ("138.1234.5678", "[手机号]"),
        ("138/1234/5678", "[手机号]"),
        ("(138)12345678", "[手机号]"),
        ("电话是：一三八，一二三四，五六七八。", "电话是：[手机号]。"),
        # hesitations inside a spoken number, a trailing 号, a stray numeral after it
        ("一三八 嗯 一二三四 五六七八", "[手机号]"),
        ("一三八呃一二三四五六七八", "[手机号]"),
        ("一三八那个一二三四五六七八", "[手机号]"),
        ("幺三八，嗯，幺二三四，那个，五六七八", "[手机号]"),
        ("手机13812345678号", "手机[手机号]号"),
        ("号码是幺三八幺二三四五六七八一下", "号码是[手机号]一下"),
        ("要三八要二三四五六七八", "[手机号]"),
        # after a keyword the checksum does not matter
        ("身份证110105194912310021", "身份证[身份证号]"),
        ("我的卡号是1234567812345678", "我的卡号是[银行卡号]"),
        # names, addresses, plates, WeChat and QQ
        ("我叫张三，电话找我", "我叫[姓名]，电话找我"),
        ("嗯我叫那个黄小明", "嗯我叫那个[姓名]"),  # a filler between the keyword and the name
        ("我叫，呃，张伟", "我叫，呃，[姓名]"),
        ("我姓王", "我姓[姓名]"),
        ("姓名：王小明", "姓名：[姓名]"),
        ("叫我小王就行", "叫我[姓名]就行"),
        ("好的，王建国先生", "好的，[姓名]先生"),
        ("欧阳小明女士您好", "[姓名]女士您好"),
        ("我住朝阳区建国路88号院3号楼2单元501", "我住朝阳区建国路[地址]"),
        ("东风小区五号楼三单元二零一", "东风小区[地址]"),
        ("车牌京A12345", "车牌[车牌号]"),
        ("微信号是zhang_san88", "微信号是[微信号]"),
        ("QQ号 123456789", "QQ号 [QQ号]"),
    ],
)
def test_more_forms(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact_text(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工号2001号为您服务",
        "2001号话务员很高兴为您服务",
        "朝阳区社区服务中心在望京街道",
        "家住三号楼",
        "欠款12,345,678元",
        "报价13,800,000,000",
        "保单号 P2024031512345678",
        "3月15号到期",
        "我叫了车",
        "叫我明天再打过来",
        "项目经理说这周能完",
        "我要一个说法",
    ],
)
def test_lookalikes_of_the_new_forms_survive(text: str) -> None:
    assert redact_text(text) == text


def test_new_kinds_can_be_switched_off_and_partial_style_hides_them() -> None:
    text = "我叫张三，住建国路88号院3号楼2单元501，车牌京A12345"
    assert redact_text(text, RedactOptions(name=False, address=False, plate=False)) == text
    partial = redact_text(text, RedactOptions(style="partial"))
    for raw in ("张三", "88号院3号楼2单元501", "京A12345"):
        assert raw not in partial


def test_labelled_pii_sets_meet_the_targets() -> None:
    """The benchmark's sets (benchmarks/pii_recall.py prints the full table)."""
    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    rows = []
    for name in ("pii_set.jsonl", "pii_holdout.jsonl"):
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        rows += [json.loads(line) for line in lines if line]
    missed: dict[str, list[str]] = {}
    changed = []
    for row in rows:
        out = redact_text(row["text"])
        if not row["pii"]:
            if out != row["text"]:
                changed.append(out)
            continue
        for pii in row["pii"]:
            if pii in out:
                missed.setdefault(row["kind"], []).append(out)
    total = {k: sum(1 for r in rows if r["kind"] == k) for k in {r["kind"] for r in rows}}
    for kind in ("mobile", "id_card", "bank_card", "landline"):
        assert len(missed.get(kind, [])) <= 0.01 * total[kind], missed.get(kind)
    for kind in ("name", "address"):
        assert len(missed.get(kind, [])) <= 0.05 * total[kind], missed.get(kind)
    assert len(changed) <= 0.01 * total["lookalike"], changed


def test_a_number_split_over_segments_is_masked_in_each_part() -> None:
    segs = (
        Segment("caller", 0.0, 1.0, "我的电话是一三八一二三四"),
        Segment("agent", 1.0, 1.5, "嗯"),
        Segment("caller", 1.5, 3.0, "五六七八，记好了吗"),
        Segment("agent", 3.0, 4.0, "工号2001为您服务"),
        Segment("caller", 4.0, 5.0, "身份证号110105"),
        Segment("caller", 5.0, 6.0, "19491231002X"),
    )
    out = [s.text for s in redact_transcript(Transcript("c", segs)).segments]
    assert out == [
        "我的电话是[手机号]",
        "嗯",
        "[手机号]，记好了吗",
        "工号2001为您服务",
        "身份证号[身份证号]",
        "[身份证号]",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("喂，我是陈晓，我想问个事", "喂，我是[姓名]，我想问个事"),
        ("我就是王建国啊", "我就是[姓名]啊"),
        ("我是江苏的", "我是江苏的"),
        ("我是王府井那边的", "我是王府井那边的"),
        ("我是高中生", "我是高中生"),
        ("我是2033号话务员", "我是2033号话务员"),
        ("金额13800000000", "金额13800000000"),
        ("住在国贸大厦1205室", "住在国贸大厦[地址]"),
    ],
)
def test_i_am_names_and_amount_labels(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市民李强反映小区噪音", "市民[姓名]反映小区噪音"),
        ("一个KTV开在居民楼底下", "一个KTV开在居民楼底下"),
        ("市民热线", "市民热线"),
        ("我叫张家豪", "我叫[姓名]"),
        ("门牌号是88号", "门牌号是[地址]"),
    ],
)
def test_residents_and_house_numbers(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_north_american_numbers_of_the_english_desk() -> None:
    assert redact_text("call me at (555) 234-5678 please") == "call me at [座机号] please"
    assert redact_text("my number is 555-234-5678.") == "my number is [座机号]."
    assert redact_text("客服热线400-810-8888") == "客服热线400-810-8888"
    assert redact_text("order 123-456-7890") == "order 123-456-7890"
    # the agent's own name stays: the English rubric checks "my name is …"
    assert (
        redact_text("Northwind Telecom, my name is Anna.") == "Northwind Telecom, my name is Anna."
    )


def test_a_mobile_that_speech_to_text_formatted_as_a_number() -> None:
    assert redact_text("电话是13,812,345,678。") == "电话是[手机号]。"
    assert redact_text("13,812,345,678元") == "13,812,345,678元"
    assert redact_text("一共13,800,000,000") == "一共13,800,000,000"
