"""Per-call precomputation: normalised, homophone-corrected text per segment, turns, timing.

Everything a check needs is computed once per call here, so checks are substring
searches and index arithmetic. Phrases and patterns of a rubric are compiled once per
rubric (:class:`CompiledRubric`, cached by content hash).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from qa_pipeline.lang import load_pack
from qa_pipeline.lang.patterns import compile_regex, literal_alternation
from qa_pipeline.models import AGENT, CALLER, UNKNOWN, Transcript
from qa_pipeline.rubric.checks import Echo, PhraseGroup
from qa_pipeline.rubric.schema import RubricModel, Window
from qa_pipeline.scoring.derived import derive
from qa_pipeline.scoring.options import ScoringOptions
from qa_pipeline.scoring.text import SEP, Lexicon, normalise, normalise_many

_CACHE_MAX = 200_000
ALTERNATION_MIN = 12  # phrase lists this long are searched as one regex
_LEXICON_FIELDS = {
    "any",
    "phrases",
    "when_mentioned",
    "negative",
    "goodbye",
    "with_any",
    "vocabulary",
}


@lru_cache(maxsize=8192)
def norm_phrase(phrase: str, language: str) -> str:
    """Normalised form of a rubric phrase (cached)."""
    n = normalise(phrase, language)
    # other languages: padded with spaces (like segment text) so phrases match whole words
    return n if n.strip() else ""


_CJK_RUN = re.compile("[\u4e00-\u9fff]{2,8}")
_PATTERN_WORD = "\x00"  # marks a word taken from a regex (filtered by the pack's stop_chars)


def _strings(obj: Any, out: list[str], key: str = "") -> None:
    if isinstance(obj, PhraseGroup):
        # words a group's regexes spell out (确实…(辛苦|折腾)) are vocabulary too, so a
        # misheard 这腾 is repaired to 折腾 before the pattern looks for it (marked: only
        # content words are kept, see CompiledRubric)
        out.extend(_PATTERN_WORD + w for p in obj.patterns for w in _CJK_RUN.findall(p))
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            _strings(getattr(obj, name), out, name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _strings(v, out, "any" if key in {"cases", "conditions"} else str(k))
    elif isinstance(obj, list):
        for v in obj:
            _strings(v, out, key)
    elif isinstance(obj, str) and key in _LEXICON_FIELDS:
        out.append(obj)


def _anchored(rx: re.Pattern[str]) -> bool:
    """Whether a pattern uses ^ or $ anchors (then it must see one segment at a time)."""
    return _anchored_text(rx.pattern)


@lru_cache(maxsize=4096)
def _anchored_text(pattern: str) -> bool:
    return "$" in pattern or re.search(r"(?<!\[)\^", pattern) is not None


@dataclass
class CompiledGroup:
    """A phrase group with its phrases normalised and its regexes compiled."""

    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    fuzzy: bool
    exclude: tuple[re.Pattern[str], ...] = ()
    echo: Echo | None = None
    tags: tuple[str, ...] = ()


class CompiledRubric:
    """Phrases normalised, regexes compiled and the homophone lexicon built, once per rubric."""

    def __init__(self, rubric: RubricModel) -> None:
        self.rubric = rubric
        self.language = rubric.language
        self.pack = load_pack(
            rubric.language, rubric.language_pack, rubric.source, domain=rubric.domain
        )
        terms: list[str] = []
        _strings(rubric, terms)
        # a word from a regex joins the vocabulary only when it is a content word: 是吧 /
        # 对吗 would turn 电话是8… into 电话是吧… (digits keep their numeral's syllable)
        stop = set(self.pack.stop_chars)
        terms = [
            t[1:] if t.startswith(_PATTERN_WORD) else t
            for t in terms
            if not t.startswith(_PATTERN_WORD) or not stop.intersection(t[1:])
        ]
        # the language's own words that checks rely on (是以前 / 不是 around a rate) are
        # repaired from homophones too, so 3%始以前的说法 is still a rejected rate
        terms += [*self.pack.vocabulary, *self.pack.facts.get("rate_rejections", ())]
        self.lexicon = Lexicon(norm_phrase(t, self.language) for t in terms)
        self._specs: dict[Any, Any] = {}
        self._alts: dict[
            int, tuple[tuple[str, ...], re.Pattern[str]]
        ] = {}  # per-rubric caches of checks and helpers
        self._groups: dict[int, CompiledGroup] = {}
        # raw segment text -> normalised, corrected text; greetings, 好的, 对 … recur a lot
        self.norm_cache: dict[str, tuple[str, str]] = {}
        self._regex: dict[str, re.Pattern[str]] = {}
        self._phrases: dict[int, tuple[list[str], tuple[str, ...]]] = {}

    def group(self, g: PhraseGroup) -> CompiledGroup:
        """The phrase group ``g`` compiled (cached per group)."""
        cg = self._groups.get(id(g))
        if cg is None:
            cg = CompiledGroup(
                tuple(p for p in (self.phrase(x) for x in g.any) if p),
                tuple(self.regex(p) for p in g.patterns),
                g.fuzzy,
                tuple(self.regex(p) for p in g.exclude),
                g.echo,
                self.phrases(g.echo.tags) if g.echo else (),
            )
            self._groups[id(g)] = cg
        return cg

    def phrase(self, p: str) -> str:
        """A rubric phrase normalised like transcripts are."""
        return norm_phrase(p, self.language)

    def phrases(self, ps: list[str]) -> tuple[str, ...]:
        """Normalised, non-empty phrases of a rubric list (cached per list)."""
        hit = self._phrases.get(id(ps))
        if hit is None or hit[0] is not ps:
            hit = (ps, tuple(x for x in (norm_phrase(p, self.language) for p in ps) if x))
            self._phrases[id(ps)] = hit
        return hit[1]

    def alternation(self, phrases: tuple[str, ...]) -> re.Pattern[str] | None:
        """One regex for a long phrase list (``None`` for a short one).

        One regex for a long phrase list (one scan instead of a ``find`` per phrase);
        ``None`` for short lists, where plain ``find`` is faster.
        """
        if len(phrases) < ALTERNATION_MIN:
            return None
        hit = self._alts.get(id(phrases))
        if hit is None or hit[0] is not phrases:
            hit = (phrases, literal_alternation(phrases))
            self._alts[id(phrases)] = hit
        return hit[1]

    def regex(self, pattern: str) -> re.Pattern[str]:
        """A rubric or pack regex compiled (cached per pattern)."""
        rx = self._regex.get(pattern)
        if rx is None:
            rx = self._regex[pattern] = compile_regex(pattern)
        return rx


_COMPILED: dict[tuple[int, str], CompiledRubric] = {}


def compiled(rubric: RubricModel) -> CompiledRubric:
    """The compiled form of ``rubric`` (cached by object and content hash)."""
    key = (id(rubric), rubric.sha256)
    cr = _COMPILED.get(key)
    if cr is None or cr.rubric is not rubric:
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        cr = _COMPILED[key] = CompiledRubric(rubric)
    return cr


@dataclass(slots=True, eq=False)
class Seg:
    """One segment as checks see it."""

    index: int
    speaker: str
    start: float
    end: float
    text: str
    norm: str
    conf: float | None
    raw: str = ""  # normalised text before homophone repair (same length as ``norm``)

    def sound_alike(self, start: int, end: int) -> bool:
        """Whether ``norm[start:end]`` reads so only after homophone repair."""
        return bool(self.raw) and self.raw[start:end] != self.norm[start:end]


@dataclass
class CallContext:
    """A call prepared for checking (see module docstring)."""

    transcript: Transcript
    cr: CompiledRubric
    segs: list[Seg]
    has_times: bool
    call_end: float
    opts: ScoringOptions
    topics: set[str] = field(default_factory=set)
    negative: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _of: dict[str, list[Seg]] = field(default_factory=dict)
    _unknown: bool | None = None
    _offs: dict[int, tuple[list[Seg], list[int]]] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict)
    _join: dict[int, tuple[list[Seg], str]] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The rubric's language."""
        return self.cr.language

    @property
    def has_unknown(self) -> bool:
        """Whether some segment has no speaker attributed."""
        if self._unknown is None:
            self._unknown = any(s.speaker == UNKNOWN for s in self.segs)
        return self._unknown

    def of(self, speaker: str) -> list[Seg]:
        """Segments of ``speaker`` (``any``: all); the same list object on every call."""
        hit = self._of.get(speaker)
        if hit is None:
            hit = self._of[speaker] = (
                self.segs if speaker == "any" else [s for s in self.segs if s.speaker == speaker]
            )
        return hit

    def join(self, segs: list[Seg]) -> str:
        """``segs``' normalised text joined by :data:`SEP` (cached for the shared lists)."""
        key = id(segs)
        hit = self._join.get(key)
        if hit is not None and hit[0] is segs:
            return hit[1]
        joined = SEP.join(s.norm for s in segs)
        if any(segs is lst for lst in self._of.values()):
            self._join[key] = (segs, joined)
        return joined

    def msg(self, key: str, **kw: object) -> str:
        """A reason in the rubric's language (templates from the language pack)."""
        return self.cr.pack.msg(key, **kw)

    def where(self, s: Seg) -> str:
        """Where ``s`` is, for a reason: its start time, or its position without times."""
        if self.has_times:
            return self.cr.pack.msg("at", t=f"{s.start:.1f}")
        return self.cr.pack.msg("at_turn", n=s.index + 1)

    def first_negative(self) -> Seg | None:
        """The caller's first segment with negative emotion (``None`` if none)."""
        for s, neg in zip(self.segs, self.negative, strict=True):
            if neg:
                return s
        return None

    def window(self, speaker: str, w: Window) -> list[Seg]:
        """Segments of ``speaker`` inside window ``w``."""
        segs = self.segs
        if w.turn == "opening":
            first = next((i for i, s in enumerate(segs) if s.speaker == speaker), None)
            if first is None:
                return []
            out = []
            for s in segs[first:]:
                if s.speaker == speaker:
                    out.append(s)
                elif s.speaker == CALLER or (speaker == CALLER and s.speaker == AGENT):
                    break
            return out
        chosen = self.of(speaker)
        if w.last_s is not None:
            edge = self.call_end - w.last_s
            chosen = [s for s in chosen if s.end >= edge]
        if w.first_s is not None:
            chosen = [s for s in chosen if s.start <= w.first_s]
        return chosen

    def matches(self, g: CompiledGroup, seg: Seg) -> bool:
        """Whether ``seg`` says something from group ``g`` (exact, then fuzzy for long phrases)."""
        text = seg.norm
        if g.exclude:
            return self._matches_excluding(g, text)
        for p in g.phrases:
            if p in text:
                return True
        for rx in g.patterns:
            if rx.search(text):
                return True
        if g.fuzzy:
            return fuzzy_in(g.phrases, text, self.opts)
        return False

    def _matches_excluding(self, g: CompiledGroup, text: str) -> bool:
        spans = [m.span() for rx in g.exclude for m in rx.finditer(text)]

        def free(a: int, b: int) -> bool:  # a hit touching an excluded span does not count
            return not any(a < y and x < b for x, y in spans)

        for p in g.phrases:
            i = text.find(p)
            while i >= 0:
                if free(i, i + len(p)):
                    return True
                i = text.find(p, i + 1)
        return any(free(*m.span()) for rx in g.patterns for m in rx.finditer(text))

    def find(self, g: CompiledGroup, segs: list[Seg]) -> Seg | None:
        """The first segment of ``segs`` that says something from ``g``."""
        if g.exclude and len(segs) >= 4:  # only segments with a hit can match
            for s in self.candidates(segs, g.phrases, list(g.patterns)):
                if self._matches_excluding(g, s.norm):
                    return s
            return None
        if len(segs) < 4 or g.exclude:
            return next((s for s in segs if self.matches(g, s)), None)
        joined = self.join(segs)
        best = self._earliest(g.phrases, joined)
        for rx in g.patterns:
            pos = self._pattern_at(rx, segs, joined)
            if pos >= 0 and (best < 0 or pos < best):
                best = pos
        if best >= 0:
            return segs[joined.count(SEP, 0, best)]
        if g.fuzzy and fuzzy_in(g.phrases, joined, self.opts):
            return next((s for s in segs if fuzzy_in(g.phrases, s.norm, self.opts)), None)
        return None

    def _pattern_at(self, rx: re.Pattern[str], segs: list[Seg], joined: str) -> int:
        """Where ``rx`` first matches in ``joined`` (-1: nowhere)."""
        if _anchored(rx):  # ^ and $ mean the segment's start and end: search each one
            hit = next((s for s in segs if rx.search(s.norm)), None)
            return -1 if hit is None else self._offsets(segs)[segs.index(hit)]
        m = rx.search(joined)
        return m.start() if m else -1

    def joined(self, speaker: str) -> tuple[str, list[Seg]]:
        """All normalised text of ``speaker`` joined by :data:`SEP`, with its segments."""
        segs = self.of(speaker)
        return self.join(segs), segs

    def candidates(
        self, segs: list[Seg], phrases: tuple[str, ...], patterns: list[re.Pattern[str]]
    ) -> list[Seg]:
        """Segments of ``segs`` that contain a phrase or match a pattern (fast pre-filter)."""
        joined = self.join(segs)
        idx: set[int] = set()
        offsets: list[int] | None = None
        alt = self.cr.alternation(phrases)
        if alt is not None:
            patterns = [alt, *patterns]
            phrases = ()
        for p in phrases:
            i = joined.find(p)
            if i < 0:
                continue
            if offsets is None:
                offsets = self._offsets(segs)
            while i >= 0:
                idx.add(bisect.bisect_right(offsets, i) - 1)
                i = joined.find(p, i + 1)
        for rx in patterns:
            if _anchored(rx):
                idx.update(i for i, s in enumerate(segs) if rx.search(s.norm))
                continue
            for m in rx.finditer(joined):
                if offsets is None:
                    offsets = self._offsets(segs)
                idx.add(bisect.bisect_right(offsets, m.start()) - 1)
        return [segs[i] for i in sorted(idx)]

    def offsets(self, segs: list[Seg]) -> list[int]:
        """Start of each segment of ``segs`` in :meth:`join`'s text."""
        return self._offsets(segs)

    def _offsets(self, segs: list[Seg]) -> list[int]:
        hit = self._offs.get(id(segs))
        if hit is not None and hit[0] is segs:
            return hit[1]
        out, pos = [], 0
        for s in segs:
            out.append(pos)
            pos += len(s.norm) + 1
        self._offs[id(segs)] = (segs, out)
        return out

    def mentions(self, phrases: tuple[str, ...], speaker: str = "any") -> Seg | None:
        """The first segment of ``speaker`` that contains one of ``phrases``."""
        joined, segs = self.joined(speaker)
        best = self._earliest(phrases, joined)
        return segs[joined.count(SEP, 0, best)] if best >= 0 else None

    def _earliest(self, phrases: tuple[str, ...], joined: str) -> int:
        """Position of the first occurrence of any of ``phrases`` in ``joined``, or -1."""
        alt = self.cr.alternation(phrases)
        if alt is not None:
            m = alt.search(joined)
            return m.start() if m else -1
        best = -1
        for p in phrases:
            i = joined.find(p)
            if i >= 0 and (best < 0 or i < best):
                best = i
        return best


