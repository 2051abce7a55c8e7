"""Finding forbidden wording: exact, near-exact (fillers, synonyms), pattern, sound-alike.

A hit says *how* it matched, because a person accepts some evidence and not other:

- ``exact``: the rubric's phrase (or a language-pack synonym spelling of it) as said;
- ``near``: the phrase with a few filler characters inside (我不太清楚, 不归我们12345管);
- ``pattern``: a rubric regex;
- ``sound_alike``: it reads so only after homophone repair (方式了 → 烦死了).

A critical item fails only on the first three; a ``sound_alike`` hit alone gives
``review``. Hits about the caller (「你不知道……也正常」: a second-person subject right
before a phrase that names nobody) and in the agent restating the caller (「你是说……」)
are not violations.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
import re
from dataclasses import dataclass
from itertools import product
from typing import Any

from qa_pipeline.lang import LangPack
from qa_pipeline.lang.patterns import compile_regex
from qa_pipeline.rubric.checks import Echo
from qa_pipeline.scoring.base import Outcome, failed, passed, quote, review
from qa_pipeline.scoring.context import SEP, CallContext, Seg
from qa_pipeline.scoring.text import fuzzy_key


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of forbidden wording in one segment."""

    seg: Seg
    start: int
    end: int
    phrase: str  # the rubric phrase or pattern that decided it
    said: str  # the normalised words that matched
    how: str  # exact | near | pattern | sound_alike
    by_pattern: bool = False  # ``phrase`` is a rubric regex


def variants(phrase: str, pack: LangPack) -> set[str]:
    """``phrase`` and its spellings with the pack's synonyms swapped in (不知道 → 不晓得)."""
    slots: list[tuple[str, tuple[str, ...]]] = []
    for group in pack.synonyms:
        word = next((w for w in sorted(group, key=len, reverse=True) if w and w in phrase), None)
        if word is not None and not any(word in w2 for w2, _ in slots):
            slots.append((word, group))
    out = {phrase}
    for choice in product(*(g for _, g in slots[:3])):
        v = phrase
        for (word, _), alt in zip(slots[:3], choice, strict=True):
            v = v.replace(word, alt)
        out.add(v)
    return {v for v in out if v}


class ViolationSpec:
    """Compiled phrases/patterns/allowed of one check (built once per rubric)."""

    def __init__(
        self,
        phrases: tuple[str, ...],
        patterns: list[re.Pattern[str]],
        allowed: list[re.Pattern[str]],
        pack: LangPack,
    ) -> None:
        self.pack = pack
        self.patterns = patterns
        self.allowed = allowed
        self.owner: dict[str, str] = {}
        for p in phrases:
            for v in variants(p, pack):
                self.owner.setdefault(v, p)
        fill = "|".join(re.escape(f) for f in sorted(set(pack.fillers), key=len, reverse=True) if f)
        gap = f"(?:{fill}|\\d+){{0,2}}" if fill else "(?:\\d+)?"
        # one alternation per first character, tried only where that character occurs:
        # much faster than one big alternation tried at every position
        groups: dict[str, list[str]] = {}
        for v in sorted(self.owner, key=len, reverse=True):
            groups.setdefault(v[0], []).append(v)
        self.by_first: dict[str, tuple[re.Pattern[str], list[str]]] = {}
        for first, vs in groups.items():
            alts = []
            for v in vs:
                chars = [re.escape(c) for c in v]
                near = pack.max_inserted > 0 and len(v) >= 3
                alts.append(f"({gap.join(chars) if near else ''.join(chars)})")
            self.by_first[first] = (re.compile("|".join(alts)), vs)
        # where a variant can start: its first character followed by its second, or by
        # a filler or digit (near matches); one alternation of literal-led branches, which
        # the regex engine scans for in C
        fill_starts = {f[0] for f in pack.fillers if f} | set("0123456789")
        heads = []
        for first, vs in groups.items():
            seconds = {v[1] for v in vs if len(v) > 1}
            if any(pack.max_inserted > 0 and len(v) >= 3 for v in vs):
                seconds |= fill_starts
            cls = "".join(re.escape(c) for c in sorted(seconds))
            heads.append(re.escape(first) + (f"(?=[{cls}])" if cls else ""))
        self.first = re.compile("|".join(heads)) if heads else None
        self.reported = [compile_regex(p) for p in pack.reported_patterns]
        self.pattern_texts = frozenset(rx.pattern for rx in patterns)

    def _extra(self, said: str, phrase: str) -> int:
        digits = sum(len(d) for d in re.findall(r"\d+", said)) - sum(
            len(d) for d in re.findall(r"\d+", phrase)
        )
        runs = len(re.findall(r"\d+", said)) - len(re.findall(r"\d+", phrase))
        return len(said) - len(phrase) - digits + runs


