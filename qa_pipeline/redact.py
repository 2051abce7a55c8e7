"""PII redaction: mask citizens' personal data before anything is stored or reported.

Pure functions over text (no I/O). Scoring sees the raw transcript in memory; the store
calls :func:`redact_score` / :func:`redact_transcript` before writing, so the database and
every report only ever hold the redacted text.

What is masked (each kind can be switched off in :class:`RedactOptions`):

* mobile numbers ``1[3-9]xxxxxxxxx`` (also ``+86``/``0086``), written or spoken digit by
  digit in Chinese numerals (``幺三八 一二三四 五六七八``), with spaces or dashes;
* 18-digit resident ID numbers (province code, birth date and ISO 7064 checksum verified)
  and 15-digit legacy ones (province code and birth date verified);
* bank card numbers of 16–19 digits starting with an issuer digit (3–6, 8, 9) and passing
  the Luhn check (or any such number right after 卡号/银行卡/账号);
* landlines ``区号-号码`` (``010-6552 8888``, ``(0571)88886666``, spoken forms), and 7–8
  digit local numbers right after 座机/固话/电话;
* e-mail addresses.

What survives on purpose: job numbers (工号1023), amounts (13800000000元, ¥1,380), areas
(140平方米), rates (1.5%), dates, times, the 12345 hotline and numbers labelled as order,
ticket or case numbers (订单号, 工单号, 受理号 …).

Masking style ``label`` (default) replaces the whole match with a bracketed label such as
``[手机号]``; ``partial`` keeps the first three and last four digits (``138****5678``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from qa_pipeline.models import CallScore, Evidence, ItemResult, Segment, Transcript
from qa_pipeline.redact_words import (
    ADDRESS,
    NAME,
    PLATE,
    QQ,
    WECHAT,
    find_addresses,
    find_im_ids,
    find_names,
    find_plates,
)

MOBILE = "mobile"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
LANDLINE = "landline"
EMAIL = "email"

#: Label written in place of each kind of personal data (``style="label"``).
LABELS: dict[str, str] = {
    MOBILE: "[手机号]",
    ID_CARD: "[身份证号]",
    BANK_CARD: "[银行卡号]",
    LANDLINE: "[座机号]",
    EMAIL: "[邮箱]",
    NAME: "[姓名]",
    ADDRESS: "[地址]",
    PLATE: "[车牌号]",
    WECHAT: "[微信号]",
    QQ: "[QQ号]",
}
#: Every kind :func:`find_pii` knows, in the order of :data:`LABELS`.
KINDS: tuple[str, ...] = tuple(LABELS)


@dataclass(frozen=True, slots=True)
class RedactOptions:
    """What to mask and how.

    Attributes:
        enabled: Master switch (``Settings.redact_pii``); ``False`` returns text unchanged.
        mobile: Mask mobile numbers.
        id_card: Mask resident ID numbers (18-digit, and 15-digit legacy).
        bank_card: Mask bank card numbers.
        landline: Mask landline numbers.
        email: Mask e-mail addresses.
        name: Mask names (after 我叫/我姓/姓名/叫我 …, and before 先生/女士 …).
        address: Mask street addresses from the house number down to the room.
        plate: Mask licence plates.
        wechat: Mask WeChat ids after their keyword.
        qq: Mask QQ numbers after their keyword.
        style: ``"label"`` (``[手机号]``, default) or ``"partial"`` (``138****5678``).
    """

    enabled: bool = True
    mobile: bool = True
    id_card: bool = True
    bank_card: bool = True
    landline: bool = True
    email: bool = True
    name: bool = True
    address: bool = True
    plate: bool = True
    wechat: bool = True
    qq: bool = True
    style: Literal["label", "partial"] = "label"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data found in a text: ``text[start:end]`` of ``kind``."""

    kind: str
    start: int
    end: int
    value: str  # normalised: arabic digits (and X) for numbers, the address for e-mail


