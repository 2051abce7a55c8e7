"""The team weak-point report for trainers (培训薄弱项报告).

:func:`team_document` assembles the sections: a heatmap of fail rates (agents × items),
the weak items by class and training priority, policy accuracy by topic and, given a
training date, the training effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from qa_pipeline.errors import ReportError
from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports import charts
from qa_pipeline.reports.builders import item_name, kpis, prepare, safe_name, tuples
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import Document, RubricInfo, Section, Table, fmt_num, fmt_pct, rows
from qa_pipeline.reports.periods import Period


@dataclass(frozen=True)
class _Team:
    """One team's period: its calls and verdicts, and the item fail rates."""

    team: str
    period: Period
    rubric: RubricInfo
    lab: dict[str, str]
    scores: pd.DataFrame
    items: pd.DataFrame
    #: Fail rates per agent and item, and per item for the whole team.
    by_agent: pd.DataFrame
    rates: pd.DataFrame


def _team(
    scores: pd.DataFrame, items: pd.DataFrame, team: str, period: Period, rubric: RubricInfo
) -> _Team:
    scores, items = prepare(scores, items, rubric)
    scores = scores[scores["team"] == team]
    if scores.empty:
        raise ReportError(f"team {team!r} has no calls scored with {rubric.id} in {period.spec}")
    items = items[items["call_id"].isin(scores["call_id"])]
    return _Team(
        team=team,
        period=period,
        rubric=rubric,
        lab=labels(rubric.language),
        scores=scores,
        items=items,
        by_agent=agg.item_rates(items, by=["agent_id"]),
        rates=agg.item_rates(items),
    )


def _heatmap_section(t: _Team) -> Section | None:
    """Fail rates of every agent on every item (thin samples blank)."""
    item_ids = [i.id for i in t.rubric.items if i.id in set(t.rates["item_id"])]
    agents = sorted(t.scores["agent_id"].dropna().unique())
    if not (item_ids and agents):
        return None
    by_agent = t.by_agent
    piv = by_agent.assign(rate=by_agent["fail_rate"].where(~by_agent["thin"].astype(bool)))
    grid = piv.pivot_table(
        index="agent_id", columns="item_id", values="rate", aggfunc="first", dropna=False
    )
    grid = grid.reindex(index=agents, columns=item_ids)
    svg = charts.heatmap(
        agents,
        [item_name(t.rubric, i) for i in item_ids],
        grid.to_numpy(dtype=float),
        label=t.lab["fail_rate"] + " %",
    )
    return Section(t.lab["heatmap"], svg=svg, note=t.lab["thin"])


def _priority_section(t: _Team) -> Section:
    """Each item's class (common, individual…) and its training priority."""
    lab = t.lab
    prio = agg.training_priority(t.rates, agg.classify_items(t.by_agent))
    prow, flags = [], []
    for r in tuples(prio[prio["opportunities"] != 0]):
        prow.append(
            (
                item_name(t.rubric, r.item_id),
                int(r.opportunities),
                fmt_pct(r.fail_rate),
                fmt_num(r.points_lost),
                fmt_pct(r.coverage),
                lab.get(str(r.category), lab["thin_short"]),
                r.weak_agent_ids or "",
                fmt_num(r.priority, 0),
            )
        )
        flags.append(bool(r.thin))
    cols = (
        lab["item"],
        lab["opportunities"],
        lab["fail_rate"],
        lab["points_lost"],
        lab["coverage"],
        lab["class"],
        lab["weak_agents"],
        lab["priority"],
    )
    table = Table(cols, rows(prow), "priority", tuple(flags))
    return Section(lab["classes"], paragraphs=(lab["rule"],), tables=(table,))


def _policy_section(t: _Team) -> Section | None:
    """Accuracy of the policy answers per item against the target, or ``None``."""
    rubric, lab = t.rubric, t.lab
    policy_ids = [i.id for i in rubric.items if i.dimension == rubric.policy_dimension]
    pol = t.rates[t.rates["item_id"].isin(policy_ids)]
    if not len(pol):
        return None
    prows = []
    for r in tuples(pol):
        acc = 1 - r.fail_rate if r.opportunities else math.nan
        prows.append(
            (
                item_name(rubric, r.item_id),
                int(r.opportunities),
                f"{fmt_pct(acc)} [{fmt_pct(1 - r.fail_high)}–{fmt_pct(1 - r.fail_low)}]",
                fmt_pct(rubric.policy_target),
                fmt_pct(acc - rubric.policy_target if acc == acc else math.nan),
            )
        )
    cols = (lab["item"], lab["opportunities"], lab["accuracy"], lab["target"], lab["gap"])
    return Section(lab["policy"], tables=(Table(cols, rows(prows), "policy"),))


def _training_section(
    t: _Team, since: pd.Timestamp | None, effect_items: pd.DataFrame | None
) -> Section | None:
    """Fail rates before and after a training date, with a test of the difference."""
    if since is None:
        return None
    lab = t.lab
    eff = effect_items if effect_items is not None else t.items
    eff = eff[(eff["rubric_id"] == t.rubric.id) & (eff["team"] == t.team)]
    erows = [
        (
            item_name(t.rubric, b.item_id),
            f"{fmt_pct(b.before_rate)} (n={b.before_n})",
            f"{fmt_pct(b.after_rate)} (n={b.after_n})",
            b.test or "–",
            fmt_num(b.p_value, 3),
            lab["yes"] if b.significant else lab["no"],
        )
        for b in agg.before_after(eff, since)
    ]
    cols = (
        lab["item"],
        lab["before"],
        lab["after"],
        lab["test"],
        lab["p_value"],
        lab["meaningful"],
    )
    note = (
        f"{lab['since']}: {since:%Y-%m-%d}. z = two-proportion z-test; "
        "fisher = Fisher exact (small counts); p < 0.05."
    )
    table = Table(cols, rows(erows), "training_effect")
    return Section(lab["training"], tables=(table,), note=note)


def team_document(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    team: str,
    period: Period,
    rubric: RubricInfo,
    since: pd.Timestamp | None = None,
    effect_items: pd.DataFrame | None = None,
) -> Document:
    """The team weak-point report for trainers (培训薄弱项报告).

    Args:
        scores: Scores of the period (filtered to ``team`` here).
        items: Item verdicts of the period.
        team: The team.
        period: The report period.
        rubric: Rubric facts.
        since: Date of a training event: pass rates before/after it are compared.
        effect_items: Item verdicts covering both sides of ``since`` (default ``items``).

    Returns:
        The report, ready for the writers.

    Raises:
        ReportError: the team has no scored calls in the period.
    """
    t = _team(scores, items, team, period, rubric)
    sections = (
        _heatmap_section(t),
        _priority_section(t),
        _policy_section(t),
        _training_section(t, since, effect_items),
    )
    lab = t.lab
    sub = f"{lab['team']} {team} · {lab['period']} {period.spec}"
    sub += f" · {lab['rubric']} {rubric.name} {rubric.version}"
    return Document(
        "team",
        lab["team_title"],
        sub,
        rubric.language,
        f"team_{safe_name(team)}_{period.slug}",
        kpis(lab, agg.call_summary(t.scores, t.items, rubric.pass_mark), None),
        tuple(s for s in sections if s is not None),
    )
