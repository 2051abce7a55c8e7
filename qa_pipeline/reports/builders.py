"""Building blocks shared by the three reports.

The documents themselves are built in :mod:`~qa_pipeline.reports.agent` (coaching),
:mod:`~qa_pipeline.reports.team` (weak points) and :mod:`~qa_pipeline.reports.bulletin`
(management); their inputs are the store's frames (``frames.py`` columns). This module
holds what more than one of them needs: the headline figures, the trend section and the
table of example calls.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from qa_pipeline.reports import aggregate as agg
from qa_pipeline.reports import charts
from qa_pipeline.reports.model import (
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
from qa_pipeline.reports.periods import Period

#: Headline figures: (key, shown as a percentage, higher is better, digits).
_KPI_SPEC = (
    ("calls", False, True, 0),
    ("mean", False, True, 1),
    ("pass_rate", True, True, 1),
    ("critical", False, False, 0),
    ("review_rate", True, False, 1),
)


def tuples(frame: pd.DataFrame) -> Iterator[Any]:
    """Rows as named tuples, typed loosely (pandas cells are any type)."""
    return iter(frame.itertuples(index=False))


#: Longest readable part of a file name made from an id (characters; 4 bytes at most each)
NAME_CHARS = 40


def safe_name(text: str) -> str:
    """A file name part for ``text``: readable, bounded, and distinct for distinct texts.

    An id of letters, digits, ``_``, ``.`` and ``-`` only (``A1001``, ``一组``), at most
    :data:`NAME_CHARS` long, is kept as it is. Any other id gets a slug (other characters
    become ``_``) cut to that length plus ``~`` and 10 hex digits of its SHA-256:
    ``A5/005`` → ``A5_005~1b2c…`` and ``A5:005`` → ``A5_005~9e0f…``, an id with a
    zero-width space never takes the real agent's file, and 64 astral characters stay
    well under the file system's 255 bytes. ``~`` is never in a kept id, so a hashed
    name cannot equal a kept one.
    """
    text = str(text)
    if text and len(text) <= NAME_CHARS and _KEEP_RE.fullmatch(text) is not None:
        return text
    slug = re.sub(r"[^\w.\-]+", "_", text).strip("_.")[:NAME_CHARS] or "x"
    return f"{slug}~{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"


_KEEP_RE = re.compile(r"[\w.\-]+")


def evidence(value: Any) -> list[dict[str, Any]]:
    """The evidence of an item verdict as dicts (a JSON text or a list; junk is dropped)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [e for e in (value or []) if isinstance(e, dict)]


def clock(seconds: float) -> str:
    """A second of a call as ``MM:SS``."""
    s = int(max(0.0, float(seconds)))
    return f"{s // 60:02d}:{s % 60:02d}"


def item_name(rubric: RubricInfo, item_id: str) -> str:
    """The display name of a rubric item (its id when the rubric does not know it)."""
    info = rubric.item(item_id)
    return info.name if info else item_id


def prepare(
    scores: pd.DataFrame, items: pd.DataFrame, rubric: RubricInfo
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rubric's rows of the frames, the latest rubric version per call."""
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


def _kpi(
    lab: dict[str, str],
    now: dict[str, float],
    before: dict[str, float] | None,
    spec: tuple[str, bool, bool, int],
) -> Kpi:
    key, pct, good, digits = spec
    value = fmt_pct(now[key], digits) if pct else fmt_num(now[key], digits)
    if key == "mean" and now["mean_low"] == now["mean_low"]:
        value += f" [{now['mean_low']:.1f}–{now['mean_high']:.1f}]"
    if before is None or not _known(before, key):
        return Kpi(lab[key], value)
    prev = fmt_pct(before[key], digits) if pct else fmt_num(before[key], digits)
    change, tone = _change(now[key], before[key], pct, good)
    return Kpi(lab[key], value, prev, change, tone)


def kpis(
    lab: dict[str, str], now: dict[str, float], before: dict[str, float] | None
) -> tuple[Kpi, ...]:
    """The headline figures of a report, compared with ``before`` when given.

    Args:
        lab: The report's labels.
        now: The period's figures (:func:`qa_pipeline.aggregate.call_summary`); the
            coverage of calls received is shown when it has ``intake_coverage``.
        before: The previous period's figures, or ``None``.
    """
    spec = list(_KPI_SPEC)
    if _known(now, "intake_coverage"):
        spec.insert(1, ("intake_coverage", True, True, 1))
    if _known(now, "critical_pending"):
        spec.insert(
            spec.index(("critical", False, False, 0)) + 1, ("critical_pending", False, False, 0)
        )
    if _known(now, "confident"):
        spec.append(("confident", True, True, 1))
    return tuple(_kpi(lab, now, before, s) for s in spec)


def trend_section(
    lab: dict[str, str], scores: pd.DataFrame, period: Period, tz: str, rubric: RubricInfo
) -> Section | None:
    """Mean score and pass rate over time, or ``None`` with fewer than two buckets.

    Args:
        lab: The report's labels.
        scores: The scores to chart (earlier periods and this one).
        period: The report period: months are bucketed by month, weeks by week, other
            periods by day.
        tz: Time zone of the buckets.
        rubric: Rubric facts (the pass mark).
    """
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


def _worst_item(items: pd.DataFrame, call_id: Any) -> tuple[str, float]:
    """The reason of a call's costliest failed item and the second its evidence starts."""
    mine = items[items["call_id"] == call_id]
    worst = mine[mine["status"] == "fail"]
    if not len(worst):
        return "", 0.0
    top = worst.sort_values("points", ascending=False).iloc[0]
    reason = f"{top['item_name']}: {top['reason'] or ''}".strip(": ")
    ev = evidence(top["evidence"])
    return reason, float(ev[0].get("start", 0) or 0) if ev else 0.0


def call_table(
    lab: dict[str, str],
    calls: pd.DataFrame,
    items: pd.DataFrame,
    base: Path | None,
    name: str,
    who: str = "agent_id",
) -> Table:
    """Example calls, each with its worst failed item and a link to hear it.

    Args:
        lab: The report's labels.
        calls: The calls (score rows) to list, in order.
        items: Item verdicts covering those calls.
        base: Folder the recording links are made relative to.
        name: The table's name (its CSV file).
        who: The score column shown second (``agent_id``).
    """
    out = []
    for row in tuples(calls):
        reason, second = _worst_item(items, row.call_id)
        link = Link("▶ " + clock(second), recording_link(row.recording_path, second, base))
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