def _about_caller(text: str, start: int, phrase: str, pack: LangPack, lookback: int) -> bool:
    """Whether someone else is the subject right before a phrase.

    Someone else as the subject right before a phrase that names no one: the caller
    (你不知道) or other people (很多人都不知道).
    """
    if not any(w in phrase for w in pack.subject_phrases):
        return False
    if any(p in phrase for p in (*pack.first_person, *pack.second_person)):
        return False
    before = text[max(0, start - lookback) : start]
    if not any(p in before for p in (*pack.second_person, *pack.third_person)):
        return False
    return not any(p in before for p in pack.first_person)


def _reported(text: str, start: int, spec: ViolationSpec, lookback: int) -> bool:
    before = text[max(0, start - lookback) : start]
    return any(cue in before for cue in spec.pack.reported_speech) or any(
        rx.search(before) for rx in spec.reported
    )


_Raw = tuple[int, int, str, str, str]  # joined start, end, phrase, said, how
_RANK = {"exact": 0, "pattern": 1, "near": 2, "sound_alike": 3}


def find_violations(ctx: CallContext, segs: list[Seg], spec: ViolationSpec) -> list[Hit]:
    """Every segment of ``segs`` with forbidden wording (first decisive hit per segment)."""
    if not segs:
        return []
    joined = ctx.join(segs)
    offsets = ctx.offsets(segs)
    raw = _phrase_hits(joined, spec) + _pattern_hits(segs, offsets, joined, spec)
    best: dict[int, Hit] = {}
    lookbacks = (ctx.opts.subject_lookback, ctx.opts.reported_lookback)
    for a, b, phrase, said, how in sorted(raw):
        if SEP in joined[a:b]:
            continue
        k = bisect.bisect_right(offsets, a) - 1
        s = segs[k]
        la, lb = a - offsets[k], b - offsets[k]
        if excused(s.norm, la, lb, phrase, how, spec, lookbacks):
            continue
        if s.sound_alike(la, lb):
            how = "sound_alike"
        hit = Hit(s, la, lb, phrase, said, how, phrase in spec.pattern_texts)
        old = best.get(s.index)
        if old is None or _RANK[how] < _RANK[old.how]:
            best[s.index] = hit
    return [best[i] for i in sorted(best)]


def _phrase_hits(joined: str, spec: ViolationSpec) -> list[_Raw]:
    """Forbidden phrases in ``joined``, exact or with at most ``max_inserted`` fillers."""
    raw: list[_Raw] = []
    if spec.first is None:
        return raw
    for f in spec.first.finditer(joined):
        rx, order = spec.by_first[joined[f.start()]]
        m = rx.match(joined, f.start())
        if m is None:
            continue
        v = order[(m.lastindex or 1) - 1]
        said = m.group(0)
        if said != v and spec._extra(said, v) > spec.pack.max_inserted:
            continue
        raw.append((m.start(), m.end(), spec.owner[v], said, "exact" if said == v else "near"))
    return raw


