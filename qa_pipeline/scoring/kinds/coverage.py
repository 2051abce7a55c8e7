"""coverage: every required material of each topic the call is about is told (一次性告知)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from qa_pipeline.models import AGENT
from qa_pipeline.rubric.checks import Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.scoring.base import (
    Outcome,
    failed,
    na,
    occurrences,
    passed,
)
from qa_pipeline.scoring.registry import check_kind

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext, Seg


class Coverage(Strict):
    """Every required item of a knowledge materials list is mentioned (一次性告知)."""

    kind: Literal["coverage"]
    materials: list[str] = Field(min_length=1, description="keys of knowledge.materials")

    def rubric_problems(self, rubric: Any) -> list[tuple[str, str]]:
        """References to knowledge tables the rubric lacks (field, message)."""
        return [
            ("materials", f"missing knowledge table: knowledge.materials.{key}")
            for key in self.materials
            if key not in rubric.knowledge.materials
        ]

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        sep = phrase(lang, "coverage_sep")
        return phrase(lang, "coverage", materials=sep.join(self.materials))


def _mentioned(ctx: CallContext, phrases: tuple[str, ...], segs: list[Seg]) -> Seg | None:
    negations = ctx.cr.pack.negations
    window = ctx.opts.negation_window
    for s in ctx.candidates(segs, phrases, []):
        text = s.norm
        for ph in phrases:
            for i in occurrences(text, ph):
                before = text[max(0, i - window) : i]
                after = text[i + len(ph) : i + len(ph) + window]
                if not any(n in before or after.startswith(n) or n in after[:3] for n in negations):
                    return s
    return None


@check_kind(Coverage)
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
