r"""Turns that may be forbidden or hostile wording misheard (critical items never pass silently).

A critical item (一票否决) that looks for forbidden wording passes only when no turn could
be that wording misheard. The wording is the check's phrases (and their synonym
spellings) and every literal form its patterns spell out in full (``冲我(喊|嚷)`` →
冲我喊, 冲我嚷; a pattern branch with an open part such as ``\D{0,3}`` is left out: a
fragment of a sentence is not the sentence). A turn is *within sound-alike distance* of a
form when, in fuzzy pinyin (:func:`qa_pipeline.scoring.text.fuzzy_key`):

- the form's key occurs in the turn's key and the characters differ (any confidence;
  forms of ``exact_sound_min_len`` characters or more): 充我让 sounds exactly like 冲我嚷;
- the turn was heard below ``low_confidence`` and the form's key occurs with at most one
  syllable wrong (two for forms of ``two_wrong_len`` characters or more), for forms of
  ``sound_alike_min_len`` characters or more; a form shorter than ``two_wrong_len`` must
  begin and end with its own syllables (表格您自己 is not 怪你自己 misheard).

Such a turn makes the item ``review``, never ``pass``, unless the place is excused the
way a real hit would be (a polite look-alike of ``allowed``, the caller as subject,
reported speech).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

from qa_pipeline.lang.patterns import literal_alternation
from qa_pipeline.scoring.base import Outcome, quote, review
from qa_pipeline.scoring.context import SEP, CallContext, Seg
from qa_pipeline.scoring.text import fuzzy_key

if TYPE_CHECKING:
    from qa_pipeline.scoring.search import ViolationSpec

_MAX_FORMS = 64  # a pattern that spells out more forms is left out (too general)
_NOTHING = (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT)  # match no characters


class _Open(Exception):
    r"""A pattern part that spells no fixed characters (``\d+``, ``.``, ``\D{0,3}``)."""


def _seq(items: Any, paths: list[str]) -> list[str]:
    """Every string of ``paths`` extended by the parsed regex ``items`` (raises :class:`_Open`)."""
    for op, av in items:
        if op == sre_c.LITERAL:
            paths = [p + chr(av) for p in paths]
        elif op == sre_c.IN and all(o == sre_c.LITERAL for o, _ in av):
            paths = [p + chr(v) for p in paths for _, v in av]
        elif op == sre_c.SUBPATTERN:
            paths = _seq(av[3], paths)
        elif op == sre_c.BRANCH:
            paths = [q for branch in av[1] for q in _branch(branch, paths)]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[1] <= 1:
            once = _seq(av[2], paths)
            paths = (paths + once) if av[0] == 0 else once
        elif op not in _NOTHING:
            raise _Open
        if len(paths) > _MAX_FORMS:
            raise _Open
    return paths


def _branch(items: Any, paths: list[str]) -> list[str]:
    """``paths`` extended by one branch of an alternation (nothing when it is open)."""
    try:
        return _seq(items, paths)
    except _Open:
        return []


def literal_forms(pattern: str) -> set[str]:
    r"""The fixed strings ``pattern`` matches in full, or none when it has an open part.

    Args:
        pattern: A rubric regex (written against normalised text).

    Returns:
        The strings (``冲我(喊|吼)`` → {冲我喊, 冲我吼}); a top-level branch with an open
        part (``\d+``) contributes nothing, and a pattern with more than 64 forms none.
    """
    try:
        parsed = sre.parse(pattern)
    except re.error:
        return set()
    try:
        if len(parsed) == 1 and parsed[0][0] == sre_c.BRANCH:
            return {p for b in parsed[0][1][1] for p in _branch(b, [""]) if p}
        return {p for p in _seq(parsed, [""]) if p}
    except _Open:
        return set()


@dataclass(frozen=True, slots=True)
class Forms:
    """The wording of one check in fuzzy pinyin, compiled once per rubric."""

    texts: tuple[str, ...]  # normalised wording
    keys: tuple[str, ...]  # its fuzzy keys (one character per syllable)
    exact: re.Pattern[str] | None  # alternation of the keys long enough for any confidence
    by_key: dict[str, int]  # key -> index into texts
    pieces: dict[str, list[tuple[int, int]]]  # piece of a key -> (form index, offset)
    piece_lengths: tuple[int, ...]


def forms_of(ctx: CallContext, spec: ViolationSpec) -> Forms:
    """The check's phrases and pattern forms as :class:`Forms` (cached per rubric)."""
    cache = ctx.cr._specs
    opts = ctx.opts
    lengths = (opts.exact_sound_min_len, opts.sound_alike_min_len, opts.two_wrong_len)
    ckey = ("misheard", id(spec), *lengths)
    hit = cache.get(ckey)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    texts = set(spec.owner)
    for rx in spec.patterns:
        texts |= literal_forms(rx.pattern)
    ordered = tuple(sorted((t for t in texts if len(t) >= 2), key=lambda t: (-len(t), t)))
    keys = tuple(fuzzy_key(t) for t in ordered)
    by_key: dict[str, int] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, i)
    on = opts.exact_sound_min_len > 0  # 0: identical sounds alone never give review
    long = [k for k in by_key if on and len(k) >= opts.exact_sound_min_len]
    # a form of k allowed wrong syllables is cut into k + 1 pieces, one of which must be
    # found intact (pigeonhole): the pieces index the forms
    pieces: dict[str, list[tuple[int, int]]] = {}
    for i, fk in enumerate(keys):
        n = len(fk)
        if n < opts.sound_alike_min_len:
            continue
        step = -(-n // (_most(n, opts.two_wrong_len) + 1))
        for off in range(0, n, step):
            pieces.setdefault(fk[off : off + step], []).append((i, off))
    out = Forms(
        ordered,
        keys,
        literal_alternation(long) if long else None,
        by_key,
        pieces,
        tuple(sorted({len(p) for p in pieces})),
    )
    cache[ckey] = out
    return out


@dataclass(frozen=True, slots=True)
class Misheard:
    """A turn that may be forbidden wording misheard."""

    seg: Seg
    start: int
    end: int
    form: str  # the forbidden wording it sounds like
    said: str  # what the transcript has there


def _wrong(a: str, b: str, most: int) -> int:
    """Syllables that differ between two keys of one length (stops past ``most``)."""
    n = 0
    for x, y in zip(a, b, strict=True):
        if x != y:
            n += 1
            if n > most:
                break
    return n


def _most(n: int, two_len: int) -> int:
    """Wrong syllables allowed in a form of ``n`` syllables."""
    return 2 if n >= two_len else 1


def _near(key: str, forms: Forms, two_len: int) -> list[tuple[int, int, int]]:
    """Places in ``key`` where a form's key occurs with one or two syllables wrong.

    Returns:
        (start, end, form index) triples, found through the forms' pieces
        (:func:`forms_of`).
    """
    starts: set[tuple[int, int]] = set()
    for j in range(len(key)):
        for size in forms.piece_lengths:
            for i, off in forms.pieces.get(key[j : j + size], ()):
                a = j - off
                if 0 <= a <= len(key) - len(forms.keys[i]):
                    starts.add((a, i))
    out = []
    for a, i in sorted(starts):
        fk = forms.keys[i]
        n = len(fk)
        got = key[a : a + n]
        # a short form must begin and end as said: a wrong syllable at its edge is as
        # likely a neighbouring word (表格您自己 is not 怪你自己)
        edges = n >= two_len or (got[0] == fk[0] and got[-1] == fk[-1])
        most = _most(n, two_len)
        if edges and _wrong(fk, got, most) <= most:
            out.append((a, a + n, i))
    return out


def misheard(ctx: CallContext, segs: list[Seg], spec: ViolationSpec) -> list[Misheard]:
    """Turns of ``segs`` within sound-alike distance of the check's wording (module doc)."""
    from qa_pipeline.scoring.search import excused

    if not segs:
        return []
    forms = forms_of(ctx, spec)
    joined = ctx.join(segs)
    key = fuzzy_key(joined)
    offsets = ctx.offsets(segs)
    places: list[tuple[int, int, int]] = []
    if forms.exact is not None:
        places += [(m.start(), m.end(), forms.by_key[m[0]]) for m in forms.exact.finditer(key)]
    opts = ctx.opts
    for k, s in enumerate(segs):
        if s.conf is not None and s.conf < opts.low_confidence:
            a = offsets[k]
            piece = key[a : a + len(s.norm)]
            found = _near(piece, forms, opts.two_wrong_len)
            places += [(a + x, a + y, i) for x, y, i in found]
    out: dict[int, Misheard] = {}
    lookbacks = (opts.subject_lookback, opts.reported_lookback)
    for a, b, i in sorted(places):
        said = joined[a:b]
        form = forms.texts[i]
        if SEP in said or said == form:
            continue
        k = bisect.bisect_right(offsets, a) - 1
        s = segs[k]
        la, lb = a - offsets[k], b - offsets[k]
        if s.index not in out and not excused(s.norm, la, lb, form, "sound_alike", spec, lookbacks):
            out[s.index] = Misheard(s, la, lb, form, (s.raw or s.norm)[la:lb])
    return [out[i] for i in sorted(out)]


def misheard_outcome(ctx: CallContext, segs: list[Seg], spec: ViolationSpec) -> Outcome | None:
    """``review`` naming every turn that may be the check's wording misheard, else ``None``."""
    found = misheard(ctx, segs, spec)
    if not found:
        return None
    msg = ctx.msg
    what = msg("sep").join(
        msg(
            "misheard",
            said=h.said,
            form=h.form,
            where=ctx.where(h.seg),
            quote=quote(h.seg),
            c="?" if h.seg.conf is None else f"{h.seg.conf:.2f}",
        )
        for h in found
    )
    return review(msg("misheard_review", what=what), *(h.seg for h in found))
