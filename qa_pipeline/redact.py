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

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from qa_pipeline.models import CallScore, Evidence, ItemResult, Segment, Transcript

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
}


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
        style: ``"label"`` (``[手机号]``, default) or ``"partial"`` (``138****5678``).
    """

    enabled: bool = True
    mobile: bool = True
    id_card: bool = True
    bank_card: bool = True
    landline: bool = True
    email: bool = True
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
_SEPARATORS = set(" \t\u3000\u00a0-‐‑–—－_")
_CN_ONLY_SEPARATORS = set(",，、")  # only between numerals spoken in Chinese
_MAX_GAP = 3
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
    r"(工号|订单号?|工单号?|单号|编号|流水号|受理号|合同号|票号|批次号|发票号码?|案件号|"
    r"序号|邮编|邮政编码|车牌号?|房号|批号|型号|版本号?|验证码|尾号)[码是为：:\s#]*$"
)
_CARD_LABEL_RE = re.compile(
    r"(卡号|银行卡|信用卡|储蓄卡|借记卡|账号|帐号|账户|帐户)[号码是为：:\s]*$"
)
_PHONE_LABEL_RE = re.compile(r"(座机|固话|固定电话|电话|办公室|家里)[号码是为：:\s]*$")
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


def _classify(value: str, before: str) -> str | None:
    """The PII kind of a normalised digit string, given the text just before it."""
    n = len(value)
    if n == 18 and id18_ok(value):
        return ID_CARD
    if "X" in value:
        return None
    if _NOT_PII_LABEL_RE.search(before):
        return None
    if n == 11 and value[0] == "1" and value[1] in "3456789":
        return MOBILE
    if n == 13 and value.startswith("86") and value[2] == "1" and value[3] in "3456789":
        return MOBILE
    if n == 14 and value.startswith("0086") and value[4] == "1" and value[5] in "3456789":
        return MOBILE
    if 10 <= n <= 12 and _landline_ok(value):
        return LANDLINE
    # card numbers start with an issuer digit: 3 (JCB/Amex), 4, 5, 6 (UnionPay 62), 9
    card_like = 16 <= n <= 19 and value[0] in "345689"
    if card_like and (_luhn_ok(value) or _CARD_LABEL_RE.search(before)):
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


def _digit_runs(text: str) -> list[list[_Group]]:
    """Runs of digits (arabic or Chinese numerals) split into groups at separators."""
    runs: list[list[_Group]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] not in _DIGITS:
            i += 1
            continue
        run: list[_Group] = []
        while True:
            start = i
            digits = []
            while i < n and text[i] in _DIGITS:
                digits.append(_DIGITS[text[i]])
                i += 1
            group = _Group(start, i, "".join(digits))
            run.append(group)
            # a trailing X ends an ID number (17 digits + X), spoken as 叉 too
            if (
                i < n
                and text[i] in _X_CHARS
                and not (i + 1 < n and text[i + 1].isascii() and text[i + 1].isalnum())
            ):
                group.digits += "X"
                group.end = i = i + 1
                break
            j = i
            while (
                j < n
                and j - i < _MAX_GAP
                and (
                    text[j] in _SEPARATORS
                    or (
                        text[j] in _CN_ONLY_SEPARATORS
                        and text[i - 1] not in _ARABIC
                        and j + 1 < n
                        and text[j + 1] in _DIGITS
                        and text[j + 1] not in _ARABIC
                    )
                )
            ):
                j += 1
            if j > i and j < n and text[j] in _DIGITS:
                i = j
                continue
            break
        runs.append(run)
    return runs


def _is_quantity(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    if before and (
        before in _CURRENCY or (before.isascii() and (before.isalpha() or before in "._"))
    ):
        return True
    rest = text[end:].lstrip(" \u3000")
    if not rest:
        return False
    nxt = rest[0]
    if nxt in _UNITS:
        return True
    # part of a longer identifier or decimal: 1380013800.5, 13800138000abc
    return nxt.isascii() and (nxt.isalpha() or (nxt == "." and rest[1:2].isdigit()))


def find_pii(text: str, options: RedactOptions | None = None) -> list[PiiMatch]:
    """Find personal data in ``text``.

    Args:
        text: Any text (a transcript segment, an evidence quote, a reason).
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
    taken = [(f.start, f.end) for f in found]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for run in _digit_runs(text):
        i = 0
        while i < len(run):
            # a match has at most 19 digits, so at most 19 groups: keeps long runs linear
            for j in range(min(len(run), i + 19), i, -1):
                start, end = run[i].start, run[j - 1].end
                value = "".join(g.digits for g in run[i:j])
                if len(value) > 19 or not free(start, end):
                    continue
                kind = _classify(value, text[max(0, start - 12) : start])
                if kind and opts.wants(kind) and not _is_quantity(text, start, end):
                    found.append(PiiMatch(kind, start, end, value))
                    i = j
                    break
            else:
                i += 1
    found.sort(key=lambda m: m.start)
    return found


def _mask(match: PiiMatch, style: str) -> str:
    if style == "label":
        return LABELS[match.kind]
    if match.kind == EMAIL:
        user, _, domain = match.value.partition("@")
        return f"{user[:1]}***@{domain}"
    v = match.value[-11:] if match.kind == MOBILE else match.value
    return v[:3] + "*" * max(4, len(v) - 7) + v[-4:]


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
    return "".join(out)


def redact_segment(segment: Segment, options: RedactOptions | None = None) -> Segment:
    """A copy of ``segment`` with its text redacted."""
    return replace(segment, text=redact_text(segment.text, options))


def redact_transcript(transcript: Transcript, options: RedactOptions | None = None) -> Transcript:
    """A copy of ``transcript`` with every segment's text redacted."""
    return replace(
        transcript, segments=tuple(redact_segment(s, options) for s in transcript.segments)
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
