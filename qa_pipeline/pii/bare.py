"""Bare personal data in a structured value: a name or a code with nothing around it.

Running text has context (我叫…, 手机号是…); a structured value mostly has none (a manifest
cell ``户主 = 王建国``, a vendor's speaker label, a flag ``wx_zhangwei1988``). After the
text recognizers, :func:`mask_bare` masks what is personal data on its own: a run of
Chinese characters that reads as a name, a number of nine digits or more, a
passport-shaped code, a building-unit-room chain, an id mixing letters with four digits
or more. Used by :func:`qa_pipeline.pii.redact.redact_token`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa_pipeline.pii import lexicon
from qa_pipeline.pii.numbers import MOBILE
from qa_pipeline.pii.registry import ACCOUNT, PASSPORT
from qa_pipeline.pii.words import ADDRESS, NAME, WECHAT, is_surname, name_like

if TYPE_CHECKING:
    from qa_pipeline.pii.redact import RedactOptions

__all__ = ["mask_bare"]

LABELS: dict[str, str] = lexicon.labels()
_NOT_NAMES = frozenset(lexicon.words("names", "not_names"))
_HAN_RUN = re.compile(r"[\u4e00-\u9fff·•・]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9_.\-@]+")
_LONG_DIGITS = re.compile(r"\d{9,}")
_PASSPORT_SHAPE = re.compile(r"[A-Za-z]{1,2}\d{7,9}")
_ROOM_CHAIN = re.compile(r"\d{1,3}-\d{1,2}-\d{3,4}")  # building-unit-room (3-2-501)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


def _label(kind: str, opts: RedactOptions) -> str:
    return LABELS[kind] if opts.style == "label" else "*" * 4


def _inside_label(text: str, a: int, b: int) -> bool:
    return text[a - 1 : a] == "[" and text[b : b + 1] == "]"


def _bare_han(run: str) -> bool:
    """A run of Chinese characters that is a name on its own (王建国, 买买提·艾力)."""
    if any(c in run for c in "·•・"):
        parts = [p for p in re.split(r"[·•・]", run) if p]
        return len(parts) >= 2 and all(1 <= len(p) <= 6 for p in parts)
    if len(set(run)) == 1 or not 2 <= len(run) <= 4:  # 谢谢, 哈哈哈: a word said twice
        return False
    if name_like(run):
        return True
    # alone in a field, a surname and one or two characters is a name even where running
    # text would read the characters as a word (管春来: 来 as in 打来)
    for s in (2, 1):
        if is_surname(run[:s]) and 1 <= len(run) - s <= 2:
            return run not in _NOT_NAMES
    return False


def _bare_ascii(run: str) -> str | None:
    """The kind of a bare ASCII code that is personal data, else ``None``."""
    if _PASSPORT_SHAPE.fullmatch(run):
        return PASSPORT
    if _ROOM_CHAIN.fullmatch(run):
        return ADDRESS
    if _LONG_DIGITS.search(run):
        return MOBILE if re.fullmatch(r"1\d{10}", run) else ACCOUNT
    letters, digits = len(_LETTER.findall(run)), len(_DIGIT.findall(run))
    if run.lower().startswith("wxid_") or (letters >= 2 and digits >= 4):
        return WECHAT
    return None


def mask_bare(text: str, opts: RedactOptions, codes: bool = True) -> str:
    """``text`` with bare names (and bare codes) masked; labels already there are kept."""
    spans: list[tuple[int, int, str]] = []
    if opts.name:
        for m in _HAN_RUN.finditer(text):
            if not _inside_label(text, m.start(), m.end()) and _bare_han(m.group()):
                spans.append((m.start(), m.end(), _label(NAME, opts)))
    for m in _ASCII_RUN.finditer(text) if codes else ():
        kind = _bare_ascii(m.group())
        if kind is not None and opts.wants(kind):
            spans.append((m.start(), m.end(), _label(kind, opts)))
    if not spans:
        return text
    out, pos = [], 0
    for a, b, label in sorted(spans):
        out += [text[pos:a], label]
        pos = b
    return "".join([*out, text[pos:]])
