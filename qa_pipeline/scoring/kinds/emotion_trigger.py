"""emotion_trigger: after the caller's first upset turn, the agent acknowledges it (安抚共情)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from qa_pipeline.models import Status
from qa_pipeline.rubric.checks import PhraseGroup, Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    na,
    passed,
    quote,
)
from qa_pipeline.scoring.derived import soothes
from qa_pipeline.scoring.registry import check_kind
from qa_pipeline.scoring.search import respond

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext


class EmotionTrigger(Strict):
    """After the caller's first negative turn, the agent responds within N agent turns."""

    kind: Literal["emotion_trigger"]
    respond: PhraseGroup
    within_turns: int = Field(2, ge=1)

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(
            lang,
            "emotion_trigger",
            within_turns=self.within_turns,
            respond=self.respond.label(lang),
        )


@check_kind(EmotionTrigger)
def emotion_trigger(ctx: CallContext, item: Item, p: EmotionTrigger) -> Outcome:
    """After the caller's first negative turn the agent acknowledges it within N turns."""
    anchor = ctx.first_negative()
    if anchor is None:
        return na(ctx.msg("no_negative"))
    out = respond(ctx, item.speaker, anchor, ctx.cr.group(p.respond), p.within_turns)
    if out.status is Status.FAIL:  # the language pack's soothing wordings answer too
        after = [s for s in ctx.segs if s.index > anchor.index and s.speaker == item.speaker]
        hit = next((s for s in after[: p.within_turns] if soothes(ctx, s)), None)
        if hit is not None:
            return passed(
                ctx.msg("ack", where=ctx.where(hit), anchor=quote(anchor), quote=quote(hit)),
                anchor,
                hit,
            )
    return out
