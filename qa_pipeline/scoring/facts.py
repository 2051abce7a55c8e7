"""Fact check against the rubric's knowledge: rate tables (契税) and conditions (居住证).

Rates: the caller's case (e.g. first/second home and the area(s)) is read from the
caller's words; every rate the agent states (``1.5%``, ``百分之一点五`` and ``按1.5算``
all normalise to a number) is tied to the case it is stated for — the nearest preceding
case word and area cue in the same turn (``首套…140平方米以上是1.5%``), else the
caller's case — and compared with the table. A wrong rate is a critical fail; a missing
threshold or a missing rate for the caller's case is a non-critical fail.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from qa_pipeline.lang.patterns import compile_regex
from qa_pipeline.models import AGENT, CALLER, Status
from qa_pipeline.rubric.schema import Conditions, Item, RateTable
from qa_pipeline.scoring.base import Outcome, failed, passed, quote, review
from qa_pipeline.scoring.context import SEP, CallContext, Seg

LE, GT = "le", "gt"
_NUM = r"\d+(?:\.\d+)?"


@dataclass(frozen=True, slots=True)
class FactWords:
    """The language pack's words for facts, compiled once per rubric table.

    ``rate`` finds stated rates (named groups ``pct``, ``pts`` [+ ``half``, ``tenth``],
    ``bare``, ``permille``); ``tokens`` finds comparison words and areas (a number before
    one of the table's ``unit_words``); ``duration`` finds durations (``value``,
    ``unit``, ``more``).
    """

    rate: re.Pattern[str]
    rate_cues: tuple[str, ...]
    tokens: re.Pattern[str]
    token_words: tuple[str, ...]  # every match of ``tokens`` holds or is followed by one
    compare: re.Pattern[str]
    denied: re.Pattern[str]
    rejected: re.Pattern[str]
    negated: tuple[str, ...]
    yours: tuple[str, ...]
    duration: re.Pattern[str]
    duration_required: tuple[str, ...]
    duration_units: dict[str, float]
    other_subjects: re.Pattern[str]
    carry_window: int
    duration_facts: tuple[str, ...]
    subject_window: int


def words(ctx: CallContext, units: tuple[str, ...] = ()) -> FactWords:
    """:class:`FactWords` of the rubric's language pack (cached per rubric and units)."""
    key = ("facts", units)
    hit = ctx.cr._specs.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    pack = ctx.cr.pack
    f = pack.facts

    def alt(xs: object) -> str:
        items = sorted((str(x) for x in xs), key=len, reverse=True)  # type: ignore[attr-defined]
        return "|".join(re.escape(x) for x in items if x) or "(?!)"

    unit_words = units or f.get("unit_words", [])
    unit_rx = alt(unit_words)
    tokens = (
        f"(?P<neg>(?:{alt(f.get('not_words', []))})(?:{alt(f.get('not_verbs', []))})?)?"
        f"(?P<gt>{alt(f.get('greater', []))})|(?P<le>{alt(f.get('less_equal', []))})"
        f"|(?P<num>{_NUM})(?=[{''.join(f.get('approx', []))}]?{f.get('measure', '')}?(?:{unit_rx}))"
    )
    out = FactWords(
        rate=compile_regex("|".join(f.get("rate_patterns", [])) or "(?!)"),
        rate_cues=tuple(f.get("rate_cues", [])),
        tokens=compile_regex(tokens),
        token_words=tuple(
            str(x) for x in (*f.get("greater", []), *f.get("less_equal", []), *unit_words) if x
        ),
        compare=compile_regex(alt([*f.get("greater", []), *f.get("less_equal", [])])),
        denied=compile_regex(f"({alt(f.get('rate_denials', []))})$"),
        rejected=compile_regex(f"^.{{0,6}}({alt(f.get('rate_rejections', []))})"),
        negated=tuple(f.get("case_negations", [])),
        yours=tuple(f.get("yours", [])),
        duration=compile_regex(f.get("duration_pattern", "(?!)")),
        duration_required=tuple(f.get("duration_required", [])),
        duration_units={str(k): float(v) for k, v in f.get("duration_units", {}).items()},
        other_subjects=_alternation(f.get("other_subjects", [])),
        carry_window=int(f.get("carry_window", 8)),
        duration_facts=tuple(x for x in f.get("duration_facts", []) if x),
        subject_window=int(f.get("subject_window", 16)),
    )
    ctx.cr._specs[key] = out
    return out


