"""Personal data that is words rather than a bare number: names, street addresses,
licence plates, WeChat and QQ ids. Used by :mod:`qa_pipeline.pii.redact`; pure functions.

Each finder returns ``(kind, start, end, value)`` spans. They are written from classes of
forms, not examples:

* **names** after a self-introduction keyword (我叫, 我姓, 姓名, 叫我, 名字叫, 联系人 …),
  gated by a table of Chinese surnames so 我叫了车 / 我叫他来 stay; and a full name (or
  a surname) right before a title (先生, 女士, 小姐 …) — the title itself is kept;
* **street addresses** from the house number down: a road, lane, village or compound
  followed by ``N号`` / ``N号院`` and any of building (号楼/栋/幢/座), unit (单元), floor
  and room (室/户 or a bare number after a unit), in arabic or Chinese numerals; also a
  building–unit–room chain with at least two levels on its own. District and street
  names (朝阳区, 建国路, 望京街道, 社区服务中心) are kept: policy items and reports need
  them and they do not identify a household;
* **licence plates**: province abbreviation + letter + 5–6 letters/digits (京A12345,
  粤B·D12345, spoken 京A幺二三四五);
* **WeChat / QQ ids** right after their keyword (微信号 zhang_san88, QQ 123456789,
  spoken 扣扣一二三四五六七八).
"""

from __future__ import annotations

import re

NAME = "name"
ADDRESS = "address"
PLATE = "plate"
WECHAT = "wechat"
QQ = "qq"

Span = tuple[str, int, int, str]

# the common single-character surnames (about 99% of the population) and compound ones
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章"
    "鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄"
    "丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺"
    "盘满闻厉伊仝郜阚强帅屠豆朴盖练廉禹祖漆巴丰卿狄平索宣晋初"
    "容扈晁芮阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉"
    "银亢嵇湛戎勾茅呼尉冶檀阴昝智幸奉植衡富尧闭"
    "萧阎蔺宦庾暨耿弘匡寇阙殳沃蔚夔巩厍晁敖訾阚乜鞠巢蒯逯桓谯邴郦郗佴禚缑荀羿靳汲糜隗宓"
    "蓬仰栾钭韶蓟鄂咸籍赖胥莘贡逄宰雍璩濮郏竺仉督"
)
_SURNAMES_2 = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "公孙",
    "夏侯",
    "尉迟",
    "长孙",
    "宇文",
    "司徒",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "呼延",
    "澹台",
)
# characters that end a name (particles, pronouns, verbs and words that follow a name)
_NAME_STOP = set(
    "的了着过吗呢吧啊呀哦噢嗯呃额哈嘛啦哟是在和跟与给也都就还又才要想会能可我你他她它们这那"
    "哪谁什怎么话机号码证住址今岁不没有对好您请问姨爷领导作位打来找说讲为被让把从到去上下里外个些点"
    "，。、！？；：,.!?;: \u3000\t\n（）()《》“”\"'[]【】…-—0123456789"
)
_CJK = r"\u4e00-\u9fff"

