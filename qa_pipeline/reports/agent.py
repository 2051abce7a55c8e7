"""The agent coaching report (个人辅导报告): one agent's period against their team.

:func:`agent_document` assembles the sections in reading order: grades, score trend,
items against the team, weak items with evidence, coaching, strengths, calls to hear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qa_pipeline.errors import ReportError
from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports import charts
from qa_pipeline.reports.builders import (
    call_table,
    clock,
    evidence,
    item_name,
    kpis,
    prepare,
    safe_name,
    trend_section,
    tuples,
)
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import (
    Document,
    Link,
    RubricInfo,
    Section,
    Table,
    fmt_num,
    fmt_pct,
    recording_link,
    rows,
)
from qa_pipeline.reports.periods import Period

#: Evidence excerpts shown per weak item, weak items per agent.
EXCERPTS, WEAK_ITEMS = 3, 5


@dataclass(frozen=True)
class _Agent:
    """One agent's period: their calls and verdicts, and their team's verdicts."""

    agent_id: str
    team: str
    period: Period
    rubric: RubricInfo
    lab: dict[str, str]
    scores: pd.DataFrame
    items: pd.DataFrame
    team_items: pd.DataFrame
    link_base: Path | None


def _agent(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    agent_id: str,
    period: Period,
    rubric: RubricInfo,
    link_base: Path | None,
) -> _Agent:
    scores, items = prepare(scores, items, rubric)
    mine = scores[scores["agent_id"] == agent_id]
    if mine.empty:
        raise ReportError(
            f"agent {agent_id!r} has no calls scored with {rubric.id} in {period.spec}"
        )
    team = str(mine["team"].dropna().iloc[0]) if mine["team"].notna().any() else ""
    peers = scores[scores["team"] == team] if team else scores
    return _Agent(
        agent_id=agent_id,
        team=team,
        period=period,
        rubric=rubric,
        lab=labels(rubric.language),
        scores=mine,
        items=items[items["agent_id"] == agent_id],
        team_items=items[items["call_id"].isin(peers["call_id"])],
        link_base=link_base,
    )


def _grades_section(a: _Agent) -> Section:
    """How many of the agent's calls got each grade (the rubric's grades first)."""
    grades = a.scores["grade"].fillna("–").value_counts()
    known = dict(a.rubric.grades)
    order = [g for g, _ in a.rubric.grades] + [g for g in grades.index if g not in known]
    gt = [
        (g, int(grades.get(g, 0)), fmt_pct(grades.get(g, 0) / len(a.scores)))
        for g in order
        if g in grades.index or g in known
    ]
    lab = a.lab
    table = Table((lab["grade"], lab["calls"], lab["share"]), rows(gt), name="grades")
    return Section(lab["grades"], tables=(table,))


def _agent_trend_section(a: _Agent, history: pd.DataFrame | None, tz: str) -> Section | None:
    """The agent's score over earlier periods and this one."""
    hist = pd.concat([history, a.scores]) if history is not None and len(history) else a.scores
    hist = hist[
        (hist["agent_id"] == a.agent_id) & (hist["rubric_id"] == a.rubric.id)
    ].drop_duplicates("call_id", keep="last")
    return trend_section(a.lab, hist, a.period, tz, a.rubric)


def _ranked_items(a: _Agent) -> pd.DataFrame:
    """The agent's item fail rates with the team's, worst first (thin samples last)."""
    mine_r = agg.item_rates(a.items)
    team_r = agg.item_rates(a.team_items).set_index("item_id")
    order_ids = [i.id for i in a.rubric.items]
    mine_r["order"] = mine_r["item_id"].map({k: n for n, k in enumerate(order_ids)}).fillna(999)
    mine_r["team_rate"] = mine_r["item_id"].map(team_r["fail_rate"]) if len(team_r) else math.nan
    return mine_r.sort_values(["thin", "fail_rate", "order"], ascending=[True, False, True])


def _solid(ranked: pd.DataFrame) -> pd.DataFrame:
    """Items with enough opportunities to judge."""
    return ranked[(~ranked["thin"]) & (ranked["opportunities"] > 0)]


def _weak(solid: pd.DataFrame) -> pd.DataFrame:
    """Items the agent fails often, or surely more often than the team."""
    return solid[
        (solid["fails"] > 0)
        & (
            (solid["fail_rate"] >= agg.WEAK_RATE)
            | (solid["fail_low"] > solid["team_rate"].fillna(1.0))
        )
    ].head(WEAK_ITEMS)


def _items_chart(a: _Agent, solid: pd.DataFrame) -> str:
    """Bars of the agent's ten worst fail rates against the team's."""
    if not len(solid):
        return ""
    top = solid.head(10)
    lab = a.lab
    return charts.bar_chart(
        [item_name(a.rubric, i) for i in top["item_id"]],
        top["fail_rate"].tolist(),
        compare=top["team_rate"].fillna(0).tolist(),
        compare_label=lab["team_fail_rate"],
        value_label=lab["fail_rate"],
        xlabel=lab["fail_rate"] + " %",
    )


def _items_section(a: _Agent, ranked: pd.DataFrame) -> Section:
    """Every applicable item: the agent's fail rate, the team's, points lost."""
    lab = a.lab
    item_rows, flags = [], []
    for r in tuples(ranked[ranked["opportunities"] != 0]):
        item_rows.append(
            (
                item_name(a.rubric, r.item_id),
                int(r.opportunities),
                int(r.fails),
                f"{fmt_pct(r.fail_rate)} [{fmt_pct(r.fail_low)}–{fmt_pct(r.fail_high)}]",
                fmt_pct(r.team_rate),
                fmt_num(r.points_lost),
                lab["thin_short"] if r.thin else "",
            )
        )
        flags.append(bool(r.thin))
    cols = (
        lab["item"],
        lab["opportunities"],
        lab["fails"],
        lab["fail_rate"],
        lab["team_fail_rate"],
        lab["points_lost"],
        "",
    )
    table = Table(cols, rows(item_rows), "items", tuple(flags))
    return Section(
        lab["items"], svg=_items_chart(a, _solid(ranked)), tables=(table,), note=lab["thin"]
    )


