"""hostility: the speaker never answers with hostility, mockery, blame or insults."""

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


class Hostility(Strict):
    """The speaker never answers with hostility, mockery, blame or insults."""

    kind: Literal["hostility"]
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    allowed: list[str] = Field(default_factory=list)

    _check = field_validator("patterns", "allowed")(classmethod(lambda cls, v: compile_patterns(v)))

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(lang, "hostility", phrases=quote_phrases(self.phrases, lang, 3))


@check_kind(Hostility)
def hostility(ctx: CallContext, item: Item, p: Hostility) -> Outcome:
    """The speaker never answers with hostility, mockery, blame or insults."""
    segs = ctx.window(item.speaker, item.window)
    spec = violation_spec(ctx, p.phrases, p.patterns, p.allowed)
    hits = find_violations(ctx, segs, spec)
    if hits:
        return hits_outcome(ctx, item, hits, "hostile")
    if item.critical:
        doubt = misheard_outcome(ctx, segs, spec)
        if doubt is not None:
            return doubt
    return passed(ctx.cr.pack.msg("no_hostility"))
