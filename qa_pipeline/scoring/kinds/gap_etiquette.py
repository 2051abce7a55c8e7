"""gap_etiquette: holds are announced, long ones followed by thanks (静音与等待)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from qa_pipeline.rubric.checks import PhraseGroup, Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    failed,
    passed,
    quote,
    review,
)
from qa_pipeline.scoring.registry import check_kind
from qa_pipeline.scoring.timing import holds

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext, Seg


class GapEtiquette(Strict):
    """Holds: announce before a silence > min_gap_s, thank after one > long_gap_s."""

    kind: Literal["gap_etiquette"]
    min_gap_s: float = 10.0
    long_gap_s: float = 30.0
    before: PhraseGroup
    after: PhraseGroup

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(
            lang,
            "gap_etiquette",
            min_gap_s=self.min_gap_s,
            before=self.before.label(lang),
            long_gap_s=self.long_gap_s,
            after=self.after.label(lang),
        )


@check_kind(GapEtiquette)
def gap_etiquette(ctx: CallContext, item: Item, p: GapEtiquette) -> Outcome:
    """Each hold is announced before; a long hold is followed by thanks or an apology."""
    if not ctx.has_times:
        return review(ctx.msg("no_times_hold"))
    found = holds(ctx, p.min_gap_s)
    if not found:
        return passed(ctx.msg("no_hold"))
    before = ctx.cr.group(p.before)
    after = ctx.cr.group(p.after)
    problems: list[str] = []
    evid: list[Seg] = []
    hinge: list[Seg] = []
    looked_for: list[str] = []
    for h in found:
        if h.before is None or not ctx.matches(before, h.before):
            said = f"「{quote(h.before)}」" if h.before else ctx.msg("nothing")
            problems.append(
                ctx.msg("hold_unannounced", d=f"{h.duration:.1f}", t=f"{h.start:.1f}", said=said)
            )
            evid.extend(s for s in (h.before, h.after) if s is not None)
            hinge.extend(s for s in (h.before,) if s is not None)
            looked_for.extend(before.phrases)
        elif h.duration > p.long_gap_s + h.margin and not ctx.matches(after, h.after):
            problems.append(
                ctx.msg("hold_no_thanks", d=f"{h.duration:.1f}", t=f"{h.after.start:.1f}")
            )
            evid.extend((h.before, h.after))
            hinge.append(h.after)
            looked_for.extend(after.phrases)
    if problems:
        return failed(ctx.msg("sep").join(problems), tuple(evid), tuple(hinge), tuple(looked_for))
    return passed(ctx.msg("holds_ok", n=len(found)), *(h.after for h in found))
