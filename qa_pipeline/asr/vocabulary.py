"""Vocabulary biasing: the rubric's domain terms as faster-whisper ``hotwords``.

A hotline's words that matter most for the verdicts are the ones a general model mishears
(话务员 → 欢误员, 契税 → 汽水, 市民热线 → 是名热线). The rubric already names them: its
topics and their trigger words, the knowledge tables, the phrases of the opening items
and its ``vocabulary`` list. :func:`rubric_terms` collects them; :func:`hotword_text`
makes the short hint faster-whisper puts in the decoder's context (``hotwords``: the
previous-text slot, not an output prefix). Nothing of it may reach the output:
:func:`leaks_hotwords` is the guard the clean-up applies to every segment.

The rubric is read, never changed: this module only walks its data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

_HAN = re.compile(r"[\u4e00-\u9fff]")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
#: Separator between terms in the hint; stripped again by the leak guard.
SEPARATOR = "、"
#: Longest hint (characters). faster-whisper keeps at most 223 prompt tokens; each
#: token of context also costs decoding time, and a long list of words is more likely to
#: be copied into the output on a weak window.
MAX_HINT_CHARS = 120
#: Opening items (greeting, hotline name, job number) carry the words a caller's first
#: seconds are judged on: their phrases come first.
_OPENING = "opening"


#: Keys of a check's parameters that hold words the agent says (not labels or names).
_PHRASE_KEYS = frozenset({"any", "all", "phrases", "required", "words"})


def _phrases(value: Any, inside: bool = False) -> Iterator[str]:
    """Strings under phrase keys (``any``, ``phrases``...) of a check's ``model_dump``."""
    if isinstance(value, str):
        if inside:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _phrases(v, inside or k in _PHRASE_KEYS)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _phrases(v, inside)


def _ok(term: str) -> bool:
    """Whether a domain term is worth hinting.

    It is when it has 2–8 characters with a Chinese character or digits, and is not a regex
    and not a pronoun phrase (你/您 ... are ordinary speech).
    """
    t = term.strip()
    if not 2 <= len(t) <= 8 or any(c in t for c in "\\()[]|?*+^$"):
        return False
    if not (_HAN.search(t) or t.isdigit()):
        return False
    return not t.startswith(("你", "您", "我"))


def _unique(terms: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in terms:
        t = t.strip()
        if _ok(t) and t not in out:
            out.append(t)
    return out


def rubric_terms(rubric: Any) -> tuple[str, ...]:
    """Domain terms of a rubric, most important first.

    Order: the knowledge tables' topic trigger words (契税, 居住证, 社保卡...), the
    phrases of opening-window items (hotline name, 工号...), the rubric's
    ``vocabulary`` (its list of words speech-to-text mishears, 话务员...). A term
    contained in an earlier one is left out (the longer one teaches the model both).

    Args:
        rubric: A loaded :class:`~qa_pipeline.rubric.schema.RubricModel`.

    Returns:
        The terms, deduplicated, in priority order.
    """
    candidates: list[str] = []
    knowledge = rubric.knowledge
    for topic in knowledge.topics.values():
        candidates.extend(topic.any)  # spoken trigger words (the name is a label)
    for item in rubric.items:
        if getattr(item.window, "turn", None) == _OPENING:
            candidates.extend(_phrases(item.check.model_dump()))
    candidates.extend(rubric.vocabulary)
    terms = _unique(candidates)
    out: list[str] = []
    for t in terms:
        if any(t in longer for longer in out):
            continue
        out.append(t)
    return tuple(out)


def hotword_text(terms: Iterable[str], max_chars: int = MAX_HINT_CHARS) -> str | None:
    """The ``hotwords`` hint: terms in order, joined by 、, cut at ``max_chars``."""
    picked: list[str] = []
    used = 0
    for t in terms:
        cost = len(t) + (1 if picked else 0)
        if used + cost > max_chars:
            continue
        picked.append(t)
        used += cost
    return SEPARATOR.join(picked) or None


def hotwords_for_rubric(rubric: Any, max_chars: int = MAX_HINT_CHARS) -> str | None:
    """``hotword_text(rubric_terms(rubric))``: what the edges pass as ``AsrOptions.hotwords``."""
    return hotword_text(rubric_terms(rubric), max_chars)


def leaks_hotwords(text: str, hotwords: str | None) -> bool:
    """Whether a segment is the hint copied into the output rather than speech.

    Whisper, given context it cannot match to audio (silence, noise, a weak window),
    tends to repeat the context. A copy shows as a segment made mostly of hint terms
    with at least two of the hint's own junctions (term followed by its neighbour in
    the hint), or as (90 % and more) nothing but hint terms, three of them or one
    repeated (「市民热线、市民热线、便民服务热线」 over a hold on a mono call). A term said
    in a sentence, or a greeting that names two terms (「12345政务服务热线，工号1003」),
    is speech.
    """
    if not hotwords:
        return False
    t = _PUNCT.sub("", text)
    if not t:
        return False
    terms = [_PUNCT.sub("", x) for x in hotwords.split(SEPARATOR)]
    terms = [x for x in terms if x]
    junctions = sum(1 for a, b in itertools.pairwise(terms) if a + b in t)
    covered = _covered(t, terms)
    if junctions >= 2 and covered >= 0.7:
        return True
    if covered < 0.9:
        return False
    total, most = _occurrences(t, terms)
    return total >= 3 or most >= 2


def _occurrences(text: str, terms: list[str]) -> tuple[int, int]:
    """``(all, most of one term)``: occurrences of hint terms in ``text``.

    Longest terms first, no overlaps.
    """
    count = most = 0
    for x in sorted(terms, key=len, reverse=True):
        n = text.count(x)
        if n:
            count += n
            most = max(most, n)
            text = text.replace(x, "\0")
    return count, most


def _covered(text: str, terms: list[str]) -> float:
    """Share of ``text``'s characters inside occurrences of hint terms."""
    mask = [False] * len(text)
    for x in sorted(terms, key=len, reverse=True):
        start = text.find(x)
        while start >= 0:
            for i in range(start, start + len(x)):
                mask[i] = True
            start = text.find(x, start + 1)
    return sum(mask) / len(text) if text else 0.0
