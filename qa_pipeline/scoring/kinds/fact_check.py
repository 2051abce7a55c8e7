"""fact_check: what the agent states agrees with a knowledge table (rates, conditions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from qa_pipeline.rubric.checks import Strict
from qa_pipeline.rubric.describe import phrase
from qa_pipeline.rubric.schema import RateTable
from qa_pipeline.scoring.base import (
    Outcome,
    na,
)
from qa_pipeline.scoring.facts import check_conditions, check_rates
from qa_pipeline.scoring.registry import check_kind

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.context import CallContext


class FactCheck(Strict):
    """What the agent states is compared with a knowledge table (rates or conditions)."""

    kind: Literal["fact_check"]
    table: str = Field(description="key of knowledge.rates or knowledge.conditions")
    critical_on: Literal["wrong_fact", "any_fail"] = "wrong_fact"

    def rubric_problems(self, rubric: Any) -> list[tuple[str, str]]:
        """A table key the rubric lacks (field, message)."""
        know = rubric.knowledge
        if self.table in know.rates or self.table in know.conditions:
            return []
        return [
            (
                "table",
                f"missing knowledge table: knowledge.rates.{self.table} "
                f"(or knowledge.conditions.{self.table})",
            )
        ]

    def describe(self, lang: str) -> str:
        """The check in plain language (templates of ``rubric/describe.yaml``)."""
        return phrase(lang, "fact_check", table=self.table)


@check_kind(FactCheck)
def fact_check(ctx: CallContext, item: Item, p: FactCheck) -> Outcome:
    """Compare what the agent states with ``knowledge.rates`` or ``knowledge.conditions``."""
    know = ctx.cr.rubric.knowledge
    table = know.rates.get(p.table) or know.conditions.get(p.table)
    if table is None:  # parse_rubric guarantees it; keep the engine total anyway
        return na(ctx.msg("no_table", table=p.table))
    if table.topic not in ctx.topics:
        return na(ctx.msg("not_about", topic=know.topics[table.topic].name))
    if isinstance(table, RateTable):
        out = check_rates(ctx, item, table)
    else:
        out = check_conditions(ctx, item, table)
    if p.critical_on == "any_fail" and out.critical is False:
        return Outcome(out.status, out.reason, out.evidence, out.hinge, True, out.absent)
    return out
