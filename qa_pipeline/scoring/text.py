"""One normalisation for transcript and rubric text, and pinyin keys for ASR robustness.

Both sides (what was said, what the rubric looks for) go through :func:`normalise`:
NFKC (full width → half width), Traditional → Simplified, lower case, Chinese numerals
→ digits (百分之一点五 → 1.5%, 一百四十 → 140, 一零零八 → 1008), 您 → 你, punctuation
and spaces dropped (kept as one space between Latin words). :class:`Lexicon` then
rewrites homophones of rubric vocabulary back to the vocabulary (七税 → 契税,
公号 → 工号) by comparing toneless pinyin, so every later check is a plain substring
search. Only the standard library and pypinyin's character table are used here; OpenCC
runs only on text that holds a Traditional character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from qa_pipeline.lang import load_pack
from qa_pipeline.lang.simplified import to_simplified

# Chinese numerals come from the zh language pack (qa_pipeline/lang/zh.yaml, `numerals`)
_NUMERALS = load_pack("zh").numerals
_DIGITS: dict[str, int] = {str(k): int(v) for k, v in _NUMERALS["digits"].items()}
_DIGIT_TABLE = str.maketrans({k: str(v) for k, v in _DIGITS.items()})
_UNITS: dict[str, int] = {str(k): int(v) for k, v in _NUMERALS["units"].items()}
_MYRIAD = str(_NUMERALS["myriad"])  # 万: a section multiplier
_POINT = str(_NUMERALS["point"])  # 点: the decimal point
_PERCENT_WORD = str(_NUMERALS["percent"])  # 百分之
_PERCENT_MID = _PERCENT_WORD[1:2]  # 分: 百 after it is 百分之, not a number
_TWO = str(_NUMERALS["two_before_unit"])  # 两: a number only before a unit or a measure
_MEASURE = str(_NUMERALS["measure"])  # 个 (两个点)
_FOLDS: dict[str, str] = {str(k): str(v) for k, v in _NUMERALS["folds"].items()}  # 您 → 你
_NUM_CHARS = "".join(_DIGITS) + "".join(_UNITS) + _MYRIAD
_LEADS = "".join(_DIGITS) + "".join(u for u, v in _UNITS.items() if v == 10)
_FRAC = "".join(d for d in _DIGITS if d not in "幺两")
_UNIT_CHARS = "".join(_UNITS) + _MYRIAD
_UNIT_BY_SYLLABLE: dict[str, str] = {
    str(k): str(v) for k, v in _NUMERALS["unit_by_syllable"].items()
}
# 两 only as a number before a unit (两百 = 200): 两套 (two flats) must not become 2套 (二套)
_RUN = re.compile(f"[{_LEADS}][{_NUM_CHARS}]*(?:{_POINT}[{_FRAC}\\d]+)?")
_PERCENT = re.compile(f"{_PERCENT_WORD}([{_NUM_CHARS}{_POINT}\\d.]+)")
_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def _int_value(run: str) -> int:
    """Value of a numeral run with units (一百四十 → 140, 一百五 → 150, 两万三 → 23000)."""
    total = 0
    section = 0
    digit: int | None = None
    last_unit = 1
    for ch in run:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            section += (1 if digit is None else digit) * unit
            last_unit = unit
            digit = None
        elif ch == _MYRIAD:
            section += digit or 0
            total += (section or 1) * 10000
            section = 0
            digit = None
            last_unit = 10000
    if digit is not None:
        # colloquial omission: 一百五 = 150, 两万三 = 23000
        section += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + section


def chinese_number(run: str) -> str:
    """Digits for a Chinese numeral run; digit-by-digit when it has no units (一零零八)."""
    integer, _, frac = run.partition(_POINT)
    if any(ch in _UNITS or ch == _MYRIAD for ch in integer):
        value = str(_int_value(integer))
    else:
        value = integer.translate(_DIGIT_TABLE)
    if frac:
        value += "." + frac.translate(_DIGIT_TABLE)
    return value


def _run(m: re.Match[str]) -> str:
    run = m.group(0)
    if run[0] == _TWO:
        # 两套 (two flats) must not become 2套 (二套); 两个月 / 两个点 / 两百 are numbers
        lone = len(run) == 1 or run[1] not in _UNIT_CHARS
        if lone and m.string[m.end() : m.end() + 1] != _MEASURE:
            return run
    digits = _RUN_DIGITS.get(run)
    if digits is None:
        digits = chinese_number(run)
        if len(_RUN_DIGITS) < _RUN_CACHE_MAX:
            _RUN_DIGITS[run] = digits
    return digits


# numeral runs recur (一, 十, 两个 …): their digits are remembered
_RUN_DIGITS: dict[str, str] = {}
_RUN_CACHE_MAX = 100_000


def _percent(m: re.Match[str]) -> str:
    body = m.group(1)
    if not body[0].isdigit():
        body = chinese_number(body)
    return body + "%"


SEP = "\x1f"  # joins a call's segments so the whole call is normalised in one pass
_ALNUM_GAP = re.compile(r"([a-z0-9])[^\w%.\x1f]+(?=[a-z0-9])")
_ZH_DROP = re.compile(r"[^\w%.\x1f\x01]+")
_EN_DROP = re.compile(r"[^\w%.\x1f]+")
_EN_SPACE = re.compile(r"[^\S\x1f]+")


# characters NFKC changes that matter after punctuation is dropped: full-width letters,
# digits, ％ and ．, circled and squared forms (①, ㎡), ligatures, Roman numerals
_COMPAT = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\u2150-\u24ff\u3200-\u33ff\ufb00-\ufb06]"
)


_COMMON_PUNCT = ("，", "。", "？", "！", "、", "：", "；", " ", ",", "?")


_NUMERAL_BY_SYLLABLE: dict[str, str] = {str(k): str(v) for k, v in _NUMERALS["by_syllable"].items()}
_ZH_DIGIT = "".join(d for d in _DIGITS if d != "幺")
_BIG_UNITS = "".join(u for u, v in _UNITS.items() if v >= 100)  # 百千: misheard as 拜/遗…
_BIG_UNIT = re.compile(f"[{re.escape(_BIG_UNITS)}]" if _BIG_UNITS else "(?!)")
# a digit, then a character that is not one, then a digit (the first digit is matched,
# not looked behind for: the engine then skips ahead to digits, much faster)
_UNIT_GAP = re.compile(f"[{_ZH_DIGIT}]([^{_NUM_CHARS}\\d\\W])(?=[{_ZH_DIGIT}])")


def _unit_gap(m: re.Match[str]) -> str:
    """The digit and the character after it, a unit when it sounds like one (拜 → 百)."""
    gap = m.group(1)
    return m.group(0)[0] + _UNIT_BY_SYLLABLE.get(syllable(gap), gap)


_DIGIT_CUES: tuple[str, ...] = tuple(str(c) for c in _NUMERALS.get("digit_cues", ()))
_DIGIT_BY_SYLLABLE: dict[str, str] = {
    **{k: v for k, v in _NUMERAL_BY_SYLLABLE.items() if v != "两"},
    **{str(k): str(v) for k, v in _NUMERALS.get("digit_by_syllable", {}).items()},
}
_CUE_GAP = "是为:：、，, "  # one of these may stand between the cue and the digits


def _cued_digits(t: str) -> str:
    """Digits read one by one after a cue, misheard as same-sounding characters.

    工号舞玲铃 → 工号五零零: after 工号/单号/尾号…, a run of two or more characters that
    each sound exactly (toneless) like a digit, at least one of them not a numeral,
    becomes those numerals (then digits). 工号以及 stays: 及 is no digit.
    """
    for cue in _DIGIT_CUES:
        start = t.find(cue)
        while start >= 0:
            i = start + len(cue)
            if i < len(t) and t[i] in _CUE_GAP:
                i += 1
            j = i
            while j < len(t) and (t[j] in _DIGITS or syllable(t[j]) in _DIGIT_BY_SYLLABLE):
                j += 1
            run = t[i:j]
            if len(run) >= 2 and any(c not in _DIGITS for c in run):
                digits = "".join(
                    c if c in _DIGITS else _DIGIT_BY_SYLLABLE[syllable(c)] for c in run
                )
                t = t[:i] + digits + t[j:]
            start = t.find(cue, j)
    return t


def _numeral_homophones(t: str) -> str:
    """Spoken numbers mis-heard as homophones: 一拜六十 → 一百六十, 遗百六十 → 一百六十."""
    t = _UNIT_GAP.sub(_unit_gap, t)
    if not any(u in t for u in _BIG_UNITS):
        return t
    chars = list(t)
    for i in (m.start() for m in _BIG_UNIT.finditer(t, 1)):
        if chars[i - 1] not in _NUM_CHARS and not chars[i - 1].isdigit():
            numeral = _NUMERAL_BY_SYLLABLE.get(syllable(chars[i - 1]))
            if numeral and (i < 2 or chars[i - 2] != _PERCENT_MID):  # not 百分之
                chars[i - 1] = numeral
    return "".join(chars)


def _between_digits(t: str, mark: str, inside: str, outside: str) -> str:
    """Replace ``mark`` by ``inside`` between two digits (a decimal point), else ``outside``."""
    parts = t.split(mark)
    out = [parts[0]]
    for nxt in parts[1:]:
        prev = out[-1]
        digits = bool(prev) and prev[-1].isdigit() and bool(nxt) and nxt[0].isdigit()
        out.append((inside if digits else outside) + nxt)
    return "".join(out)


def _normalise(t: str, zh: bool) -> str:
    if t.isascii() or not _COMPAT.search(t):
        t = t.replace("\u3000", " ")
    else:
        t = unicodedata.normalize("NFKC", t)
    if not t.isascii():
        t = _numeral_homophones(to_simplified(t))
        t = _cued_digits(t)
        if _PERCENT_WORD in t:
            t = _PERCENT.sub(_percent, t)
        t = _RUN.sub(_run, t)
        if _POINT in t:
            t = _between_digits(t, _POINT, ".", _POINT)
        for a, b in _FOLDS.items():
            t = t.replace(a, b)
    t = t.lower()
    if "." in t:
        t = _between_digits(t, ".", ".", " ")
    if zh:
        t = _ALNUM_GAP.sub("\\1\x01", t.replace("_", " "))
        for ch in _COMMON_PUNCT:  # plain replaces are much cheaper than regex substitutions
            if ch in t:
                t = t.replace(ch, "")
        return _ZH_DROP.sub("", t).replace("\x01", " ")
    t = _EN_SPACE.sub(" ", _EN_DROP.sub(" ", t.replace("'", "").replace("_", " ")))
    return t


def normalise(text: str, language: str = "zh") -> str:
    """Normalise text for matching; apply the same to transcripts and rubric phrases.

    Args:
        text: Raw text (a segment or a rubric phrase).
        language: ``zh`` drops punctuation and spaces; other languages keep one space
            between words (padded with a space at both ends for word matching).

    Returns:
        The normalised text, e.g. ``"您好，工號一零零八。百分之一點五"`` → ``"你好工号1008 1.5%"``
        (spaces only between Latin words/digits).
    """
    return normalise_many([text], language)[0]


def normalise_many(texts: list[str], language: str = "zh") -> list[str]:
    """:func:`normalise` for many texts at once (one pass over the joined text; faster)."""
    zh = language.startswith("zh")
    joined = _normalise(SEP.join(t.replace(SEP, " ") for t in texts), zh)
    parts = joined.split(SEP)
    if zh:
        return parts
    return [" " + p.strip() + " " for p in parts]


class _SyllableTable(dict[str, str]):
    """char → toneless pinyin (first reading), filled on first use; digits read as numerals."""

    def __missing__(self, ch: str) -> str:
        from pypinyin.pinyin_dict import pinyin_dict

        raw = pinyin_dict.get(ord(ch))
        s = raw.split(",")[0].translate(_TONES) if raw else ch
        self[ch] = s
        return s


class _FuzzyTable(dict[str, str]):
    """char → fuzzy syllable (zh/z, ch/c, sh/s, ang/an, eng/en, ing/in merged)."""

    def __missing__(self, ch: str) -> str:
        s = fuzzy_syllable(_SYLLABLES[ch])
        self[ch] = s
        return s


# digits keep the syllable of their Chinese numeral so that 七税 (→ 7税) still sounds like 契税
_DIGIT_SYLLABLES = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
_SYLLABLES = _SyllableTable(zip("0123456789", _DIGIT_SYLLABLES, strict=True))
_FUZZY = _FuzzyTable()


def syllable(ch: str) -> str:
    """Toneless pinyin of one character (its first reading); the character itself if none."""
    return _SYLLABLES[ch]


def fuzzy_syllable(s: str) -> str:
    """Merge initials/finals that ASR and regional accents confuse (zh/z, ing/in …)."""
    for a, b in _FUZZY_INITIALS:
        if s.startswith(a):
            s = b + s[2:]
            break
    for a, b in _FUZZY_FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


def pinyin_key(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of ``text``, one per character."""
    return tuple(map(_SYLLABLES.__getitem__, text))