@dataclass(frozen=True, slots=True)
class Statement:
    """A rate the agent states, with the case and area category it is said of."""

    seg: Seg
    rate: float
    case: str | None
    cat: str | None
    wrong: bool
    heard: tuple[Seg, ...] = ()  # the caller's turns its case or area was read from


def _cat(value: float, threshold: float) -> str:
    return LE if value <= threshold else GT


def _case_cues(ctx: CallContext, table: RateTable) -> list[tuple[str, str]]:
    return [(case, ph) for case, phrases in table.cases.items() for ph in ctx.cr.phrases(phrases)]


def _last_case(
    text: str, cues: list[tuple[str, str]], negated: tuple[str, ...]
) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for case, ph in cues:
        end = len(text)
        while True:
            i = text.rfind(ph, 0, end)
            if i < 0 or (best is not None and i <= best[0]):
                break
            if i > 0 and text[i - 1] in negated:
                end = i + len(ph) - 1
                continue
            best = (i, case)
            break
    return best


def _area_cat(window: str, threshold: float, w: FactWords) -> str | None:
    cat = None
    if not any(x in window for x in w.token_words):
        return cat  # no comparison or area unit: no token (much cheaper than the scan)
    for m in w.tokens.finditer(window):
        if m.group("num"):
            value = float(m.group("num"))
            if value < 10:
                continue
            # the threshold itself is the case's area (正好140 → 及以下) unless it is
            # the rule's boundary (超过140平方米 / 140平方米以上)
            if abs(value - threshold) < 1e-9 and w.compare.search(
                window[max(0, m.start() - 3) : m.end() + 6]
            ):
                continue
            cat = _cat(value, threshold)
        elif m.group("gt"):
            cat = LE if m.group("neg") else GT
        elif m.group("le"):
            cat = LE
    return cat


def _expected(table: RateTable, case: str, cat: str) -> set[float]:
    out = set()
    for r in table.rates:
        if r.case != case:
            continue
        if (r.area_max is None and r.area_min is None) or (
            (cat == LE and r.area_max is not None) or (cat == GT and r.area_min is not None)
        ):
            out.add(r.rate)
    return out


def _first_cue(text: str, ph: str, negated: tuple[str, ...]) -> int:
    """Position of the first occurrence of ``ph`` not preceded by a negation, or -1."""
    i = text.find(ph)
    while i > 0 and text[i - 1] in negated:
        i = text.find(ph, i + 1)
    return i


@dataclass(frozen=True, slots=True)
class CallerCase:
    """The caller's case and area categories, with the turns they were heard in."""

    case: str | None
    cats: set[str]
    case_segs: tuple[Seg, ...]  # the caller's turn that named the case (agent's: none)
    area_segs: tuple[Seg, ...]  # the caller's turns whose areas gave ``cats``


def _seg_at(ctx: CallContext, speaker: str, pos: int) -> Seg:
    """The segment of ``speaker`` that holds position ``pos`` of its joined text."""
    segs = ctx.of(speaker)
    return segs[bisect.bisect_right(ctx.offsets(segs), pos) - 1]


def _caller_case(ctx: CallContext, table: RateTable) -> CallerCase:
    cues = _case_cues(ctx, table)
    w = words(ctx, tuple(table.unit_words))
    case: str | None = None
    case_segs: tuple[Seg, ...] = ()
    for speaker in (CALLER, AGENT):
        joined, _ = ctx.joined(speaker)
        first: tuple[int, str] | None = None
        for c, ph in cues:
            i = _first_cue(joined, ph, w.negated)
            if i >= 0 and (first is None or i < first[0]):
                first = (i, c)
        if first is not None:
            case = first[1]
            case_segs = (_seg_at(ctx, speaker, first[0]),) if speaker == CALLER else ()
            break
    cats, area_segs = _caller_cats(ctx, table, w)
    return CallerCase(case, cats, case_segs, area_segs)


def _caller_cats(
    ctx: CallContext, table: RateTable, w: FactWords
) -> tuple[set[str], tuple[Seg, ...]]:
    """The area categories of the caller's numbers, and the turns they are in."""
    cats: set[str] = set()
    segs: list[Seg] = []
    caller_text = ctx.joined(CALLER)[0]
    for at, m in _tokens(ctx, CALLER, w):
        if m.group("num"):
            value = float(m.group("num"))
            if value < 10:
                continue
            if abs(value - table.threshold) < 1e-9:
                # the threshold itself: the caller's area only when not asked about as a
                # boundary (超过140平 / 140平以上 are questions about the rule)
                around = caller_text[max(0, at - 3) : at + len(m.group(0)) + 6]
                if w.compare.search(around):
                    continue
            cats.add(_cat(value, table.threshold))
            segs.append(_seg_at(ctx, CALLER, at))
    return cats, tuple(dict.fromkeys(segs))


