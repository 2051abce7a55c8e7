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

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM_CHARS = "零〇一二两三四五六七八九十百千万"
# 两 only as a number before a unit (两百 = 200): 两套 (two flats) must not become 2套 (二套)
_RUN = re.compile(
    f"(?:[零〇一二三四五六七八九十]|两(?=[十百千万]))[{_NUM_CHARS}]*"
    "(?:点[零〇一二三四五六七八九\\d]+)?"
)
_PERCENT = re.compile(f"百分之([{_NUM_CHARS}点\\d.]+)")
_DEC_POINT = re.compile(r"(\d)点(\d)")
_ZH_DROP = re.compile(r"[^\w%.]|_")
_LATIN_GAP = re.compile(r"(?<=[a-z0-9]) +(?=[a-z0-9])")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_SPACE = re.compile(r"\s+")
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
        elif ch == "万":
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
    integer, _, frac = run.partition("点")
    if any(ch in _UNITS or ch == "万" for ch in integer):
        value = str(_int_value(integer))
    else:
        value = "".join(str(_DIGITS.get(ch, ch)) for ch in integer)
    if frac:
        value += "." + "".join(str(_DIGITS.get(ch, ch)) for ch in frac)
    return value


def _percent(m: re.Match[str]) -> str:
    body = m.group(1)
    if not body[0].isdigit():
        body = chinese_number(body)
    return body + "%"


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    try:
        import opencc  # light, pure Python
    except ImportError:  # pragma: no cover - declared dependency
        return frozenset()
    from pathlib import Path

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars: set[str] = set()
    if table.is_file():
        for line in table.read_text(encoding="utf-8").splitlines():
            head, _, tail = line.partition("\t")
            if head and tail and head != tail.split(" ")[0]:
                chars.add(head)
    return frozenset(chars)


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC), skipped when no Traditional character."""
    if _traditional_chars().isdisjoint(text):
        return text
    return str(_t2s().convert(text))  # type: ignore[attr-defined]


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
    t = unicodedata.normalize("NFKC", text)
    if not t.isascii():
        t = to_simplified(t)
        t = _PERCENT.sub(_percent, t)
        t = _RUN.sub(lambda m: chinese_number(m.group(0)), t)
        t = _DEC_POINT.sub(r"\1.\2", t)
        t = t.replace("您", "你")
    t = t.lower()
    if language.startswith("zh"):
        t = _ZH_DROP.sub(" ", t)
        t = _STRAY_DOT.sub(" ", t)
        t = _LATIN_GAP.sub("|", _SPACE.sub(" ", t).strip())
        return t.replace(" ", "").replace("|", " ")
    t = _STRAY_DOT.sub(" ", _ZH_DROP.sub(" ", t.replace("'", "")))
    return " " + _SPACE.sub(" ", t).strip() + " "


# digits keep the syllable of their Chinese numeral so that 七税 (→ 7税) still sounds like 契税
_DIGIT_SYLLABLES = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
_SYL_CACHE: dict[str, str] = dict(zip("0123456789", _DIGIT_SYLLABLES, strict=True))


def syllable(ch: str) -> str:
    """Toneless pinyin of one character (its first reading); the character itself if none."""
    s = _SYL_CACHE.get(ch)
    if s is None:
        from pypinyin.pinyin_dict import pinyin_dict

        raw = pinyin_dict.get(ord(ch))
        s = raw.split(",")[0].translate(_TONES) if raw else ch
        _SYL_CACHE[ch] = s
    return s


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
    return tuple(syllable(ch) for ch in text)


class Lexicon:
    """Rubric vocabulary, for rewriting ASR homophones to the canonical words.

    A term of two characters is restored when its exact toneless pinyin occurs; a term
    of three or more characters also when its fuzzy pinyin occurs (zh/z, ing/in …).
    Only CJK terms take part; digits and Latin words are matched as they are.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._exact: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}
        self._fuzzy: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}
        for term in sorted(set(terms), key=len, reverse=True):
            if len(term) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
                continue
            key = pinyin_key(term)
            self._exact.setdefault((key[0], key[1]), []).append((key, term))
            if len(term) >= 3:
                fkey = tuple(fuzzy_syllable(s) for s in key)
                self._fuzzy.setdefault((fkey[0], fkey[1]), []).append((fkey, term))

    def correct(self, text: str) -> str:
        """Rewrite homophones of vocabulary terms in normalised ``text``."""
        if len(text) < 2:
            return text
        syl = [syllable(ch) for ch in text]
        chars = list(text)
        changed = False
        changed |= self._apply(chars, syl, self._exact)
        if self._fuzzy:
            fsyl = [fuzzy_syllable(s) for s in syl]
            changed |= self._apply(chars, fsyl, self._fuzzy)
        return "".join(chars) if changed else text

    @staticmethod
    def _apply(
        chars: list[str],
        syl: list[str],
        index: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]],
    ) -> bool:
        changed = False
        n = len(syl)
        i = 0
        while i < n - 1:
            cands = index.get((syl[i], syl[i + 1]))
            step = 1
            if cands:
                for key, term in cands:
                    k = len(key)
                    if tuple(syl[i : i + k]) == key:
                        if "".join(chars[i : i + k]) != term:
                            chars[i : i + k] = list(term)
                            changed = True
                        step = k
                        break
            i += step
        return changed
