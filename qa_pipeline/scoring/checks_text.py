"""Check kinds on wording: phrase present/absent, regex, sequence, coverage, hostility."""

from __future__ import annotations

from qa_pipeline.models import AGENT
from qa_pipeline.rubric.checks import (
    Coverage,
    Hostility,
    PhraseAbsent,
    PhrasePresent,
    RegexCheck,
    Sequence,
)
from qa_pipeline.rubric.schema import Item
from qa_pipeline.scoring.base import (
    Outcome,
    covered,
    failed,
    na,
    occurrences,
    passed,
    quote,
    review,
)
from qa_pipeline.scoring.context import CallContext, Seg
from qa_pipeline.scoring.search import Hit, ViolationSpec, echo_hit, find_violations

_NEGATIONS = ("不用", "不需要", "不要", "无需", "不必", "用不着")


def phrase_present(ctx: CallContext, item: Item, p: PhrasePresent) -> Outcome:
    """The speaker says something from every (or any) group inside the item's window."""
    segs = ctx.window(item.speaker, item.window)
    limit = item.window.start_within_s
    if limit is not None and segs and ctx.has_times and segs[0].start > limit:
        return failed(
            ctx.msg("late_start", t=f"{segs[0].start:.1f}", limit=f"{limit:g}"), (segs[0],), ()
        )
    found: list[Seg] = []
    missing: list[str] = []
    looked_for: list[str] = []
    for g in p.groups:
        cg = ctx.cr.group(g)
        hit = ctx.find(cg, segs)
        if hit is None and g.echo is not None:
            hit = echo_hit(ctx, g.echo, cg.tags, segs)
        if hit is None:
            missing.append(g.label(ctx.language))
            looked_for.extend(cg.phrases)
        elif hit not in found:
            found.append(hit)
    ok = not missing if p.mode == "all" else len(missing) < len(p.groups)
    if ok:
        what = ctx.msg("sep").join(f"{ctx.where(s)}「{quote(s)}」" for s in found)
        return passed(ctx.msg("found", what=what), *found)
    if not segs:
        return failed(ctx.msg("silent_window", item=item.name))
    key = "missing_any" if p.mode == "any" else "missing"
    return failed(
        ctx.msg(key, item=item.name, what=ctx.msg("sep").join(missing)),
        tuple(found),
        tuple(segs),
        tuple(looked_for),
    )


def _spec(
    ctx: CallContext, phrases: list[str], patterns: list[str], allowed: list[str]
) -> ViolationSpec:
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


def _where(ctx: CallContext, s: Seg) -> str:
    return (
        ctx.cr.pack.msg("at", t=f"{s.start:.1f}")
        if ctx.has_times
        else ctx.cr.pack.msg("at_turn", n=s.index + 1)
    )


def _hits_outcome(ctx: CallContext, item: Item, hits: list[Hit], key: str) -> Outcome:
    """Fail on wording a person accepts; sound-alike matches alone give review on a
    critical item (a zeroed call must rest on what was said, not on what it sounds like)."""
    msg = ctx.cr.pack.msg
    firm = [h for h in hits if h.how != "sound_alike" or not item.critical]
    desc = "; ".join(
        msg(key, phrase=h.phrase, said=h.said, where=ctx.where(h.seg), quote=quote(h.seg))
        + ("" if h.how in ("exact", "pattern") else msg("how_" + h.how, said=h.said))
        for h in (firm or hits)
    )
    if firm:
        return failed(desc, tuple(h.seg for h in firm))
    return review(msg("sound_alike_only", what=desc), *(h.seg for h in hits))


def phrase_absent(ctx: CallContext, item: Item, p: PhraseAbsent) -> Outcome:
    """The speaker never says a listed phrase (polite look-alikes in ``allowed`` excepted)."""
    segs = ctx.window(item.speaker, item.window)
    hits = find_violations(ctx, segs, _spec(ctx, p.phrases, p.patterns, p.allowed))
    if hits:
        return _hits_outcome(ctx, item, hits, "said_forbidden")
    return passed(ctx.cr.pack.msg("no_forbidden"))