def fuzzy_in(phrases: tuple[str, ...], text: str, opts: ScoringOptions) -> bool:
    """Approximate containment for long phrases (a dropped or extra character)."""
    long = [p for p in phrases if len(p) >= opts.fuzzy_min_len]
    if not long or len(text) < opts.fuzzy_min_len - 1:
        return False
    from rapidfuzz import fuzz

    return any(fuzz.partial_ratio(p, text, score_cutoff=opts.fuzzy_cutoff) for p in long)


def build_context(
    transcript: Transcript, rubric: RubricModel, options: ScoringOptions | None = None
) -> CallContext:
    """Prepare ``transcript`` for checking against ``rubric`` (``options``: thresholds)."""
    opts = options or ScoringOptions()
    cr = compiled(rubric)
    lang = cr.language
    given = list(transcript.segments)
    has_times = bool(given) and all(s.start is not None and s.end is not None for s in given)
    segs: list[Seg] = []
    clock = 0.0
    order = (
        sorted(range(len(given)), key=lambda i: given[i].start or 0.0)
        if has_times
        else range(len(given))
    )
    ordered = [given[i] for i in order]
    cache = cr.norm_cache
    todo = list({s.text for s in ordered if s.text not in cache})
    if todo:
        raws = normalise_many(todo, lang)
        fresh = raws
        if lang.startswith("zh"):
            fresh = cr.lexicon.correct(SEP.join(raws)).split(SEP)
        if len(cache) > _CACHE_MAX:
            cache.clear()
        cache.update(zip(todo, zip(raws, fresh, strict=True), strict=True))
    norms = [cache[s.text] for s in ordered]
    for n, (s, (raw, norm)) in enumerate(zip(ordered, norms, strict=True)):
        if has_times:
            start, end = float(s.start or 0.0), float(s.end or 0.0)
        else:  # estimate from text length so time windows still mean something
            start = clock
            end = clock + max(0.5, len(s.text) / opts.chars_per_s)
            clock = end + 0.5
        speaker = s.speaker.strip().lower()
        speaker = speaker if speaker in (AGENT, CALLER) else UNKNOWN
        segs.append(Seg(n, speaker, start, end, s.text, norm, s.confidence, raw))
    call_end = max((s.end for s in segs), default=0.0)
    ctx = CallContext(transcript, cr, segs, has_times, call_end, opts)
    derive(ctx)
    return ctx
