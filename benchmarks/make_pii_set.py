"""Write the labelled PII set of ``benchmarks/pii_recall.py`` (``benchmarks/data/pii_set.jsonl``).

Usage: python benchmarks/make_pii_set.py [--seed 2026] [--out benchmarks/data/pii_set.jsonl]

Every line is one labelled string: ``{"text", "kind", "form", "pii"}`` where ``pii`` is
the list of substrings of ``text`` that are personal data (empty for a look-alike, whose
``kind`` is ``lookalike`` and ``form`` its class). The phrasings are written by hand as
callers and agents of a 12345 hotline say them; the values (numbers with valid check
digits, names, roads) are drawn from tables with a fixed seed, so the file is the same
on every run. Forms: ``written``, ``spoken`` (digit by digit in Chinese numerals),
``separated`` (punctuation between groups), ``asr`` (what speech-to-text makes of it:
mixed scripts, homophones, fillers, stray words) and ``long`` (inside a long turn full
of other numbers).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path


def _words(text: str) -> list[str]:
    return text.split()


OUT = Path(__file__).resolve().parent / "data" / "pii_set.jsonl"

CN = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
CN_ALT = dict(zip("0123456789", "〇幺两三四五六七八九", strict=True))
FULL = {str(d): chr(0xFF10 + d) for d in range(10)}
FIN = dict(zip("0123456789", "零壹贰叁肆伍陆柒捌玖", strict=True))
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔"
)
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容"]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽娟",
    "淑珍",
    "玉兰",
    "凤英",
    "国强",
    "文博",
    "子涵",
    "浩然",
    "欣怡",
    "雨轩",
    "俊杰",
    "振华",
    "春梅",
    "红霞",
    "德明",
    "卫东",
    "爱华",
    "金凤",
    "宏伟",
    "立新",
    "永刚",
    "晓梅",
    "亚楠",
    "思远",
    "佳怡",
    "鹏飞",
    "国庆",
]
ROADS = [
    "建国路",
    "人民路",
    "解放大街",
    "中山北路",
    "长安街",
    "光华路",
    "朝阳北路",
    "学院路",
    "迎宾大道",
    "滨江东路",
    "东大街",
    "西环路",
    "新华街",
    "和平路",
    "文化路",
    "胜利大街",
    "青年路",
    "工农路",
    "幸福大街",
    "友谊路",
]
LANES = _words("槐树胡同 石头巷 东四十条 南锣鼓巷 三里屯 五道口 复兴里 金鱼胡同 ")
COMPOUNDS = [
    "阳光小区",
    "锦绣花园",
    "幸福家园",
    "翠苑",
    "金地名苑",
    "龙湖小区",
    "万科城",
    "碧桂园",
    "天通苑",
    "融创府",
    "望京新城",
    "华润公寓",
    "紫荆花园",
    "南湖新村",
    "康居小区",
]
DISTRICTS = [
    "朝阳区",
    "海淀区",
    "西城区",
    "浦东新区",
    "天河区",
    "武侯区",
    "江干区",
    "雁塔区",
    "历下区",
]
PROVINCE_ABBR = "京津沪渝冀豫辽湘皖鲁苏浙鄂粤川陕闽"
AREA_CODES = ["010", "021", "022", "023", "0571", "0755", "020", "0531", "0898", "0731"]
ID_PREFIXES = ["110105", "110108", "310115", "440106", "330102", "510104", "420102", "370102"]


def luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        digits = prefix + last
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def id_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[dict] = []

    # -- values ---------------------------------------------------------------------
    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def mobile(self) -> str:
        return "1" + self.rng.choice("3456789") + self.digits(9)

    def id18(self) -> str:
        body = (
            self.rng.choice(ID_PREFIXES)
            + f"{self.rng.randint(1940, 2008)}{self.rng.randint(1, 12):02d}"
            + f"{self.rng.randint(1, 28):02d}{self.digits(3)}"
        )
        return body + id_check(body)

    def card(self) -> str:
        prefix = self.rng.choice(["6222", "6217", "6228", "6214", "6226", "4367", "5187"])
        n = self.rng.choice([16, 19])
        return luhn_complete(prefix + self.digits(n - 5))

    def landline(self) -> tuple[str, str]:
        code = self.rng.choice(AREA_CODES)
        local = self.rng.choice("2345678") + self.digits(7 if len(code) == 3 else 6)
        return code, local

    def name(self) -> str:
        if self.rng.random() < 0.08:
            return self.rng.choice(COMPOUND) + self.rng.choice(GIVEN)
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def cn(self, digits: str, *, alt: float = 0.4) -> str:
        table = CN_ALT if self.rng.random() < alt else CN
        return "".join(table.get(d, "叉") if d != "X" else "叉" for d in digits)

    def group(self, s: str, sizes: tuple[int, ...], sep: str) -> str:
        out, pos = [], 0
        for size in sizes:
            out.append(s[pos : pos + size])
            pos += size
        if pos < len(s):
            out.append(s[pos:])
        return sep.join(x for x in out if x)

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    # -- rows -----------------------------------------------------------------------
    def add(self, kind: str, form: str, template: str, pii: str, *more: str) -> None:
        text = template.replace("{}", pii, 1)
        for extra in more:
            text = text.replace("{}", extra, 1)
        self.rows.append({"text": text, "kind": kind, "form": form, "pii": [pii]})

    def lookalike(self, cls: str, text: str) -> None:
        self.rows.append({"text": text, "kind": "lookalike", "form": cls, "pii": []})


SHORT = [
    "我手机号是{}，您记一下。",
    "您好，号码{}，对吗？",
    "打这个{}就能找到我。",
    "对对对，{}，没错。",
    "联系方式：{}",
    "嗯，{}，白天晚上都行",
    "我再说一遍啊，{}",
    "留个电话吧，{}",
    "就是{}这个号",
    "您的来电号码显示是{}是吧",
]
LONG = [
    "是这样的，我上个月十五号就打过你们12345了，当时那个工号2041的话务员说三个工作日答复，"
    "结果到现在快二十天了也没人理，我家那个房子一百二十平方米，物业费一年三千多块，"
    "你们有什么消息就打我电话{}，我一般晚上七点以后在家。",
    "我跟您核实一下：您反映的是小区供暖问题，室温只有十四度，已经持续一周，去年也反映过两次，"
    "您的联系电话是{}，我们会在五个工作日内转办到相关部门，还有什么需要补充的吗？",
    "嗯，那个，我想问一下就是社保的事，我今年四十五岁，交了十二年了，中间断了八个月，"
    "现在想补缴，单位说要去窗口办，我打了好几次电话都没人接，你们能不能帮我问问，我的是{}，谢谢啊。",
    "好的女士，您反映的问题我已经记录了，工单号是20241105003321，处理结果会在十个工作日内"
    "短信通知到您，登记的号码是{}，请保持电话畅通，请问还有其他问题吗？",
]
ID_T = [
    "身份证号是{}",
    "我身份证{}，你查一下",
    "证件号码：{}",
    "身份证号码呢，是{}，对",
    "您的身份证号{}我已经登记了",
]
ID_LOOSE = ["我报一下，{}，这是我的号", "你记一下{}，就这个", "{}，这个你们系统里能查到吧"]
CARD_T = [
    "银行卡号是{}",
    "我的卡号{}，工商银行的",
    "打到这张卡上，卡号：{}",
    "储蓄卡{}，开户行是建行",
    "账号是{}，户名是我本人",
]
CARD_LOOSE = ["钱转到{}了吗", "扣款的是{}这张", "尾巴上那张{}"]
LANDLINE_T = [
    "座机号码是{}",
    "我家电话{}，晚上打",
    "办公室电话：{}",
    "固话{}，有人接",
    "您打这个{}也行",
]


def phones(g: Gen) -> None:
    for _ in range(40):
        m = g.mobile()
        form_values = {
            "written": [
                m,
                g.group(m, (3, 4), " "),
                g.group(m, (3, 4), "-"),
                "+86 " + m,
                "+86-" + g.group(m, (3, 4), "-"),
                "0086" + m,
                "".join(FULL[d] for d in m),
            ],
            "spoken": [
                g.cn(m),
                g.group(g.cn(m), (3, 4), " "),
                g.group(g.cn(m), (3, 4), "，"),
                g.group(g.cn(m), (3, 4), "、"),
                g.group(g.cn(m, alt=1.0), (3, 4), " "),
            ],
            "separated": [
                g.group(m, (3, 4), "，"),
                g.group(m, (3, 4), "、"),
                g.group(m, (3, 4), "."),
                g.group(m, (3, 4), "/"),
                f"({m[:3]}){m[3:]}",
                f"（{m[:3]}）{m[3:7]}-{m[7:]}",
                g.group(m, (3, 4), "。"),
            ],
            "asr": [
                m[:3] + g.cn(m[3:7]) + m[7:],
                g.cn(m[:3]) + " 嗯 " + g.cn(m[3:7]) + " " + g.cn(m[7:]),
                g.cn(m[:3]) + "呃" + g.cn(m[3:]),
                g.cn(m[:3]) + "那个" + g.cn(m[3:7]) + "，" + g.cn(m[7:]),
                g.cn(m[:3]) + "…" + g.cn(m[3:7]) + "…" + g.cn(m[7:]),
                " ".join(m),
                "".join(FIN[d] for d in m),
                g.cn(m).replace("一", "要"),
                g.group(m, (4, 4), " "),
            ],
        }
        for form, values in form_values.items():
            value = g.rng.choice(values)
            g.add("mobile", form, g.pick(SHORT), value)
        g.add("mobile", "long", g.pick(LONG), g.rng.choice([m, g.cn(m), g.group(m, (3, 4), " ")]))
    for _ in range(6):
        g.add("mobile", "asr", g.pick(["手机{}号", "我的号码是{}号，记一下"]), g.mobile())
    # stray words after a spoken number: …五六七八一下 / 一个
    for _ in range(8):
        m = g.mobile()
        g.add("mobile", "asr", "号码{}" + g.pick(["一下您记", "一个就行"]), g.cn(m))


def ids(g: Gen) -> None:
    for _ in range(30):
        v = g.id18()
        wrong = v[:-1] + g.rng.choice([c for c in "0123456789X" if c != v[-1]])
        g.add("id_card", "written", g.pick(ID_T), v)
        g.add("id_card", "written", g.pick(ID_LOOSE), v)
        g.add("id_card", "spoken", g.pick(ID_T), g.cn(v))
        sep = g.pick(["，", "、", " ", "."])
        g.add("id_card", "separated", g.pick(ID_T), g.group(v, (6, 8), sep))
        asr = g.rng.choice(
            [
                wrong,  # a digit misheard: the checksum fails, the keyword decides
                g.cn(v[:6]) + " 嗯 " + g.cn(v[6:14]) + "，" + g.cn(v[14:]),
                v[:6] + g.cn(v[6:14]) + v[14:],
                g.cn(wrong),
            ]
        )
        g.add("id_card", "asr", g.pick(ID_T), asr)
        if _ % 3 == 0:
            g.add("id_card", "long", LONG[_ % len(LONG)].replace("我的是", "身份证是"), v)
    for _ in range(6):
        old = (
            g.rng.choice(ID_PREFIXES)
            + f"{g.rng.randint(40, 99)}0{g.rng.randint(1, 9)}1{g.rng.randint(0, 9)}"
            + g.digits(3)
        )
        g.add("id_card", "written", g.pick(ID_T), old)


def cards(g: Gen) -> None:
    for _ in range(30):
        c = g.card()
        bad = c[:-1] + str((int(c[-1]) + 3) % 10)
        g.add("bank_card", "written", g.pick(CARD_T), c)
        g.add("bank_card", "written", g.pick(CARD_LOOSE), g.group(c, (4, 4, 4, 4), " "))
        g.add(
            "bank_card",
            "spoken",
            g.pick(CARD_T),
            g.group(g.cn(c), (4, 4, 4, 4), g.pick([" ", "，"])),
        )
        g.add(
            "bank_card",
            "separated",
            g.pick(CARD_T),
            g.group(c, (4, 4, 4, 4), g.pick(["，", "、", ".", "-"])),
        )
        g.add(
            "bank_card", "asr", g.pick(CARD_T), g.rng.choice([bad, g.cn(bad), c[:8] + g.cn(c[8:])])
        )
        if _ % 3 == 0:
            g.add("bank_card", "long", LONG[1].replace("联系电话", "退款银行卡号"), c)


def landlines(g: Gen) -> None:
    for _ in range(16):
        code, local = g.landline()
        g.add("landline", "written", g.pick(LANDLINE_T), f"{code}-{local}")
        g.add("landline", "separated", g.pick(LANDLINE_T), f"({code}){local}")
        g.add("landline", "spoken", g.pick(LANDLINE_T), g.cn(code) + " " + g.cn(local))
        g.add("landline", "written", "座机是{}，周一到周五", local)


NAME_T = [
    ("我叫{}，", "self"),
    ("您好，我叫{}，想反映个事", "self"),
    ("姓名：{}", "self"),
    ("登记的姓名是{}对吧", "self"),
    ("联系人写{}就行", "self"),
    ("{}先生，您的问题我记下了", "title"),
    ("请问是{}女士吗？", "title"),
    ("好的{}先生，还有别的吗", "title"),
    ("我是来电人，名字叫{}", "self"),
]


def names(g: Gen) -> None:
    for _ in range(70):
        n = g.name()
        t, _form = g.rng.choice(NAME_T)
        g.add("name", "written", t, n)
    for _ in range(20):
        s = g.rng.choice(SURNAMES)
        g.add("name", "written", g.pick(["我姓{}，", "免贵姓{}", "我姓{}，双木林那个林也行"]), s)
    for _ in range(10):
        s = g.rng.choice(SURNAMES)
        g.add("name", "spoken", g.pick(["你叫我小{}就行", "叫我老{}吧"]), s)
    for _ in range(10):
        n = g.name()
        g.add(
            "name",
            "long",
            LONG[0].replace("你们有什么消息", "我叫{}，你们有什么消息"),
            n,
            g.mobile(),
        )


def addresses(g: Gen) -> None:
    def num(k: int, spoken: bool) -> str:
        if not spoken:
            return str(k)
        tens = ["", "十", "二十", "三十", "四十", "五十", "六十", "七十", "八十", "九十"]
        if k < 10:
            return CN[str(k)]
        if k < 100:
            return tens[k // 10] + (CN[str(k % 10)] if k % 10 else "")
        return g.cn(str(k))

    for _ in range(60):
        spoken = g.rng.random() < 0.3
        road = g.rng.choice(ROADS + LANES)
        house = num(g.rng.randint(1, 300), spoken) + g.pick(["号", "号院"])
        bld = num(g.rng.randint(1, 30), spoken) + g.pick(["号楼", "栋", "幢"])
        unit = num(g.rng.randint(1, 6), spoken) + "单元"
        room_n = g.rng.randint(1, 28) * 100 + g.rng.randint(1, 4)
        room = (g.cn(str(room_n)) if spoken else str(room_n)) + g.pick(["", "室"])
        parts = g.rng.choice([[house, bld, unit, room], [house, bld], [house], [house, unit, room]])
        sep = g.pick(["", "", "，", " "])
        tail = sep.join(parts)
        district = g.rng.choice(DISTRICTS) if g.rng.random() < 0.5 else ""
        t = g.pick(["我住在{}", "地址是{}", "家住{}，", "就在{}这块", "您的地址是{}对吧"])
        row_text = t.replace("{}", district + road + "{}")
        g.add("address", "spoken" if spoken else "written", row_text, tail)
    for _ in range(30):
        spoken = g.rng.random() < 0.3
        comp = g.rng.choice(COMPOUNDS)
        bld = num(g.rng.randint(1, 30), spoken) + g.pick(["号楼", "栋", "幢", "座"])
        unit = num(g.rng.randint(1, 6), spoken) + "单元"
        room_n = g.rng.randint(1, 28) * 100 + g.rng.randint(1, 4)
        room = (g.cn(str(room_n)) if spoken else str(room_n)) + g.pick(["", "室"])
        tail = g.pick(["", "，", " "]).join(
            g.rng.choice([[bld, unit, room], [bld, room], [unit, room]])
        )
        t = g.pick(["我家是{}", "住{}，楼上一直漏水", "{}，就这个地址", "我们{}的居民"])
        g.add("address", "spoken" if spoken else "written", t.replace("{}", comp + "{}"), tail)
    for _ in range(10):
        road = g.rng.choice(ROADS)
        r = g.rng.randint
        tail = f"{r(1, 200)}号院{r(1, 20)}号楼{r(1, 5)}单元{r(1, 20)}0{r(1, 4)}"
        g.add("address", "long", LONG[2].replace("我的是{}", "我住" + road + "{}"), tail)


def others(g: Gen) -> None:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    for _ in range(25):
        p = g.rng.choice(PROVINCE_ABBR) + g.rng.choice(letters)
        body = "".join(
            g.rng.choice(letters[:8] + "0123456789" * 3) for _ in range(g.rng.choice([5, 6]))
        )
        if not any(ch.isdigit() for ch in body):
            body = body[:-1] + "7"
        plate = p + g.pick(["", "·", " "]) + body
        g.add(
            "plate",
            "written",
            g.pick(["车牌号{}", "一辆{}的车", "{}，白色的轿车", "车牌是{}，停在门口"]),
            plate,
        )
    for _ in range(20):
        wx = (
            g.rng.choice(["zhang", "li", "wang", "chen", "sunny", "tiger", "xiaomei"])
            + g.pick(["_", "", "-"])
            + g.digits(g.rng.randint(2, 6))
        )
        g.add(
            "wechat",
            "written",
            g.pick(["微信号是{}", "加我微信{}", "我的vx：{}", "微信 {} 也可以"]),
            wx,
        )
    for _ in range(20):
        qq = str(g.rng.randint(10**5, 10**10))
        value = qq if g.rng.random() < 0.6 else g.cn(qq)
        g.add(
            "qq",
            "spoken" if value != qq else "written",
            g.pick(["QQ号{}", "我的qq是 {}", "扣扣{}", "QQ：{}"]),
            value,
        )
    for _ in range(10):
        user = g.rng.choice(["zhangwei", "li.na", "wang_fang", "chen88", "liuyang2020"])
        email = (
            user + "@" + g.rng.choice(["163.com", "qq.com", "126.com", "sina.cn", "foxmail.com"])
        )
        g.add("email", "written", g.pick(["邮箱{}", "发到我邮箱 {} 吧"]), email)


def lookalikes(g: Gen) -> None:
    for _ in range(25):
        n = g.rng.randint(1000, 99999)
        g.lookalike(
            "job_number",
            g.pick(
                [
                    f"工号{n}为您服务",
                    f"您好，{n}号话务员很高兴为您服务",
                    f"工号是 {n}",
                    f"我是{n}号坐席",
                    f"话务员{n}",
                ]
            ),
        )
    for _ in range(30):
        big = g.rng.randint(10**9, 10**11)
        g.lookalike(
            "amount",
            g.pick(
                [
                    f"涉及金额{big}元",
                    f"一共¥{big:,}",
                    f"欠款{big:,}元",
                    f"补贴{g.rng.randint(100, 99999)}块钱",
                    f"罚款{g.rng.randint(1, 50)}万",
                    "一千三百八十元整",
                    f"总价{g.rng.randint(10, 999)}.{g.rng.randint(10, 99)}元",
                ]
            ),
        )
    for _ in range(20):
        g.lookalike(
            "area",
            g.pick(
                [
                    f"面积{g.rng.randint(30, 300)}平方米",
                    f"建筑面积{g.rng.randint(30, 300)}.{g.rng.randint(1, 99)}平",
                    f"一百{g.rng.choice('二三四五六')}十平方米",
                    f"占地{g.rng.randint(1, 90)}亩",
                ]
            ),
        )
    for _ in range(20):
        g.lookalike(
            "rate",
            g.pick(
                [
                    f"税率{g.rng.choice(['1.5', '3', '6', '9', '13'])}%",
                    f"利率{g.rng.randint(2, 6)}.{g.rng.randint(10, 99)}%",
                    "百分之十五",
                    f"上浮{g.rng.randint(5, 30)}个百分点",
                ]
            ),
        )
    for _ in range(30):
        y, mo, d = g.rng.randint(2015, 2026), g.rng.randint(1, 12), g.rng.randint(1, 28)
        g.lookalike(
            "date",
            g.pick(
                [
                    f"{y}-{mo:02d}-{d:02d} {g.rng.randint(8, 20)}:{g.rng.randint(10, 59)}",
                    f"{y}年{mo}月{d}日",
                    f"{y}.{mo:02d}.{d:02d}到期",
                    f"{y}/{mo:02d}/{d:02d}",
                    f"{y}{mo:02d}{d:02d}那天",
                    f"{mo}月{d}号下午",
                    f"{y}年{mo}月{d}号到{mo}月{d + 1}号",
                ]
            ),
        )
    for _ in range(40):
        n = g.digits(g.rng.randint(10, 20))
        g.lookalike(
            "order_case",
            g.pick(
                [
                    f"订单号{n}",
                    f"工单号{n}",
                    f"受理号是 {n}",
                    f"快递单号 {n}",
                    f"案件号{n}",
                    f"编号{n}",
                    f"流水号{n}",
                    f"工单号是1{g.mobile()[1:]}",
                ]
            ),
        )
    for _ in range(20):
        n = g.digits(g.rng.randint(12, 20))
        g.lookalike(
            "policy", g.pick([f"保单号{n}", f"保单号 P{n}", f"合同号HT{n}", f"发票号码{n}"])
        )
    for text in (
        "请拨打12345政务服务热线",
        "12345热线工作人员",
        "你们12345效率可真高",
        "银行客服95588",
        "拨打110报警，120急救",
        "客服热线400-810-8888",
        "邮编100010",
        "验证码是 837261",
        "手机尾号5678的那位",
        "朝阳区社区服务中心",
        "望京街道办事处",
        "建国路上那个路口",
        "家住三号楼",
        "这位先生您别着急",
        "各位女士先生",
        "我叫了辆车",
        "叫我明天再打",
        "我姓名那栏写错了",
        "第3次来电了",
        "年龄35岁",
        "等了三四天",
        "一两个小时",
        "版本v1.2.3",
        "IP地址192.168.1.1",
        "时长185秒",
        "圆周率3.1415926535",
        "3月15号之前",
        "二〇二四年三月十五日",
        "壹仟叁佰捌拾元整",
        "新A轮融资",
        "我要一个说法",
        "微信支付的",
        "QQ音乐会员",
    ):
        g.lookalike("service_and_words", text)


def build(seed: int) -> list[dict]:
    g = Gen(seed)
    steps: list[Callable[[Gen], None]] = [
        phones,
        ids,
        cards,
        landlines,
        names,
        addresses,
        others,
        lookalikes,
    ]
    for step in steps:
        step(g)
    for row in g.rows:
        for pii in row["pii"]:
            assert pii in row["text"], row
    return g.rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    pii = sum(1 for r in rows if r["pii"])
    print(f"{pii} PII strings, {len(rows) - pii} look-alikes → {args.out}")


if __name__ == "__main__":
    main()
