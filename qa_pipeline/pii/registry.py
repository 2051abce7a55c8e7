"""Recognizers of personal data as people say it, each a unit with its words and check.

Used by :func:`qa_pipeline.pii.redact.find_pii` before the number engine of
:mod:`qa_pipeline.pii.numbers`, and after it on the text :mod:`qa_pipeline.pii.spoken`
rewrote. Each entry of :data:`RECOGNIZERS` is a :class:`Recognizer`: the kind it finds
and a function ``text -> spans``; its keywords live in ``zh.yaml``, its validator beside
it (the check digits of :mod:`~qa_pipeline.pii.numbers`, a document's format).

* spoken numbers (:func:`spoken_numbers`): 洞/两/拐 in a group, 杠, asides and group names
  between groups; the last four read before the first seven (:func:`reversed_mobiles`);
  an area code read on its own (:func:`area_code_landlines`);
* documents: passports and travel permits after their keyword (护照 E12345678, 港澳通行证
  C12345678, 回乡证 H12345678); Hong Kong identity cards (A123456(7)) after an ID
  keyword; housing-fund and social-insurance accounts, letters included;
* e-mail read aloud or typed in full-width (张三艾特163点com, ``x at qq dot com``,
  ``x＠163.com``, ``x@163。com``);
* licence plates with a pause after the letter (粤A，嗯，12345).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qa_pipeline.pii import lexicon, people
from qa_pipeline.pii.numbers import (
    ID_CARD,
    LANDLINE,
    MOBILE,
    digit_at,
    landline_ok,
    mobile_ok,
    number_matches,
)
from qa_pipeline.pii.spoken import homophones, normalise
from qa_pipeline.pii.words import ADDRESS, NAME, PLATE, WECHAT

PASSPORT = "passport"
ACCOUNT = "account"
EMAIL = "email"

Span = tuple[str, int, int, str]
Wants = Callable[[str], bool]
Free = Callable[[int, int], bool]

_D = "0-9０-９零〇○一二两三四五六七八九幺壹贰叁肆伍陆柒捌玖"


def _digits(text: str) -> str:
    """The digits ``text`` reads as (other characters dropped)."""
    return "".join(d for k in range(len(text)) if (d := digit_at(text, k)) is not None)


@dataclass(frozen=True, slots=True)
class Recognizer:
    """One kind of personal data as people say it.

    Attributes:
        kind: The kind it finds (a key of ``zh.yaml``'s ``labels``).
        find: ``text -> [(kind, start, end, value)]``.
        triggers: Strings one of which every match holds: a text with none of them is
            not searched (most texts hold no personal data; this keeps redaction fast).
            Empty: always searched.
    """

    kind: str
    find: Callable[[str], list[Span]]
    triggers: tuple[str, ...] = ()
    gate: re.Pattern[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.triggers:
            gate = re.compile("|".join(map(re.escape, self.triggers)))
            object.__setattr__(self, "gate", gate)

    def spans(self, text: str) -> list[Span]:
        """What :attr:`find` finds in ``text``, if a trigger is in it."""
        if self.gate is not None and self.gate.search(text) is None:
            return []
        return self.find(text)


class _Taken:
    """Non-overlapping spans kept sorted: an overlap check costs log time, not linear."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, a: int, b: int) -> bool:
        """Whether ``[a, b)`` overlaps no span taken."""
        i = bisect_right(self.starts, a)
        if i and self.ends[i - 1] > a:
            return False
        return i == len(self.starts) or self.starts[i] >= b

    def take(self, a: int, b: int) -> None:
        """Take ``[a, b)`` (free, see :meth:`free`)."""
        i = bisect_right(self.starts, a)
        self.starts.insert(i, a)
        self.ends.insert(i, b)


# -- spoken numbers ---------------------------------------------------------------------


def spoken_numbers(text: str, wants: Wants, free: Free) -> list[Span]:
    """Numbers found on the text :func:`~qa_pipeline.pii.spoken.normalise` rewrote.

    Args:
        text: The original text.
        wants: Whether a kind is to be found.
        free: Whether a span of the original text is not yet taken.

    Returns:
        Spans of the original text (only where the rewriting changed something).
    """
    norm = normalise(text)
    if norm.text == text:
        return []
    found: list[Span] = []
    taken = _Taken()

    def free_norm(a: int, b: int) -> bool:
        oa, ob = norm.span(a, b)
        return taken.free(oa, ob) and free(oa, ob)

    for kind, a, b, value in number_matches(norm.text, wants, free_norm):
        oa, ob = norm.span(a, b)
        if taken.free(oa, ob):
            taken.take(oa, ob)
            found.append((kind, oa, ob, value))
    return found


_REVERSED_RE = re.compile(
    rf"(?:最后四位|后四位|末四位|尾号|后面四位)(?:是|为)?[：:\s]*(?P<c>(?:[{_D}]\s?){{4}})"
    rf"[，,\s]*(?:先说)?(?:前面七位|前边七位|前七位|前面|前边|前头)(?:是|为)?[：:\s]*"
    rf"(?P<ab>(?:[{_D}]\s?){{6}}[{_D}])"
)


def reversed_mobiles(text: str) -> list[Span]:
    """A mobile read last four first (尾号5678，前七位1381234)."""
    source = homophones(text)
    out: list[Span] = []
    for m in _REVERSED_RE.finditer(source):
        value = _digits(m.group("ab")) + _digits(m.group("c"))
        if mobile_ok(value):
            out.append((MOBILE, m.start("c"), m.end("ab"), value))
    return out


_AREA_RE = re.compile(
    rf"区号(?:是|为)?[：:\s]*(?P<area>[{_D}]{{3,4}})"
    rf"(?:[，,、\s]|号码|电话|后面|然后|本地|号|是|为){{0,6}}?(?P<local>[{_D}]{{7,8}})(?![{_D}])"
)


def area_code_landlines(text: str) -> list[Span]:
    """A landline whose area code is said on its own (区号零幺零，号码六四三二…)."""
    source = homophones(text)
    out: list[Span] = []
    for m in _AREA_RE.finditer(source):
        value = _digits(m.group("area")) + _digits(m.group("local"))
        if landline_ok(value):
            out.append((LANDLINE, m.start("area"), m.end("local"), value))
    return out


# -- documents ----------------------------------------------------------------------------

_GLUE = rf"(?:{lexicon.alternatives('documents', 'glue')}){{0,4}}"
_PERMIT_RE = re.compile(
    rf"(?:{lexicon.alternatives('documents', 'permit_keywords')}){_GLUE}"
    r"(?P<v>[A-Za-z]{1,2}\d{7,10}|\d{8,10})(?![A-Za-z0-9])"
)
_HK_RE = re.compile(
    rf"(?:{lexicon.alternatives('documents', 'hk_keywords')})[^，。,.\d]{{0,12}}?{_GLUE}"
    # Hong Kong A123456(7), Macao 1234567(8), Taiwan A123456789
    r"(?P<v>[A-Z]{1,2}\d{6}(?:\s?[(（]\s?[0-9A]\s?[)）]|[0-9A])"
    r"|[157]\d{6}\s?[(（]\s?\d\s?[)）]|[A-Z][12]\d{8})(?![A-Za-z0-9])"
)
_ACCOUNT_RE = re.compile(
    rf"(?:{lexicon.alternatives('documents', 'account_keywords')}){_GLUE}"
    r"(?P<v>[A-Za-z]{0,3}\d{6,20})(?![A-Za-z0-9])"
)


def permits(text: str) -> list[Span]:
    """Passports, travel permits and home-return permits after their keyword."""
    return [(PASSPORT, m.start("v"), m.end("v"), m["v"]) for m in _PERMIT_RE.finditer(text)]


def hong_kong_ids(text: str) -> list[Span]:
    """Hong Kong, Macao and Taiwan identity card numbers after an ID keyword."""
    return [(ID_CARD, m.start("v"), m.end("v"), m["v"]) for m in _HK_RE.finditer(text)]


def accounts(text: str) -> list[Span]:
    """Housing-fund (公积金) and social-insurance (社保, 医保) account numbers."""
    return [(ACCOUNT, m.start("v"), m.end("v"), m["v"]) for m in _ACCOUNT_RE.finditer(text)]


# -- e-mail read aloud ------------------------------------------------------------------

# "at" and "dot" as words need spaces around them (zhangwei at sina dot cn); the parts
# are bounded, so a hostile run of "atatat…" costs linear time
_AT = r"(?:\s*(?:@|＠|艾特|爱特|圈[aA])\s*|\s+(?:at|AT|At)\s+)"
_DOT = r"(?:\s*(?:\.|。|．|点)\s*|\s+(?:dot|DOT|Dot)\s+)"
_TLD = r"(?:com|cn|net|org|edu|gov|hk|COM|CN|NET|ORG|EDU|GOV|HK)"
_SPOKEN_EMAIL_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+-])(?P<v>[A-Za-z0-9][A-Za-z0-9._%+-]{{0,40}}{_AT}"
    rf"[A-Za-z0-9][A-Za-z0-9-]{{0,40}}(?:{_DOT}[A-Za-z0-9-]{{1,20}}){{0,2}}?{_DOT}{_TLD})"
    r"(?![A-Za-z0-9])"
)
_AT_WORD_RE = re.compile(_AT)
_DOT_WORD_RE = re.compile(_DOT)