_DIGITS: dict[str, str] = {str(d): str(d) for d in range(10)}
_DIGITS.update({chr(0xFF10 + d): str(d) for d in range(10)})  # full-width ０-９
_DIGITS.update(
    {
        "零": "0",
        "〇": "0",
        "○": "0",
        "一": "1",
        "幺": "1",
        "二": "2",
        "两": "2",
        "三": "3",
        "四": "4",
        "五": "5",
        "六": "6",
        "七": "7",
        "八": "8",
        "九": "9",
        # financial numerals, which speech-to-text sometimes writes
        "壹": "1",
        "贰": "2",
        "叁": "3",
        "肆": "4",
        "伍": "5",
        "陆": "6",
        "柒": "7",
        "捌": "8",
        "玖": "9",
    }
)
_ARABIC = set("0123456789") | {chr(0xFF10 + d) for d in range(10)}
# speech-to-text homophones of spoken digits (幺 → 要/腰/妖, 拐 = 7, 洞 = 0): digits only
# next to another Chinese numeral, so 我要 / 拐弯 stay words
_HOMOPHONES = {"要": "1", "腰": "1", "妖": "1", "拐": "7", "洞": "0"}
_SEPARATORS = set(" \t\u3000\u00a0-‐‑–—－_")
# punctuation people and speech-to-text put between digit groups: 138，1234，5678 /
# 138、1234 / 138.1234.5678 / 138/1234/5678 / (138)12345678
_PUNCT_SEPARATORS = set(",，、。./／()（）")
_MAX_GAP = 3
# hesitations inside a spoken number: 一三八 嗯 一二三四 / 一三八呃… / 一三八那个…
_FILLERS = (
    "然后是",
    "后面是",
    "接着是",
    "再就是",
    "然后",
    "那个",
    "这个",
    "就是",
    "还有",
    "对吧",
    "是吧",
    "……",
    "...",
    "嗯",
    "呃",
    "额",
    "啊",
    "哦",
    "噢",
    "唔",
    "呀",
    "呢",
    "吧",
    "嘛",
    "哈",
    "诶",
    "欸",
    "唉",
    "是",
    "对",
    "…",
)
_MAX_FILLER_GAP = 8
_X_CHARS = set("Xx叉Ｘｘ")

_PROVINCES = {
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
    83,
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PAREN_LANDLINE_RE = re.compile(
    r"[(（]\s*(0\d{2,3})\s*[)）]\s*([2-9]\d{2,3})[\s\-－]?(\d{4})(?!\d)"
)
# labels that make the number that follows a reference number, not personal data
_NOT_PII_LABEL_RE = re.compile(
    r"(工号|订单号?|工单号?|单号|编号|流水号?|受理号|合同号|票号|批次号|发票号码?|案件号|"
    r"案号|保单号?|序号|邮编|邮政编码|房号|批号|型号|版本号?|验证码|尾号|快递|运单号?|"
    r"案卷号|档案号|证书号|车架号|发动机号|备案号|许可证号|执照号|登记号|注册号|税号|信用代码|"
    r"金额|总额|总价|价格|余额|欠款|罚款|补贴|工资|费用|预算|资金|收入)"
    r"[码是为：:\s#]*$"
)
# keywords after which a number of the right length is personal data whatever its checksum
# (people and speech-to-text get a digit wrong); searched in the words just before it
_ID_KEY_RE = re.compile(r"身份证|证件号|身份号|公民身份|ID号")
_CARD_KEY_RE = re.compile(r"卡号|银行卡|信用卡|储蓄卡|借记卡|银行账号|账号|帐号|账户|帐户|卡的号")
_PHONE_LABEL_RE = re.compile(
    r"(座机|固话|固定电话|电话|办公室|家里|小灵通)(号码|号)?[号码是为：:\s]*$"
)
_KEY_WINDOW = 16
# a unit or currency right after the number makes it a quantity, not an identifier
_UNITS = set(
    "元块角毛分万亿千百十米平方公斤克吨度%％个人次岁年月日号点秒天周倍套楼层室栋户份张台辆条"
)
_CURRENCY = set("¥￥$＄")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2100, 1, 1)