@lru_cache(maxsize=1)
def _syllable_arrays() -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Codepoint → syllable id tables (exact and fuzzy) for the Basic Multilingual Plane.

    Ids 1..N are pinyin syllables; a character without pinyin gets id 0, never part of a
    vocabulary key. Built once per process (~0.1 s).
    """
    from pypinyin.pinyin_dict import pinyin_dict

    ids: dict[str, int] = {}
    exact = np.zeros(0x10000, dtype=np.int32)
    fuzzy = np.zeros(0x10000, dtype=np.int32)
    items = [
        (cp, raw.split(",")[0].translate(_TONES)) for cp, raw in pinyin_dict.items() if cp < 0x10000
    ]
    items += [(ord(d), syl) for d, syl in zip("0123456789", _DIGIT_SYLLABLES, strict=True)]
    for cp, syl in items:
        exact[cp] = ids.setdefault(syl, len(ids) + 1)
        fuzzy[cp] = ids.setdefault("~" + fuzzy_syllable(syl), len(ids) + 1)
    return exact, fuzzy, ids


class _Mergeable:
    """Characters whose syllable shares its fuzzy form with another syllable."""

    def __contains__(self, ch: str) -> bool:
        syl = syllable(ch)
        return syl[:1] in ("z", "c", "s") or syl.endswith(("an", "en", "in", "ang", "eng", "ing"))


_MERGEABLE = _Mergeable()


_MAX_TERM = 8  # longer phrases: their short words are terms too, and fuzzy matching helps


def _in_number(text: str, i: int, term: str) -> bool:
    """Whether rewriting at ``i`` would break a longer number.

    Whether rewriting ``text[i:]`` to ``term`` would turn a digit of a longer number
    into a word (电话是8265 must not become 电话是吧265; a lone 7 of 7税 may become 契).
    """
    for j, ch in enumerate(term):
        k = i + j
        if not text[k].isdigit() or ch.isdigit():
            continue
        if (k > 0 and text[k - 1].isdigit()) or (k + 1 < len(text) and text[k + 1].isdigit()):
            return True
    return False


class Lexicon:
    """Rubric vocabulary, for rewriting ASR homophones to the canonical words.

    A term of two characters is restored when its exact toneless pinyin occurs; a term
    of three or more characters also when its fuzzy pinyin occurs (zh/z, ing/in …).
    Only terms with at least one CJK character and no Latin letter take part. Syllables
    are looked up with numpy over the whole call at once (one pass per call), and each
    candidate position is compared as a string of syllable ids.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        exact, fuzzy, _ = _syllable_arrays()
        self._tables = (exact, fuzzy)
        self._index: tuple[dict[int, list[tuple[str, str, int]]], ...] = ({}, {})
        # longest first, then by spelling: the order must not depend on the hash seed
        for term in sorted(set(terms), key=lambda t: (-len(t), t)):
            if (
                not 2 <= len(term) <= _MAX_TERM
                or not any("\u4e00" <= ch <= "\u9fff" for ch in term)
                or any(ch.isascii() and ch.isalpha() for ch in term)
                or any(ord(ch) >= 0x10000 for ch in term)
            ):
                continue
            for n, table in enumerate(self._tables):
                if n == 1 and (len(term) < 3 or not any(ch in _MERGEABLE for ch in term)):
                    continue  # nothing for fuzzy pinyin to add over the exact pass
                key = [int(table[ord(ch)]) for ch in term]
                if 0 in key:
                    continue
                entry = ("".join(map(chr, key)), term, len(term))
                self._index[n].setdefault(key[0] << 16 | key[1], []).append(entry)
        self._by_three = tuple(_by_three(ix) for ix in self._index)
        size = max(int(exact.max()), int(fuzzy.max())) + 1
        self._masks = []
        for ix in self._index:
            mask = np.zeros((size, size), dtype=bool)
            for code in ix:
                mask[code >> 16, code & 0xFFFF] = True
            self._masks.append(mask)
        # exact pass: a position already spelt like a two-character term, where no longer
        # term shares the syllables, needs no work (most hits are such correct words)
        self._only_short = np.zeros((size, size), dtype=bool)
        canon: set[int] = set()
        for code, entries in self._index[0].items():
            if all(k == 2 for _, _, k in entries):
                self._only_short[code >> 16, code & 0xFFFF] = True
            canon.update(ord(t[0]) << 21 | ord(t[1]) for _, t, _ in entries)
        self._canon = np.array(sorted(canon), dtype=np.int64)
        # vocabulary words as spelt: a character that already belongs to one of them next
        # to a sound-alike is left alone (本地房产 must not become 本地方产 for 地方)
        self._spelt = frozenset(
            t for entries in self._index[0].values() for _, t, _ in entries if len(t) == 2
        )
        # fuzzy pass: only where the first two characters are not already a term's own
        # (sounds-alike errors further in are left to the exact pass)
        fcanon = {ord(t[0]) << 21 | ord(t[1]) for es in self._index[1].values() for _, t, _ in es}
        self._fcanon = np.array(sorted(fcanon), dtype=np.int64)

    def _overlaps_word(self, text: str, i: int, k: int) -> bool:
        """Whether the characters at ``i..i+k`` begin or end a vocabulary word as spelt."""
        if k != 2:
            return False
        return text[max(0, i - 1) : i + 1] in self._spelt or text[i + 1 : i + 3] in self._spelt

    def correct(self, text: str) -> str:
        """Rewrite homophones of vocabulary terms in normalised ``text``."""
        if len(text) < 2:
            return text
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        cps = np.where(cps < 0x10000, cps, 0)
        for n, table in enumerate(self._tables):
            index = self._index[n]
            if not index:
                continue
            syl = table[cps]
            where = self._to_check(n, cps, syl)
            if len(where):
                text = self._rewrite(text, syl, where, self._by_three[n])
        return text

    def _to_check(self, n: int, cps: Any, syl: Any) -> Any:
        """Positions where pass ``n`` may find a term's sound-alike (not already the term)."""
        where = np.flatnonzero(self._masks[n][syl[:-1], syl[1:]])
        canon = self._canon if n == 0 else self._fcanon
        if len(where) and len(canon):
            pairs = cps[where].astype(np.int64) << 21 | cps[where + 1]
            pos = np.minimum(np.searchsorted(canon, pairs), len(canon) - 1)
            done = canon[pos] == pairs
            if n == 0:
                done &= self._only_short[syl[where], syl[where + 1]]
            where = where[~done]
        return where

    def _rewrite(
        self, text: str, syl: Any, where: Any, by_three: dict[int, list[tuple[str, str, int]]]
    ) -> str:
        """``text`` with the sound-alikes at ``where`` rewritten to their terms."""
        sylstr = syl.astype(np.uint32).tobytes().decode("utf-32-le")
        pairs = syl[where] << 16 | syl[where + 1]  # the index's keys
        third = np.zeros(len(where), dtype=syl.dtype)  # 0: no syllable (end of text)
        inside = where + 2 < len(syl)
        third[inside] = syl[where[inside] + 2]
        chars: list[str] | None = None
        skip_to = 0
        for i, pair, three in zip(
            where.tolist(),
            pairs.tolist(),
            (pairs.astype(np.int64) << 16 | third).tolist(),
            strict=True,
        ):
            if i < skip_to:
                continue
            entries = by_three.get(three)
            if entries is None:
                entries = by_three.get(pair, [])
            for keystr, term, k in entries:
                if not sylstr.startswith(keystr, i):
                    continue
                if _spelt_as_one(text, i, keystr, entries):
                    skip_to = i + k
                    break
                if _in_number(text, i, term) or self._overlaps_word(text, i, k):
                    continue
                if chars is None:
                    chars = list(text)
                chars[i : i + k] = term
                skip_to = i + k
                break
        return text if chars is None else "".join(chars)