def spoken_emails(text: str) -> list[Span]:
    """E-mail addresses read aloud (艾特, 点com, at … dot), full-width ＠, 。 for a dot."""
    out: list[Span] = []
    for m in _SPOKEN_EMAIL_RE.finditer(text):
        typed = _DOT_WORD_RE.sub(".", _AT_WORD_RE.sub("@", m["v"], count=1)).lower()
        out.append((EMAIL, m.start("v"), m.end("v"), typed))  # the address as typed
    return out


# -- plates with a pause ------------------------------------------------------------------

_PLATE_CHAR = r"[A-Za-zＡ-Ｚ0-9０-９零〇一二两三四五六七八九幺洞拐]"
_PAUSE = r"(?:[，,、\s…]|嗯|呃|那个)"
_PAUSE_PLATE_RE = re.compile(
    rf"(?<![A-Za-z])[{lexicon.chars('plates', 'provinces')}]{_PAUSE}{{0,4}}[A-Za-zＡ-Ｚ]"
    rf"(?:[，,、\s…]|嗯|呃|那个|就是|是){{1,6}}(?:{_PLATE_CHAR}\s?){{4,5}}{_PLATE_CHAR}"
    r"(?![A-Za-z0-9])"
)


def paused_plates(text: str) -> list[Span]:
    """Licence plates with a pause after the province or the letter (粤A，嗯，12345)."""
    out: list[Span] = []
    for m in _PAUSE_PLATE_RE.finditer(text):
        tail = m.group(0)[1:].lstrip("，,、 …嗯呃那个")[1:]
        if re.search(r"[0-9０-９零〇一二两三四五六七八九幺洞拐]", tail):
            out.append((PLATE, m.start(), m.end(), re.sub(r"[^\w]|嗯|呃|那个|就是|是", "", m[0])))
    return out