_NAME_KEY_RE = re.compile(
    r"(我叫|叫我|我的名字叫|我的名字是|名字叫|名字是|姓名|叫做|本人|联系人|户主|机主|"
    r"收件人|当事人|申请人|投诉人|举报人|来电人|(?P<weak>市民|居民|业主|住户|群众|患者|乘客|客户))"
    r"(?:就是|叫|是|为|写|填|填的|登记为?|留|：|:|\s|那个|这个|嗯|呃|额|啊|，|,)*"
)
_SURNAME_KEY_RE = re.compile(r"(我姓|免贵姓|本人姓|他姓|她姓|姓是|姓氏是?)(?:是|：|:|\s)*")
# a name after a person it belongs to: 我儿子叫冯浩, 联系人是我爱人，叫黄丽
_RELATIVE_KEY_RE = re.compile(
    r"(?:他|她|儿子|女儿|孙子|孙女|老公|老婆|爱人|丈夫|妻子|媳妇|爸爸?|妈妈?|父亲|母亲|孩子|"
    r"邻居|朋友|同事|老板|房东|业主|租户|对方|人家|，|,)(?:的名字|名字)?叫(?:做)?"
)
# 我是张三，… : a name only when a pause or a verb follows it (我是江苏的 / 我是高中生 stay)
_I_AM_RE = re.compile(r"(?:我是|我就是|我这边是|这里是|我叫做)")
_I_AM_NEXT = set("，。,.!！?？；;…我想要打来啊呀哈呢") | {""}
_PLACE_END = set("人省市区县村镇乡路街道的家里外边侧口门站院校队组部局厅处科室")
# how a surname is spelled out after it is given: 高低的高, 弓长张, 耳东陈
_SPELL_RE = r"[，,\s]*(?:是|就是)?(?:[\u4e00-\u9fff]{{1,4}}的{s}|[\u4e00-\u9fff]{{2}}{s})"
_TITLES = (
    "先生",
    "女士",
    "小姐",
    "同志",
    "阿姨",
    "大爷",
    "大妈",
)
_TITLE_RE = re.compile("|".join(_TITLES))
# words that follow a name and are not part of it (我叫王明电话…, 我叫李强今年…)
_AFTER_NAME = (
    "电话",
    "手机",
    "身份",
    "家住",
    "今年",
    "地址",
    "工作",
    "老师",
    "师傅",
    "经理",
    "反映",
    "来电",
    "投诉",
    "表示",
    "称",
    "说",
)
# words that sit before a title and are not a name (谢谢张先生: 谢 is a surname too)
_NOT_NAME_PREFIX = ("谢谢", "您好", "你好", "请问", "好的", "这位", "那位", "各位", "感谢")
# common words that start with a surname character (叫我明天再打, 项目经理)
_NOT_NAMES = frozenset(
    str.split(
        "明天 明年 明白 明确 高兴 方便 马上 安排 安心 安全 万一 于是 江湖 周末 金额 全部 车辆 房子 "
        "时间 时候 常常 费用 任何 向前 成功 文件 路口 和平 关于 关系 宁可 平时 平常 原来 原因 应该 "
        "曾经 花钱 尽快 经常 计划 信息 展开 步行 谈谈 管理 司机 宿管 项目 师傅 家长 邻居 物业 社区 "
        "东西 南北 高层 方面 程序 简单 单位 包括 商量 沙发 海边 林业 水电 电费 燃气 都是 都有 "
        "都在 成都 齐全 段时间 连续 连着 连忙 毛病 龙头 石家庄 黄色 白色 蓝色 金色 米饭 和平里 "
        "白天 江苏 江西 安徽 湖南 湖北 河南 河北 山东 山西 广东 广西 云南 贵州 四川 福建 浙江 "
        "海南 甘肃 青海 宁夏 新疆 西藏 辽宁 吉林 黑龙江 上海 北京 天津 重庆 高中 初中 金融 "
        "本地 外地 当地 老人 老家 房东 业主 居民 市民 群众 家属 本人 钱包 牛奶 高速 黄河 长江 "
        "杨树 柳树 梅花 江边 湖边 万达 苏宁 华为 高新 龙华 宝安 罗湖 余杭 萧山 温州 常州 徐州 "
        "邯郸 唐山 沈阳 武汉 郑州 杭州 南京 长沙 潘家园 高碑店 石景山 丰台 顺义 通州 房山 "
        "程序员 司法 史上 项目部 董事 曹县 卢沟桥 闵行 嘉定 金山 松江 奉贤 崇明 宁波 贾汪"
    )
)


def _surname_at(text: str, i: int) -> int:
    """Length of the surname starting at ``text[i]`` (0 when there is none)."""
    if text[i : i + 2] in _SURNAMES_2:
        return 2
    return 1 if i < len(text) and text[i] in _SURNAMES_1 else 0


def _given_len(text: str, i: int, most: int) -> int:
    n = 0
    while n < most and i + n < len(text) and text[i + n] not in _NAME_STOP:
        if text.startswith(_TITLES, i + n) or text.startswith(_AFTER_NAME, i + n):
            break
        if not re.match(f"[{_CJK}]", text[i + n]):
            break
        n += 1
    return n


def _name_ok(text: str, a: int, b: int) -> bool:
    cand = text[a:b]
    return not any(cand.startswith(w) for w in _NOT_NAMES) and not any(
        cand[i:].startswith(w) for i in (1,) for w in _NOT_NAMES
    )