def _tokens(ctx: CallContext, speaker: str, w: FactWords) -> list[tuple[int, re.Match[str]]]:
    """The matches of ``w.tokens`` in ``speaker``'s joined text, with where they start there.

    No token spans two segments and each holds or is followed by one of
    ``w.token_words``, so only the segments with such a word are searched (the same
    matches as a scan of the whole text, at a fraction of the cost).
    """
    segs = ctx.of(speaker)
    found = ctx.candidates(segs, w.token_words, [])
    if not found:
        return []
    start = dict(zip((s.index for s in segs), ctx.offsets(segs), strict=True))
    return [
        (start[s.index] + m.start() - at, m)
        for s, hits in zip(found, _by_turn(w.tokens, found), strict=True)
        for at, m in hits
    ]


def _last_of(text: str, words: re.Pattern[str]) -> int:
    """End of the last match of ``words`` (an alternation) in ``text`` (-1 if none)."""
    best = -1
    for m in words.finditer(text):
        best = m.end()
    return best


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    items = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, items)) or "(?!)")


def _about_something_else(
    ctx: CallContext, s: Seg, text: str, start: int, at: int, own: re.Pattern[str], w: FactWords
) -> bool:
    """Whether the rate at ``at`` is said of another subject.

    Whether the rate at ``at`` is said of another subject (个税, 贷款利率, 中介费 …):
    the last subject word before it, since the previous rate, is another subject's rather
    than the table's topic or case words; with no subject word at all, the caller's
    question just before decides.
    """
    window = text[max(start, at - w.subject_window) : at]
    other = _last_of(window, w.other_subjects)
    mine = _last_of(window, own)
    if other >= 0 or mine >= 0:
        return other > mine
    if start > 0 or s.index == 0:
        return False
    prev = ctx.segs[s.index - 1]
    if prev.speaker != CALLER:
        return False
    return _last_of(prev.norm, w.other_subjects) > _last_of(prev.norm, own)


def _rate_value(g: dict[str, str | None]) -> float:
    """The rate (percent) of one match of the pack's rate patterns."""
    if g.get("permille"):
        rate = float(g["permille"] or 0) / 10  # 千分之十五 = 1.5%
    else:
        rate = float(g.get("pct") or g.get("pts") or g.get("bare") or 0)
    rate += 0.5 if g.get("half") else 0.0
    rate += int(g["tenth"] or 0) / 10 if g.get("tenth") else 0.0
    return rate


def _statements(ctx: CallContext, table: RateTable, cc: CallerCase) -> list[Statement]:
    agent_text = ctx.joined(AGENT)[0]
    cues = [(c, ph) for c, ph in _case_cues(ctx, table) if ph in agent_text]
    w = words(ctx, tuple(table.unit_words))
    key = ("own_words", table.topic, id(table))
    own = ctx.cr._specs.get(key)
    if own is None:
        topic = ctx.cr.rubric.knowledge.topics[table.topic]
        own_words = [*topic.any, *(p for ps in table.cases.values() for p in ps)]
        own = ctx.cr._specs[key] = _alternation(ctx.cr.phrases(own_words))
    out = []
    for s, said in _rates_said(ctx, w):
        text = s.norm
        prev_end = 0
        prev_cat: str | None = None
        for start, end, groups in said:
            rate = _rate_value(groups)
            if (
                rate <= 0
                or rate > 10
                or abs(rate * 10 - round(rate * 10)) > 1e-6  # 1.514%: numerals run together
                or w.rejected.match(text[end:])
                or w.denied.search(text[max(0, start - 5) : start])
            ):
                prev_end = end
                continue
            if _about_something_else(ctx, s, text, prev_end, start, own, w):
                prev_end = end
                continue
            found = _last_case(text[:start], cues, w.negated)
            st_case = found[1] if found else cc.case
            window = text[prev_end:start]
            cat = _area_cat(window, table.threshold, w)
            # a short continuation (「，二套是2%」) keeps the previous area; a clause that names
            # a case or points at the caller's own (「您这个…首套」) starts afresh
            fresh = (
                any(y in window for y in w.yours)
                or len(window) > w.carry_window
                or any(ph in window for _, ph in cues)
            )
            if cat is None and not fresh:
                cat = prev_cat
            prev_cat, prev_end = cat, end
            cases = [st_case] if st_case else list(table.cases)
            cat_opts = [cat] if cat else (sorted(cc.cats) or [LE, GT])
            heard = (() if found else cc.case_segs) + (() if cat else cc.area_segs)
            allowed = set().union(*(_expected(table, c, k) for c in cases for k in cat_opts))
            wrong = not any(abs(rate - a) < 1e-6 for a in allowed)
            if not wrong and cat is None and len(cat_opts) == 1:
                cat = cat_opts[0]
            out.append(Statement(s, rate, st_case, cat, wrong, heard))
    return out