def id18_ok(value: str) -> bool:
    """Whether ``value`` is a valid 18-digit resident ID (province, birth date, checksum)."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if int(value[:2]) not in _PROVINCES:
        return False
    if not _date_ok(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    check = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11
    return _ID_CHECK[check] == value[17]


def _id15_ok(value: str) -> bool:
    if len(value) != 15 or not value.isdigit() or int(value[:2]) not in _PROVINCES:
        return False
    return _date_ok(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))


def _landline_ok(value: str) -> bool:
    # area codes: 010, 02x, or 0[3-9]xx (there is no other 01x code)
    if not value.startswith("0") or (value[1] in "01" and not value.startswith("010")):
        return False
    three = value[:3] in ("010",) or value[:2] == "02"  # Beijing, 02x big cities
    code = 3 if three else 4
    local = value[code:]
    return len(local) in (7, 8) and local[0] in "23456789"


def _mobile_ok(value: str) -> bool:
    n = len(value)
    if n == 11:
        return value[0] == "1" and value[1] in "3456789"
    if n == 13 and value.startswith("86"):
        return _mobile_ok(value[2:])
    return n == 15 and value.startswith("0086") and _mobile_ok(value[4:])


def _classify(value: str, before: str, punct: bool = False) -> str | None:
    """The PII kind of a normalised digit string, given the text just before it.

    ``punct``: the digits were joined across punctuation (``138.1234.5678``), where only
    a phone, a valid ID or a labelled number counts (a checksum met by chance does not).
    """
    n = len(value)
    if n == 18 and id18_ok(value):
        return ID_CARD
    near = before[-_KEY_WINDOW:]
    id_key = _ID_KEY_RE.search(near) is not None
    if id_key and n in (17, 18, 19) and value[:-1].isdigit():
        return ID_CARD
    if id_key and n == 15 and value.isdigit():
        return ID_CARD
    if "X" in value:
        return None
    if _NOT_PII_LABEL_RE.search(before):
        return None
    if _mobile_ok(value):
        return MOBILE
    if 10 <= n <= 12 and _landline_ok(value):
        return LANDLINE
    card_key = _CARD_KEY_RE.search(near) is not None
    if card_key and 15 <= n <= 19:
        return BANK_CARD
    # card numbers start with an issuer digit: 3 (JCB/Amex), 4, 5, 6 (UnionPay 62), 9
    if not punct and 16 <= n <= 19 and value[0] in "345689" and _luhn_ok(value):
        return BANK_CARD
    if n == 15 and _id15_ok(value):
        return ID_CARD
    if n in (7, 8) and value[0] in "23456789" and _PHONE_LABEL_RE.search(before):
        return LANDLINE
    return None


@dataclass(slots=True)
class _Group:
    start: int
    end: int
    digits: str
    pos: list[int]  # text index of each digit (for trimming a stray numeral at an edge)
    punct: bool = False  # joined to the previous group across punctuation or a filler


def _filler_at(text: str, j: int) -> int:
    for word in _FILLERS:
        if text.startswith(word, j):
            return len(word)
    return 0


def _digit_at(text: str, k: int) -> str | None:
    """The digit ``text[k]`` stands for, if any (homophones only beside a numeral)."""
    ch = text[k]
    if ch in _DIGITS:
        return _DIGITS[ch]
    if ch in _HOMOPHONES:
        for nb in (k - 1, k + 1):
            if 0 <= nb < len(text) and text[nb] in _DIGITS and text[nb] not in _ARABIC:
                return _HOMOPHONES[ch]
    return None


def _gap(text: str, i: int) -> tuple[int, bool]:
    """Where the next digit group starts after a gap at ``i`` (``i`` when none), and
    whether the gap holds punctuation or a filler word."""
    n = len(text)
    j, punct = i, False
    while j < n and j - i <= _MAX_FILLER_GAP:
        ch = text[j]
        if ch in _SEPARATORS:
            j += 1
            continue
        if ch in _PUNCT_SEPARATORS:
            # 12,345,678: a thousands separator, not a digit group
            if ch == "," and text[j + 1 : j + 4].isdigit() and not text[j + 4 : j + 5].isdigit():
                return i, False
            # a pause between numerals spoken in Chinese is how speech-to-text writes
            # groups (六二幺七，七六二零): punctuation only counts between arabic digits
            j, punct = j + 1, punct or text[i - 1] in _ARABIC
            continue
        size = _filler_at(text, j)
        if size:
            j, punct = j + size, True
            continue
        break
    if j == i or j >= n or _digit_at(text, j) is None:
        return i, False
    if not punct and j - i > _MAX_GAP:
        return i, False
    return j, punct


def _digit_runs(text: str) -> list[list[_Group]]:
    """Runs of digits (arabic or Chinese numerals) split into groups at separators."""
    runs: list[list[_Group]] = []
    i, n = 0, len(text)
    while i < n:
        if _digit_at(text, i) is None:
            i += 1
            continue
        run: list[_Group] = []
        punct = False
        while True:
            start = i
            digits: list[str] = []
            pos: list[int] = []
            while i < n and (d := _digit_at(text, i)) is not None:
                digits.append(d)
                pos.append(i)
                i += 1
            group = _Group(start, i, "".join(digits), pos, punct)
            run.append(group)
            # a trailing X ends an ID number (17 digits + X), spoken as 叉 too
            if (
                i < n
                and text[i] in _X_CHARS
                and not (i + 1 < n and text[i + 1].isascii() and text[i + 1].isalnum())
            ):
                group.digits += "X"
                group.pos.append(i)
                group.end = i = i + 1
                break
            j, punct = _gap(text, i)
            if j > i:
                i = j
                continue
            break
        runs.append(run)
    return runs


def _is_quantity(text: str, start: int, end: int, digits: int = 0) -> bool:
    before = text[start - 1] if start > 0 else ""
    if before and (
        before in _CURRENCY or (before.isascii() and (before.isalpha() or before in "._"))
    ):
        return True
    rest = text[end:].lstrip(" \u3000")
    if not rest:
        return False
    nxt = rest[0]
    # 手机13812345678号: 号 after a long number names it, it does not count it
    if nxt == "号" and digits >= 7:
        return False
    if nxt in _UNITS:
        return True
    # part of a longer identifier or decimal: 1380013800.5, 13800138000abc
    return nxt.isascii() and (nxt.isalpha() or (nxt == "." and rest[1:2].isdigit()))


def _trims(
    group_first: _Group, group_last: _Group, text: str, at_start: bool, at_end: bool
) -> list[tuple[int, int]]:
    """(digits cut at the start, digits cut at the end): first none, then a stray
    Chinese numeral or two at the outer edge of a run (号码幺三八…五六七八一下: 一 of 一下)."""
    out = [(0, 0)]

    def cn(k: int) -> bool:
        return text[k] not in _ARABIC

    for a in (0, 1, 2) if at_start else (0,):
        for b in (0, 1, 2) if at_end else (0,):
            if (a, b) == (0, 0) or a >= len(group_first.pos) or b >= len(group_last.pos):
                continue
            if a and not all(cn(k) for k in group_first.pos[:a]):
                continue
            if b and not all(cn(k) for k in group_last.pos[-b:]):
                continue
            out.append((a, b))
    return out


def _number_matches(
    text: str, opts: RedactOptions, free: Callable[[int, int], bool]
) -> list[PiiMatch]:
    found: list[PiiMatch] = []
    for run in _digit_runs(text):
        i = 0
        while i < len(run):
            hit = None
            # a match has at most 19 digits, so at most 19 groups: keeps long runs linear
            for j in range(min(len(run), i + 19), i, -1):
                groups = run[i:j]
                whole = "".join(g.digits for g in groups)
                if len(whole) > 23:
                    continue
                punct = any(g.punct for g in groups[1:])
                trims = _trims(groups[0], groups[-1], text, i == 0, j == len(run))
                for a, b in trims:
                    value = whole[a : len(whole) - b]
                    if not 7 <= len(value) <= 19:
                        continue
                    start = groups[0].pos[a] if a else groups[0].start
                    end = groups[-1].pos[-b - 1] + 1 if b else groups[-1].end
                    if not free(start, end):
                        continue
                    kind = _classify(value, text[max(0, start - 24) : start], punct)
                    if kind and opts.wants(kind) and not _is_quantity(text, start, end, len(value)):
                        hit = (j, PiiMatch(kind, start, end, value))
                        break
                if hit:
                    break
            if hit:
                j, m = hit
                # (138)12345678: take the opening bracket along with its closing one
                if (
                    m.start > 0
                    and text[m.start - 1] in "(（"
                    and any(c in text[m.start : m.end] for c in ")）")
                ):
                    m = PiiMatch(m.kind, m.start - 1, m.end, m.value)
                found.append(m)
                i = j
            else:
                i += 1
    return found


def find_pii(text: str, options: RedactOptions | None = None) -> list[PiiMatch]:
    """Find personal data in ``text``.

    Args:
        text: Any text (a transcript segment, an evidence quote, a reason, a file name).
        options: What to look for; defaults to everything.

    Returns:
        Non-overlapping matches in text order.
    """
    opts = options or RedactOptions()
    found: list[PiiMatch] = []
    if opts.email:
        found += [PiiMatch(EMAIL, m.start(), m.end(), m.group(0)) for m in _EMAIL_RE.finditer(text)]
    if opts.landline:
        for m in _PAREN_LANDLINE_RE.finditer(text):
            value = m.group(1) + m.group(2) + m.group(3)
            if _landline_ok(value) and not _is_quantity(text, m.start(), m.end()):
                found.append(PiiMatch(LANDLINE, m.start(), m.end(), value))

    def free(a: int, b: int) -> bool:
        return all(b <= f.start or a >= f.end for f in found)

    found += _number_matches(text, opts, free)
    words = []
    for kind, finder in (
        (WECHAT, find_im_ids),
        (PLATE, find_plates),
        (ADDRESS, find_addresses),
        (NAME, find_names),
    ):
        if kind in (WECHAT, QQ) and not (opts.wechat or opts.qq):
            continue
        if kind not in (WECHAT, QQ) and not opts.wants(kind):
            continue
        words += finder(text)
    for kind, a, b, value in words:
        if a < b and opts.wants(kind) and free(a, b):
            found.append(PiiMatch(kind, a, b, value))
    found.sort(key=lambda m: m.start)
    return found


def _mask(match: PiiMatch, style: str) -> str:
    if style == "label":
        return LABELS[match.kind]
    if match.kind == EMAIL:
        user, _, domain = match.value.partition("@")
        return f"{user[:1]}***@{domain}"
    if match.kind == NAME:
        return match.value[:1] + "*" * max(1, len(match.value) - 1)
    if match.kind in (ADDRESS, WECHAT, QQ):
        return "*" * 4
    if match.kind == PLATE:
        return match.value[:2] + "***" + match.value[-2:]
    v = match.value[-11:] if match.kind == MOBILE else match.value
    return v[:3] + "*" * max(4, len(v) - 7) + v[-4:]


# a file name inside a message: call_13600003333.wav, /inbox/张三_13812345678.json
_FILE_NAME_RE = re.compile(
    r"[\w\-.+()（）]*\d[\w\-.+()（）]*\.(?:wav|mp3|m4a|flac|ogg|opus|amr|aac|wma|json|csv|txt)\b",
    re.IGNORECASE,
)
# ASCII letters, underscores and dots glued to a number in a file name are separators
_NAME_GLUE_RE = re.compile(r"[A-WYZa-wyz_.+]")


def _redact_name(name: str, opts: RedactOptions) -> str:
    """Redact one file or folder name: numbers glued to letters count (call13800138000)."""
    spaced = _NAME_GLUE_RE.sub(" ", name)
    out: list[str] = []
    pos = 0
    for m in find_pii(spaced, opts):
        out.append(name[pos : m.start])
        out.append(_mask(m, opts.style))
        pos = m.end
    out.append(name[pos:])
    return "".join(out)


def redact_path(path: str | os.PathLike[str], options: RedactOptions | None = None) -> str:
    """A path with personal data in any folder or file name masked.

    ``/inbox/13600003333_0815.wav`` → ``/inbox/[手机号]_0815.wav``; numbers glued to
    letters are looked at too (``call13600003333.wav``), unlike in running text.
    """
    text = os.fspath(path)
    opts = options or RedactOptions()
    if not opts.enabled or not text:
        return text
    parts = re.split(r"([/\\])", text)
    return "".join(p if p in ("/", "\\") else _redact_name(p, opts) for p in parts)


def redact_text(text: str, options: RedactOptions | None = None) -> str:
    """Mask every piece of personal data in ``text`` (idempotent).

    Args:
        text: The text to redact.
        options: What to mask and how; defaults to everything, ``label`` style.

    Returns:
        The text with each match replaced, e.g. ``请拨[手机号]`` or ``请拨138****5678``.
    """
    opts = options or RedactOptions()
    if not opts.enabled or not text:
        return text
    out: list[str] = []
    pos = 0
    for m in find_pii(text, opts):
        out.append(text[pos : m.start])
        out.append(_mask(m, opts.style))
        pos = m.end
    out.append(text[pos:])
    result = "".join(out)
    if _FILE_NAME_RE.search(result):
        result = _FILE_NAME_RE.sub(lambda m: _redact_name(m.group(0), opts), result)
    return result


# manifest columns whose whole value is personal data, whatever its form (a bare name)
_PII_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (EMAIL, re.compile(r"mail|邮箱", re.I)),
    (WECHAT, re.compile(r"wechat|weixin|微信", re.I)),
    (QQ, re.compile(r"(^|_)qq", re.I)),
    (PLATE, re.compile(r"plate|车牌", re.I)),
    (ID_CARD, re.compile(r"id_?card|id_?no|identity|身份证|证件", re.I)),
    (BANK_CARD, re.compile(r"bank|card|account|卡号|银行|账号|帐号", re.I)),
    (ADDRESS, re.compile(r"addr|地址|住址", re.I)),
    (MOBILE, re.compile(r"phone|mobile|(^|_)tel|(^|_)ani($|_)|电话|手机|号码|主叫", re.I)),
    (NAME, re.compile(r"name|姓名|名字|联系人|caller|customer|citizen|客户|来电人|市民", re.I)),
)


def redact_field(name: str, value: str, options: RedactOptions | None = None) -> str:
    """A manifest value, given its column name: the whole value masked where the column
    holds personal data (``caller_name``, ``手机``, ``地址`` …), else :func:`redact_text`."""
    opts = options or RedactOptions()
    if not opts.enabled or not value or not value.strip():
        return value
    for kind, pattern in _PII_FIELDS:
        if pattern.search(name) and opts.wants(kind):
            return LABELS[kind] if opts.style == "label" else "*" * 4
    return redact_text(value, opts)


def redact_value(value: Any, options: RedactOptions | None = None) -> Any:
    """``value`` with every string inside it (dicts, lists, tuples) redacted; other
    values unchanged. For JSON columns, run summaries and event payloads."""
    if isinstance(value, str):
        return redact_text(value, options)
    if isinstance(value, dict):
        return {k: redact_value(v, options) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, options) for v in value)
    return value


class _RedactingFactory:
    """A log record factory that redacts each message as the record is made."""

    def __init__(self, inner: Callable[..., logging.LogRecord], options: RedactOptions) -> None:
        self.inner = inner
        self.options = options

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it, we must not fail
            return record
        record.msg, record.args = redact_text(message, self.options), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_text(text, self.options)
        return record


def install_log_redaction(options: RedactOptions | None = None) -> None:
    """Redact every log message of this process when its record is made (idempotent).

    Every handler then sees masked text: the console, log files, and Prefect's API
    handler that stores flow and task logs in Prefect's database.
    """
    opts = options or RedactOptions()
    current = logging.getLogRecordFactory()
    if isinstance(current, _RedactingFactory):
        current.options = opts
        return
    if opts.enabled:
        logging.setLogRecordFactory(_RedactingFactory(current, opts))


def redact_segment(segment: Segment, options: RedactOptions | None = None) -> Segment:
    """A copy of ``segment`` with its text redacted."""
    return replace(segment, text=redact_text(segment.text, options))


_NUMBER_KINDS = (MOBILE, ID_CARD, BANK_CARD, LANDLINE)


def _has_digit(text: str) -> bool:
    return any(_digit_at(text, k) is not None for k in range(len(text)))


def _mask_across(texts: list[str], opts: RedactOptions) -> list[str]:
    """Mask numbers that speech-to-text split over neighbouring segments
    (``我电话是一三八一二三四`` | ``嗯`` | ``五六七八``): each part gets the label."""
    out = list(texts)
    for i in range(len(out) - 1):
        if not _has_digit(out[i][-8:]):
            continue
        for size in (2, 3):
            window = out[i : i + size]
            if len(window) < size or not _has_digit(window[-1][:8]):
                continue
            starts, pos = [], 0
            for t in window:
                starts.append(pos)
                pos += len(t) + 1
            joined = "，".join(window)
            edits: dict[int, list[tuple[int, int, str]]] = {}
            for m in find_pii(joined, opts):
                if m.kind not in _NUMBER_KINDS:
                    continue
                parts = [
                    (k, max(m.start, s0) - s0, min(m.end, s0 + len(window[k])) - s0)
                    for k, s0 in enumerate(starts)
                    if max(m.start, s0) < min(m.end, s0 + len(window[k]))
                ]
                if len(parts) > 1:  # only what crosses a segment boundary
                    for k, a, b in parts:
                        if _has_digit(window[k][a:b]):  # a filler turn between stays
                            edits.setdefault(k, []).append((a, b, _mask(m, opts.style)))
            for k, spans in edits.items():
                text = window[k]
                for a, b, label in sorted(spans, reverse=True):
                    text = text[:a] + label + text[b:]
                out[i + k] = text
    return out


def redact_transcript(transcript: Transcript, options: RedactOptions | None = None) -> Transcript:
    """A copy of ``transcript`` with every segment's text redacted, including numbers
    split over neighbouring segments."""
    opts = options or RedactOptions()
    if not opts.enabled:
        return transcript
    texts = _mask_across([s.text for s in transcript.segments], opts)
    return replace(
        transcript,
        segments=tuple(
            replace(seg, text=redact_text(text, opts))
            for seg, text in zip(transcript.segments, texts, strict=True)
        ),
    )


def _redact_evidence(ev: Evidence, options: RedactOptions | None) -> Evidence:
    return replace(ev, text=redact_text(ev.text, options))


def redact_item(item: ItemResult, options: RedactOptions | None = None) -> ItemResult:
    """A copy of ``item`` with its reason and evidence quotes redacted."""
    return replace(
        item,
        reason=redact_text(item.reason, options),
        evidence=tuple(_redact_evidence(e, options) for e in item.evidence),
    )


def redact_score(score: CallScore, options: RedactOptions | None = None) -> CallScore:
    """A copy of ``score`` with every reason, evidence quote and error message redacted."""
    return replace(
        score,
        items=tuple(redact_item(it, options) for it in score.items),
        errors=tuple(redact_text(e, options) for e in score.errors),
    )
