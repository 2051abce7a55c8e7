"""Conservative pinyin-level restoration of the rubric's domain terms in ASR output.

Whisper hears a domain word it rarely saw as ordinary words that sound the same or
nearly so: 契税 as 汽水/气水, 话务员 as 欢误员, 市民热线 as 是名热线. The checks that rely on
those words then miss them (a 契税 call scored ``na`` on the tax items). This clean-up
step puts the term back where the output sounds like it, and only there:

- a two-character term only where the window has *exactly* its toneless pinyin
  (汽水 qi shui → 契税; 七岁 qi sui stays), and only terms the edges name as topic words
  (two-syllable words collide with everyday words: 核实/合适, 以下/一下 are never
  candidates);
- a term of three or more characters where at most one syllable differs, and that one
  only slightly (fuzzy initials zh/z, ch/c, sh/s, n/l; finals in/ing, en/eng, an/ang;
  or one letter more or less: huan/hua), while the others are the same;
- the window must be Chinese characters only, and not the term already; the rubric
  writes its phrases normalised (您 → 你), so 您 counts as 你 and is kept as said.

Every change is counted; the segment keeps its confidence. The terms come from
:func:`correction_terms` (the rubric's topic trigger words, and its longer phrases and
vocabulary).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from qa_pipeline.asr.homophones import (
    correct_in_context,
    group_entries,
    parse_groups,
    topic_groups,
)
from qa_pipeline.asr.vocabulary import SEPARATOR, _phrases, rubric_terms

_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


@lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return str(lazy_pinyin(char, style=Style.NORMAL)[0])


def _fuzzy(s: str) -> str:
    for a, b in _FUZZY_INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    if s.startswith("l"):
        s = "n" + s[1:]
    for a, b in _FUZZY_FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


def _near(a: str, b: str) -> bool:
    """Syllables that sound alike: fuzzy-equal, or one letter apart after that."""
    fa, fb = _fuzzy(a), _fuzzy(b)
    if fa == fb:
        return True
    if abs(len(fa) - len(fb)) > 1:
        return False
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(fa, fb)) <= 1 and fa[0] == fb[0]


def _matches(window: str, term: str, term_syllables: Sequence[str]) -> bool:
    # the rubric writes its phrases normalised (您 → 你): 您 is 你 here
    syl = [_syllable("你" if c == "您" else c) for c in window]
    if len(term) == 2:
        return syl == list(term_syllables)
    differ = [i for i, (a, b) in enumerate(zip(syl, term_syllables, strict=True)) if a != b]
    if not differ:
        return True
    return len(differ) == 1 and _near(syl[differ[0]], term_syllables[differ[0]])


#: Phrases of the checks (「你冲我喊有什么用」, 「感谢您的耐心等待」) are restored from this
#: length on: long enough that one slightly different syllable is a mishearing, not
#: another sentence (「你冲我还有什么用」 made a hostile call pass).
MIN_PHRASE_CHARS = 5


def correction_terms(rubric: Any, *, in_context: bool = True) -> tuple[str, ...]:
    """Terms to restore after speech-to-text, from the rubric (Chinese characters only).

    The rubric's topic trigger words (two characters or more), its other domain terms of
    three characters or more, and the phrases its checks look for of ``MIN_PHRASE_CHARS``
    or more. With ``in_context`` (the default), also each knowledge topic's words as one
    group entry (``#首套 二套 …``) for the context-scored correction of
    :mod:`qa_pipeline.asr.homophones` (see ``docs/asr.md``); ``False`` leaves it out.
    """
    out: list[str] = []
    for topic in rubric.knowledge.topics.values():
        out.extend(t for t in topic.any if len(t) >= 2 and _HAN_ONLY.match(t))
    out.extend(t for t in rubric_terms(rubric) if len(t) >= 3 and _HAN_ONLY.match(t))
    for item in rubric.items:
        out.extend(
            t
            for t in _phrases(item.check.model_dump())
            if len(t) >= MIN_PHRASE_CHARS and _HAN_ONLY.match(t)
        )
    seen: list[str] = []
    for t in out:
        if t not in seen:
            seen.append(t)
    if in_context:
        seen += group_entries(topic_groups(rubric))
    return tuple(seen)


def correction_text(terms: Iterable[str]) -> str | None:
    """Terms joined for ``AsrOptions.correct_terms``."""
    joined = SEPARATOR.join(terms)
    return joined or None


def correct_terms(text: str, terms: str | Sequence[str] | None) -> tuple[str, int]:
    """Put domain terms back where the text sounds like them (see the module docstring).

    Args:
        text: A segment's text.
        terms: Terms (a sequence, or joined with 、 as in ``AsrOptions.correct_terms``).

    Returns:
        The text and how many windows were replaced.
    """
    if not terms or not text:
        return text, 0
    items = terms.split(SEPARATOR) if isinstance(terms, str) else list(terms)
    candidates = sorted(
        {t for t in items if len(t) >= 2 and _HAN_ONLY.match(t)}, key=lambda t: (-len(t), t)
    )
    changed = 0
    for term in candidates:
        term_syl = [_syllable(c) for c in term]
        n = len(term)
        out: list[str] = []
        i = 0
        while i < len(text):
            window = text[i : i + n]
            if (
                len(window) == n
                and window != term
                and _HAN_ONLY.match(window)
                and _matches(window, term, term_syl)
            ):
                # keep the speaker's 您 where the rubric's phrase says 你
                fixed = "".join(
                    w if (w, t) == ("您", "你") else t for w, t in zip(window, term, strict=True)
                )
                if fixed != window:
                    out.append(fixed)
                    changed += 1
                else:
                    out.append(window)
                i += n
            else:
                out.append(text[i])
                i += 1
        text = "".join(out)
    groups = parse_groups(items)
    if groups:
        text, more = correct_in_context(text, groups)
        changed += more
    return text, changed
