"""Homophone correction in context: a topic's own words where the text has a same-sounding word.

Whisper writes 首套 as 手套 and 补办 as 不办: same toneless pinyin, the more common word.
:mod:`qa_pipeline.asr.correct` restores a term outright only where that is safe without
context (topic trigger words, terms of three characters or more). Here the shorter words
of a rubric's knowledge topics (首套, 二套, 补办, 挂失, 就业, 在读 …) are restored only
where both hold:

1. **The topic is being talked about**: another word of the same topic (its trigger
   words, case words, conditions, materials; words shared by several topics do not
   count) is in the segment, outside the window. 「我想买一副手套」 names no topic and
   stays.
2. **The sentence reads better with the term**: jieba's word-frequency dictionary scores
   the clause (the most probable segmentation, as jieba cuts it) with the window as
   heard and with the term, the term's count raised by ``boost`` because its topic is
   being discussed; the term wins only when its clause scores higher. A window that is
   part of a longer common word keeps it (上半年 is not 上班年), and a common heard word
   needs more than the boost to lose (一时 stays 一时 before 遗失 does).

Nothing here is a list of misrecognitions: the candidates are the rubric's words and
the windows that sound exactly like them. The groups travel inside
``AsrOptions.correct_terms`` (entries that start with :data:`GROUP_MARK`), so every caller
that passes :func:`qa_pipeline.asr.correct.correction_terms` gets them. jieba (the
``asr`` extra) is imported on first use; without it nothing is changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

#: An entry of ``correct_terms`` that holds one topic's words, space-separated.
GROUP_MARK = "#"
#: Extra dictionary count of a topic word while its topic is being discussed (jieba's
#: counts: 手套 231, 首套 7, 一时 ~1,000s, 合适 2,426; total 60 million). Set on the
#: tuning half of ``tests/asr/homophone_cases.py``.
BOOST = 1000
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
_CLAUSE = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")
_MAX_WORD = 6


def topic_groups(rubric: Any) -> list[tuple[str, ...]]:
    """The words of each knowledge topic (Chinese only, 2+ characters, in no other topic).

    Args:
        rubric: A parsed rubric (its ``knowledge``).

    Returns:
        One tuple per topic that has words: trigger words, case words, conditions,
        materials.
    """
    know = rubric.knowledge
    words: dict[str, list[str]] = {
        tid: [*t.any, *getattr(t, "with_any", []), *getattr(t, "weak", [])]
        for tid, t in know.topics.items()
    }
    for rates in know.rates.values():
        words.setdefault(rates.topic, []).extend(p for ps in rates.cases.values() for p in ps)
    for cond in know.conditions.values():
        words.setdefault(cond.topic, []).extend(p for ps in cond.conditions.values() for p in ps)
    for mat in know.materials.values():
        words.setdefault(mat.topic, []).extend(p for it in mat.items for p in it.any)
    clean = {
        tid: list(dict.fromkeys(w for w in ws if len(w) >= 2 and _HAN_ONLY.match(w)))
        for tid, ws in words.items()
    }
    count: dict[str, int] = {}
    for ws in clean.values():
        for w in ws:
            count[w] = count.get(w, 0) + 1
    groups = [tuple(w for w in ws if count[w] == 1) for ws in clean.values()]
    return [g for g in groups if len(g) >= 2]


def group_entries(groups: Iterable[Sequence[str]]) -> list[str]:
    """Groups as ``correct_terms`` entries (``#首套 二套 契税``)."""
    return [GROUP_MARK + " ".join(g) for g in groups if g]


def parse_groups(entries: Iterable[str]) -> list[tuple[str, ...]]:
    """The groups among ``correct_terms`` entries (others are ignored)."""
    return [tuple(e[1:].split()) for e in entries if e.startswith(GROUP_MARK) and len(e) > 1]


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, int], float] | None:
    """The word counts of jieba's dictionary and the log of their total (``None``: no jieba)."""
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(60)
    jieba.dt.check_initialized()
    return jieba.dt.FREQ, math.log(jieba.dt.total)


@lru_cache(maxsize=4096)
def _toneless(word: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(word, style=Style.NORMAL))


def _score(clause: str, freq: dict[str, int], log_total: float, extra: dict[str, int]) -> float:
    """Log-probability of the clause's most probable segmentation (jieba's route)."""
    n = len(clause)
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        top = -math.inf
        for j in range(i + 1, min(n, i + _MAX_WORD) + 1):
            w = clause[i:j]
            f = freq.get(w, 0) + extra.get(w, 0)
            if f <= 0 and j > i + 1:
                continue
            top = max(top, math.log(max(f, 1)) - log_total + best[j])
        best[i] = top
    return best[0]


def _clause(text: str, i: int, n: int) -> tuple[int, int]:
    """Bounds of the clause (between punctuation) around ``text[i:i+n]``."""
    start = max((m.end() for m in _CLAUSE.finditer(text, 0, i)), default=0)
    m = _CLAUSE.search(text, i + n)
    return start, (m.start() if m else len(text))


def _better(text: str, i: int, term: str, boost: int) -> bool:
    """Whether the clause around ``text[i:i+len(term)]`` reads better with ``term``."""
    found = _dictionary()
    if found is None:
        return False
    freq, log_total = found
    n = len(term)
    a, b = _clause(text, i, n)
    heard = text[a:b]
    fixed = text[a:i] + term + text[i + n : b]
    return _score(fixed, freq, log_total, {term: boost}) > _score(heard, freq, log_total, {})


#: A window that says one of these where the term does not is a negation: 「先不办了」
#: must never become 补办, whatever the word counts say.
_NEGATIONS = frozenset("不没别未")
#: Function words: a window made only of them (「就也不用急」) is a reading of its own.
_FUNCTION = frozenset("就也都还又才再是的了在和跟把被给让对这那")


def _kept(window: str, term: str) -> bool:
    """Whether ``window`` must stay as heard (a negation, or only function words)."""
    if any(c in _NEGATIONS and c != t for c, t in zip(window, term, strict=True)):
        return True
    return all(c in _FUNCTION for c in window)


def _places(text: str, term: str) -> list[int]:
    """Starts of windows that sound exactly like ``term`` (toneless) and are not it."""
    n, syl = len(term), _toneless(term)
    out = []
    for i in range(len(text) - n + 1):
        w = text[i : i + n]
        if w != term and _HAN_ONLY.match(w) and _toneless(w) == syl and not _kept(w, term):
            out.append(i)
    return out


def correct_in_context(
    text: str, groups: Sequence[Sequence[str]], boost: int = BOOST
) -> tuple[str, int]:
    """Restore topic words where the text sounds like them in their topic (module doc).

    Args:
        text: A segment's text.
        groups: Each topic's words (:func:`topic_groups`).
        boost: Extra dictionary count of a topic word while its topic is discussed.

    Returns:
        The text and how many windows were replaced.
    """
    changed = 0
    for group in groups:
        if not any(w in text for w in group):
            continue
        for term in sorted((w for w in group if 2 <= len(w) <= 4), key=lambda w: (-len(w), w)):
            for i in _places(text, term):
                rest = text[:i] + "\x00" + text[i + len(term) :]
                if any(w != term and w in rest for w in group) and _better(text, i, term, boost):
                    text = text[:i] + term + text[i + len(term) :]
                    changed += 1
    return text, changed
