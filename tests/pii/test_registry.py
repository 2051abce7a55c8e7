"""Issue 20: the recognizers of personal data as people say it, ten new cases per class.

None of these strings is in ``benchmarks/data/pii_v3.jsonl`` (checked by a test below).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_pipeline.pii.redact import RedactOptions, find_pii, redact_text
from qa_pipeline.pii.spoken import normalise

SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii_v3.jsonl"


def masked(text: str, secret: str) -> bool:
    """Whether every letter and digit of ``secret`` in ``text`` is inside a match."""
    spans = [(m.start, m.end) for m in find_pii(text)]
    start = text.index(secret)
    return secret not in redact_text(text) and all(
        any(a <= k < b for a, b in spans)
        for k in range(start, start + len(secret))
        if text[k].isalnum()
    )


CASES: dict[str, list[tuple[str, str]]] = {
    "mobile_spoken": [
        ("打我手机幺八六 洞拐两三 四五六七", "幺八六 洞拐两三 四五六七"),
        ("号码一三九杠洞洞拐幺杠两两三三", "一三九杠洞洞拐幺杠两两三三"),
        ("手机：152-0718-3396", "152-0718-3396"),
        ("他电话一五零，我看看，两二八三，九九零拐", "一五零，我看看，两二八三，九九零拐"),
        ("号码一八八，稍等一下，幺三五七，二四六八", "一八八，稍等一下，幺三五七，二四六八"),
        (
            "前三位是幺五八，中间四位是零零幺两，最后四位是三四五六",
            "幺五八，中间四位是零零幺两，最后四位是三四五六",
        ),
        ("开头是136，中间是2048，尾号是7751", "136，中间是2048，尾号是7751"),
        ("尾号是3388，前面是1770123", "3388，前面是1770123"),
        ("后四位幺幺两两，前七位是幺三幺洞洞洞拐", "幺幺两两，前七位是幺三幺洞洞洞拐"),
        ("联系电话：幺三零 幺拐拐拐 洞洞两两", "幺三零 幺拐拐拐 洞洞两两"),
    ],
    "landline": [
        ("区号零幺零，号码六五四三两幺零九", "零幺零，号码六五四三两幺零九"),
        ("区号是洞两洞，电话八七六五四三二幺", "洞两洞，电话八七六五四三二幺"),
        ("区号0571，后面是86012345", "0571，后面是86012345"),
        ("区号零五三幺，本地号码八二三四五六七", "零五三幺，本地号码八二三四五六七"),
        ("座机010杠62345678", "010杠62345678"),
        ("单位电话零七五五杠两六七八九零一二", "零七五五杠两六七八九零一二"),
        ("办公室电话零两幺，嗯，五四三幺两三四五", "零两幺，嗯，五四三幺两三四五"),
        ("固话0731…84561234", "0731…84561234"),
        ("座机号码0898-6612-3456", "0898-6612-3456"),
        ("家里电话零两八，那个，八五五五六六六六", "零两八，那个，八五五五六六六六"),
    ],
    "id_card": [
        ("身份证号码呢，我看一下，等一下我拿眼镜，好了，110101199003074514", "110101199003074514"),
        ("身份证我念给你，你记一下，慢慢记，320102198512120017", "320102198512120017"),
        ("身份证号440305199912310013", "440305199912310013"),
        ("证件号码三幺零幺零四幺九八零零幺零幺零零幺幺", "三幺零幺零四幺九八零零幺零幺零零幺幺"),
        ("身份证号是51010719751111002叉", "51010719751111002叉"),
        ("香港身份证号码是Y654321(7)", "Y654321(7)"),
        ("证件是香港身份证，号码R123456（A）", "R123456（A）"),
        ("HKID是 AB987654(3)", "AB987654(3)"),
        ("我是香港居民，身份证K2345678", "K2345678"),
        ("澳门身份证1234567(8)", "1234567(8)"),
        ("台湾身份证号码A123456789", "A123456789"),
        ("身份证号码呀，在这儿，我拿出来念啊，420106 19880808 1234", "420106 19880808 1234"),
    ],
    "bank_card": [
        ("卡号6222 0212 3456 7890 128", "6222 0212 3456 7890 128"),
        ("银行卡号是6217000012345678900", "6217000012345678900"),
        (
            "工资卡，六二一二，二六一零，零二零零，一二三四，五六七",
            "六二一二，二六一零，零二零零，一二三四，五六七",
        ),
        ("信用卡号4367 4200 1234 5679", "4367 4200 1234 5679"),
        ("退到储蓄卡6228480012345678913", "6228480012345678913"),
        ("存折号码六二二八四八零零一二三四五六七八九", "六二二八四八零零一二三四五六七八九"),
        ("银行账号：6214 8301 2345 6789", "6214 8301 2345 6789"),
        (
            "卡号六二二五，嗯，八八零一，嗯，二三四五，嗯，六七八九",
            "六二二五，嗯，八八零一，嗯，二三四五，嗯，六七八九",
        ),
        ("打到建行的卡，6217 0033 2211 4455 667", "6217 0033 2211 4455 667"),
        ("借记卡是6230580000123456789", "6230580000123456789"),
    ],
    "account": [
        ("公积金账号BJ100200300", "BJ100200300"),
        ("我公积金个人账号是020012345678", "020012345678"),
        ("社保账号A10023456", "A10023456"),
        ("社保卡号：K98765432", "K98765432"),
        ("个人社保编号是1100123456", "1100123456"),
        ("医保卡号是M12345678901", "M12345678901"),
        ("公积金账户是SZ2020123456", "SZ2020123456"),
        ("社保个人编号，G1234567890", "G1234567890"),
        ("养老保险编号3101234567", "3101234567"),
        ("公积金号码GJ88001234", "GJ88001234"),
    ],
    "passport": [
        ("护照号码是E88776655", "E88776655"),
        ("我的护照EJ1234567", "EJ1234567"),
        ("护照号G12345678", "G12345678"),
        ("港澳通行证号码是C87654321", "C87654321"),
        ("港澳通行证CF1234567", "CF1234567"),
        ("往来港澳通行证，CA7654321", "CA7654321"),
        ("回乡证号码H0987654321", "H0987654321"),
        ("回乡证是M12345678", "M12345678"),
        ("台胞证号码12345678", "12345678"),
        ("通行证号码是T12345678", "T12345678"),
    ],
    "email": [
        ("邮箱是wangxm艾特qq点com", "wangxm艾特qq点com"),
        ("发到li_hua88艾特163点net", "li_hua88艾特163点net"),
        ("邮箱 zhou.jie at gmail dot com", "zhou.jie at gmail dot com"),
        ("邮箱：MALI AT 126 DOT COM", "MALI AT 126 DOT COM"),
        ("发我邮箱sunyan＠sina.cn", "sunyan＠sina.cn"),
        ("邮件发到chenbo@163。com", "chenbo@163。com"),
        ("邮箱是hr2024圈a163点com", "hr2024圈a163点com"),
        ("邮箱xy12爱特foxmail点com", "xy12爱特foxmail点com"),
        ("电子邮箱tom_lee@qq.com", "tom_lee@qq.com"),
        ("发我的邮箱，abc123 艾特 sohu 点 com", "abc123 艾特 sohu 点 com"),
    ],
    "plate": [
        ("车牌京N，嗯，A6B23", "京N，嗯，A6B23"),
        ("车牌号沪A，那个，12345", "沪A，那个，12345"),
        ("车牌是苏E，七八九零一", "苏E，七八九零一"),
        ("我的车牌浙B……6K8J9", "浙B……6K8J9"),
        ("车牌鄂A，呃，D23456", "鄂A，呃，D23456"),
        ("车牌号川，A，12345", "川，A，12345"),
        ("车是湘B 嗯 幺两三四五", "湘B 嗯 幺两三四五"),
        ("车牌号码豫A，就是，88888", "豫A，就是，88888"),
        ("车牌是京A·12345", "京A·12345"),
        ("车牌号粤B，DF1234", "粤B，DF1234"),
    ],
    "im": [
        ("微信号 li_na_1990", "li_na_1990"),
        ("加我微信：w a n g l e i 8 8", "w a n g l e i 8 8"),
        ("抖音号 xiaoyu_2021", "xiaoyu_2021"),
        ("我抖音是 chen_hao88", "chen_hao88"),
        ("快手号liuxing666", "liuxing666"),
        ("vx：zhang_mm", "zhang_mm"),
        ("QQ号是一二三四五六七八", "一二三四五六七八"),
        ("q q号 98765432", "98765432"),
        ("企鹅号123456789", "123456789"),
        ("微信就是手机号，wxid_abc123", "wxid_abc123"),
        ("微信号是 zhang san 88", "zhang san 88"),
        ("微信号：xiao_ming_八八", "xiao_ming_八八"),
        ("微信号是z，h，a，n，g，8，8", "z，h，a，n，g，8，8"),
        ("抖音号是 @小明爱吃饭", "@小明爱吃饭"),
        ("快手ID是 kuaishou_abc", "kuaishou_abc"),
    ],
    "name_confirm": [
        ("请问您是刘洋先生吗", "刘洋"),
        ("您好，是陈静女士吗", "陈静"),
        ("请问是黄磊本人吗", "黄磊"),
        ("您是周秀英对吧", "周秀英"),
        ("喂，孙浩是吧", "孙浩"),
        ("请问机主是马丽吗", "马丽"),
        ("是欧阳明吗", "欧阳明"),
        ("请问是徐建国家吗", "徐建国"),
        ("你是郭敏吗", "郭敏"),
        ("您就是何洁对吗", "何洁"),
    ],
    "name_titled": [
        ("我老公杨建华去办的", "杨建华"),
        ("我爱人刘丽说不用了", "刘丽"),
        ("我们主任高明让我打的", "高明"),
        ("律师赵强也去了", "赵强"),
        ("找了科长钱伟说的", "钱伟"),
        ("我女儿林小雨在上学", "林小雨"),
        ("我母亲陈秀兰已经八十了", "陈秀兰"),
        ("网格员李娜来过", "李娜"),
        ("我们楼长孙建军说的", "孙建军"),
        ("邻居王强给我打的电话", "王强"),
    ],
    "name_answer": [
        ("请问您贵姓？刘。", "刘"),
        ("怎么称呼您？郑伟。", "郑伟"),
        ("您叫什么名字？许晴", "许晴"),
        ("联系人怎么写？梁超", "梁超"),
        ("姓名？——曹丽", "曹丽"),
        ("请问您怎么称呼？冯军。", "冯军"),
        ("您贵姓？——袁芳", "袁芳"),
        ("叫什么名字？邓明。", "邓明"),
        ("称呼？彭勇，", "彭勇"),
        ("您叫什么？韩梅。", "韩梅"),
    ],
    "name_dotted": [
        ("我叫买买提·吐尔逊", "买买提·吐尔逊"),
        ("联系人是阿里木·艾买提", "阿里木·艾买提"),
        ("申请人努尔·艾力", "努尔·艾力"),
        ("我是帕提古丽·热合曼，住在乌鲁木齐", "帕提古丽·热合曼"),
        ("次仁·多吉来过", "次仁·多吉"),
        ("投诉人是索朗·扎西", "索朗·扎西"),
        ("阿不都·热西提先生", "阿不都·热西提"),
        ("我叫古丽·吾斯曼", "古丽·吾斯曼"),
        ("来电人巴图·孟和", "巴图·孟和"),
        ("户主是依力哈木·阿不都", "依力哈木·阿不都"),
    ],
    "name_spelled": [
        ("我姓弓长张，叫张敏", "张敏"),
        ("立早章，章雨", "章雨"),
        ("陈浩，耳东陈的陈", "陈浩"),
        ("口天吴，吴磊", "吴磊"),
        ("我姓木子李，叫李想", "李想"),
        ("名字是古月胡的胡，静", "古月胡"),
        ("双人徐，徐明", "徐明"),
        ("言午许，许晴", "许晴"),
        ("草头黄，黄山", "黄山"),
        ("我姓走肖赵，叫赵磊", "赵磊"),
    ],
    "name_surname": [
        ("我叫旷明", "旷明"),
        ("联系人蹇丽", "蹇丽"),
        ("我姓禤，叫禤伟", "禤伟"),
        ("厍秀英女士", "厍秀英"),
        ("我叫冼文", "冼文"),
        ("联系人是邝华", "邝华"),
        ("我叫岑静", "岑静"),
        ("申请人是佘敏", "佘敏"),
        ("我叫缑杰", "缑杰"),
        ("笪强先生", "笪强"),
    ],
    "address": [
        ("我住和谐小区5-3-702", "5-3-702"),
        ("阳光苑12-1-1801漏水", "12-1-1801"),
        ("地址是万达华府 3-2-501", "3-2-501"),
        ("我家在前进村4排9户", "4排9户"),
        ("住东风小区2号楼3门502", "2号楼3门502"),
        ("前进村6排12号", "6排12号"),
        ("幸福家园8门301", "8门301"),
        ("公司在环球大厦1608", "1608"),
        ("我在创新大楼901室上班", "901室"),
        ("他住锦江酒店1203房间", "1203"),
    ],
}

LOOKALIKES = [
    "我是退休工人",
    "我是小区业主",
    "我是车主",
    "我是党员",
    "我叫了城管",
    "我叫了物业来修",
    "我叫管家来",
    "是张家湾吗",
    "是王府井吗",
    "一共三千八百元",
    "2024年5月18日",
    "工号1023为您服务",
    "保单号123456789012345",
    "工单号20231015001234",
    "面积120平方米",
    "万达广场2023年开业",
    "服务中心12345",
    "地铁3号线",
    "我叫车",
    "我们主任说了算",
    "微信号 ok的",
    "微信支付",
    "抖音上看到的",
    "公积金账号忘了",
    "请问是社保的问题吗",
    "您是本人吗",
    "是周末吗",
    "律师说可以起诉",
    "比分3-2-1",
    "我在华润大厦上班",
]


def _cases() -> list[tuple[str, str, str]]:
    return [(cls, text, secret) for cls, rows in CASES.items() for text, secret in rows]


@pytest.mark.parametrize(("cls", "text", "secret"), _cases())
def test_recognizer_masks(cls: str, text: str, secret: str) -> None:
    assert masked(text, secret), (cls, redact_text(text))


def test_ten_cases_per_class_none_in_the_set() -> None:
    texts = {json.loads(line)["text"] for line in SET.read_text(encoding="utf-8").splitlines()}
    assert all(len(rows) >= 10 for rows in CASES.values())
    assert not {text for _, text, _ in _cases()} & texts
    assert not set(LOOKALIKES) & texts


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalike_kept(text: str) -> None:
    assert redact_text(text) == text


def test_normalise_maps_back_to_the_original() -> None:
    text = "电话幺三八，你稍等，洞拐两三杠四五六七"
    norm = normalise(text)
    assert norm.text == "电话幺三八 零七两三 四五六七"
    start = norm.text.index("幺")
    assert norm.span(start, len(norm.text)) == (2, len(text))


def test_normalise_leaves_words_alone() -> None:
    for text in ("我要拐弯了", "洞口有人", "三两个人", "工号1023"):
        assert normalise(text).text == text


def test_new_kinds_can_be_switched_off() -> None:
    text = "护照号码是E88776655，公积金账号BJ100200300"
    assert redact_text(text, RedactOptions(passport=False, account=False)) == text
    assert redact_text(text) == "护照号码是[证件号]，公积金账号[账号]"


@pytest.mark.parametrize(
    "unit",
    ["at", "a at b dot ", "阿·", "弓长张", "一杠", "一三八，你稍等，", "小区1-2-", "区号零幺零，"],
)
def test_hostile_runs_cost_about_linear_time(unit: str) -> None:
    import time

    def cost(n: int) -> float:
        text = unit * (n // len(unit))
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            redact_text(text)
            best = min(best, time.process_time() - t0)
        return best

    small, large = cost(2000), cost(8000)
    assert large < 0.5  # seconds for 8,000 characters
    assert large < 12 * small + 0.01  # four times the text: not sixteen times the time


def test_partial_style_of_the_new_kinds() -> None:
    partial = RedactOptions(style="partial")
    assert redact_text("护照号码是E88776655", partial) == "护照号码是****"
    assert redact_text("公积金账号BJ100200300", partial) == "公积金账号****"
    assert redact_text("邮箱 zhou.jie at gmail dot com", partial) == "邮箱 z***@gmail.com"
    assert redact_text("电话幺三八，你稍等，洞拐两三杠四五六七", partial) == "电话138****4567"


def test_manifest_columns_of_the_new_kinds() -> None:
    from qa_pipeline.pii.fields import redact_field

    assert redact_field("护照号", "E88776655") == "[证件号]"
    assert redact_field("公积金账号", "020012345678") == "[账号]"