def _pattern_hits(
    segs: list[Seg], offsets: list[int], joined: str, spec: ViolationSpec
) -> list[_Raw]:
    """Matches of the forbidden regexes (anchored ones searched segment by segment)."""
    raw: list[_Raw] = []
    for rx in spec.patterns:
        if "$" in rx.pattern or "^" in rx.pattern:
            for k, s in enumerate(segs):
                for m in rx.finditer(s.norm):
                    a = offsets[k] + m.start()
                    raw.append((a, a + len(m.group(0)), rx.pattern, m.group(0), "pattern"))
            continue
        for m in rx.finditer(joined):
            raw.append((m.start(), m.end(), rx.pattern, m.group(0), "pattern"))
    return raw


def excused(
    text: str,
    la: int,
    lb: int,
    phrase: str,
    how: str,
    spec: ViolationSpec,
    lookbacks: tuple[int, int],
) -> bool:
    """Whether a hit is a polite look-alike, about the caller, or reported speech."""
    if any(m.start() <= la and lb <= m.end() for rx in spec.allowed for m in rx.finditer(text)):
        return True
    if how != "pattern" and _about_caller(text, la, phrase, spec.pack, lookbacks[0]):
        return True
    return _reported(text, la, spec, lookbacks[1])


def content_bigrams(text: str, stop: frozenset[str]) -> set[str]:
    """Character bigrams of ``text`` that carry content (no stop character in them)."""
    rx = _STOP_SPLIT.get(stop)
    if rx is None:
        chars = "".join(re.escape(c) for c in sorted(stop) if len(c) == 1)
        rx = _STOP_SPLIT[stop] = re.compile(f"[{chars}]" if chars else "(?!)")
    out: set[str] = set()
    for chunk in rx.split(text):
        if len(chunk) > 1:
            out.update(map(operator.add, chunk, chunk[1:]))
    return out


_STOP_SPLIT: dict[frozenset[str], re.Pattern[str]] = {}


def echo_hit(ctx: CallContext, echo: Echo, tags: tuple[str, ...], segs: list[Seg]) -> Seg | None:
    """The first of ``segs`` that restates the caller's own words.

    The first of ``segs`` that restates the caller's own words: it ends in a tag question
    and shares ``min_shared`` content bigrams with the caller's earlier turns, or it reads
    back most (``repeat_ratio``) of the caller's turn just before it, not counting words
    the caller only repeated from the agent (a list of materials read back to the agent).
    """
    wanted = {s.index for s in segs}
    questions = ctx.cr.pack.question_words
    stop = frozenset(ctx.cr.pack.stop_chars)
    said: set[str] = set()  # the caller's content bigrams so far
    last_caller: set[str] = set()
    prev: Seg | None = None
    for s in ctx.segs:
        if s.speaker == "caller":
            last_caller = content_bigrams(s.norm, stop)
            said |= last_caller
            prev = s
            continue
        if s.index in wanted and said:
            tagged = any(t in s.norm[-echo.tail :] for t in tags)
            reads_back = (
                prev is not None
                and prev.speaker == "caller"
                and len(last_caller) >= echo.min_shared
                and not any(q in prev.norm for q in questions)
            )
            if tagged or reads_back:
                mine = content_bigrams(s.norm, stop)
                if len(mine & said) >= echo.min_shared:
                    if tagged:
                        return s
                    if _reads_back(ctx, echo, mine, last_caller, s.index, stop):
                        return s
        prev = s
    return None


def _reads_back(
    ctx: CallContext, echo: Echo, mine: set[str], last: set[str], index: int, stop: frozenset[str]
) -> bool:
    """Most of the caller's last turn repeated, not counting what the agent said first."""
    if len(mine & last) < echo.repeat_ratio * len(last):
        return False
    agent_said: set[str] = set()
    for a in ctx.segs[:index]:
        if a.speaker == "agent":
            agent_said |= content_bigrams(a.norm, stop)
    own = last - agent_said
    return len(own) >= echo.min_shared and len(mine & own) >= echo.repeat_ratio * len(own)