def _excerpts(a: _Agent, item_id: str, n: int) -> list[tuple[Any, ...]]:
    """Up to ``n`` of the agent's failed verdicts on an item, as evidence rows.

    Each row: the item, the longest quote (or the reason), its time, the call and a
    link to hear it there.
    """
    items = a.items
    fails = items[(items["item_id"] == item_id) & (items["status"] == "fail")]
    out: list[tuple[Any, ...]] = []
    for row in tuples(fails.head(n)):
        ev = evidence(row.evidence)
        if ev:
            e = max(ev, key=lambda x: len(str(x.get("text", ""))))
            start = float(e.get("start", 0) or 0)
            quote, who = str(e.get("text", "")), str(e.get("speaker", ""))
        else:
            start, quote, who = 0.0, str(row.reason or ""), ""
        href = recording_link(row.recording_path, start, a.link_base)
        out.append(
            (
                item_name(a.rubric, item_id),
                f"{who}: {quote}" if who else quote,
                clock(start),
                str(row.call_id),
                Link("▶ " + clock(start), href),
            )
        )
    return out


def _weak_items_section(a: _Agent, weak: pd.DataFrame) -> Section:
    """The weak items by name, with excerpts of what was said on failed calls."""
    lab = a.lab
    ev_rows = [row for i in weak["item_id"] for row in _excerpts(a, i, EXCERPTS)]
    weak_names = "、".join(item_name(a.rubric, i) for i in weak["item_id"]) or "–"
    table = Table(
        (lab["item"], lab["quote"], lab["time"], lab["call"], lab["listen"]),
        rows(ev_rows),
        "evidence",
    )
    return Section(lab["weak_items"], paragraphs=(weak_names,), tables=(table,))


def _coaching_section(a: _Agent, weak: pd.DataFrame) -> Section | None:
    """The rubric's coaching text for each weak item that has one."""
    zh = a.rubric.language.startswith("zh")
    paras = []
    for item_id in weak["item_id"]:
        info = a.rubric.item(item_id)
        if info and info.coaching:
            name = item_name(a.rubric, item_id)
            paras.append(f"【{name}】{info.coaching}" if zh else f"[{name}] {info.coaching}")
    return Section(a.lab["coaching"], paragraphs=tuple(paras)) if paras else None


def _strengths_section(a: _Agent, solid: pd.DataFrame) -> Section | None:
    """Up to five items the agent does at least as well as the team."""
    strong = (
        solid[solid["fail_rate"] <= solid["team_rate"].fillna(0)].sort_values("fail_rate").head(5)
    )
    if not len(strong):
        return None
    text = "、".join(
        f"{item_name(a.rubric, r.item_id)} ({fmt_pct(1 - r.fail_rate)})" for r in tuples(strong)
    )
    return Section(a.lab["strengths"], paragraphs=(text,))


def _listen_first_section(a: _Agent) -> Section:
    """The five calls to hear first: critical fails, then the lowest scores."""
    worst = (
        a.scores.assign(_c=~a.scores["critical_failed"].astype(bool))
        .sort_values(["_c", "score"])
        .head(5)
    )
    table = call_table(a.lab, worst, a.items, a.link_base, "listen_first")
    return Section(a.lab["listen_first"], tables=(table,))


def _subtitle(a: _Agent) -> str:
    lab, rubric = a.lab, a.rubric
    sub = f"{lab['agent']} {a.agent_id}" + (f" · {lab['team']} {a.team}" if a.team else "")
    return sub + (
        f" · {lab['period']} {a.period.spec} · {lab['rubric']} {rubric.name} {rubric.version}"
    )


def agent_document(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    agent_id: str,
    period: Period,
    rubric: RubricInfo,
    history: pd.DataFrame | None = None,
    link_base: Path | None = None,
    tz: str = "Asia/Shanghai",
) -> Document:
    """The agent coaching report (个人辅导报告).

    Args:
        scores: Scores of the period for the agent's team (or everyone): the team is the
            comparison for fail rates.
        items: Item verdicts of the same calls.
        agent_id: The agent.
        period: The report period.
        rubric: Rubric facts.
        history: Scores of the agent over earlier periods (trend); optional.
        link_base: Folder the recording links are made relative to (the report folder).
        tz: Time zone for trend buckets.

    Returns:
        The report, ready for the writers.

    Raises:
        ReportError: the agent has no scored calls in the period.
    """
    a = _agent(scores, items, agent_id, period, rubric, link_base)
    ranked = _ranked_items(a)
    weak = _weak(_solid(ranked))
    sections = (
        _grades_section(a),
        _agent_trend_section(a, history, tz),
        _items_section(a, ranked),
        _weak_items_section(a, weak),
        _coaching_section(a, weak),
        _strengths_section(a, _solid(ranked)),
        _listen_first_section(a),
    )
    summary = agg.call_summary(a.scores, a.items, rubric.pass_mark)
    return Document(
        "agent",
        a.lab["agent_title"],
        _subtitle(a),
        rubric.language,
        f"agent_{safe_name(agent_id)}_{period.slug}",
        kpis(a.lab, summary, None),
        tuple(s for s in sections if s is not None),
    )
