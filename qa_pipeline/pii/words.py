"""Personal data that is words rather than a bare number.

Names, street addresses, licence plates, WeChat and QQ ids. Used by
:mod:`qa_pipeline.pii.redact`; pure functions.

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

from qa_pipeline.pii import lexicon

NAME = "name"
ADDRESS = "address"
PLATE = "plate"
WECHAT = "wechat"
QQ = "qq"

Span = tuple[str, int, int, str]

# the word tables live in zh.yaml (names: section)
_SURNAMES_1 = set(lexicon.chars("names", "surnames"))
_SURNAMES_2 = lexicon.words("names", "compound_surnames")
_NAME_STOP = set(lexicon.chars("names", "stop_chars"))
_FAMILIAR = lexicon.words("names", "familiar")
_CJK = r"\u4e00-\u9fff"

_NAME_KEY_RE = re.compile(
    rf"({lexicon.alternatives('names', 'keywords')}|"
    rf"(?P<weak>{lexicon.alternatives('names', 'weak_keywords')}))"
    rf"(?:{lexicon.alternatives('names', 'keyword_glue')})*"
)
_SURNAME_KEY_RE = re.compile(
    rf"({lexicon.alternatives('names', 'surname_keywords')})"
    rf"(?:{lexicon.alternatives('names', 'surname_glue')})*"
)
# a name after a person it belongs to: 我儿子叫冯浩, 联系人是我爱人，叫黄丽
_RELATIVE_KEY_RE = re.compile(
    rf"(?:{lexicon.alternatives('names', 'relatives')})(?:的名字|名字)?叫(?:做)?"
)
# 我是张三，… : a name only when a pause or a verb follows it (我是江苏的 / 我是高中生 stay)
_I_AM_RE = re.compile(rf"(?:{lexicon.alternatives('names', 'i_am')})")
_I_AM_NEXT = set(lexicon.chars("names", "i_am_next")) | {""}
_PLACE_END = set(lexicon.chars("names", "place_end"))
# how a surname is spelled out after it is given: 高低的高, 弓长张, 耳东陈
_SPELL_RE = r"[，,\s]*(?:是|就是)?(?:[\u4e00-\u9fff]{{1,4}}的{s}|[\u4e00-\u9fff]{{2}}{s})"
_TITLES = lexicon.words("names", "titles")
_TITLE_RE = re.compile("|".join(_TITLES))
# words that follow a name and are not part of it (我叫王明电话…, 我叫李强今年…)
_AFTER_NAME = lexicon.words("names", "after_name")
# words that sit before a title and are not a name (谢谢张先生: 谢 is a surname too)
_NOT_NAME_PREFIX = lexicon.words("names", "not_name_prefix")
# common words that start with a surname character (叫我明天再打, 项目经理)
_NOT_NAMES = frozenset(lexicon.words("names", "not_names"))
_NOT_NAMES_T = tuple(_NOT_NAMES)
_NOT_NAME_PREFIX_T = tuple(_NOT_NAME_PREFIX)


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
    # one startswith over a tuple, not a loop in Python: names are looked at per match
    return not cand.startswith(_NOT_NAMES_T) and not cand[1:].startswith(_NOT_NAMES_T)


def is_surname(cand: str) -> bool:
    """Whether ``cand`` is a surname on its own (王, 欧阳)."""
    return bool(cand) and _surname_at(cand, 0) == len(cand)


def name_like(cand: str, most_given: int = 2) -> bool:
    """Whether ``cand`` reads as a full name: a surname and one or two more characters.

    Args:
        cand: The candidate (张伟, 欧阳娜娜).
        most_given: How many characters the given name may have.

    Returns:
        ``False`` for common words that start with a surname (明天, 高兴).
    """
    s = _surname_at(cand, 0) if cand else 0
    given = len(cand) - s
    if not s or not 1 <= given <= most_given or _given_len(cand, s, most_given) != given:
        return False
    return _name_ok(cand, 0, len(cand))


def _keyed_name(text: str, m: re.Match[str]) -> Span | None:
    """The name after a self-introduction keyword match ``m`` (我叫王明, 姓名：王)."""
    i = m.end()
    prefix = 1 if text[i : i + 1] in _FAMILIAR else 0
    s = _surname_at(text, i + prefix) if i + prefix < len(text) else 0
    if not s:
        return None
    given = _given_len(text, i + prefix + s, 2)
    after = text[i + prefix + s + given : i + prefix + s + given + 1]
    if prefix and not given:
        end = i + prefix + s  # 叫我小王
    elif given or (
        not m.group(0).startswith("我叫") and (not after or after in "，。,.！？!? 、；;")
    ):
        end = i + prefix + s + given  # 姓名：王。 (我叫车: a surname alone is not a name)
    else:
        return None
    # 居民楼底下: after a word for a resident, a name only where a pause or verb follows
    weak = m.group("weak") and not (
        text[end : end + 1] in _I_AM_NEXT or text.startswith(_AFTER_NAME, end)
    )
    if not weak and _name_ok(text, i + prefix, end):
        return (NAME, i, end, text[i:end])
    return None


def _surname_names(text: str) -> list[Span]:
    """Surnames after 我姓 / 免贵姓 …, with their spelling-out (高低的高)."""
    out: list[Span] = []
    for m in _SURNAME_KEY_RE.finditer(text):
        i = m.end()
        s = _surname_at(text, i) if i < len(text) else 0
        if s:
            out.append((NAME, i, i + s, text[i : i + s]))
            spelled = re.compile(_SPELL_RE.format(s=re.escape(text[i : i + s]))).match(text, i + s)
            if spelled and spelled.end() - (i + s) <= 8:
                out.append((NAME, i + s, spelled.end(), spelled.group(0)))
    return out


def _i_am_names(text: str) -> list[Span]:
    """我是张三，… : a name only when a pause or a verb follows it."""
    out: list[Span] = []
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
    return out


def _relative_names(text: str) -> list[Span]:
    """A name after a person it belongs to (我儿子叫冯浩)."""
    out: list[Span] = []
    for m in _RELATIVE_KEY_RE.finditer(text):
        i = m.end()
        s = _surname_at(text, i) if i < len(text) else 0
        given = _given_len(text, i + s, 2) if s else 0
        if given and _name_ok(text, i, i + s + given):
            out.append((NAME, i, i + s + given, text[i : i + s + given]))
    return out


_ALL_CJK_RE = re.compile(f"[{_CJK}]+")


def _titled_name(text: str, t: int) -> Span | None:
    """The name (or surname) right before the title at ``text[t]`` (张先生), if any."""
    for size in (4, 3, 2, 1):
        a = t - size
        if a < 0:
            continue
        cand = text[a:t]
        s = _surname_at(text, a)
        if not s or size - s > 2 or not _ALL_CJK_RE.fullmatch(cand):
            continue
        if any(ch in _NAME_STOP for ch in cand[s:]) or (s == 1 and cand[0] in _NAME_STOP):
            continue
        if cand.startswith(_NOT_NAME_PREFIX_T) or not _name_ok(text, a, t):
            continue
        return (NAME, a, t, cand)
    return None


def find_names(text: str) -> list[Span]:
    """Names after a self-introduction keyword and before a title."""
    out = [span for m in _NAME_KEY_RE.finditer(text) if (span := _keyed_name(text, m))]
    out += _surname_names(text) + _i_am_names(text) + _relative_names(text)
    out += [span for m in _TITLE_RE.finditer(text) if (span := _titled_name(text, m.start()))]
    return out


_NUM_CHAR = "0-9０-９零〇○一二两三四五六七八九十百千幺"
# a number is matched from the start of its run only: a long run of numerals costs linear
# time, not quadratic (the lookbehind stops a retry at every position inside the run)
_NUM = rf"(?<![{_NUM_CHAR}])[{_NUM_CHAR}]+"
_PLACE = rf"(?:{lexicon.alternatives('addresses', 'places')})"
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
    rf"(?:{lexicon.alternatives('addresses', 'keywords')})"
    rf"[是在：:\s]*[^\s，。,.；;！？!?0-9]{{0,12}}?"
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
_NOT_HOUSE_AFTER = re.compile(rf"({lexicon.alternatives('addresses', 'not_house_after')})")


def find_addresses(text: str) -> list[Span]:
    """Street addresses from the house number down to the room."""
    out: list[tuple[int, int]] = []
    for rx in (_ADDRESS_RE, _KEYED_ADDRESS_RE, _HOUSE_CHAIN_RE, _CHAIN_RE):
        for m in rx.finditer(text):
            a, b = m.start("addr"), m.end("addr")
            while a < b and text[a] in " ,，、-－—":
                a += 1
            if _NOT_HOUSE_AFTER.match(text, b):
                continue
            if rx is not _CHAIN_RE and text[max(0, a - 1)] == "月":
                continue
            out.append((a, -b))
    # finders overlap (号院 is a place and a house number): one span per address, in
    # order of start, the longest first (a plain tuple sort: no key function per match)
    out.sort()
    merged: list[list[int]] = []
    for a, neg_b in out:
        b = -neg_b
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(ADDRESS, a, b, text[a:b]) for a, b in merged]


_PROVINCE_ABBR = lexicon.chars("plates", "provinces")
_PLATE_CHAR = r"[A-Za-zＡ-Ｚ0-9０-９零〇一二两三四五六七八九幺]"
_PLATE_RE = re.compile(
    rf"(?<![A-Za-z])[{_PROVINCE_ABBR}]\s?[A-Za-zＡ-Ｚ]\s?[·•・.\-\s]?\s?"
    rf"(?:{_PLATE_CHAR}\s?){{4,5}}{_PLATE_CHAR}(?![A-Za-z0-9])"
)

_IM_KEY_RE = re.compile(
    rf"(?P<wx>{lexicon.alternatives('messaging', 'wechat')})"
    rf"|(?P<qq>{lexicon.alternatives('messaging', 'qq')})",
)
_IM_GLUE = re.compile(rf"(?:{lexicon.alternatives('messaging', 'glue')})*")
_CN_TAIL = "[零一二三四五六七八九幺两]*"
# an id: a nickname after @; spelled letter by letter (z h a n g 8 8, z，h，a…); typed
# (zhang_san88, xiao_ming_八八) or in pinyin syllables (zhang san 88); digits
_WX_ID = re.compile(
    r"@[^\s，。,.!?！？]{1,20}"
    r"|(?:[A-Za-z0-9_][，,\s]){4,29}[A-Za-z0-9_](?![A-Za-z0-9])"
    rf"|[A-Za-z][A-Za-z0-9_\-]{{4,19}}(?: [A-Za-z0-9_]{{1,12}}){{0,5}}{_CN_TAIL}"
    rf"|[A-Za-z][A-Za-z0-9_\-]{{1,19}}(?: [A-Za-z0-9_]{{1,12}}){{1,5}}{_CN_TAIL}"
    r"|[0-9]{5,12}"
)
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
        if (
            m[0][-1].isascii()
            and text[m.end() : m.end() + 1].isascii()
            and text[m.end() : m.end() + 1].isalpha()
        ):
            continue  # wxid_…: letters run on, not a keyword
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
