"""The quality bulletin for management (质量简报)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qa_pipeline.reports import aggregate as agg
from qa_pipeline.errors import ReportError
from qa_pipeline.reports.periods import Period
from qa_pipeline.reports import charts
from qa_pipeline.reports.builders import (
    EXAMPLES,
    _call_table,
    _kpis,
    _name,
    _prep,
    _trend_section,
    _tuples,
)
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import Document, RubricInfo, Section, Table, fmt_num, fmt_pct, rows


def _summary_text(
    lab: dict[str, str],
    now: dict[str, float],
    before: dict[str, float] | None,
    top: list[str],
    zh: bool,
) -> str:
    def trend_word(key: str) -> str:
        if before is None or before[key] != before[key]:
            return ""
        d = now[key] - before[key]
        return lab["flat"] if abs(d) < 1e-6 else (lab["up"] if d > 0 else lab["down"])

    issues = "、".join(top[:3]) if zh else ", ".join(top[:3])
    if zh:
        text = (
            f"本期共质检{int(now['calls'])}通，平均分{fmt_num(now['mean'])}分"
            + (f"（较上期{trend_word('mean')}，上期{fmt_num(before['mean'])}分）" if before else "")
            + f"，合格率{fmt_pct(now['pass_rate'], 1)}，一票否决{int(now['critical'])}通。"
            + (
                f"质检覆盖率{fmt_pct(now['intake_coverage'], 1)}。"
                if "intake_coverage" in now
                else ""
            )
        )
        return text + (f"失分最多的问题：{issues}。" if issues else "")
    text = (
        f"{int(now['calls'])} calls inspected, mean score {fmt_num(now['mean'])}"
        + (f" ({trend_word('mean')} from {fmt_num(before['mean'])})" if before else "")
        + f", pass rate {fmt_pct(now['pass_rate'], 1)}, {int(now['critical'])} critical fails."
        + (
            f" {fmt_pct(now['intake_coverage'], 1)} of the calls received were inspected."
            if "intake_coverage" in now
            else ""
        )
    )
    return text + (f" Most points were lost on: {issues}." if issues else "")


def bulletin_document(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    period: Period,
    rubric: RubricInfo,
    previous_scores: pd.DataFrame | None = None,
    previous_items: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    link_base: Path | None = None,
    tz: str = "Asia/Shanghai",
    intake: tuple[int, int] | None = None,
    previous_intake: tuple[int, int] | None = None,
) -> Document:
    """The quality bulletin for management (质量简报), against the previous period.

    ``intake``/``previous_intake``: ``(calls inspected with any rubric, calls received)``
    in the period, when the nightly runs recorded what they received; the bulletin then
    shows the coverage of calls received.

    Raises:
        ReportError: no calls scored in the period.
    """
    lab = labels(rubric.language)
    zh = rubric.language.startswith("zh")
    scores, items = _prep(scores, items, rubric)
    if scores.empty:
        raise ReportError(f"no calls scored with {rubric.id} in {period.spec}")
    now = agg.call_summary(scores, items, rubric.pass_mark)
    before = None
    if previous_scores is not None and len(previous_scores):
        ps, pi = _prep(
            previous_scores,
            previous_items if previous_items is not None else items.iloc[0:0],
            rubric,
        )
        if len(ps):
            before = agg.call_summary(ps, pi, rubric.pass_mark)
    for figures, counts in ((now, intake), (before, previous_intake)):
        if figures is not None and counts is not None and counts[1] > 0:
            figures["intake_coverage"] = min(1.0, counts[0] / counts[1])
    sections: list[Section] = []
    rates = agg.item_rates(items).sort_values("points_lost", ascending=False)
    top = rates[rates["points_lost"] > 0].head(5)
    top_names = [_name(rubric, i) for i in top["item_id"]]
    sections.append(
        Section(lab["summary"], paragraphs=(_summary_text(lab, now, before, top_names, zh),))
    )
    hist = pd.concat([h for h in (history, scores) if h is not None and len(h)])
    hist = hist[hist["rubric_id"] == rubric.id].drop_duplicates("call_id", keep="last")
    trend = _trend_section(lab, hist, period, tz, rubric)
    if trend:
        sections.append(trend)
    rank = agg.group_ranking(scores, "team", rubric.pass_mark)
    rrows = [
        (
            str(r.rank) if not r.thin else lab["thin_short"],
            str(r.team),
            int(r.calls),
            f"{fmt_num(r.mean)} [{fmt_num(r.mean_low)}–{fmt_num(r.mean_high)}]",
            fmt_pct(r.pass_rate),
            int(r.critical),
        )
        for r in _tuples(rank)
    ]
    cols = (
        lab["rank"],
        lab["team"],
        lab["calls"],
        lab["mean"] + " " + lab["ci"],
        lab["pass_rate"],
        lab["critical"],
    )
    svg = (
        charts.bar_chart(
            [str(t) for t in rank["team"]],
            (rank["pass_rate"].fillna(0)).tolist(),
            xlabel=lab["pass_rate"] + " %",
        )
        if len(rank)
        else ""
    )
    sections.append(
        Section(
            lab["ranking"],
            svg=svg,
            tables=(Table(cols, rows(rrows), "team_ranking", tuple(rank["thin"])),),
        )
    )
    trows = [
        (
            n + 1,
            _name(rubric, r.item_id),
            int(r.fails),
            f"{fmt_pct(r.fail_rate)}",
            fmt_num(r.points_lost),
        )
        for n, r in enumerate(_tuples(top))
    ]
    sections.append(
        Section(
            lab["top_issues"],
            tables=(
                Table(
                    ("#", lab["item"], lab["fails"], lab["fail_rate"], lab["points_lost"]),
                    rows(trows),
                    "top_issues",
                ),
            ),
        )
    )
    ct = agg.group_ranking(
        scores.assign(call_type=scores["call_type"].fillna("–")), "call_type", rubric.pass_mark
    )
    crow = [
        (
            str(r.call_type),
            int(r.calls),
            fmt_pct(r.calls / now["calls"]),
            fmt_num(r.mean),
            fmt_pct(r.pass_rate),
        )
        for r in _tuples(ct.sort_values("calls", ascending=False))
    ]
    sections.append(
        Section(
            lab["call_types"],
            tables=(
                Table(
                    (lab["call_type"], lab["calls"], lab["share"], lab["mean"], lab["pass_rate"]),
                    rows(crow),
                    "call_types",
                ),
            ),
        )
    )
    good = (
        scores[~scores["critical_failed"].astype(bool)]
        .sort_values("score", ascending=False)
        .head(EXAMPLES)
    )
    sections.append(
        Section(lab["excellent"], tables=(_call_table(lab, good, items, link_base, "excellent"),))
    )
    bad = (
        scores.assign(_c=~scores["critical_failed"].astype(bool))
        .sort_values(["_c", "score"])
        .head(EXAMPLES)
    )
    sections.append(
        Section(lab["problems"], tables=(_call_table(lab, bad, items, link_base, "problems"),))
    )
    sub = f"{lab['period']} {period.spec} · {lab['rubric']} {rubric.name} {rubric.version}"
    if before is not None:
        sub += f" · {lab['previous']} {period.previous().spec}"
    return Document(
        "bulletin",
        lab["bulletin_title"],
        sub,
        rubric.language,
        f"bulletin_{period.slug}",
        _kpis(lab, now, before),
        tuple(sections),
    )