_WXID_RE = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_-]{4,30}")


def wechat_internal_ids(text: str) -> list[Span]:
    """WeChat's own ids (wxid_…), wherever they are: the prefix names them."""
    return [(WECHAT, m.start(), m.end(), m[0]) for m in _WXID_RE.finditer(text)]


#: The recognizers run before the number engine, in this order (an earlier one wins).
RECOGNIZERS: tuple[Recognizer, ...] = (
    Recognizer(EMAIL, spoken_emails, ("@", "＠", "艾特", "爱特", "圈", "at", "AT", "At")),
    Recognizer(PASSPORT, permits, ("护照", "通行证", "回乡证", "台胞证", "旅行证", "签证")),
    Recognizer(ID_CARD, hong_kong_ids, ("身份证", "HKID", "证件", "香港")),
    Recognizer(ACCOUNT, accounts, ("公积金", "社保", "医保", "养老保险")),
    Recognizer(MOBILE, reversed_mobiles, ("四位", "尾号")),
    Recognizer(LANDLINE, area_code_landlines, ("区号",)),
    Recognizer(PLATE, paused_plates, tuple(lexicon.chars("plates", "provinces"))),
    Recognizer(WECHAT, wechat_internal_ids, ("wxid_",)),
    Recognizer(ADDRESS, people.dash_addresses, ("-", "－")),
    Recognizer(ADDRESS, people.level_addresses, ("排", "门", "户")),
    Recognizer(ADDRESS, people.room_addresses, lexicon.words("people", "buildings")),
    Recognizer(NAME, people.spelled_names, lexicon.words("people", "spellings")),
    Recognizer(NAME, people.dotted_names, ("·", "•", "・")),
    Recognizer(NAME, people.confirm_names, ("吗", "么", "吧", "是不是")),
    Recognizer(NAME, people.titled_names),
    Recognizer(NAME, people.answered_names, ("？", "?")),
    Recognizer(NAME, people.surname_then_names, ("姓",)),
)


def _wanted(wants: Wants) -> tuple[Recognizer, ...]:
    """The recognizers of the kinds ``wants`` asks for."""
    owner = getattr(wants, "__self__", None)  # RedactOptions.wants: cached per options
    if owner is not None and getattr(owner, "__hash__", None) is not None:
        return _wanted_by(owner)
    return tuple(rec for rec in RECOGNIZERS if wants(rec.kind))


@lru_cache(maxsize=32)
def _wanted_by(owner: Any) -> tuple[Recognizer, ...]:
    return tuple(rec for rec in RECOGNIZERS if owner.wants(rec.kind))


def registry_matches(text: str, wants: Wants, free: Free) -> list[Span]:
    """What the recognizers of :data:`RECOGNIZERS` find in ``text``, without overlaps.

    Args:
        text: Any text.
        wants: Whether a kind is to be found.
        free: Whether ``text[start:end]`` is not already taken by an earlier match.

    Returns:
        Spans ``(kind, start, end, value)``.
    """
    found: list[Span] = []
    taken = _Taken()
    for rec in _wanted(wants):
        for span in rec.spans(text):
            _, a, b, _ = span
            if taken.free(a, b) and free(a, b):
                taken.take(a, b)
                found.append(span)
    return found
