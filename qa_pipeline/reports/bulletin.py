"""The quality bulletin for management (质量简报).

:func:`bulletin_document` assembles the sections: a summary in words, the score trend,
the team ranking, the top issues, the call types, and example calls (good and bad).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qa_pipeline.errors import ReportError
from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports import charts
from qa_pipeline.reports.builders import (
    call_table,
    item_name,
    kpis,
    prepare,
    trend_section,
    tuples,
)
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import Document, RubricInfo, Section, Table, fmt_num, fmt_pct, rows
from qa_pipeline.reports.periods import Period

#: Example calls shown (excellent ones, problem ones).
EXAMPLES = 3


@dataclass(frozen=True)
class _Bulletin:
    """The period's calls and verdicts, with its figures and the previous period's."""

    period: Period
    rubric: RubricInfo
    lab: dict[str, str]
    scores: pd.DataFrame
    items: pd.DataFrame
    now: dict[str, float]
    before: dict[str, float] | None
    link_base: Path | None


def _frames(
    scores: pd.DataFrame, items: pd.DataFrame, period: Period, rubric: RubricInfo
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rubric's rows of the period's frames.

    Raises:
        ReportError: no calls scored in the period.
    """
    scores, items = prepare(scores, items, rubric)
    if scores.empty:
        raise ReportError(f"no calls scored with {rubric.id} in {period.spec}")
    return scores, items


def _previous_figures(
    previous_scores: pd.DataFrame | None,
    previous_items: pd.DataFrame | None,
    items: pd.DataFrame,
    rubric: RubricInfo,
) -> dict[str, float] | None:
    """The previous period's figures, or ``None`` when it has no calls."""
    if previous_scores is None or not len(previous_scores):
        return None
    ps, pi = prepare(
        previous_scores,
        previous_items if previous_items is not None else items.iloc[0:0],
        rubric,
    )
    return agg.call_summary(ps, pi, rubric.pass_mark) if len(ps) else None


def _add_coverage(figures: dict[str, float] | None, counts: tuple[int, int] | None) -> None:
    """Add ``intake_coverage`` (calls inspected / calls received) to ``figures``."""
    if figures is not None and counts is not None and counts[1] > 0:
        figures["intake_coverage"] = min(1.0, counts[0] / counts[1])


def _figures(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    rubric: RubricInfo,
    previous_scores: pd.DataFrame | None,
    previous_items: pd.DataFrame | None,
    intake: tuple[int, int] | None,
    previous_intake: tuple[int, int] | None,
) -> tuple[dict[str, float], dict[str, float] | None]:
    """The period's figures and the previous period's, with coverage where known."""
    now = agg.call_summary(scores, items, rubric.pass_mark)
    before = _previous_figures(previous_scores, previous_items, items, rubric)
    _add_coverage(now, intake)
    _add_coverage(before, previous_intake)
    return now, before


def _trend_word(
    lab: dict[str, str], now: dict[str, float], before: dict[str, float] | None, key: str
) -> str:
    """Up, down or flat since the previous period (blank without one)."""
    if before is None or before[key] != before[key]:
        return ""
    d = now[key] - before[key]
    return lab["flat"] if abs(d) < 1e-6 else (lab["up"] if d > 0 else lab["down"])


def _summary_zh(b: _Bulletin, issues: str) -> str:
    now, before = b.now, b.before
    text = (
        f"本期共质检{int(now['calls'])}通，平均分{fmt_num(now['mean'])}分"
        + (
            f"（较上期{_trend_word(b.lab, now, before, 'mean')}，上期{fmt_num(before['mean'])}分）"
            if before
            else ""
        )
        + f"，合格率{fmt_pct(now['pass_rate'], 1)}，一票否决{int(now['critical'])}通。"
        + (f"质检覆盖率{fmt_pct(now['intake_coverage'], 1)}。" if "intake_coverage" in now else "")
    )
    return text + (f"失分最多的问题：{issues}。" if issues else "")


def _summary_en(b: _Bulletin, issues: str) -> str:
    now, before = b.now, b.before
    text = (
        f"{int(now['calls'])} calls inspected, mean score {fmt_num(now['mean'])}"
        + (
            f" ({_trend_word(b.lab, now, before, 'mean')} from {fmt_num(before['mean'])})"
            if before
            else ""
        )
        + f", pass rate {fmt_pct(now['pass_rate'], 1)}, {int(now['critical'])} critical fails."
        + (
            f" {fmt_pct(now['intake_coverage'], 1)} of the calls received were inspected."
            if "intake_coverage" in now
            else ""
        )
    )
    return text + (f" Most points were lost on: {issues}." if issues else "")


def _summary_section(b: _Bulletin, top: pd.DataFrame) -> Section:
    """The period in two sentences: figures, change, the costliest issues."""
    names = [item_name(b.rubric, i) for i in top["item_id"]][:3]
    if b.rubric.language.startswith("zh"):
        text = _summary_zh(b, "、".join(names))
    else:
        text = _summary_en(b, ", ".join(names))
    return Section(b.lab["summary"], paragraphs=(text,))


def _bulletin_trend_section(b: _Bulletin, history: pd.DataFrame | None, tz: str) -> Section | None:
    """The centre's score over earlier periods and this one."""
    hist = pd.concat([h for h in (history, b.scores) if h is not None and len(h)])
    hist = hist[hist["rubric_id"] == b.rubric.id].drop_duplicates("call_id", keep="last")
    return trend_section(b.lab, hist, b.period, tz, b.rubric)