def _spelt_as_one(text: str, i: int, keystr: str, entries: list[tuple[str, str, int]]) -> bool:
    """Whether ``text`` at ``i`` already spells a term with the syllables ``keystr``.

    Terms may share their sounds (其他/其它, 换作/换做): a position spelt as any of them is
    right as it is, whichever comes first in the index.
    """
    return any(ks == keystr and text.startswith(t, i) for ks, t, _ in entries)


def _by_three(
    index: dict[int, list[tuple[str, str, int]]],
) -> dict[int, list[tuple[str, str, int]]]:
    """The terms of ``index`` that can match where three syllables are known.

    Keyed by the first three syllables (the first two's key shifted, then the third):
    that pair's longer terms with this third syllable, then its two-character terms, in
    the index's order; keyed by the first two alone: the two-character terms only. A
    position then tries only the terms its syllables can begin (no change in which term
    is found first).
    """
    out: dict[int, list[tuple[str, str, int]]] = {}
    for pair, entries in index.items():
        short = [e for e in entries if e[2] == 2]
        out[pair] = short
        for e in entries:
            if e[2] > 2:
                key = pair << 16 | ord(e[0][2])
                if key not in out:
                    out[key] = [x for x in entries if x[2] > 2 and x[0][2] == e[0][2]] + short
    return out


def fuzzy_key(text: str) -> str:
    """``text`` as one character per fuzzy pinyin syllable (for sound-alike search)."""
    _, fuzzy, _ = _syllable_arrays()
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ids = fuzzy[np.minimum(cps, 0xFFFF)].astype(np.uint32)
    # characters without pinyin (and beyond the BMP) stand for themselves
    keyed = np.where((ids == 0) | (cps > 0xFFFF), cps, ids)
    return keyed.astype(np.uint32).tobytes().decode("utf-32-le")