def find_names(text: str) -> list[Span]:
    """Names after a self-introduction keyword and before a title."""
    out: list[Span] = []
    for m in _NAME_KEY_RE.finditer(text):
        i = m.end()
        prefix = 1 if text[i : i + 1] in ("小", "老", "阿") else 0
        s = _surname_at(text, i + prefix) if i + prefix < len(text) else 0
        if not s:
            continue
        given = _given_len(text, i + prefix + s, 2)
        after = text[i + prefix + s + given : i + prefix + s + given + 1]
        if prefix and not given:
            end = i + prefix + s  # 叫我小王
        elif given or not after or after in "，。,.！？!? 、；;":
            end = i + prefix + s + given  # 姓名：王。
        else:
            continue
        # 居民楼底下: after a word for a resident, a name only where a pause or verb follows
        weak = m.group("weak") and not (
            text[end : end + 1] in _I_AM_NEXT or text.startswith(_AFTER_NAME, end)
        )
        if not weak and _name_ok(text, i + prefix, end):
            out.append((NAME, i, end, text[i:end]))
    for m in _SURNAME_KEY_RE.finditer(text):
        i = m.end()
        s = _surname_at(text, i) if i < len(text) else 0
        if s:
            out.append((NAME, i, i + s, text[i : i + s]))
            spelled = re.compile(_SPELL_RE.format(s=re.escape(text[i : i + s]))).match(text, i + s)
            if spelled and spelled.end() - (i + s) <= 8:
                out.append((NAME, i + s, spelled.end(), spelled.group(0)))
    for m in _I_AM_RE.finditer(text):
        i = m.end()
        s = _surname_at(text, i) if i < len(text) else 0
        given = _given_len(text, i + s, 2) if s else 0
        for g in range(given, 0, -1):
            end = i + s + g
            if text[end : end + 1] in _I_AM_NEXT and text[end - 1] not in _PLACE_END:
                if _name_ok(text, i, end):
                    out.append((NAME, i, end, text[i:end]))
                break
    for m in _RELATIVE_KEY_RE.finditer(text):
        i = m.end()
        s = _surname_at(text, i) if i < len(text) else 0
        given = _given_len(text, i + s, 2) if s else 0
        if given and _name_ok(text, i, i + s + given):
            out.append((NAME, i, i + s + given, text[i : i + s + given]))
    for m in _TITLE_RE.finditer(text):
        t = m.start()
        for size in (4, 3, 2, 1):
            a = t - size
            if a < 0:
                continue
            cand = text[a:t]
            s = _surname_at(text, a)
            if not s or size - s > 2 or not re.fullmatch(f"[{_CJK}]+", cand):
                continue
            if any(ch in _NAME_STOP for ch in cand[s:]) or (s == 1 and cand[0] in _NAME_STOP):
                continue
            if any(cand.startswith(w) for w in _NOT_NAME_PREFIX) or not _name_ok(text, a, t):
                continue
            out.append((NAME, a, t, cand))
            break
    return out


_NUM_CHAR = "0-9０-９零〇○一二两三四五六七八九十百千幺"
# a number is matched from the start of its run only: a long run of numerals costs linear
# time, not quadratic (the lookbehind stops a retry at every position inside the run)
_NUM = rf"(?<![{_NUM_CHAR}])[{_NUM_CHAR}]+"
_PLACE = (
    r"(?:路|街|大街|大道|巷|胡同|弄|里|道|村|组|屯|小区|花园|苑|家园|公寓|大厦|广场|新村|"
    r"社区|园|城|庄|府|湾|阁|坊|院|寓)"
)
# 甲3号 / 乙12号院: a house number may carry a heavenly-stem prefix
_HOUSE = rf"[甲乙丙丁]?{_NUM}(?:号院|号楼|号|弄|支弄|栋|幢|座|组|队|室)"
_LEVEL = rf"(?:{_NUM}(?:号楼|栋|幢|座|单元|门|层|楼|室|户|房|号|组|队))"
# a building numbered or lettered (12号楼, A座)
_BUILDING = rf"(?:{_NUM}|[A-Za-z]{{1,2}})(?:号楼|栋|幢|座)"
_NOT_ROOM_AFTER = r"[0-9０-９零〇○一二两三四五六七八九十百千幺多个人户元块米平岁年天次]"
_ROOM_BARE = rf"(?:{_NUM}(?!{_NOT_ROOM_AFTER}))"
_SEP = r"[\s,，、\-－—]?"
_AFTER_LEVEL = r"(?:(?<=单元)|(?<=门)|(?<=层)|(?<=楼)|(?<=栋)|(?<=幢)|(?<=座))"
_ADDRESS_RE = re.compile(
    rf"{_PLACE}(?P<addr>{_SEP}{_HOUSE}(?:{_SEP}{_LEVEL})*(?:{_AFTER_LEVEL}{_SEP}{_ROOM_BARE})?)"
)
_CHAIN_RE = re.compile(
    rf"(?P<addr>{_BUILDING}(?:{_SEP}{_LEVEL})+(?:{_AFTER_LEVEL}{_SEP}{_ROOM_BARE})?"
    rf"|{_BUILDING}{_SEP}{_ROOM_BARE}"
    rf"|{_NUM}单元(?:{_SEP}{_LEVEL}|{_SEP}{_ROOM_BARE}))"
)
# after an address keyword, the house number whatever the road is called (东四十条142号)
_KEYED_ADDRESS_RE = re.compile(
    rf"(?:地址|住址|住在|家住|我住|住的是|家在|家是|送到|寄到|门牌号?)[是在：:\s]*[^\s，。,.；;！？!?0-9]{{0,12}}?"
    rf"(?P<addr>{_NUM}(?:号院|号(?!楼)|弄|支弄)(?:{_SEP}{_LEVEL})*"
    rf"(?:{_AFTER_LEVEL}{_SEP}{_ROOM_BARE})?)"
)
# 号院, or a house number followed by a building or unit, is an address wherever it is
_HOUSE_CHAIN_RE = re.compile(
    rf"(?P<addr>{_NUM}号院(?:{_SEP}{_LEVEL})*(?:{_AFTER_LEVEL}{_SEP}{_ROOM_BARE})?"
    rf"|{_NUM}号{_SEP}{_NUM}(?:号楼|栋|幢|座|单元)(?:{_SEP}{_LEVEL})*"
    rf"(?:{_AFTER_LEVEL}{_SEP}{_ROOM_BARE})?)"
)
# a house number that is not an address: a date (3月15号), an agent (2001号话务员)
_NOT_HOUSE_AFTER = re.compile(r"(话务员|坐席|客服|接线员|为你|为您|工号|号码|线)")


