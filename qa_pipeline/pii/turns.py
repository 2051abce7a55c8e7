"""Personal data spread over the turns of a transcript, for ``redact_transcript``.

Two things a segment-by-segment redactor cannot see:

* a number read in parts over several turns, with backchannels between them (a card in
  four turns: ``卡号六二二二`` | ``嗯`` | ``零二零二`` | ``好的`` | ``…``), and the agent
  reading a part back (``一三八一二三四`` | ``一三八一二三四，然后呢？`` | ``五六七八``):
  :func:`mask_split_numbers` joins the turns that hold digits, skipping backchannels,
  finds numbers on the joined text, masks each part, and masks a read-back of a part;
* a bare name given as the whole answer to a name question (``您贵姓？`` | ``王芳。``):
  :func:`mask_answered_names`.

The functions take the finder and the mask from :mod:`qa_pipeline.pii.redact` as
arguments, so this module does not import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa_pipeline.pii import lexicon
from qa_pipeline.pii.numbers import digit_at
from qa_pipeline.pii.words import is_surname, name_like

#: ``text -> [(start, end, label)]``: the numbers in a text and what replaces each.
NumberFinder = Callable[[str], list[tuple[int, int, str]]]

_BACKCHANNELS = frozenset(lexicon.words("turns", "backchannels"))
_STRIP = " ，。,.！!？?、…~～"
_MAX_TURNS = 8  # digit-bearing turns joined at most (a card in four parts, read back)
_READ_BACK_MIN = 4
_NAME_QUESTION_RE = re.compile(
    rf"(?:{lexicon.alternatives('people', 'name_questions')})[^，。？?]{{0,4}}[？?]?\s*$"
)
_ANSWER_PREFIX = lexicon.words("turns", "answer_prefixes")


def _has_digit(text: str) -> bool:
    return any(digit_at(text, k) is not None for k in range(len(text)))


def _is_backchannel(text: str) -> bool:
    core = text.strip(_STRIP)
    return not core or core in _BACKCHANNELS


def _digit_windows(texts: list[str]) -> list[list[int]]:
    """Indices of digit-bearing turns that only backchannels separate, in windows."""
    windows: list[list[int]] = []
    run: list[int] = []
    for i, text in enumerate(texts):
        if _has_digit(text):
            run.append(i)
        elif not _is_backchannel(text):
            if len(run) > 1:
                windows.append(run)
            run = []
    if len(run) > 1:
        windows.append(run)
    out = []
    for run in windows:  # long runs in overlapping windows, so each stays bounded
        for k in range(0, max(1, len(run) - 1), _MAX_TURNS - 2):
            out.append(run[k : k + _MAX_TURNS])
    return out


def mask_split_numbers(texts: list[str], find: NumberFinder) -> list[str]:
    """Mask numbers read in parts over turns with backchannels between them.

    Args:
        texts: The segments' texts, in order.
        find: The numbers of a text and their masks.

    Returns:
        The texts with every part of such a number masked, and each turn that reads a
        part back (others unchanged).
    """
    out = list(texts)
    for found in _digit_windows(texts):
        window, repeats = _without_read_backs(found, texts)
        parts = [out[i] for i in window]
        edits, numbers = _window_edits(parts, find)
        for i in repeats:
            spans = [s for value, label in numbers for s in _read_backs(out[i], value, label)]
            out[i] = _apply(out[i], spans)
        for k, spans in edits.items():
            out[window[k]] = _apply(parts[k], spans)
    return out


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by its label (overlapping spans: the first wins)."""
    last = len(text) + 1
    for a, b, label in sorted(set(spans), reverse=True):
        if b <= last:
            text = text[:a] + label + text[b:]
            last = a
    return text


def _window_edits(
    parts: list[str], find: NumberFinder
) -> tuple[dict[int, list[tuple[int, int, str]]], list[tuple[str, str]]]:
    """The masks of numbers that cross a boundary of ``parts``, and those numbers."""
    starts, pos = [], 0
    for t in parts:
        starts.append(pos)
        pos += len(t) + 1
    joined = "，".join(parts)
    edits: dict[int, list[tuple[int, int, str]]] = {}
    numbers: list[tuple[str, str]] = []
    for a, b, label in find(joined):
        pieces = [
            (k, max(a, s0) - s0, min(b, s0 + len(parts[k])) - s0)
            for k, s0 in enumerate(starts)
            if max(a, s0) < min(b, s0 + len(parts[k]))
        ]
        if len(pieces) < 2:
            continue
        numbers.append((_digits(joined[a:b]), label))
        for k, x, y in pieces:
            if _has_digit(parts[k][x:y]):
                edits.setdefault(k, []).append((x, y, label))
    return edits, numbers


def _without_read_backs(window: list[int], texts: list[str]) -> tuple[list[int], list[int]]:
    """``window`` split into the turns to join and those that only repeat digits read before.

    A turn that reads back a part (the agent checking) would break the number if it
    were joined; it is masked as a read-back instead (:func:`_read_backs`).
    """
    kept: list[int] = []
    repeats: list[int] = []
    seen = last = ""
    for i in window:
        digits = _digits(texts[i])
        again = len(digits) >= _READ_BACK_MIN and digits in seen
        if kept and (again or (len(digits) >= _READ_BACK_MIN - 1 and digits == last)):
            repeats.append(i)
        else:
            kept.append(i)
            seen += digits
            last = digits
    return kept, repeats


_DIGIT_RUN_RE = re.compile(r"[0-9０-９零〇○一二两三四五六七八九幺洞拐\s]{3,}")


def _digits(text: str) -> str:
    return "".join(d for k in range(len(text)) if (d := digit_at(text, k)) is not None)


def _read_backs(part: str, value: str, label: str) -> list[tuple[int, int, str]]:
    """Runs of digits in ``part`` that repeat a piece of ``value`` (an agent reading back)."""
    out = []
    for m in _DIGIT_RUN_RE.finditer(part):
        digits = _digits(m.group(0))
        if len(digits) >= _READ_BACK_MIN - 1 and digits in value:
            a, b = m.start(), m.end()
            while part[a].isspace():
                a += 1
            while part[b - 1].isspace():
                b -= 1
            out.append((a, b, label))
    return out


def mask_answered_names(texts: list[str], label: str) -> list[str]:
    """Mask a bare name given as the whole answer to a name question (您贵姓？ | 王芳。).

    Args:
        texts: The segments' texts, in order.
        label: What replaces the name.

    Returns:
        The texts with each such answer's name masked.
    """
    out = list(texts)
    for i in range(1, len(texts)):
        if not _NAME_QUESTION_RE.search(texts[i - 1]):
            continue
        text = texts[i]
        a, b = 0, len(text)
        while a < b and text[a] in _STRIP:
            a += 1
        while b > a and text[b - 1] in _STRIP:
            b -= 1
        for prefix in _ANSWER_PREFIX:
            if text.startswith(prefix, a):
                a += len(prefix)
                break
        if name_like(text[a:b]) or is_surname(text[a:b]):
            out[i] = text[:a] + label + text[b:]
    return out
