"""regex: a regular expression on normalised text must (not) match, with exclusions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from qa_pipeline.rubric.checks import Strict, compile_patterns
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    covered,
    failed,
    passed,
    quote,
)
from qa_pipeline.scoring.registry import check_kind

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext


class RegexCheck(Strict):
    """A regular expression must (``expect: present``) or must not match, with exclusions."""

    kind: Literal["regex"]
    pattern: str
    exclude: list[str] = Field(default_factory=list)
    expect: Literal["present", "absent"] = "present"

    _check = field_validator("exclude")(classmethod(lambda cls, v: compile_patterns(v)))

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        return compile_patterns([v])[0]

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(lang, f"regex_{self.expect}", pattern=self.pattern)


@check_kind(RegexCheck)
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
