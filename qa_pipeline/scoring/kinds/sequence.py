"""sequence: after an anchor turn, the item's speaker answers within N turns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from qa_pipeline.rubric.checks import PhraseGroup, Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    na,
)
from qa_pipeline.scoring.registry import check_kind
from qa_pipeline.scoring.search import respond

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext


class Sequence(Strict):
    """After the first anchor turn (``then`` speaker), B follows within N turns."""

    kind: Literal["sequence"]
    anchor: PhraseGroup
    anchor_speaker: Literal["agent", "caller", "any"] = "caller"
    then: PhraseGroup
    within_turns: int = Field(2, ge=1)

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(
            lang,
            "sequence",
            anchor=self.anchor.label(lang),
            within_turns=self.within_turns,
            then=self.then.label(lang),
        )


@check_kind(Sequence)
def sequence(ctx: CallContext, item: Item, p: Sequence) -> Outcome:
    """After the first anchor turn, the item's speaker says B within N of its turns."""
    anchor_g = ctx.cr.group(p.anchor)
    anchor = ctx.find(anchor_g, ctx.of(p.anchor_speaker))
    if anchor is None:
        return na(ctx.msg("no_anchor"))
    return respond(ctx, item.speaker, anchor, ctx.cr.group(p.then), p.within_turns)
