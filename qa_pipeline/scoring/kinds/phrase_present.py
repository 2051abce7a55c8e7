"""phrase_present: the speaker says something from every (or any) group of wordings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from qa_pipeline.rubric.checks import PhraseGroup, Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    failed,
    passed,
    quote,
)
from qa_pipeline.scoring.registry import check_kind
from qa_pipeline.scoring.search import echo_hit

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext, Seg


class PhrasePresent(Strict):
    """The speaker says something from every group (``all``) or from one (``any``)."""

    kind: Literal["phrase_present"]
    groups: list[PhraseGroup] = Field(min_length=1)
    mode: Literal["all", "any"] = "all"

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        labels = phrase(lang, "phrase_present_sep").join(g.label(lang) for g in self.groups)
        return phrase(lang, f"phrase_present_{self.mode}", groups=labels)


@check_kind(PhrasePresent)
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
