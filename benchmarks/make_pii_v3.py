# ruff: noqa: E501, SIM905, C901, B007
"""Write the third labelled PII set (``benchmarks/data/pii_v3.jsonl``), split in two halves.

Usage: python benchmarks/make_pii_v3.py [--seed 20] [--out benchmarks/data/pii_v3.jsonl]

Same line format as ``pii_set.jsonl`` (``{"text", "kind", "form", "pii"}``) plus a
``split`` field: ``tune`` or ``heldout``, from a hash of the text (sha256, first byte
even → ``tune``), fixed before any tuning so the held-out half is never looked at while
the recognizers are written. The forms are the classes that got through in issue 20's
measurement (groups read with 洞/两/拐, 杠 between groups, an aside in the middle, groups
named, reversed order; area codes in words; an ID keyword far before the number, a check
digit slip, Hong Kong IDs; Luhn slips, 公积金/社保 accounts; travel permits; e-mail read
aloud; names in a confirmation question, after a relation or a title, spelled out,
minority names; building-unit-room chains; plates with a pause; ids in pinyin) and
look-alikes (amounts, dates, case and policy numbers, 工号, self-descriptions, offices,
place words). Phrasings are written by hand; values are drawn with a fixed seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "pii_v3.jsonl"
CN = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡")
RARE_SURNAMES = list("旷揭蹇禤郄仉亓乜厍訾滑寿睢枚佀笪逯嬴")
GIVEN = "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建国 志强 海燕 晓红 子涵 浩然 雨桐 欣怡 俊杰 建华 玉兰 德明 春梅".split()
SPELLED = [("张", "弓长张"), ("章", "立早章"), ("陈", "耳东陈"), ("吴", "口天吴"), ("李", "木子李"),
           ("杨", "木易杨"), ("胡", "古月胡"), ("徐", "双人徐"), ("许", "言午许"), ("林", "双木林")]  # fmt: skip
MINORITY = ["阿依古丽·买买提", "艾力·吐尔逊", "扎西·次仁", "古丽娜尔·艾山", "努尔兰·别克",
            "买买提·艾力", "热依拉·阿不都", "巴特尔·乌力吉", "阿卜杜拉·热合曼", "迪丽娜·玉素甫"]  # fmt: skip
RELATIONS = ["我老公", "我爱人", "我家老人", "我母亲", "我儿子", "我闺女", "我们楼长", "我们经理", "我同事",
             "我邻居", "我们主任", "我们班长", "我婆婆", "我岳父"]  # fmt: skip
TITLES = ["经理", "主任", "老师", "师傅", "医生", "律师", "科长", "书记", "队长", "警官"]
ROADS = "幸福 和平 建设 解放 人民 光明 朝阳 长安 新华 团结 文化 胜利 东风 育才".split()
COMPOUNDS = (
    "阳光花园 金色家园 翠湖小区 锦绣华庭 万科城 碧桂园 恒大绿洲 丽景苑 东湖新村 幸福里小区".split()
)
BUILDINGS = "国贸大厦 金融中心 华润大厦 世纪广场 時代广场 财富中心 环球大厦 创业大厦".split()
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋陕吉闽贵粤川"
AREA = ["010", "021", "022", "023", "020", "025", "027", "028", "029", "0755", "0571", "0531", "0371",
        "0311", "0551", "0731", "0791", "0871"]  # fmt: skip
PINYIN = (
    "zhangwei liuyang wangfang lixiaoming chenjing zhaolei sunli zhouxin wumin huangtao".split()
)


def cn(digits: str, rng: random.Random, alt: float = 0.5) -> str:
    """Digits read in Chinese numerals, with 幺/两/洞/拐 as people say them."""
    out = []
    for d in digits:
        c = CN[d]
        if rng.random() < alt:
            c = {"1": "幺", "0": "洞", "7": "拐", "2": "两"}.get(d, c)
        out.append(c)
    return "".join(out)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def id18(rng: random.Random, slip: bool = False) -> str:
    area = rng.choice(
        ["110105", "310104", "440305", "330106", "510107", "420106", "370102", "320102"]
    )
    born = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = area + born + f"{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    if slip:
        check = rng.choice([c for c in "0123456789" if c != check])
    return body + check


def luhn(rng: random.Random, n: int = 19, slip: bool = False) -> str:
    body = rng.choice(["6222", "6217", "6228", "6214", "6225", "4367", "6212"])
    body += "".join(rng.choice("0123456789") for _ in range(n - 5))
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    check = (10 - total % 10) % 10
    if slip:
        check = (check + rng.randint(1, 9)) % 10
    return body + str(check)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


Row = tuple[str, list[str]]


def _mobile_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["我手机{n}", "电话是{n}你记一下", "您好我号码{n}", "打这个{n}就行", "回电请打{n}",
              "嗯{n}，这个是我本人的", "联系方式{n}", "我的号{n}对"]:  # fmt: skip
        m = mobile(rng)
        p = f"{cn(m[:3], rng, 0.9)} {cn(m[3:7], rng, 0.9)} {cn(m[7:], rng, 0.9)}"
        rows.append((t.format(n=p), [p]))
        m = mobile(rng)
        p = cn(m, rng, 0.8)
        rows.append((t.format(n=p), [p]))
    out["dong_yao"] = rows
    rows = []
    for t in [
        "电话{n}",
        "手机号{n}",
        "我的电话是{n}",
        "你打{n}",
        "号码是{n}，谢谢",
        "{n}，这是我老伴的",
    ]:
        m = mobile(rng)
        sep = rng.choice(["杠", "杠", "-", "—"])
        p = sep.join([cn(m[:3], rng), cn(m[3:7], rng), cn(m[7:], rng)])
        rows.append((t.format(n=p), [p]))
        m = mobile(rng)
        p = f"{m[:3]}杠{m[3:7]}杠{m[7:]}"
        rows.append((t.format(n=p), [p]))
    out["gang"] = rows
    rows = []
    asides = [
        "我看一下啊",
        "等一下我翻翻",
        "你稍等",
        "我找找看",
        "哎我想想",
        "我看看手机上",
        "那个什么来着",
    ]
    for t in ["我电话是{n}", "号码{n}", "手机{n}，对", "你记一下{n}"]:
        for _ in range(3):
            m = mobile(rng)
            a = rng.choice(asides)
            k = rng.choice([3, 7])
            p = f"{cn(m[:k], rng)}，{a}，{cn(m[k:], rng)}"
            rows.append((t.format(n=p), [p]))
    out["aside"] = rows
    rows = []
    for t in ["前三位{a}，中间四位{b}，最后四位{c}", "前三位是{a}，中间是{b}，后四位是{c}",
              "开头{a}，中间{b}，尾号是{c}", "头三位{a}，然后中间四个数{b}，最后{c}",
              "号码前三位{a}中间四位{b}后四位{c}", "手机前面是{a}，中间{b}，后面四位{c}"]:  # fmt: skip
        for _ in range(2):
            m = mobile(rng)
            a, b, c = (cn(x, rng) if rng.random() < 0.6 else x for x in (m[:3], m[3:7], m[7:]))
            text = t.format(a=a, b=b, c=c)
            rows.append((text, [text[text.index(a) : text.rindex(c) + len(c)]]))
    out["named_groups"] = rows
    rows = []
    for t in ["后四位是{c}，前面是{ab}", "尾号{c}，前七位{ab}", "最后四位{c}，前面七位是{ab}",
              "后四位{c}，前面{ab}", "先说后四位{c}，前边是{ab}", "末四位{c}，前七位是{ab}"]:  # fmt: skip
        for _ in range(2):
            m = mobile(rng)
            c, ab = (cn(x, rng) if rng.random() < 0.5 else x for x in (m[7:], m[:7]))
            text = t.format(c=c, ab=ab)
            rows.append((text, [text[text.index(c) : text.rindex(ab) + len(ab)]]))
    out["reversed"] = rows
    rows = []
    for t in ["加八六{n}", "+86 {n}", "我号码是八六{n}", "零零八六{n}"]:
        m = mobile(rng)
        n = cn(m, rng) if "八" in t or "零" in t else m
        rows.append((t.format(n=n), [n]))
        m = mobile(rng)
        n = f"{m[:3]} {m[3:7]} {m[7:]}"
        rows.append((t.format(n=n), [n]))
    out["intl"] = rows
    return out


def _landline_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["区号{a}，号码{b}", "座机区号是{a}，{b}", "家里电话区号{a}然后{b}", "区号{a}电话{b}",
              "单位座机，区号{a}，后面{b}", "固话{a}，{b}"]:  # fmt: skip
        for _ in range(2):
            a = rng.choice(AREA)
            b = rng.choice("2345678") + digits(rng, 7 if len(a) == 3 else rng.choice([6, 7]))
            aa, bb = cn(a, rng), cn(b, rng) if rng.random() < 0.7 else b
            text = t.format(a=aa, b=bb)
            rows.append((text, [text[text.index(aa) : text.index(bb) + len(bb)]]))
    out["area_words"] = rows
    rows = []
    for t in [
        "座机{n}",
        "办公室电话{n}",
        "打{n}找我",
        "家里座机是{n}",
        "单位电话{n}转总机",
        "固定电话{n}",
    ]:
        for _ in range(2):
            a = rng.choice(AREA)
            b = rng.choice("2345678") + digits(rng, 7 if len(a) == 3 else 6)
            n = f"{a}杠{b}" if rng.random() < 0.5 else f"{cn(a, rng)}杠{cn(b, rng)}"
            rows.append((t.format(n=n), [n]))
    out["gang"] = rows
    rows = []
    for t in ["座机{a}，嗯，{b}", "电话是{a}……{b}", "家里电话{a}，那个，{b}", "座机号{a}，呃，{b}",
              "办公室{a}，我看看，{b}", "固话是{a}…{b}"]:  # fmt: skip
        for _ in range(2):
            a = rng.choice(AREA)
            b = rng.choice("2345678") + digits(rng, 7 if len(a) == 3 else 6)
            if rng.random() < 0.5:
                a, b = cn(a, rng), cn(b, rng)
            text = t.format(a=a, b=b)
            rows.append((text, [text[text.index(a) : text.rindex(b) + len(b)]]))
    out["pause"] = rows
    return out


def _id_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["身份证号码我给您念一下啊，稍等我拿一下，在这呢，{n}",
              "要我身份证是吧，行，您记好了啊，{n}", "证件号码……我找一下卡包，找到了，{n}",
              "身份证我报给你，就是这个，{n}", "那个身份证的号，我老伴的，你听好，{n}",
              "您说身份证，好，我这边念啊，念慢点，{n}"]:  # fmt: skip
        for _ in range(2):
            v = id18(rng, slip=rng.random() < 0.5)
            n = cn(v, rng) if rng.random() < 0.5 else v
            rows.append((t.format(n=n), [n]))
    out["far_keyword"] = rows
    rows = []
    for t in ["身份证{n}", "身份证号{n}", "证件号码{n}", "我身份证号码是{n}", "身份证号是{n}对",
              "身份证，{n}"]:  # fmt: skip
        for _ in range(2):
            v = id18(rng, slip=True)
            n = v if rng.random() < 0.5 else f"{v[:6]} {v[6:14]} {v[14:]}"
            rows.append((t.format(n=n), [n]))
    out["check_slip"] = rows
    rows = []
    for t in ["香港身份证{n}", "我是香港居民，身份证号{n}", "HKID {n}", "香港身份证号码是{n}",
              "证件是香港身份证，{n}", "身份证号码{n}，香港的"]:  # fmt: skip
        for _ in range(2):
            letter = rng.choice("ACDEGHKPRVYZ")
            v = f"{letter}{digits(rng, 6)}"
            n = v + (
                f"({rng.choice('0123456789A')})" if rng.random() < 0.7 else rng.choice("0123456789")
            )
            rows.append((t.format(n=n), [n]))
    out["hong_kong"] = rows
    rows = []
    for t in ["身份证{n}", "身份证号码是{n}", "证件号{n}", "身份证最后一位是叉，{n}"]:
        for _ in range(3):
            v = id18(rng)
            while v[-1] != "X":
                v = id18(rng)
            n = cn(v[:-1], rng) + rng.choice(["叉", "X", "x"])
            rows.append((t.format(n=n), [n]))
    out["spoken_x"] = rows
    return out


def _card_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["银行卡号{n}", "卡号是{n}", "退到我这张卡上，卡号{n}", "储蓄卡{n}", "银行账号{n}",
              "我的工资卡，卡号是{n}"]:  # fmt: skip
        for _ in range(2):
            v = luhn(rng, rng.choice([16, 19]), slip=True)
            n = v if rng.random() < 0.4 else " ".join(v[i : i + 4] for i in range(0, len(v), 4))
            if rng.random() < 0.3:
                n = cn(v, rng)
            rows.append((t.format(n=n), [n]))
    out["luhn_slip"] = rows
    rows = []
    for t in ["卡号{n}", "银行卡{n}", "你记一下卡号，{n}", "农行的卡，{n}"]:
        for _ in range(3):
            v = luhn(rng, 19)
            parts = [cn(v[i : i + 4], rng) for i in range(0, 19, 4)]
            n = rng.choice(["，嗯，", "，然后，", "，", "……"]).join(parts)
            rows.append((t.format(n=n), [n]))
    out["spoken_groups"] = rows
    return out


def _account_rows(rng: random.Random) -> dict[str, list[Row]]:
    rows = []
    for t in ["公积金账号{n}", "我的公积金个人账号是{n}", "社保账号{n}", "社保卡号{n}", "个人社保编号{n}",
              "公积金账户{n}", "医保卡号是{n}", "社保个人编号是{n}"]:  # fmt: skip
        for _ in range(2):
            kind = rng.random()
            if kind < 0.35:
                v = rng.choice(["GJ", "SZ", "BJ", "HZ", "A", "B"]) + digits(
                    rng, rng.choice([9, 10, 12])
                )
            elif kind < 0.7:
                v = digits(rng, rng.choice([10, 12]))
            else:
                v = rng.choice("ABCDEFGHJKLM") + digits(rng, 8)
            rows.append((t.format(n=v), [v]))
    return {"letters": rows}


def _passport_rows(rng: random.Random) -> dict[str, list[Row]]:
    rows = []
    for t in ["护照号{n}", "护照号码是{n}", "我的护照，{n}", "港澳通行证{n}", "港澳通行证号码{n}",
              "通行证号是{n}", "回乡证{n}", "回乡证号码是{n}", "台胞证{n}", "护照{n}，去年办的"]:  # fmt: skip
        for _ in range(2):
            if "护照" in t:
                v = rng.choice(["E", "G", "EA", "EB"]) + digits(
                    rng, 8 if len(t) and rng.random() < 0.6 else 7
                )
            elif "港澳" in t or "通行证" in t:
                v = rng.choice(["C", "CA", "CB"]) + digits(rng, 8 if rng.random() < 0.5 else 7)
            elif "回乡" in t:
                v = rng.choice(["H", "M"]) + digits(rng, rng.choice([8, 10]))
            else:
                v = digits(rng, 8)
            rows.append((t.format(n=v), [v]))
    return {"permits": rows}


def _email_rows(rng: random.Random) -> dict[str, list[Row]]:
    rows = []
    domains = [("qq", "com"), ("163", "com"), ("126", "com"), ("sina", "cn"), ("gmail", "com")]
    for i in range(20):
        user = rng.choice(PINYIN) + (digits(rng, rng.randint(1, 4)) if rng.random() < 0.6 else "")
        d, tld = rng.choice(domains)
        forms = [
            f"{user}艾特{d}点{tld}",
            f"{user} at {d} dot {tld}",
            f"{user}＠{d}.{tld}",
            f"{user}@{d}。{tld}",
            f"{user}圈a{d}点{tld}",
            f"{user}艾特{d}.{tld}",
            f"{user.upper()} AT {d.upper()} DOT {tld.upper()}",
        ]
        e = forms[i % len(forms)]
        t = rng.choice(
            ["邮箱是{e}", "发我邮箱{e}", "我的邮箱{e}，谢谢", "电子邮件{e}", "你发到{e}就行"]
        )
        rows.append((t.format(e=e), [e]))
    return {"spoken": rows}


def _name_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["请问您是{n}先生吗", "是{n}女士吗？", "您好，是{n}吗", "请问是{n}本人吗", "您是{n}对吧",
              "喂，{n}是吧", "请问机主是{n}吗", "是{n}家吗"]:  # fmt: skip
        for _ in range(2):
            n = name(rng)
            rows.append((t.format(n=n), [n]))
    out["confirm"] = rows
    rows = []
    for r in RELATIONS:
        n = name(rng)
        rows.append((f"{r}{n}去办的", [n]))
    for ti in TITLES:
        n = rng.choice(SURNAMES)
        s = n + rng.choice(GIVEN)
        rows.append((rng.choice(["找了", "是", "那个"]) + f"{ti}{s}说的", [s]))
    out["relation_title"] = rows
    rows = []
    for t in [
        "请问您贵姓？{n}。",
        "怎么称呼您？{n}",
        "您叫什么名字？{n}",
        "名字？——{n}。",
        "联系人怎么写？{n}",
    ]:
        for _ in range(2):
            n = name(rng)
            rows.append((t.format(n=n), [n]))
    out["bare_turn"] = rows
    rows = []
    for n in MINORITY:
        t = rng.choice(["我叫{n}", "我是{n}，新疆来的", "联系人{n}", "{n}先生", "申请人是{n}"])
        rows.append((t.format(n=n), [n]))
    out["minority"] = rows
    rows = []
    for s in RARE_SURNAMES[:12]:
        n = s + rng.choice(GIVEN)
        t = rng.choice(["我叫{n}", "我姓{s}，叫{n}", "{n}女士", "联系人{n}"])
        rows.append((t.format(n=n, s=s), [n]))
    out["rare_surname"] = rows
    rows = []
    for s, sp in SPELLED:
        g = rng.choice(GIVEN)
        t = rng.choice(
            ["我姓{sp}，叫{s}{g}", "{sp}，{s}{g}", "{s}{g}，{sp}的{s}", "名字是{sp}的{s}，{g}"]
        )
        text = t.format(sp=sp, s=s, g=g)
        if t.startswith("名字是"):
            rows.append((text, [sp, g]))
        else:
            rows.append((text, [sp, s + g]))
    out["spelled"] = rows
    return out


def _address_rows(rng: random.Random) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    rows = []
    for t in ["我住{c}{n}", "{c}{n}，漏水", "地址是{c}{n}", "就在{c}{n}那栋", "家在{c} {n}"]:
        for _ in range(3):
            n = f"{rng.randint(1, 30)}-{rng.randint(1, 6)}-{rng.randint(1, 28)}0{rng.randint(1, 4)}"
            c = rng.choice(COMPOUNDS)
            rows.append((t.format(c=c, n=n), [n]))
    out["chain"] = rows
    rows = []
    forms = [
        "{a}排{b}户",
        "{a}号楼{b}门{c}",
        "{a}楼{b}门{c}号",
        "{a}门{c}",
        "{a}栋{b}单元{c}户",
        "{a}排{b}号",
    ]
    for i in range(15):
        a, b = rng.randint(1, 20), rng.randint(1, 8)
        c = f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        n = forms[i % len(forms)].format(a=a, b=b, c=c)
        t = rng.choice(["{v}村{n}", "我家是{v}村{n}", "住{c}{n}", "{c}{n}楼上吵"])
        rows.append(
            (
                t.format(v=rng.choice(["东", "西", "李家", "前进"]), c=rng.choice(COMPOUNDS), n=n),
                [n],
            )
        )
    out["levels"] = rows
    rows = []
    for i in range(12):
        b = rng.choice(BUILDINGS)
        r = f"{rng.randint(5, 32)}{rng.randint(1, 20):02d}"
        t = rng.choice(["我在{b}{r}上班", "公司在{b}{r}室", "{b}{r}", "地址{b}{r}房间"])
        rows.append((t.format(b=b, r=r), [r]))
    out["room_after_building"] = rows
    return out


def _plate_rows(rng: random.Random) -> dict[str, list[Row]]:
    rows = []
    for t in ["车牌{p}，{l}，{n}", "车牌号{p}{l}，嗯，{n}", "我的车{p}{l}……{n}", "牌照是{p}{l}，那个，{n}",
              "车牌{p}{l}，{n}"]:  # fmt: skip
        for _ in range(3):
            p, ll = rng.choice(PROVINCES), rng.choice("ABCDEFGHJK")
            n = digits(rng, 5) if rng.random() < 0.5 else cn(digits(rng, 5), rng)
            text = t.format(p=p, l=ll, n=n)
            rows.append(
                (
                    text,
                    [
                        text[
                            text.index(p + ("，" if "，{l}" in t else "") + ll) : text.rindex(n)
                            + len(n)
                        ]
                    ],
                )
            )
    return {"pause": rows}


def _im_rows(rng: random.Random) -> dict[str, list[Row]]:
    rows = []
    for i in range(18):
        py = rng.choice(PINYIN)
        v = [py + digits(rng, 3), py[:4] + "_" + digits(rng, 4), "_".join([py, digits(rng, 2)]),
             " ".join(py) + " " + " ".join(digits(rng, 3)), py + "_" + rng.choice(["bj", "sh", "gz"])][i % 5]  # fmt: skip
        t = rng.choice(["微信号{v}", "加我微信，{v}", "抖音号{v}", "我抖音是{v}", "微信{v}，加一下",
                        "快手号{v}", "vx：{v}"])  # fmt: skip
        rows.append((t.format(v=v), [v]))
    for _ in range(6):
        q = digits(rng, rng.randint(6, 10)).lstrip("0") or "12345"
        t = rng.choice(["QQ是{q}", "扣扣{q}", "q q号{q}", "企鹅号{q}"])
        q2 = cn(q, rng) if rng.random() < 0.5 else q
        rows.append((t.format(q=q2), [q2]))
    return {"ids": rows}


def _lookalike_rows(rng: random.Random) -> dict[str, list[Row]]:
    L: dict[str, list[str]] = {}
    L["amount"] = [f"一共{rng.randint(1000, 99999)}块钱" for _ in range(3)] + [
        "罚了一万三千八百元", "补贴是一千八百五十元", f"退了{rng.randint(100, 9999)}.50元",
        "欠费一百三十八块六毛", f"房租每月{rng.randint(1500, 8000)}元", "押金两千", f"赔偿{rng.randint(10000, 99999)}元",
        "工资一个月三千二",
    ]  # fmt: skip
    L["date"] = [f"{rng.randint(2018, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日办的" for _ in range(3)] + [
        "二零二三年十月十五号", "2024-03-18那天", "去年十二月三号", "20240518那天提交的", "一九八五年出生的",
        "二〇二五年七月", "2025/11/02下午", "明年三月一号以后",
    ]  # fmt: skip
    L["case_number"] = [f"工单号{digits(rng, 14)}" for _ in range(3)] + [
        f"受理号{digits(rng, 12)}", f"案件编号是{digits(rng, 10)}", f"订单号{digits(rng, 18)}",
        f"快递单号SF{digits(rng, 12)}", f"流水号{digits(rng, 16)}", f"发票号码{digits(rng, 8)}",
        f"预约号{digits(rng, 9)}", "文号是京政发〔2023〕12号",
    ]  # fmt: skip
    L["job_number"] = [f"工号{digits(rng, rng.choice([4, 5, 6]))}为您服务" for _ in range(3)] + [
        "我是2056号话务员", "坐席号8012", "工号是幺零二三", "我的工号三零八八", "接线员编号0715", "工号A1024",
        "客服专员9527号",
    ]  # fmt: skip
    L["policy"] = [f"保单号{digits(rng, 15)}" for _ in range(3)] + [
        f"保单号码P{digits(rng, 12)}", f"合同号HT{digits(rng, 10)}", f"车架号LSV{digits(rng, 14)}",
        "统一社会信用代码91110105MA01XXXX1K", f"营业执照号{digits(rng, 15)}", f"证书号{digits(rng, 12)}",
        "许可证号JY11105000012345",
    ]  # fmt: skip
    L["self_description"] = [
        "我是退休职工", "我是外卖骑手", "我是本小区业主", "我是这个楼的住户", "我是环卫工人", "我是个体户",
        "我是残疾人", "我是低保户", "我是孕妇", "我是学生家长", "我是房东", "我是出租车司机", "我是老师",
        "我是新市民", "我是物业的",
    ]  # fmt: skip
    L["office"] = [
        "我叫了物业", "我叫的城管", "我叫了居委会的人来看", "我叫社区的来处理", "我叫派出所来", "我叫了120",
        "我叫市场监管局的人", "我叫了街道办", "我叫了房管局的", "我叫了消防", "我叫了燃气公司", "我叫了供电所",
    ]  # fmt: skip
    L["place"] = [
        "王府井那边", "张家湾镇", "李村公园", "高碑店附近", "马家堡东路", "黄村西大街", "刘家窑桥下", "赵公口长途站",
        "周庄古镇", "何家村那块", "陈家祠地铁站", "宋庄美术馆",
    ]  # fmt: skip
    L["quantity_code"] = [
        "12345热线", "打110报警", "请拨12315", "邮编100020", "验证码836152", "第3次打来了", "一共138户",
        "3号线地铁", "温度38度", "面积98平方米", "尾号5678那张卡", "排队号A035",
    ]  # fmt: skip
    return {k: [(t, []) for t in v] for k, v in L.items()}


BUILDERS = {
    "mobile": _mobile_rows, "landline": _landline_rows, "id_card": _id_rows, "bank_card": _card_rows,
    "account": _account_rows, "passport": _passport_rows, "email": _email_rows, "name": _name_rows,
    "address": _address_rows, "plate": _plate_rows, "im": _im_rows, "lookalike": _lookalike_rows,
}  # fmt: skip


def split_of(text: str) -> str:
    """``tune`` or ``heldout``, fixed by a hash of the text."""
    return "tune" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seen: set[str] = set()
    lines = []
    for kind, build in BUILDERS.items():
        for form, rows in build(rng).items():
            for text, pii in rows:
                if text in seen:
                    continue
                seen.add(text)
                assert all(p and p in text for p in pii), (text, pii)
                row = {
                    "text": text,
                    "kind": kind,
                    "form": form,
                    "pii": pii,
                    "split": split_of(text),
                }
                lines.append(json.dumps(row, ensure_ascii=False))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} rows to {args.out}")


if __name__ == "__main__":
    main()
