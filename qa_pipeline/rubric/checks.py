"""Shared pieces of check-kind parameters: strict models, phrase groups, pattern checks.

Each check kind's own parameter model lives with its function in
:mod:`qa_pipeline.scoring.kinds` (one module per kind, registered by a decorator); the
rubric schema builds its union of kinds from that registry.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa_pipeline.lang.patterns import compile_regex
from qa_pipeline.rubric import describe


class Strict(BaseModel):
    """Base of every parameter model: unknown fields are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_Strict = Strict


def _quote(phrases: list[str] | tuple[str, ...], lang: str, limit: int = 4) -> str:
    shown = list(phrases[:limit])
    more = len(phrases) - len(shown)
    t = describe.phrases(lang)
    text = t["quote_sep"].join(t["quote"].format(phrase=p) for p in shown)
    return text + (t["quote_more"].format(total=len(phrases), more=more) if more > 0 else "")


def compile_patterns(patterns: list[str]) -> list[str]:
    """Return ``patterns`` unchanged, raising ``ValueError`` on one that does not compile."""
    for p in patterns:
        try:
            compile_regex(p)
        except re.error as exc:
            raise ValueError(f"regex {p!r} does not compile: {exc}") from None
    return patterns


class Echo(Strict):
    """A turn ending in a tag question that repeats the caller's own words counts."""

    tags: list[str] = Field(min_length=1, description="tag questions: 是吧, 对吧, 对吗 …")
    min_shared: int = Field(4, ge=1, description="distinct content bigrams shared with the caller")
    tail: int = Field(8, ge=1, description="the tag must sit in the turn's last N characters")
    repeat_ratio: float = Field(
        0.6,
        gt=0,
        le=1,
        description="without a tag: share of the caller's last turn read back (an address)",
    )


class PhraseGroup(Strict):
    """Alternatives that count as the same thing (any one of them will do)."""

    name: str = ""
    any: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(
        default_factory=list, description="regexes: a hit inside one of these does not count"
    )
    echo: Echo | None = None
    fuzzy: bool = True

    _check_patterns = field_validator("patterns", "exclude")(
        classmethod(lambda cls, v: compile_patterns(v))
    )

    def label(self, lang: str) -> str:
        """The group's name, or its first phrases quoted."""
        return self.name or _quote(self.any or self.patterns, lang, 3)


quote_phrases = _quote
