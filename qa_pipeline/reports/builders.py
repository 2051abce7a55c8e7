"""The three reports as :class:`Document` objects: agent coaching, team weak points,
management bulletin. Inputs are the store's frames (``frames.py`` columns)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from qa_pipeline.reports import aggregate as agg
from qa_pipeline.errors import ReportError
from qa_pipeline.reports.periods import Period
from qa_pipeline.reports import charts
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import (
    Document,
    Kpi,
    Link,
    RubricInfo,
    Section,
    Table,
    fmt_num,
    fmt_pct,
    recording_link,
    rows,
)

#: Evidence excerpts shown per weak item, weak items per agent, example calls.
EXCERPTS, WEAK_ITEMS, EXAMPLES = 3, 5, 3


def _tuples(frame: pd.DataFrame) -> Iterator[Any]:
    """Rows as named tuples, typed loosely (pandas cells are any type)."""
    return iter(frame.itertuples(index=False))


def _safe(text: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", str(text)).strip("_") or "x"


def _evidence(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [e for e in (value or []) if isinstance(e, dict)]


def _clock(seconds: float) -> str:
    s = int(max(0.0, float(seconds)))
    return f"{s // 60:02d}:{s % 60:02d}"


def _name(rubric: RubricInfo, item_id: str) -> str:
    info = rubric.item(item_id)
    return info.name if info else item_id


def _prep(
    scores: pd.DataFrame, items: pd.DataFrame, rubric: RubricInfo
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return agg.latest_version(scores, items, rubric.id)


def _change(now: float, before: float, pct: bool, higher_good: bool = True) -> tuple[str, str]:
    if now != now or before != before:
        return "", ""
    d = now - before
    text = f"{100 * d:+.1f}pt" if pct else f"{d:+.1f}"
    if abs(d) < 1e-9:
        return text, ""
    return text, "good" if (d > 0) == higher_good else "bad"


def _known(figures: dict[str, float], key: str) -> bool:
    """Whether ``figures`` has a number (not NaN) for ``key``."""
    return key in figures and not math.isnan(figures[key])


def _kpis(
    lab: dict[str, str], now: dict[str, float], before: dict[str, float] | None
) -> tuple[Kpi, ...]:
    spec = [
        ("calls", False, True, 0),
        ("mean", False, True, 1),
        ("pass_rate", True, True, 1),
        ("critical", False, False, 0),
        ("review_rate", True, False, 1),
    ]
    if _known(now, "intake_coverage"):
        spec.insert(1, ("intake_coverage", True, True, 1))
    out = []
    for key, pct, good, digits in spec:
        value = fmt_pct(now[key], digits) if pct else fmt_num(now[key], digits)
        if key == "mean" and now["mean_low"] == now["mean_low"]:
            value += f" [{now['mean_low']:.1f}–{now['mean_high']:.1f}]"
        if before is None or not _known(before, key):
            out.append(Kpi(lab[key], value))
            continue
        prev = fmt_pct(before[key], digits) if pct else fmt_num(before[key], digits)
        change, tone = _change(now[key], before[key], pct, good)
        out.append(Kpi(lab[key], value, prev, change, tone))
    return tuple(out)


def _trend_section(
    lab: dict[str, str], scores: pd.DataFrame, period: Period, tz: str, rubric: RubricInfo
) -> Section | None:
    freq = {"month": "MS", "week": "W-MON"}.get(period.kind, "D")
    t = agg.trend(scores, freq, tz, rubric.pass_mark)
    if len(t) < 2:
        return None
    fmt = "%Y-%m" if freq == "MS" else "%m-%d"
    names = [b.strftime(fmt) for b in t["bucket"]]
    svg = charts.line_chart(names, {lab["mean"]: t["mean"].tolist()}, ylabel=lab["mean"])
    table = Table(
        (lab["period"], lab["calls"], lab["mean"], lab["pass_rate"]),
        rows(
            [
                (n, c, fmt_num(m), fmt_pct(p))
                for n, c, m, p in zip(names, t["calls"], t["mean"], t["pass_rate"], strict=True)
            ]
        ),
        name="trend",
    )
    return Section(lab["trend"], svg=svg, tables=(table,))


def _best_excerpts(
    items: pd.DataFrame, item_id: str, base: Path | None, n: int
) -> list[tuple[Any, ...]]:
    fails = items[(items["item_id"] == item_id) & (items["status"] == "fail")]
    out: list[tuple[Any, ...]] = []
    for row in _tuples(fails):
        ev = _evidence(row.evidence)
        if ev:
            e = max(ev, key=lambda x: len(str(x.get("text", ""))))
            start = float(e.get("start", 0) or 0)
            quote, who = str(e.get("text", "")), str(e.get("speaker", ""))
        else:
            start, quote, who = 0.0, str(row.reason or ""), ""
        href = recording_link(row.recording_path, start, base)
        out.append(
            (
                f"{who}: {quote}" if who else quote,
                _clock(start),
                str(row.call_id),
                Link("▶ " + _clock(start), href),
                str(row.reason or ""),
            )
        )
        if len(out) >= n:
            break
    return out


def _call_table(
    lab: dict[str, str],
    calls: pd.DataFrame,
    items: pd.DataFrame,
    base: Path | None,
    name: str,
    who: str = "agent_id",
) -> Table:
    out = []
    for row in _tuples(calls):
        mine = items[items["call_id"] == row.call_id]
        worst = mine[mine["status"] == "fail"]
        reason, second = "", 0.0
        if len(worst):
            top = worst.sort_values("points", ascending=False).iloc[0]
            reason = f"{top['item_name']}: {top['reason'] or ''}".strip(": ")
            ev = _evidence(top["evidence"])
            second = float(ev[0].get("start", 0) or 0) if ev else 0.0
        link = Link("▶ " + _clock(second), recording_link(row.recording_path, second, base))
        out.append(
            (
                str(row.call_id),
                str(getattr(row, who)),
                fmt_num(row.score),
                str(row.grade or ""),
                reason,
                link,
            )
        )
    cols = (
        lab["call"],
        lab[who.replace("_id", "")],
        lab["score"],
        lab["grade"],
        lab["reason"],
        lab["listen"],
    )
    return Table(cols, rows(out), name=name)


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

    Raises:
        ReportError: the agent has no scored calls in the period.
    """
    lab = labels(rubric.language)
    scores, items = _prep(scores, items, rubric)
    mine_s = scores[scores["agent_id"] == agent_id]
    if mine_s.empty:
        raise ReportError(
            f"agent {agent_id!r} has no calls scored with {rubric.id} in {period.spec}"
        )
    team = str(mine_s["team"].dropna().iloc[0]) if mine_s["team"].notna().any() else ""
    peers_s = scores[scores["team"] == team] if team else scores
    peers_i = items[items["call_id"].isin(peers_s["call_id"])]
    mine_i = items[items["agent_id"] == agent_id]
    summary = agg.call_summary(mine_s, mine_i, rubric.pass_mark)
    sections: list[Section] = []

    # grades
    grades = mine_s["grade"].fillna("–").value_counts()
    order = [g for g, _ in rubric.grades] + [
        g for g in grades.index if g not in dict(rubric.grades)
    ]
    gt = [
        (g, int(grades.get(g, 0)), fmt_pct(grades.get(g, 0) / len(mine_s)))
        for g in order
        if g in grades.index or g in dict(rubric.grades)
    ]
    sections.append(
        Section(
            lab["grades"],
            tables=(Table((lab["grade"], lab["calls"], lab["share"]), rows(gt), name="grades"),),
        )
    )

    hist = pd.concat([history, mine_s]) if history is not None and len(history) else mine_s
    hist = hist[(hist["agent_id"] == agent_id) & (hist["rubric_id"] == rubric.id)].drop_duplicates(
        "call_id", keep="last"
    )
    trend = _trend_section(lab, hist, period, tz, rubric)
    if trend:
        sections.append(trend)

    # items vs team
    mine_r = agg.item_rates(mine_i)
    team_r = agg.item_rates(peers_i).set_index("item_id")
    order_ids = [i.id for i in rubric.items]
    mine_r["order"] = mine_r["item_id"].map({k: n for n, k in enumerate(order_ids)}).fillna(999)
    mine_r["team_rate"] = mine_r["item_id"].map(team_r["fail_rate"]) if len(team_r) else math.nan
    ranked = mine_r.sort_values(["thin", "fail_rate", "order"], ascending=[True, False, True])
    item_rows, flags = [], []
    for r in _tuples(ranked):
        if r.opportunities == 0:
            continue
        item_rows.append(
            (
                _name(rubric, r.item_id),
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
    solid = ranked[(~ranked["thin"]) & (ranked["opportunities"] > 0)]
    weak = solid[
        (solid["fails"] > 0)
        & (
            (solid["fail_rate"] >= agg.WEAK_RATE)
            | (solid["fail_low"] > solid["team_rate"].fillna(1.0))
        )
    ].head(WEAK_ITEMS)
    svg = ""
    if len(solid):
        top = solid.head(10)
        svg = charts.bar_chart(
            [_name(rubric, i) for i in top["item_id"]],
            top["fail_rate"].tolist(),
            compare=top["team_rate"].fillna(0).tolist(),
            compare_label=lab["team_fail_rate"],
            value_label=lab["fail_rate"],
            xlabel=lab["fail_rate"] + " %",
        )
    sections.append(
        Section(
            lab["items"],
            svg=svg,
            tables=(Table(cols, rows(item_rows), "items", tuple(flags)),),
            note=lab["thin"],
        )
    )

    # weak items: evidence + coaching
    ev_rows, coach_paras = [], []
    for r in _tuples(weak):
        name = _name(rubric, r.item_id)
        for q, t, call, link, _reason in _best_excerpts(mine_i, r.item_id, link_base, EXCERPTS):
            ev_rows.append((name, q, t, call, link))
        info = rubric.item(r.item_id)
        if info and info.coaching:
            coach_paras.append(
                f"【{name}】{info.coaching}"
                if rubric.language.startswith("zh")
                else f"[{name}] {info.coaching}"
            )
    weak_names = "、".join(_name(rubric, i) for i in weak["item_id"]) or "–"
    sections.append(
        Section(
            lab["weak_items"],
            paragraphs=(weak_names,),
            tables=(
                Table(
                    (lab["item"], lab["quote"], lab["time"], lab["call"], lab["listen"]),
                    rows(ev_rows),
                    "evidence",
                ),
            ),
        )
    )
    if coach_paras:
        sections.append(Section(lab["coaching"], paragraphs=tuple(coach_paras)))
    strong = (
        solid[solid["fail_rate"] <= solid["team_rate"].fillna(0)].sort_values("fail_rate").head(5)
    )
    if len(strong):
        sections.append(
            Section(
                lab["strengths"],
                paragraphs=(
                    "、".join(
                        f"{_name(rubric, r.item_id)} ({fmt_pct(1 - r.fail_rate)})"
                        for r in _tuples(strong)
                    ),
                ),
            )
        )
    worst = (
        mine_s.assign(_c=~mine_s["critical_failed"].astype(bool))
        .sort_values(["_c", "score"])
        .head(5)
    )
    sections.append(
        Section(
            lab["listen_first"],
            tables=(_call_table(lab, worst, mine_i, link_base, "listen_first"),),
        )
    )

    sub = f"{lab['agent']} {agent_id}" + (f" · {lab['team']} {team}" if team else "")
    sub += f" · {lab['period']} {period.spec} · {lab['rubric']} {rubric.name} {rubric.version}"
    stem = f"agent_{_safe(agent_id)}_{period.slug}"
    return Document(
        "agent",
        lab["agent_title"],
        sub,
        rubric.language,
        stem,
        _kpis(lab, summary, None),
        tuple(sections),
    )


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

    Raises:
        ReportError: the team has no scored calls in the period.
    """
    lab = labels(rubric.language)
    scores, items = _prep(scores, items, rubric)
    scores = scores[scores["team"] == team]
    if scores.empty:
        raise ReportError(f"team {team!r} has no calls scored with {rubric.id} in {period.spec}")
    items = items[items["call_id"].isin(scores["call_id"])]
    summary = agg.call_summary(scores, items, rubric.pass_mark)
    sections: list[Section] = []
    by_agent = agg.item_rates(items, by=["agent_id"])
    team_r = agg.item_rates(items)
    classes = agg.classify_items(by_agent)
    prio = agg.training_priority(team_r, classes)
    item_ids = [i.id for i in rubric.items if i.id in set(team_r["item_id"])]
    agents = sorted(scores["agent_id"].dropna().unique())
    if item_ids and agents:
        piv = by_agent.assign(rate=by_agent["fail_rate"].where(~by_agent["thin"].astype(bool)))
        grid = piv.pivot_table(
            index="agent_id", columns="item_id", values="rate", aggfunc="first", dropna=False
        )
        grid = grid.reindex(index=agents, columns=item_ids)
        svg = charts.heatmap(
            agents,
            [_name(rubric, i) for i in item_ids],
            grid.to_numpy(dtype=float),
            label=lab["fail_rate"] + " %",
        )
        sections.append(Section(lab["heatmap"], svg=svg, note=lab["thin"]))
    prow, flags = [], []
    for r in _tuples(prio):
        if r.opportunities == 0:
            continue
        prow.append(
            (
                _name(rubric, r.item_id),
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
    sections.append(
        Section(
            lab["classes"],
            paragraphs=(lab["rule"],),
            tables=(Table(cols, rows(prow), "priority", tuple(flags)),),
        )
    )

    pol = team_r[
        team_r["item_id"].isin(
            [i.id for i in rubric.items if i.dimension == rubric.policy_dimension]
        )
    ]
    if len(pol):
        prows = []
        for r in _tuples(pol):
            acc = 1 - r.fail_rate if r.opportunities else math.nan
            prows.append(
                (
                    _name(rubric, r.item_id),
                    int(r.opportunities),
                    f"{fmt_pct(acc)} [{fmt_pct(1 - r.fail_high)}–{fmt_pct(1 - r.fail_low)}]",
                    fmt_pct(rubric.policy_target),
                    fmt_pct(acc - rubric.policy_target if acc == acc else math.nan),
                )
            )
        cols_pol = (lab["item"], lab["opportunities"], lab["accuracy"], lab["target"], lab["gap"])
        sections.append(Section(lab["policy"], tables=(Table(cols_pol, rows(prows), "policy"),)))

    if since is not None:
        eff = effect_items if effect_items is not None else items
        eff = eff[(eff["rubric_id"] == rubric.id) & (eff["team"] == team)]
        erows = []
        for b in agg.before_after(eff, since):
            erows.append(
                (
                    _name(rubric, b.item_id),
                    f"{fmt_pct(b.before_rate)} (n={b.before_n})",
                    f"{fmt_pct(b.after_rate)} (n={b.after_n})",
                    b.test or "–",
                    fmt_num(b.p_value, 3),
                    lab["yes"] if b.significant else lab["no"],
                )
            )
        cols_eff = (
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
        sections.append(
            Section(
                lab["training"],
                tables=(Table(cols_eff, rows(erows), "training_effect"),),
                note=note,
            )
        )

    sub = f"{lab['team']} {team} · {lab['period']} {period.spec}"
    sub += f" · {lab['rubric']} {rubric.name} {rubric.version}"
    return Document(
        "team",
        lab["team_title"],
        sub,
        rubric.language,
        f"team_{_safe(team)}_{period.slug}",
        _kpis(lab, summary, None),
        tuple(sections),
    )