def hostility(ctx: CallContext, item: Item, p: Hostility) -> Outcome:
    """The speaker never answers with hostility, mockery, blame or insults."""
    segs = ctx.window(item.speaker, item.window)
    hits = find_violations(ctx, segs, _spec(ctx, p.phrases, p.patterns, p.allowed))
    if hits:
        return _hits_outcome(ctx, item, hits, "hostile")
    return passed(ctx.cr.pack.msg("no_hostility"))


def regex(ctx: CallContext, item: Item, p: RegexCheck) -> Outcome:
    """A pattern (on normalised text) must be present, or absent, outside the exclusions."""
    segs = ctx.window(item.speaker, item.window)
    rx = ctx.cr.regex(p.pattern)
    excl = [ctx.cr.regex(x) for x in p.exclude]
    hits = []
    for s in segs:
        spans = [m.span() for e in excl for m in e.finditer(s.norm)]
        if any(not covered(spans, *m.span()) for m in rx.finditer(s.norm)):
            hits.append(s)
    if p.expect == "present":
        if hits:
            return passed(
                ctx.msg("matched", where=ctx.where(hits[0]), quote=quote(hits[0])), hits[0]
            )
        return failed(ctx.msg("no_match", pattern=p.pattern), (), tuple(segs), ())
    if hits:
        return failed(
            ctx.msg(
                "matched_bad", pattern=p.pattern, where=ctx.where(hits[0]), quote=quote(hits[0])
            ),
            tuple(hits),
        )
    return passed(ctx.msg("no_match", pattern=p.pattern))


def sequence(ctx: CallContext, item: Item, p: Sequence) -> Outcome:
    """After the first anchor turn, the item's speaker says B within N of its turns."""
    anchor_g = ctx.cr.group(p.anchor)
    anchor = ctx.find(anchor_g, ctx.of(p.anchor_speaker))
    if anchor is None:
        return na(ctx.msg("no_anchor"))
    return _respond(ctx, item.speaker, anchor, ctx.cr.group(p.then), p.within_turns)


def _respond(ctx: CallContext, speaker: str, anchor: Seg, group: object, within: int) -> Outcome:
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


def _mentioned(ctx: CallContext, phrases: tuple[str, ...], segs: list[Seg]) -> Seg | None:
    for s in ctx.candidates(segs, phrases, []):
        text = s.norm
        for ph in phrases:
            for i in occurrences(text, ph):
                before = text[max(0, i - 4) : i]
                after = text[i + len(ph) : i + len(ph) + 4]
                if not any(
                    n in before or after.startswith(n) or n in after[:3] for n in _NEGATIONS
                ):
                    return s
    return None


def coverage(ctx: CallContext, item: Item, p: Coverage) -> Outcome:
    """Every required material of each topic the call is about is mentioned (一次性告知)."""
    tables = [(k, ctx.cr.rubric.knowledge.materials[k]) for k in p.materials]
    tables = [(k, t) for k, t in tables if t.topic in ctx.topics]
    if not tables:
        return na(ctx.msg("no_material_topic"))
    segs = ctx.window(item.speaker if item.speaker != "any" else AGENT, item.window)
    missing: list[str] = []
    looked_for: list[str] = []
    found: list[Seg] = []
    for _key, table in tables:
        for mat in table.items:
            phrases = ctx.cr.phrases(mat.any)
            for v in mat.variants:
                if ctx.mentions(ctx.cr.phrases(v.when_mentioned), v.by):
                    phrases = ctx.cr.phrases(v.any)
                    break
            hit = _mentioned(ctx, phrases, segs)
            if hit is None:
                missing.append(f"{ctx.cr.rubric.knowledge.topics[table.topic].name}—{mat.name}")
                looked_for.extend(phrases)
            elif hit not in found:
                found.append(hit)
    if missing:
        return failed(
            ctx.msg("not_told", what=ctx.msg("sep").join(missing)),
            tuple(found),
            tuple(segs),
            tuple(looked_for),
        )
    return passed(ctx.msg("all_told"), *found)