def _ranking_section(b: _Bulletin) -> Section:
    """Teams ranked by mean score, with pass rates as bars (thin samples unranked)."""
    lab = b.lab
    rank = agg.group_ranking(b.scores, "team", b.rubric.pass_mark)
    rrows = [
        (
            str(r.rank) if not r.thin else lab["thin_short"],
            str(r.team),
            int(r.calls),
            f"{fmt_num(r.mean)} [{fmt_num(r.mean_low)}–{fmt_num(r.mean_high)}]",
            fmt_pct(r.pass_rate),
            int(r.critical),
        )
        for r in tuples(rank)
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
    table = Table(cols, rows(rrows), "team_ranking", tuple(rank["thin"]))
    return Section(lab["ranking"], svg=svg, tables=(table,))


def _top_issues(items: pd.DataFrame) -> pd.DataFrame:
    """The five items that lost the most points."""
    rates = agg.item_rates(items).sort_values("points_lost", ascending=False)
    return rates[rates["points_lost"] > 0].head(5)


def _top_issues_section(b: _Bulletin, top: pd.DataFrame) -> Section:
    """The items that lost the most points, with their fails and fail rates."""
    lab = b.lab
    trows = [
        (
            n + 1,
            item_name(b.rubric, r.item_id),
            int(r.fails),
            f"{fmt_pct(r.fail_rate)}",
            fmt_num(r.points_lost),
        )
        for n, r in enumerate(tuples(top))
    ]
    table = Table(
        ("#", lab["item"], lab["fails"], lab["fail_rate"], lab["points_lost"]),
        rows(trows),
        "top_issues",
    )
    return Section(lab["top_issues"], tables=(table,))


def _call_types_section(b: _Bulletin) -> Section:
    """Calls per call type, their share, mean score and pass rate."""
    lab, scores = b.lab, b.scores
    ct = agg.group_ranking(
        scores.assign(call_type=scores["call_type"].fillna("–")), "call_type", b.rubric.pass_mark
    )
    crow = [
        (
            str(r.call_type),
            int(r.calls),
            fmt_pct(r.calls / b.now["calls"]),
            fmt_num(r.mean),
            fmt_pct(r.pass_rate),
        )
        for r in tuples(ct.sort_values("calls", ascending=False))
    ]
    table = Table(
        (lab["call_type"], lab["calls"], lab["share"], lab["mean"], lab["pass_rate"]),
        rows(crow),
        "call_types",
    )
    return Section(lab["call_types"], tables=(table,))


def _excellent_section(b: _Bulletin) -> Section:
    """The best-scored calls without a critical fail."""
    good = (
        b.scores[~b.scores["critical_failed"].astype(bool)]
        .sort_values("score", ascending=False)
        .head(EXAMPLES)
    )
    table = call_table(b.lab, good, b.items, b.link_base, "excellent")
    return Section(b.lab["excellent"], tables=(table,))


def _problems_section(b: _Bulletin) -> Section:
    """Calls with critical fails, then the lowest scores."""
    bad = (
        b.scores.assign(_c=~b.scores["critical_failed"].astype(bool))
        .sort_values(["_c", "score"])
        .head(EXAMPLES)
    )
    table = call_table(b.lab, bad, b.items, b.link_base, "problems")
    return Section(b.lab["problems"], tables=(table,))


def _document(b: _Bulletin, sections: tuple[Section | None, ...]) -> Document:
    """The bulletin with its title, subtitle, headline figures and the given sections."""
    lab, rubric = b.lab, b.rubric
    sub = f"{lab['period']} {b.period.spec} · {lab['rubric']} {rubric.name} {rubric.version}"
    if b.before is not None:
        sub += f" · {lab['previous']} {b.period.previous().spec}"
    return Document(
        "bulletin",
        lab["bulletin_title"],
        sub,
        rubric.language,
        f"bulletin_{b.period.slug}",
        kpis(lab, b.now, b.before),
        tuple(s for s in sections if s is not None),
    )


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

    Args:
        scores: Scores of the period.
        items: Item verdicts of the period.
        period: The report period.
        rubric: Rubric facts.
        previous_scores: Scores of the previous period (the comparison); optional.
        previous_items: Item verdicts of the previous period; optional.
        history: Scores of earlier periods (trend); optional.
        link_base: Folder the recording links are made relative to (the report folder).
        tz: Time zone for trend buckets.
        intake: ``(calls inspected with any rubric, calls received)`` in the period, when
            the nightly runs recorded what they received; the bulletin then shows the
            coverage of calls received.
        previous_intake: The same for the previous period.

    Returns:
        The report, ready for the writers.

    Raises:
        ReportError: no calls scored in the period.
    """
    scores, items = _frames(scores, items, period, rubric)
    now, before = _figures(
        scores, items, rubric, previous_scores, previous_items, intake, previous_intake
    )
    b = _Bulletin(period, rubric, labels(rubric.language), scores, items, now, before, link_base)
    top = _top_issues(items)
    sections = (
        _summary_section(b, top),
        _bulletin_trend_section(b, history, tz),
        _ranking_section(b),
        _top_issues_section(b, top),
        _call_types_section(b),
        _excellent_section(b),
        _problems_section(b),
    )
    return _document(b, sections)
