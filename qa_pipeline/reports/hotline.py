"""The 12345 hotline monthly bulletin (热线月度通报): what citizens call about and how served.

Sections: volume and type split, top categories, hotspots and emerging topics (with
satisfaction and quality), repeat calls (per topic, agent and team; failed 一次性告知
followed by a repeat; repeat rate after pass vs fail per item), satisfaction, quality
by topic, and notes on the data. Every table's CSV carries the call ids behind each row,
and ``<stem>.calls.csv`` lists every call of the period with its topic and links.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from qa_pipeline.reports.charts import bar_chart
from qa_pipeline.reports.hotline_data import HotlineData
from qa_pipeline.reports.labels import labels
from qa_pipeline.reports.model import Document, Kpi, RubricInfo, Section, Table, fmt_num, fmt_pct
from qa_pipeline.reports.render import csv_cell
from qa_pipeline.topics.callers import ONE_TIME_NOTICE
from qa_pipeline.topics.hotspots import TopicTrend, share_rise_p
from qa_pipeline.topics.taxonomy import UNKNOWN

#: Rows shown per ranking table (the CSV of the per-call list has every call).
TOP = 15


def _change(now: float, before: float) -> str:
    if not before:
        return "–"
    return f"{100 * (now / before - 1):+.0f}%"


def _ids(df: pd.DataFrame) -> tuple[str, ...]:
    return tuple(df["call_id"].astype(str))


def _mean(series: pd.Series) -> float:
    values = series.dropna()
    return float(values.mean()) if len(values) else float("nan")


def _repeat_rate(d: HotlineData, df: pd.DataFrame) -> tuple[float, int, int]:
    linkable = df["linkable"]
    n = int(linkable.sum())
    k = int(df.loc[linkable, "followed_by"].notna().sum())
    return (k / n if n else float("nan")), k, n


def _kpis(d: HotlineData, lab: dict[str, str]) -> tuple[Kpi, ...]:
    now, before = len(d.calls), len(d.previous)
    rate, _, _ = _repeat_rate(d, d.calls)
    unknown = float((d.calls["topic_id"] == UNKNOWN).mean()) if now else float("nan")
    return (
        Kpi(lab["hotline_calls"], str(now), str(before), _change(now, before)),
        Kpi(lab["hotline_repeat_rate"], fmt_pct(rate, 1)),
        Kpi(lab["hotline_sat"], fmt_num(_mean(d.calls["satisfaction"]), 2)),
        Kpi(lab["hotline_score"], fmt_num(_mean(d.calls["score"]))),
        Kpi(lab["hotline_unknown"], fmt_pct(unknown, 1)),
    )


def _split(
    d: HotlineData, lab: dict[str, str], column: str, names: dict[str, str] | None = None
) -> Table:
    """Calls per value of ``column`` now and before, with share, change, satisfaction."""
    now = d.calls.assign(_k=d.calls[column].fillna("–").astype(str))
    before = d.previous[column].fillna("–").astype(str).value_counts()
    rows, trace = [], []
    for key, group in sorted(now.groupby("_k"), key=lambda kv: -len(kv[1])):
        prev = int(before.get(key, 0))
        rows.append(
            (
                (names or {}).get(str(key), str(key)),
                len(group),
                fmt_pct(len(group) / len(now), 1),
                prev,
                _change(len(group), prev),
                fmt_num(_mean(group["satisfaction"]), 2),
                fmt_num(_mean(group["score"])),
                fmt_pct(_repeat_rate(d, group)[0], 1),
            )
        )
        trace.append(_ids(group))
    cols: tuple[str, ...] = (
        "",
        lab["hotline_calls"],
        lab["hotline_share"],
        lab["hotline_previous"],
    )
    cols += (lab["hotline_change"], lab["hotline_sat"], lab["hotline_score"])
    return Table((*cols, lab["hotline_repeat_rate"]), tuple(rows), trace=tuple(trace))


def _named(table: Table, first: str, name: str) -> Table:
    return Table((first, *table.columns[1:]), table.rows, name, table.flags, table.trace)


def _types_section(d: HotlineData, lab: dict[str, str]) -> Section:
    table = _named(_split(d, lab, "call_type"), lab["hotline_type"], "types")
    return Section(lab["hotline_types"], tables=(table,))


def _categories_section(d: HotlineData, lab: dict[str, str]) -> Section:
    names = {t.id: t.name for t in d.taxonomy.topics} | {UNKNOWN: d.taxonomy.label(UNKNOWN)}
    table = _named(_split(d, lab, "category", names), lab["hotline_category"], "categories")
    shown = table.rows[:TOP]
    svg = bar_chart(
        [str(r[0]) for r in shown],
        [r[1] / max(1, len(d.calls)) for r in shown],
        xlabel=lab["hotline_share"],
    )
    return Section(lab["hotline_categories"], svg=svg, tables=(table,))


def _topic_row(d: HotlineData, t: TopicTrend) -> tuple[object, ...]:
    group = d.calls[d.calls["topic_id"] == t.topic]
    change = "–" if t.change is None else f"{100 * t.change:+.0f}%"
    return (
        d.taxonomy.label(t.topic),
        t.calls,
        t.previous,
        change,
        t.recent,
        f"{t.p_previous:.2g}",
        f"{t.p_recent:.2g}",
        "★" if t.hotspot else "",
        fmt_num(_mean(group["satisfaction"]), 2),
        fmt_num(_mean(group["score"])),
    )


def _hotspots_section(d: HotlineData, lab: dict[str, str]) -> Section:
    hot = [t for t in d.trends if t.hotspot]
    shown = [t for t in d.trends if t.hotspot or t.topic != UNKNOWN][:TOP]
    shown += [t for t in hot if t not in shown]
    cols: tuple[str, ...] = (lab["hotline_topic"], lab["hotline_calls"], lab["hotline_previous"])
    cols += (lab["hotline_change"], lab["hotline_recent"], f"{lab['hotline_p']}·上期")
    cols += (f"{lab['hotline_p']}·近7天", lab["hotline_hot"], lab["hotline_sat"])
    table = Table(
        (*cols, lab["hotline_score"]),
        tuple(_topic_row(d, t) for t in shown),
        "topics",
        trace=tuple(t.call_ids for t in shown),
    )
    text = (
        "；".join(
            f"{d.taxonomy.label(t.topic)}（{t.calls} 通，近 7 天 {t.recent} 通）" for t in hot
        )
        if hot
        else "本期没有统计上显著的热点（各诉求的占比变化都在随机波动之内）。"
    )
    note = (
        "热点：诉求占比较上期或较本期前段显著上升（单侧双比例检验，按检验数做 Bonferroni 校正；"
        "只计首次来电，重复来电不计入证据）。近 7 天：首次来电数。"
    )
    return Section(lab["hotline_hotspots"], paragraphs=(text,), tables=(table,), note=note)


def _emerging_section(d: HotlineData, lab: dict[str, str]) -> Section:
    rows, trace = [], []
    for e in d.emerging:
        group = d.calls[d.calls["call_id"].isin(e.call_ids)]
        rows.append(
            (
                e.name,
                len(e.call_ids),
                " ｜ ".join(x[:40] for x in e.examples[:2]),
                fmt_num(_mean(group["satisfaction"]), 2),
                fmt_num(_mean(group["score"])),
            )
        )
        trace.append(e.call_ids)
    cols: tuple[str, ...] = (
        lab["hotline_words"],
        lab["hotline_calls"],
        lab["hotline_examples"],
        lab["hotline_sat"],
    )
    table = Table((*cols, lab["hotline_score"]), tuple(rows), "emerging", trace=tuple(trace))
    unknown = int((d.calls["topic_id"] == UNKNOWN).sum())
    text = f"未能归入派单目录的来电 {unknown} 通，聚成 {len(d.emerging)} 个新诉求。"
    return Section(lab["hotline_emerging"], paragraphs=(text,), tables=(table,))


def _rates_table(d: HotlineData, by: str, name: str, first: str, lab: dict[str, str]) -> Table:
    rows, trace = [], []
    groups = d.calls.assign(_k=d.calls[by].fillna("–").astype(str)).groupby("_k")
    stats = []
    for key, group in groups:
        rate, k, n = _repeat_rate(d, group)
        if n:
            stats.append((k, n, rate, str(key), group))
    for k, n, rate, key, group in sorted(stats, key=lambda s: (-s[0], -s[1], s[3]))[:TOP]:
        label = d.taxonomy.label(key) if by == "topic_id" else key
        rows.append((label, n, k, fmt_pct(rate, 1)))
        trace.append(tuple(group.loc[group["followed_by"].notna(), "call_id"].astype(str)))
    cols: tuple[str, ...] = (
        first,
        lab["hotline_linkable"],
        lab["hotline_repeated"],
        lab["hotline_repeat_rate"],
    )
    return Table(cols, tuple(rows), name, trace=tuple(trace))


def _repeats_section(d: HotlineData, lab: dict[str, str]) -> Section:
    rate, k, n = _repeat_rate(d, d.calls)
    days = f"{d.links.window_days:g}"
    text = (
        f"同一来电人 {days} 天内就同一诉求再次来电：{n} 通可关联来电中 {k} 通"
        f"（{fmt_pct(rate, 1)}）。"
    )
    tables = (
        _rates_table(d, "topic_id", "repeats_by_topic", lab["hotline_topic"], lab),
        _rates_table(d, "agent_id", "repeats_by_agent", lab["agent"], lab),
        _rates_table(d, "team", "repeats_by_team", lab["team"], lab),
    )
    return Section(lab["hotline_repeats"], paragraphs=(text,), tables=tables)


def _notice_section(d: HotlineData, lab: dict[str, str]) -> Section:
    by_id = d.calls.set_index("call_id")
    rows = []
    for call_id, again in sorted(d.notice.items()):
        if call_id not in by_id.index:
            continue
        row = by_id.loc[call_id]
        rows.append((call_id, again, d.taxonomy.label(str(row["topic_id"])), row["agent_id"]))
    cols: tuple[str, ...] = (
        lab["hotline_call"],
        lab["hotline_repeat_call"],
        lab["hotline_topic"],
        lab["agent"],
    )
    table = Table(cols, tuple(rows), "one_time_notice", trace=tuple((r[0], r[1]) for r in rows))
    text = (
        f"一次性告知（{ONE_TIME_NOTICE}）不合格、来电人 7 天内就同一诉求再次来电：{len(rows)} 通。"
    )
    return Section(lab["hotline_notice"], paragraphs=(text,), tables=(table,))


def _item_repeats_section(d: HotlineData, lab: dict[str, str]) -> Section:
    rows, trace = [], []
    for item_id, (after_pass, after_fail) in d.item_repeats.items():
        if not after_fail.calls:
            continue
        p = share_rise_p(
            after_fail.repeated, after_fail.calls, after_pass.repeated, after_pass.calls
        )
        rows.append(
            (
                d.item_names.get(item_id, item_id),
                f"{fmt_pct(after_pass.rate, 1)} ({after_pass.repeated}/{after_pass.calls})",
                f"{fmt_pct(after_fail.rate, 1)} ({after_fail.repeated}/{after_fail.calls})",
                f"{p:.2g}",
            )
        )
        trace.append(after_fail.call_ids + after_pass.call_ids)
    cols: tuple[str, ...] = (
        lab["hotline_item"],
        lab["hotline_after_pass"],
        lab["hotline_after_fail"],
    )
    table = Table((*cols, lab["hotline_p"]), tuple(rows), "item_repeats", trace=tuple(trace))
    return Section(lab["hotline_item_repeats"], tables=(table,))


def _satisfaction_by_item(d: HotlineData, lab: dict[str, str]) -> Table:
    sat = dict(zip(d.calls["call_id"], d.calls["satisfaction"], strict=True))
    rows, trace = [], []
    items = sorted({i for s in d.statuses.values() for i in s})
    for item_id in items:
        cells: list[object] = [d.item_names.get(item_id, item_id)]
        ids: list[str] = []
        for status in ("pass", "fail"):
            calls = [c for c, s in d.statuses.items() if s.get(item_id) == status]
            values = pd.Series([sat.get(c) for c in calls], dtype="float64").dropna()
            cells.append(f"{fmt_num(_mean(values), 2)} ({len(values)})")
            ids += calls
        rows.append(tuple(cells))
        trace.append(tuple(ids))
    cols: tuple[str, ...] = (lab["hotline_item"], f"{lab['hotline_sat']}·{lab['hotline_pass']}")
    cols += (f"{lab['hotline_sat']}·{lab['hotline_fail']}",)
    return Table(cols, tuple(rows), "satisfaction_by_item", trace=tuple(trace))


def _satisfaction_table(
    d: HotlineData, lab: dict[str, str], by: str, name: str, first: str
) -> Table:
    surveyed = d.calls[d.calls["satisfaction"].notna()]
    groups = surveyed.assign(_k=surveyed[by].fillna("–").astype(str)).groupby("_k")
    ranked = sorted(groups, key=lambda kv: (-len(kv[1]), str(kv[0])))[:TOP]
    rows = tuple(
        (
            d.taxonomy.label(str(k)) if by == "topic_id" else str(k),
            len(g),
            fmt_num(_mean(g["satisfaction"]), 2),
        )
        for k, g in ranked
    )
    cols: tuple[str, ...] = (first, lab["hotline_surveyed"], lab["hotline_sat"])
    return Table(cols, rows, name, trace=tuple(_ids(g) for _, g in ranked))


def _satisfaction_section(d: HotlineData, lab: dict[str, str]) -> Section:
    surveyed = int(d.calls["satisfaction"].notna().sum())
    text = f"回访 {surveyed} 通，平均满意度 {fmt_num(_mean(d.calls['satisfaction']), 2)}。"
    tables = (
        _satisfaction_table(d, lab, "topic_id", "satisfaction_by_topic", lab["hotline_topic"]),
        _satisfaction_table(d, lab, "agent_id", "satisfaction_by_agent", lab["agent"]),
        _satisfaction_by_item(d, lab),
    )
    return Section(lab["hotline_satisfaction"], paragraphs=(text,), tables=tables)


def _quality_section(d: HotlineData, rubric: RubricInfo, lab: dict[str, str]) -> Section:
    scored = d.calls[d.calls["score"].notna()]
    groups = sorted(scored.groupby("topic_id"), key=lambda kv: (-len(kv[1]), str(kv[0])))
    rows = tuple(
        (
            d.taxonomy.label(str(k)),
            len(g),
            fmt_num(_mean(g["score"])),
            fmt_pct(float((g["score"] < rubric.pass_mark).mean()), 1),
        )
        for k, g in groups
    )
    cols: tuple[str, ...] = (lab["hotline_topic"], lab["hotline_scored"], lab["hotline_score"])
    table = Table(
        (*cols, lab["hotline_fail_rate"]),
        rows,
        "quality_by_topic",
        trace=tuple(_ids(g) for _, g in groups),
    )
    note = f"不合格：得分低于 {rubric.pass_mark:g} 分（{rubric.name} {rubric.version}）。"
    return Section(lab["hotline_quality"], tables=(table,), note=note)


def _notes_section(d: HotlineData, lab: dict[str, str]) -> Section:
    calls = d.calls
    no_key = int(calls["caller_key"].isna().sum())
    no_text = int((calls["caller_text"].fillna("") == "").sum())
    unknown = int((calls["topic_id"] == UNKNOWN).sum())
    tax = d.taxonomy
    paragraphs = (
        f"本期来电 {len(calls)} 通全部计入；各分类合计 {len(calls)} 通（含未识别 {unknown} 通）。",
        f"无来电号码（无来电人标识）{no_key} 通：计入话务量，不参与重复来电关联。",
        f"无来电人文字 {no_text} 通：按工单自带诉求（如能对应派单目录）或记为未识别。",
        f"诉求分类：{tax.name}（{tax.id} {tax.version}），置信度不足时记为未识别，不做猜测。",
        "每个数字可追溯：各表 CSV 的 call_ids 列列出对应来电，calls.csv 列出本期每通来电。",
    )
    return Section(lab["hotline_notes"], paragraphs=paragraphs)


def hotline_document(d: HotlineData, rubric: RubricInfo) -> Document:
    """The bulletin as a :class:`Document` (Chinese labels for a zh rubric)."""
    lab = labels(rubric.language)
    sections = (
        _types_section(d, lab),
        _categories_section(d, lab),
        _hotspots_section(d, lab),
        _emerging_section(d, lab),
        _repeats_section(d, lab),
        _notice_section(d, lab),
        _item_repeats_section(d, lab),
        _satisfaction_section(d, lab),
        _quality_section(d, rubric, lab),
        _notes_section(d, lab),
    )
    return Document(
        kind="hotline",
        title=lab["hotline_title"],
        subtitle=f"{lab['period']}: {d.period.spec}",
        language=rubric.language,
        stem=f"hotline_{d.period.label}",
        kpis=_kpis(d, lab),
        sections=sections,
    )


CALL_CSV_COLUMNS: Sequence[str] = (
    "call_id",
    "started_at",
    "agent_id",
    "team",
    "call_type",
    "topic_id",
    "confidence",
    "category",
    "satisfaction",
    "score",
    "followed_by",
    "repeat_of",
)


def write_calls_csv(d: HotlineData, out_dir: Path, stem: str) -> Path:
    """``<stem>.calls.csv``: every call of the period with its topic, links and figures."""
    path = Path(out_dir) / f"{stem}.calls.csv"
    frame = d.calls.reindex(columns=list(CALL_CSV_COLUMNS))
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(CALL_CSV_COLUMNS)
        for row in frame.itertuples(index=False):
            w.writerow([csv_cell("" if pd.isna(v) else str(v)) for v in row])
    return path
