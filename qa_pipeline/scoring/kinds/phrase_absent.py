"""phrase_absent: the speaker never says a listed phrase (服务禁语)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from qa_pipeline.rubric.checks import Strict, compile_patterns, quote_phrases
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    passed,
)
from qa_pipeline.scoring.misheard import misheard_outcome
from qa_pipeline.scoring.registry import check_kind
from qa_pipeline.scoring.search import find_violations, hits_outcome, violation_spec

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext


class PhraseAbsent(Strict):
    """The speaker never says a listed phrase; ``allowed`` look-alikes do not count."""

    kind: Literal["phrase_absent"]
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    allowed: list[str] = Field(default_factory=list, description="regexes of polite look-alikes")

    _check = field_validator("patterns", "allowed")(classmethod(lambda cls, v: compile_patterns(v)))

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        out = phrase(lang, "phrase_absent", phrases=quote_phrases(self.phrases, lang, 6))
        return out + (phrase(lang, "phrase_absent_allowed") if self.allowed else "")


@check_kind(PhraseAbsent)
def phrase_absent(ctx: CallContext, item: Item, p: PhraseAbsent) -> Outcome:
    """The speaker never says a listed phrase (polite look-alikes in ``allowed`` excepted)."""
    segs = ctx.window(item.speaker, item.window)
    spec = violation_spec(ctx, p.phrases, p.patterns, p.allowed)
    hits = find_violations(ctx, segs, spec)
    if hits:
        return hits_outcome(ctx, item, hits, "said_forbidden")
    if item.critical:
        doubt = misheard_outcome(ctx, segs, spec)
        if doubt is not None:
            return doubt
    return passed(ctx.cr.pack.msg("no_forbidden"))