_RateSaid = tuple[int, int, dict[str, str | None]]  # start, end and groups in one turn


def _rates_said(ctx: CallContext, w: FactWords) -> list[tuple[Seg, list[_RateSaid]]]:
    """The agent's turns with a rate cue, each with the rates its words match."""
    found = ctx.candidates(ctx.of(AGENT), w.rate_cues, [])
    return [
        (s, [(m.start() - at, m.end() - at, m.groupdict()) for at, m in hits])
        for s, hits in zip(found, _by_turn(w.rate, found), strict=True)
    ]


def _by_turn(rx: re.Pattern[str], segs: list[Seg]) -> list[list[tuple[int, re.Match[str]]]]:
    """The matches of ``rx`` in each of ``segs``, with where that turn starts in the scan.

    One scan of the turns joined by :data:`SEP` (a budgeted scan costs ~10 µs to start;
    the pack's fact patterns never run across two turns): ``m.start() - at`` is the
    match's place in its turn's text.
    """
    out: list[list[tuple[int, re.Match[str]]]] = [[] for _ in segs]
    if not segs:
        return out
    starts, pos = [], 0
    for s in segs:
        starts.append(pos)
        pos += len(s.norm) + 1
    for m in rx.finditer(SEP.join(s.norm for s in segs)):
        k = bisect.bisect_right(starts, m.start()) - 1
        out[k].append((starts[k], m))
    return out


def check_rates(ctx: CallContext, item: Item, table: RateTable) -> Outcome:
    """The rates the agent states agree with the rate table, for the caller's case."""
    cc = _caller_case(ctx, table)
    case, cats = cc.case, cc.cats
    stmts = _statements(ctx, table, cc)
    wrong = [st for st in stmts if st.wrong]
    if wrong:
        return _wrong_rates(ctx, wrong)
    thr = f"{table.threshold:g}"
    said_threshold = next(
        (s for s in ctx.of(AGENT) if re.search(rf"(?<![\d.]){re.escape(thr)}(?![\d.])", s.norm)),
        None,
    )
    needed = [(case, k) for k in sorted(cats)] if cats else [(case, None)]
    missing = []
    for c, k in needed:
        if not any(
            (c is None or st.case in (c, None)) and (k is None or st.cat == k) for st in stmts
        ):
            cat = {LE: ctx.msg("le", thr=thr), GT: ctx.msg("gt", thr=thr)}.get(k or "", "?")
            missing.append(ctx.msg("rate_missing", case=c or "?", cat=cat))
    if said_threshold is None:
        missing.insert(0, ctx.msg("threshold_missing", thr=thr))
    evid = tuple(dict.fromkeys(st.seg for st in stmts))
    if missing:
        out = failed(ctx.msg("sep").join(missing), evid, tuple(ctx.of(AGENT)), ())
        return Outcome(out.status, out.reason, out.evidence, out.hinge, False, out.absent)
    out = passed(ctx.msg("rates_ok", n=len(stmts), thr=thr), *evid)
    return _numbers_heard(ctx, item, out, (*evid, said_threshold))


def _low(ctx: CallContext, s: Seg | None) -> bool:
    """Whether ``s`` was heard below the ``low_confidence`` threshold."""
    return s is not None and s.conf is not None and s.conf < ctx.opts.low_confidence


def _wrong_rates(ctx: CallContext, wrong: list[Statement]) -> Outcome:
    """A critical fail for wrong rates, resting on the clearly heard ones.

    A statement is clearly heard when its own turn and the caller's turns its case or
    area was read from are all above ``low_confidence``. When none is, the hinge is the
    low-confidence turns only, so the engine sends the item to review (never a fail
    invented from a misheard 二套 or 3%).
    """
    what = ctx.msg("sep").join(
        ctx.msg("rate_in", rate=f"{st.rate:g}", where=ctx.where(st.seg), quote=quote(st.seg))
        for st in wrong
    )
    firm = [st for st in wrong if not any(_low(ctx, s) for s in (st.seg, *st.heard))]
    if firm:
        hinge = tuple(st.seg for st in firm)
    else:
        heard = (s for st in wrong for s in (st.seg, *st.heard))
        hinge = tuple(dict.fromkeys(s for s in heard if _low(ctx, s)))
    evidence = tuple(dict.fromkeys(s for st in wrong for s in (st.seg, *st.heard)))
    return Outcome(Status.FAIL, ctx.msg("wrong_rate", what=what), evidence, hinge, critical=True)


