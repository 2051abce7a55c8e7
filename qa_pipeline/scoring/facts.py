"""Fact check against the rubric's knowledge: rate tables (契税) and conditions (居住证).

Rates: the caller's case (e.g. first/second home and the area(s)) is read from the
caller's words; every rate the agent states (``1.5%``, ``百分之一点五`` and ``按1.5算``
all normalise to a number) is tied to the case it is stated for — the nearest preceding
case word and area cue in the same turn (``首套…140平方米以上是1.5%``), else the
caller's case — and compared with the table. A wrong rate is a critical fail; a missing
threshold or a missing rate for the caller's case is a non-critical fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_pipeline.models import AGENT, CALLER
from qa_pipeline.rubric.schema import Conditions, Item, RateTable
from qa_pipeline.scoring.base import Outcome, failed, passed, quote
from qa_pipeline.scoring.context import CallContext, Seg

LE, GT = "le", "gt"
# 1.5% / 百分之一点五 (→ 1.5%), 一个半点 / 1.5个点 / 1.5个百分点, and 按1.5算 (dropped %)
_RATE = re.compile(
    r"(\d+(?:\.\d+)?)%|(\d+(?:\.\d+)?)个(半)?(?:百分)?点(\d(?!\d))?"
    r"|按(\d(?:\.\d+)?)(?=算|交|征|收|计|缴)|千分之(\d+(?:\.\d+)?)"
)
_DENIED = re.compile(r"(不是|并非|不按|不是按|而不是|不会是|不再是)$")  # 「不是百分之一点五」
_REJECTED = re.compile(r"^.{0,6}(不对|是错|不准确|不是这样|是以前)")
_TOKENS = re.compile(
    r"(?P<neg>(?:没|不|未)(?:算|会|到|能|是|用)?)?(?P<gt>超过|超出|大于|高于|以上|多于)|(?P<le>以下|以内|不到|低于|小于|之内)"
    r"|(?P<num>\d+(?:\.\d+)?)(?=[多来余]?个?(?:平方米|平米|平方|平|㎡|m2))"
)
_COMPARE = re.compile("超过|超出|大于|高于|以上|多于|以下|以内|不到|低于|小于|之内")
_NEGATED = ("没", "不", "无", "非")
# "您这个/您家的…" points back at the caller's own case (normalised 您 → 你)
_YOURS = ("你这", "你家", "你的", "你买的", "你们家", "你那")


@dataclass(frozen=True, slots=True)
class Statement:
    seg: Seg
    rate: float
    case: str | None
    cat: str | None
    wrong: bool


def _cat(value: float, threshold: float) -> str:
    return LE if value <= threshold else GT


def _case_cues(ctx: CallContext, table: RateTable) -> list[tuple[str, str]]:
    return [(case, ph) for case, phrases in table.cases.items() for ph in ctx.cr.phrases(phrases)]


def _last_case(text: str, cues: list[tuple[str, str]]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for case, ph in cues:
        end = len(text)
        while True:
            i = text.rfind(ph, 0, end)
            if i < 0 or (best is not None and i <= best[0]):
                break
            if i > 0 and text[i - 1] in _NEGATED:
                end = i + len(ph) - 1
                continue
            best = (i, case)
            break
    return best


def _area_cat(window: str, threshold: float) -> str | None:
    cat = None
    for m in _TOKENS.finditer(window):
        if m.group("num"):
            value = float(m.group("num"))
            if value < 10:
                continue
            # the threshold itself is the case's area (正好140 → 及以下) unless it is
            # the rule's boundary (超过140平方米 / 140平方米以上)
            if abs(value - threshold) < 1e-9 and _COMPARE.search(
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


def _first_cue(text: str, ph: str) -> int:
    """Position of the first occurrence of ``ph`` not preceded by a negation, or -1."""
    i = text.find(ph)
    while i > 0 and text[i - 1] in _NEGATED:
        i = text.find(ph, i + 1)
    return i


def _caller_case(ctx: CallContext, table: RateTable) -> tuple[str | None, set[str]]:
    cues = _case_cues(ctx, table)
    case = None
    for speaker in (CALLER, AGENT):
        joined, _ = ctx.joined(speaker)
        first: tuple[int, str] | None = None
        for c, ph in cues:
            i = _first_cue(joined, ph)
            if i >= 0 and (first is None or i < first[0]):
                first = (i, c)
        if first is not None:
            case = first[1]
            break
    cats: set[str] = set()
    caller_text = ctx.joined(CALLER)[0]
    for m in _TOKENS.finditer(caller_text):
        if m.group("num"):
            value = float(m.group("num"))
            if value < 10:
                continue
            if abs(value - table.threshold) < 1e-9:
                # the threshold itself: the caller's area only when not asked about as a
                # boundary (超过140平 / 140平以上 are questions about the rule)
                around = caller_text[max(0, m.start() - 3) : m.end() + 6]
                if _COMPARE.search(around):
                    continue
            cats.add(_cat(value, table.threshold))
    return case, cats


def _statements(
    ctx: CallContext, table: RateTable, case: str | None, cats: set[str]
) -> list[Statement]:
    agent_text = ctx.joined(AGENT)[0]
    cues = [(c, ph) for c, ph in _case_cues(ctx, table) if ph in agent_text]
    out = []
    for s in ctx.candidates(ctx.of(AGENT), ("%", "按", "个点", "个百分点", "千分之"), []):
        text = s.norm
        prev_end = 0
        prev_cat: str | None = None
        for m in _RATE.finditer(text):
            if m.group(6):
                rate = float(m.group(6)) / 10  # 千分之十五 = 1.5%
            else:
                rate = float(m.group(1) or m.group(2) or m.group(5))
            rate += (0.5 if m.group(3) else 0.0) + (int(m.group(4)) / 10 if m.group(4) else 0.0)
            if (
                rate <= 0
                or rate > 10
                or _REJECTED.match(text[m.end() :])
                or _DENIED.search(text[max(0, m.start() - 5) : m.start()])
            ):
                prev_end = m.end()
                continue
            found = _last_case(text[: m.start()], cues)
            st_case = found[1] if found else case
            window = text[prev_end : m.start()]
            cat = _area_cat(window, table.threshold)
            if cat is None and not any(y in window for y in _YOURS):
                cat = prev_cat
            prev_cat, prev_end = cat, m.end()
            cases = [st_case] if st_case else list(table.cases)
            cat_opts = [cat] if cat else (sorted(cats) or [LE, GT])
            allowed = set().union(*(_expected(table, c, k) for c in cases for k in cat_opts))
            wrong = not any(abs(rate - a) < 1e-6 for a in allowed)
            if not wrong and cat is None and len(cat_opts) == 1:
                cat = cat_opts[0]
            out.append(Statement(s, rate, st_case, cat, wrong))
    return out


def check_rates(ctx: CallContext, item: Item, table: RateTable) -> Outcome:
    case, cats = _caller_case(ctx, table)
    stmts = _statements(ctx, table, case, cats)
    wrong = [st for st in stmts if st.wrong]
    if wrong:
        what = ctx.msg("sep").join(
            ctx.msg("rate_in", rate=f"{st.rate:g}", where=ctx.where(st.seg), quote=quote(st.seg))
            for st in wrong
        )
        out = failed(ctx.msg("wrong_rate", what=what), tuple(st.seg for st in wrong))
        return Outcome(out.status, out.reason, out.evidence, out.hinge, critical=True)
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
    return passed(ctx.msg("rates_ok", n=len(stmts), thr=thr), *evid)


_DURATION = re.compile(r"(半年|\d+(?:\.\d+)?个?半?月|\d+(?:\.\d+)?年|\d+天)(以上|及以上)?")


def _months(token: str) -> float:
    if token == "半年":
        return 6.0
    value = float(re.match(r"\d+(?:\.\d+)?", token).group(0))  # type: ignore[union-attr]
    if token.endswith("天"):
        return round(value / 30, 1)
    return value * 12 if token.endswith("年") else value + (0.5 if "半" in token else 0)


def check_conditions(ctx: CallContext, item: Item, cond: Conditions) -> Outcome:
    context = ctx.cr.phrases(cond.duration_context)
    invented = [ctx.cr.regex(p) for p in cond.not_required]
    denials = ctx.cr.pack.denials
    good: list[Seg] = []
    bad: list[str] = []
    evid: list[Seg] = []
    for s in ctx.candidates(ctx.of(AGENT), (), [_DURATION, *invented]):
        text = s.norm
        for m in _DURATION.finditer(text):
            before = text[max(0, m.start() - 8) : m.start()]
            if not any(c in before for c in context):
                continue
            required = (
                before.endswith("满")
                or m.group(2)
                or any(w in before for w in ("要", "须", "至少"))
            )
            if not required:
                continue
            if abs(_months(m.group(1)) - cond.duration_months) < 1e-6:
                good.append(s)
            else:
                bad.append(
                    ctx.msg("wrong_duration", said=m.group(0), where=ctx.where(s), quote=quote(s))
                )
                evid.append(s)
        for rx in invented:
            hit = next(
                (
                    h
                    for h in rx.finditer(text)
                    if not any(
                        d in h.group(0) or d in text[max(0, h.start() - 3) : h.start()]
                        for d in denials
                    )
                ),
                None,
            )
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
    return passed(ctx.msg("conditions_ok", what=ctx.msg("sep").join(named)), *good[:1])
