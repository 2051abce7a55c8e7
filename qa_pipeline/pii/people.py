"""Names and addresses as people say them, recognizers of :mod:`qa_pipeline.pii.registry`.

Names (gated by :func:`~qa_pipeline.pii.words.name_like`, so 明天 or 高兴 stay):

* in a confirmation question (是张伟先生吗, 请问是李娜本人吗, 喂，韩平是吧);
* after a relation or a title (我爱人王建国去办的, 律师杨勇说的);
* as the whole answer to a name question (请问您贵姓？胡伟。);
* minority names joined with · (阿依古丽·买买提);
* surnames spelled out (弓长张, 耳东陈, 木子李) with the name beside them;
* a name after 我姓X，叫… .

Addresses: a building-unit-room chain of digits (3-2-501) after a compound's name;
rows, gates and households (5排12户, 3门402, 1楼5门901号); a room after a building's
name (金融中心2411).
"""

from __future__ import annotations

import re

from qa_pipeline.pii import lexicon
from qa_pipeline.pii.words import ADDRESS, NAME, is_surname, name_like

Span = tuple[str, int, int, str]
_CJK = r"[\u4e00-\u9fff]"
_STOP = set(lexicon.chars("names", "stop_chars"))
_PLACE_END = set(lexicon.chars("names", "place_end")) | set(lexicon.chars("people", "place_end"))


def _best_name(text: str, a: int, sizes: tuple[int, ...], follow: str | None) -> int:
    """The length of the name at ``text[a]`` (0 when none), ``follow`` allowed after it."""
    for size in sizes:
        cand = text[a : a + size]
        nxt = text[a + size : a + size + 1]
        if len(cand) == size and name_like(cand) and (follow is None or nxt in follow or not nxt):
            return size
    return 0


_CONFIRM_RE = re.compile(
    rf"(?:^|[，,。？?！!\s]|是)(?P<n>{_CJK}{{2,4}}?)(?:本人|家)?(?:先生|女士)?"
    r"(?:吗|么|对吧|是吧|对吗|是不是)"
)


def confirm_names(text: str) -> list[Span]:
    """A name in a confirmation question (请问是杨刚本人吗, 您是何敏对吧)."""
    out: list[Span] = []
    for m in _CONFIRM_RE.finditer(text):
        n = m["n"]
        if n[-1] in _PLACE_END:  # 是张家湾吗, 是王府井吗: a place
            continue
        for k in range(len(n) - 1):  # 您是何敏对吧: the name is the end of the run
            if name_like(n[k:]):
                out.append((NAME, m.start("n") + k, m.end("n"), n[k:]))
                break
    return out


_BEFORE_NAME = lexicon.words("people", "before_name")
# a lookahead on the first characters lets the scan skip most positions at once
_BEFORE_NAME_RE = re.compile(
    f"(?=[{''.join(sorted({w[0] for w in _BEFORE_NAME}))}])(?:{'|'.join(_BEFORE_NAME)})"
)
_AFTER_PERSON = lexicon.chars("people", "after_name")


def titled_names(text: str) -> list[Span]:
    """A name after a relation or a title (我儿子田涛去办的, 找了科长谢德明说的)."""
    out: list[Span] = []
    for m in _BEFORE_NAME_RE.finditer(text):
        size = _best_name(text, m.end(), (3, 2), _AFTER_PERSON)
        if size:
            out.append((NAME, m.end(), m.end() + size, text[m.end() : m.end() + size]))
    return out


_ANSWER_RE = re.compile(
    rf"(?:{lexicon.alternatives('people', 'name_questions')})[？?][—\-\s：:]*"
    rf"(?P<n>{_CJK}{{1,4}})(?=[。.!！，,\s]|$)"
)


def answered_names(text: str) -> list[Span]:
    """A name given as the whole answer to a name question (您贵姓？胡伟。)."""
    return [(NAME, m.start("n"), m.end("n"), m["n"]) for m in _ANSWER_RE.finditer(text)
            if name_like(m["n"]) or is_surname(m["n"])]  # fmt: skip


_DOT_NAME_RE = re.compile(rf"{_CJK}{{1,5}}[·•・]{_CJK}{{1,5}}")
_DOT_NAME_END = set("来去说的在是给了吗呢和跟也让把被我你他她，。,.：: ")
_CUT_BEFORE = (*lexicon.words("names", "keywords"), "是", "叫")