def could_say(text: str, phrases: tuple[str, ...], min_len: int = 4) -> bool:
    """Whether ``text`` could be one of ``phrases`` misheard.

    Whether ``text`` could be one of ``phrases`` misheard: the phrase's fuzzy pinyin
    occurs in the text's, with at most one syllable substituted for phrases of
    ``min_len`` or more characters (shorter ones need every syllable).
    """
    key = fuzzy_key(text)
    for p in phrases:
        if not p:
            continue
        pk = fuzzy_key(p)
        if pk in key:
            return True
        n = len(pk)
        if n < min_len:
            continue
        for i in range(len(key) - n + 1):
            wrong = 0
            for a, b in zip(pk, key[i : i + n], strict=True):
                if a != b:
                    wrong += 1
                    if wrong > 1:
                        break
            if wrong <= 1:
                return True
    return False


def violation_spec(
    ctx: CallContext, phrases: list[str], patterns: list[str], allowed: list[str]
) -> ViolationSpec:
    """The compiled forbidden-wording search of these lists (cached per rubric)."""
    cr = ctx.cr
    key = (id(phrases), id(patterns), id(allowed))
    spec = cr._specs.get(key)
    if spec is None:
        polite = [cr.regex(x) for x in cr.pack.polite]
        spec = cr._specs[key] = ViolationSpec(
            cr.phrases(phrases),
            [cr.regex(x) for x in patterns],
            [cr.regex(x) for x in allowed] + polite,
            cr.pack,
        )
    return spec


def hits_outcome(ctx: CallContext, item: Any, hits: list[Hit], key: str) -> Outcome:
    """The outcome of an item with forbidden-wording hits.

    Fail on wording a person accepts; sound-alike matches alone give review on a
    critical item (a zeroed call must rest on what was said, not on what it sounds like).
    """
    msg = ctx.cr.pack.msg
    firm = [h for h in hits if h.how != "sound_alike" or not item.critical]
    parts = []
    for h in firm or hits:
        shown = h.said if h.by_pattern else h.phrase
        text = msg(key, phrase=shown, said=h.said, where=ctx.where(h.seg), quote=quote(h.seg))
        if h.how not in ("exact", "pattern"):
            text += msg("how_" + h.how, said=h.said)
        if h.by_pattern:
            text += msg("how_pattern", pattern=h.phrase)
        parts.append(text)
    desc = msg("sep").join(parts)
    if firm:
        out = failed(desc, tuple(h.seg for h in firm))
        hows = {h.how for h in firm}
        how = next((k for k in ("sound_alike", "near") if k in hows), "")
        return dataclasses.replace(out, how=how) if how else out
    return review(msg("sound_alike_only", what=desc), *(h.seg for h in hits))


def respond(ctx: CallContext, speaker: str, anchor: Seg, group: object, within: int) -> Outcome:
    """Whether ``speaker`` says something from ``group`` within ``within`` turns of ``anchor``."""
    after = [s for s in ctx.segs if s.index > anchor.index and s.speaker == speaker][:within]
    if not after:
        if ctx.has_unknown:
            return review(ctx.msg("no_response_attr"), anchor)
        return failed(
            ctx.msg("no_response", where=ctx.where(anchor), quote=quote(anchor)), (anchor,), ()
        )
    hit = ctx.find(group, after)  # type: ignore[arg-type]
    if hit is not None:
        return passed(
            ctx.msg("ack", where=ctx.where(hit), anchor=quote(anchor), quote=quote(hit)),
            anchor,
            hit,
        )
    return failed(
        ctx.msg("no_ack", n=within, where=ctx.where(anchor), quote=quote(anchor)),
        (anchor, *after),
        tuple(after),
        group.phrases,  # type: ignore[attr-defined]
    )
