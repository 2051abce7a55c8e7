"""Spoken numbers made readable for the number recognizers, with a map back to the text.

People read a number the way they think of it, not the way it is written: groups read
with 洞/两/拐 (``幺三两 九六八六 六四洞拐``), joined by 杠, with an aside in the middle
(``一九九，你稍等，七五七七…``) or with each group named (``前三位一五九，中间四位…``).
:func:`normalise` rewrites such text once, before the number recognizers run: every
homophone inside a run of numerals becomes its numeral, and each joiner between two
digit groups (杠, a dash, an aside, a group's name) becomes one space. Nothing else
changes, so the words before a number (身份证, 工号 …) still decide what it is.
:attr:`Normalised.index` maps each character back to the text, so a match on the
normalised text masks the right span of the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa_pipeline.pii import lexicon

# numerals as spoken (arabic, full-width, Chinese, financial) and their homophones
_NUMERALS = set("0123456789") | {chr(0xFF10 + d) for d in range(10)}
_NUMERALS |= set(lexicon.mapping("numbers", "digits"))
_HOMOPHONE_NUMERAL = {k: "零一二三四五六七八九"[int(v)] for k, v in
                      lexicon.mapping("numbers", "homophones").items()}  # fmt: skip
_HOMOPHONE_SET = frozenset(_HOMOPHONE_NUMERAL)
_DIGIT_SET = frozenset(_NUMERALS)
_DIGIT_CLASS = "".join(sorted(_NUMERALS | set(_HOMOPHONE_NUMERAL)))
_SEP = r"[\s，,、。.…~～]"
# joiners between two groups of one number: 杠 and dashes, asides, group names (zh.yaml)
_JOINER = (
    rf"(?:{_SEP}|{lexicon.alternatives('spoken', 'group_names')}"
    rf"|{lexicon.alternatives('spoken', 'asides')}|{lexicon.alternatives('spoken', 'joiners')})"
)
_JOIN_RE = re.compile(rf"(?<=[{_DIGIT_CLASS}])(?:{_JOINER}){{1,6}}(?=[{_DIGIT_CLASS}])")
_FILLERS = "|".join(map(re.escape, lexicon.words("numbers", "fillers")))
_PLAIN_GAP_RE = re.compile(rf"(?:{_SEP}|{_FILLERS})+")
_RUN_RE = re.compile(rf"[{_DIGIT_CLASS}]+")
_MAX_JOIN = 16


@dataclass(frozen=True, slots=True)
class Normalised:
    """Text rewritten for the number recognizers.

    Attributes:
        text: The rewritten text.
        index: For each character of ``text``, the index of the original character it
            stands for (a joiner's space stands for the joiner's first character).
    """

    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` stands for."""
        return self.index[start], self.index[end - 1] + 1


@lru_cache(maxsize=8)  # the recognizers of one text ask in turn
def homophones(text: str) -> str:
    """``text`` with each homophone inside a run of numerals made a numeral (六四洞拐)."""
    if _HOMOPHONE_SET.isdisjoint(text):
        return text
    chars = list(text)
    for m in _RUN_RE.finditer(text):
        run = m.group(0)
        if not any(ch in _NUMERALS and not ch.isascii() for ch in run):
            continue  # 要要 / 拐 alone / 1要: no Chinese numeral, no spoken number
        for k in range(m.start(), m.end()):
            chars[k] = _HOMOPHONE_NUMERAL.get(chars[k], chars[k])
    return "".join(chars)


def normalise(text: str) -> Normalised:
    """``text`` with spoken numbers made readable, and the map back to it.

    Args:
        text: Any text.

    Returns:
        The rewritten text and, for each of its characters, the original index.
    """
    if _DIGIT_SET.isdisjoint(text):
        return Normalised(text, tuple(range(len(text))))
    source = homophones(text)
    if _JOIN_RE.search(source) is None:
        return Normalised(source, tuple(range(len(source))))
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _JOIN_RE.finditer(source):
        if m.end() - m.start() > _MAX_JOIN or not _has_joiner(m.group(0)):
            continue
        out.append(source[pos : m.start()])
        index.extend(range(pos, m.start()))
        out.append(" ")
        index.append(m.start())
        pos = m.end()
    out.append(source[pos:])
    index.extend(range(pos, len(source)))
    return Normalised("".join(out), tuple(index))


def _has_joiner(gap: str) -> bool:
    """Whether a gap holds more than separators and hesitations.

    Commas and hesitations (嗯, 那个) between groups are the number engine's own call
    (:mod:`~qa_pipeline.pii.numbers` weighs them); only what it cannot read is rewritten.
    """
    return _PLAIN_GAP_RE.fullmatch(gap) is None