def dotted_names(text: str) -> list[Span]:
    """Minority and transliterated names joined with · (扎西·次仁)."""
    out: list[Span] = []
    for m in _DOT_NAME_RE.finditer(text):
        dot = m.start() + m[0].index(next(c for c in m[0] if c in "·•・"))
        a, b = m.start(), m.end()
        for k in range(m.start() + 1, dot):  # 联系人扎西·次仁: the keyword stays
            if text.endswith(_CUT_BEFORE, 0, k) or text[k - 1] in _DOT_NAME_END:
                a = k
        for k in range(dot + 3, m.end()):  # 阿不都 keeps 都: stop at a verb or a pause
            if text[k] in _DOT_NAME_END:
                b = k
                break
        if dot - a >= 1 and b - dot >= 2:
            out.append((NAME, a, b, text[a:b]))
    return out


_SPELLINGS = lexicon.words("people", "spellings")
_SPELL_RE = re.compile("|".join(_SPELLINGS))
_GIVEN_RE = re.compile(rf"(?:的.)?[，,\s]*(?:叫|名字是?|名)?(?P<n>{_CJK}{{1,3}})")


def spelled_names(text: str) -> list[Span]:
    """Surnames spelled out (弓长张, 耳东陈) and the name beside them."""
    out: list[Span] = []
    for m in _SPELL_RE.finditer(text):
        out.append((NAME, m.start(), m.end(), m[0]))
        after = _GIVEN_RE.match(text, m.end())
        if after:
            cand = after["n"]
            size = len(cand)
            bounded = after.end() == len(text) or text[after.end()] in "，。,.！？!? "
            while size and not bounded and any(ch in _STOP for ch in cand[:size]):
                size -= 1
            if size and (name_like(cand[:size], 2) or size <= 2):
                a = after.start("n")
                out.append((NAME, a, a + size, text[a : a + size]))
        end = m.start()
        while end > 0 and text[end - 1] in "，, 是就":
            end -= 1
        for size in (3, 2):
            if end >= size and name_like(text[end - size : end]):
                out.append((NAME, end - size, end, text[end - size : end]))
                break
    return out


_SURNAME_THEN_RE = re.compile(rf"姓{_CJK}{{1,4}}[，,\s]*(?:叫|名叫|全名叫?)(?P<n>{_CJK}{{2,3}})")


def surname_then_names(text: str) -> list[Span]:
    """A full name after 我姓X，叫… (我姓旷，叫旷雨桐)."""
    out: list[Span] = []
    for m in _SURNAME_THEN_RE.finditer(text):
        size = _best_name(text, m.start("n"), (3, 2), None)
        if size:
            a = m.start("n")
            out.append((NAME, a, a + size, text[a : a + size]))
    return out


_N = r"[0-9０-９一二三四五六七八九十两]{1,4}"
_CHAIN_CONTEXT_RE = re.compile(lexicon.alternatives("people", "address_context"))
_DASH_CHAIN_RE = re.compile(r"(?<![\d\-])\d{1,3}[-－]\d{1,2}[-－]\d{3,4}(?![\d\-－])")
_LEVELS_RE = re.compile(
    rf"(?<![0-9０-９一二三四五六七八九十两]){_N}(?:号楼|排|楼|栋|幢|门)"
    rf"(?:(?:[\s,，\-]?{_N}(?:排|门|户|号|单元|室|层))+"
    rf"(?:[\s\-]?{_N}(?![0-9０-９一二三四五六七八九十两元块米平人岁年天次个号]))?"
    r"|(?<=门)[\s\-]?\d{3,4}(?![\d元块米平人岁年天次个号]))"
)
_ROOM_RE = re.compile(
    rf"(?:{lexicon.alternatives('people', 'buildings')})\s?(?P<r>\d{{3,4}})"
    r"(?:室|房间|房|号)?(?![\d元块米平人岁年天次个%％.])"
)


def dash_addresses(text: str) -> list[Span]:
    """Building-unit-room written as digits joined by dashes after a compound (3-2-501)."""
    out: list[Span] = []
    for m in _DASH_CHAIN_RE.finditer(text):
        if _CHAIN_CONTEXT_RE.search(text, max(0, m.start() - 12), m.start()):
            out.append((ADDRESS, m.start(), m.end(), m[0]))
    return out


def level_addresses(text: str) -> list[Span]:
    """Rows, gates and households (5排12户, 3门402, 1楼5门901号)."""
    return [(ADDRESS, m.start(), m.end(), m[0]) for m in _LEVELS_RE.finditer(text)
            if re.search("[排门户]", m[0])]  # fmt: skip


def room_addresses(text: str) -> list[Span]:
    """A room number right after a building's name (金融中心2411, 创业大厦1215室)."""
    return [(ADDRESS, m.start("r"), m.end(), m[0][m.start("r") - m.start() :])
            for m in _ROOM_RE.finditer(text)]  # fmt: skip