def _numbers_heard(
    ctx: CallContext, item: Item, out: Outcome, numbers: tuple[Seg | None, ...]
) -> Outcome:
    """``review`` instead of a critical item's pass when its numbers were heard unclearly."""
    low = [s for s in dict.fromkeys(numbers) if s is not None and _low(ctx, s)]
    if not item.critical or not low:
        return out
    worst = min(s.conf for s in low if s.conf is not None)
    return review(ctx.msg("numbers_low_conf", reason=out.reason, c=f"{worst:.2f}"), *low)


def _months(value: str, unit: str, w: FactWords) -> float:
    """Months in a duration: the unit's months × the number (半年 has no number: 1)."""
    return round(float(value or 1) * w.duration_units.get(unit, 1.0), 1)


def _required_durations(
    text: str, w: FactWords, context: tuple[str, ...], found: list[tuple[int, re.Match[str]]]
) -> list[re.Match[str]]:
    """The durations ``found`` in ``text`` stated as a requirement of residence (须住满半年).

    ``found``: the duration pattern's matches in the turn (see :func:`_by_turn`).
    """
    out = []
    for at, m in found:
        start, end = m.start() - at, m.end() - at
        before = text[max(0, start - 8) : start]
        if not any(c in before for c in context):
            continue
        if text[end : end + 1] in w.duration_facts:
            continue  # 您已经住满一年了 / 住了一年多: the caller's facts, not the rule
        if m.group("more") or any(r in before for r in w.duration_required):
            out.append(m)
    return out


def _undenied(rx: re.Pattern[str], text: str, denials: tuple[str, ...]) -> re.Match[str] | None:
    """The first match of ``rx`` in ``text`` with no denial in it or just before it."""
    return next(
        (
            h
            for h in rx.finditer(text)
            if not any(
                d in h.group(0) or d in text[max(0, h.start() - 3) : h.start()] for d in denials
            )
        ),
        None,
    )


def check_conditions(ctx: CallContext, item: Item, cond: Conditions) -> Outcome:
    """The residence period the agent states, conditions named and none invented."""
    context = ctx.cr.phrases(cond.duration_context)
    invented = [ctx.cr.regex(p) for p in cond.not_required]
    denials = ctx.cr.pack.denials
    w = words(ctx)
    good: list[Seg] = []
    bad: list[str] = []
    evid: list[Seg] = []
    segs = ctx.candidates(ctx.of(AGENT), (), [w.duration, *invented])
    for s, durations in zip(segs, _by_turn(w.duration, segs), strict=True):
        for m in _required_durations(s.norm, w, context, durations):
            months = _months(m.group("value"), m.group("unit"), w)
            if abs(months - cond.duration_months) < 1e-6:
                good.append(s)
            else:
                bad.append(
                    ctx.msg("wrong_duration", said=m.group(0), where=ctx.where(s), quote=quote(s))
                )
                evid.append(s)
        for rx in invented:
            hit = _undenied(rx, s.norm, denials)
            if hit:
                bad.append(
                    ctx.msg("invented", said=hit.group(0), where=ctx.where(s), quote=quote(s))
                )
                evid.append(s)
    if bad:
        return failed(ctx.msg("sep").join(dict.fromkeys(bad)), tuple(dict.fromkeys(evid)))
    named = [
        name
        for name, phrases in cond.conditions.items()
        if ctx.mentions(ctx.cr.phrases(phrases), AGENT) is not None
    ]
    missing = []
    if not good:
        missing.append(ctx.msg("duration_missing", months=f"{cond.duration_months:g}"))
    if not named:
        missing.append(ctx.msg("conditions_missing", what="、".join(cond.conditions)))
    if missing:
        return failed(ctx.msg("sep").join(missing), (), tuple(ctx.of(AGENT)), ())
    out = passed(ctx.msg("conditions_ok", what=ctx.msg("sep").join(named)), *good[:1])
    return _numbers_heard(ctx, item, out, tuple(good[:1]))