def find_addresses(text: str) -> list[Span]:
    """Street addresses from the house number down to the room."""
    out: list[Span] = []
    for rx in (_ADDRESS_RE, _KEYED_ADDRESS_RE, _HOUSE_CHAIN_RE, _CHAIN_RE):
        for m in rx.finditer(text):
            a, b = m.start("addr"), m.end("addr")
            while a < b and text[a] in " ,，、-－—":
                a += 1
            if _NOT_HOUSE_AFTER.match(text, b):
                continue
            if rx is not _CHAIN_RE and text[max(0, a - 1)] == "月":
                continue
            out.append((ADDRESS, a, b, text[a:b]))
    # finders overlap (号院 is a place and a house number): one span per address
    merged: list[Span] = []
    for span in sorted(out, key=lambda x: (x[1], -x[2])):
        if merged and span[1] <= merged[-1][2]:
            last = merged[-1]
            end = max(last[2], span[2])
            merged[-1] = (ADDRESS, last[1], end, text[last[1] : end])
        else:
            merged.append(span)
    return merged


_PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = r"[A-Za-zＡ-Ｚ0-9０-９零〇一二两三四五六七八九幺]"
_PLATE_RE = re.compile(
    rf"(?<![A-Za-z])[{_PROVINCE_ABBR}]\s?[A-Za-zＡ-Ｚ]\s?[·•・.\-\s]?\s?"
    rf"(?:{_PLATE_CHAR}\s?){{4,5}}{_PLATE_CHAR}(?![A-Za-z0-9])"
)

_IM_KEY_RE = re.compile(
    r"(?P<wx>微信号?|威信号?|薇信号?|VX号?|vx号?|Vx号?|V信|wx号?|WX号?|wechat|WeChat)"
    r"|(?P<qq>QQ号?|qq号?|Qq号?|扣扣号?|ＱＱ号?)",
)
_IM_GLUE = re.compile(r"(?:号码|账号|帐号|号|码|是|为|：|:|\s|就是|呢|嗯|呃|，|,)*")
_WX_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{4,19}|[0-9]{5,12}")
_QQ_DIGIT = "[0-9０-９零〇○一二两三四五六七八九幺]"
_QQ_ID = re.compile(rf"(?:{_QQ_DIGIT}[\s\-]?){{4,11}}{_QQ_DIGIT}")


def find_plates(text: str) -> list[Span]:
    """Licence plates (京A12345, 粤B·D12345, 京A幺二三四五)."""
    out = []
    for m in _PLATE_RE.finditer(text):
        body = re.sub(r"[\s·•・.\-]", "", m.group(0))
        # a plate has at least one digit after the letter (京AAAAA is a word)
        if not re.search(r"[0-9０-９零〇一二两三四五六七八九幺]", body[2:]):
            continue
        out.append((PLATE, m.start(), m.end(), body))
    return out


def find_im_ids(text: str) -> list[Span]:
    """WeChat and QQ ids right after their keyword."""
    out: list[Span] = []
    for m in _IM_KEY_RE.finditer(text):
        kind = WECHAT if m.group("wx") else QQ
        glue = _IM_GLUE.match(text, m.end())
        i = glue.end() if glue else m.end()
        rx = _WX_ID if kind == WECHAT else _QQ_ID
        idm = rx.match(text, i)
        if idm is None and kind == WECHAT:
            idm = _QQ_ID.match(text, i)  # a WeChat id spoken as digits
        if idm is None:
            continue
        end = idm.end()
        while end > i and text[end - 1] in " -":
            end -= 1
        out.append((kind, i, end, text[i:end]))
    return out
