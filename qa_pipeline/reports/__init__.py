"""Reports: agent coaching, team weak points and the management bulletin.

The agent coaching report (个人辅导报告), the team weak-point report for trainers
(培训薄弱项报告) and the quality bulletin for management (质量简报), as HTML, Markdown,
CSV and optional PDF. Each document is built in its own module (:mod:`.agent`,
:mod:`.team`, :mod:`.bulletin`) from small section functions; :mod:`.human` adds what
people checked, and :mod:`.render` writes the files.

Public API::

    build_agent_report(scores, items, *, agent_id, period, rubric, out_dir, formats, history)
    build_team_report(scores, items, *, team, period, rubric, out_dir, formats, since, effect_items)
    build_bulletin(scores, items, *, period, rubric, out_dir, formats, previous_scores,
                   previous_items, history)
    write_reports_from_store(store, kind, subject, period, rubric, out_dir, formats, *, since)

``rubric`` is a :class:`RubricInfo` or a loaded rubric (adapted by :func:`rubric_info`);
``period`` a :class:`~qa_pipeline.reports.periods.Period` or its text (``month:2026-11``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from qa_pipeline.errors import ReportError
from qa_pipeline.reports.agent import agent_document
from qa_pipeline.reports.bulletin import bulletin_document
from qa_pipeline.reports.hotline import hotline_document, write_calls_csv
from qa_pipeline.reports.hotline_data import HotlineOptions, fetch
from qa_pipeline.reports.human import FinalView, human_section
from qa_pipeline.reports.model import Document, ItemInfo, RubricInfo, Section, rubric_info
from qa_pipeline.reports.periods import Period, parse_period, shift
from qa_pipeline.reports.render import FORMATS, check_formats, write_document
from qa_pipeline.reports.team import team_document

DEFAULT_FORMATS = ("html", "md", "csv")
#: Earlier periods fetched for trend charts.
TREND_PERIODS = 5


def _info(rubric: Any) -> RubricInfo:
    return rubric if isinstance(rubric, RubricInfo) else rubric_info(rubric)


def _period(period: Period | str, tz: str) -> Period:
    return period if isinstance(period, Period) else parse_period(period, tz)


def _tz(period: Period) -> str:
    return str(period.start.tzinfo)


def build_agent_report(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    agent_id: str,
    period: Period | str,
    rubric: Any,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    history: pd.DataFrame | None = None,
    tz: str = "Asia/Shanghai",
    extra_sections: Sequence[Section] = (),
) -> list[Path]:
    """Write the coaching report of one agent.

    Args:
        scores: The period's scores for the agent's team (the comparison).
        items: The period's item verdicts for the same calls.
        agent_id: The agent.
        period: The period or its text (``month:2026-11``).
        rubric: A loaded rubric or :class:`RubricInfo`.
        out_dir: Folder for the files.
        formats: Any of ``html``, ``md``, ``csv``, ``pdf``.
        history: The agent's scores of earlier periods, for the trend chart.
        tz: Time zone of a period given as text.
        extra_sections: Sections added at the end (what people checked).

    Returns:
        The files written.

    Raises:
        ReportError: the agent has no calls, bad period or format.
    """
    p = _period(period, tz)
    doc = agent_document(
        scores,
        items,
        agent_id=agent_id,
        period=p,
        rubric=_info(rubric),
        history=history,
        link_base=Path(out_dir),
        tz=_tz(p),
    )
    doc = replace(doc, sections=(*doc.sections, *extra_sections))
    return write_document(doc, Path(out_dir), formats)


def build_team_report(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    team: str,
    period: Period | str,
    rubric: Any,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    since: dt.date | pd.Timestamp | None = None,
    effect_items: pd.DataFrame | None = None,
    tz: str = "Asia/Shanghai",
    extra_sections: Sequence[Section] = (),
) -> list[Path]:
    """Write the weak-point report of one team.

    Args:
        scores: The period's scores (the team's rows are used).
        items: The period's item verdicts.
        team: The team.
        period: The period or its text (``month:2026-11``).
        rubric: A loaded rubric or :class:`RubricInfo`.
        out_dir: Folder for the files.
        formats: Any of ``html``, ``md``, ``csv``, ``pdf``.
        since: Date of a training event: adds the training effect, before against after.
        effect_items: Item verdicts covering calls on both sides of ``since``.
        tz: Time zone of a period given as text.
        extra_sections: Sections added at the end (what people checked).

    Returns:
        The files written.

    Raises:
        ReportError: the team has no calls, bad period, date or format.
    """
    p = _period(period, tz)
    doc = team_document(
        scores,
        items,
        team=team,
        period=p,
        rubric=_info(rubric),
        since=_since(since, p),
        effect_items=effect_items,
    )
    doc = replace(doc, sections=(*doc.sections, *extra_sections))
    return write_document(doc, Path(out_dir), formats)


def build_bulletin(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    *,
    period: Period | str,
    rubric: Any,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    previous_scores: pd.DataFrame | None = None,
    previous_items: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    tz: str = "Asia/Shanghai",
    intake: tuple[int, int] | None = None,
    previous_intake: tuple[int, int] | None = None,
    extra_sections: Sequence[Section] = (),
) -> list[Path]:
    """Write the management bulletin; the previous period's frames give the comparison.

    Args:
        scores: The period's scores.
        items: The period's item verdicts.
        period: The period or its text (``month:2026-11``).
        rubric: A loaded rubric or :class:`RubricInfo`.
        out_dir: Folder for the files.
        formats: Any of ``html``, ``md``, ``csv``, ``pdf``.
        previous_scores: The previous period's scores.
        previous_items: The previous period's item verdicts.
        history: Scores of earlier periods, for the trend chart.
        tz: Time zone of a period given as text.
        intake: ``(calls inspected, calls received)`` for the coverage figure.
        previous_intake: The same for the previous period.
        extra_sections: Sections added at the end (what people checked).

    Returns:
        The files written.

    Raises:
        ReportError: no calls, bad period or format.
    """
    p = _period(period, tz)
    doc = bulletin_document(
        scores,
        items,
        period=p,
        rubric=_info(rubric),
        previous_scores=previous_scores,
        previous_items=previous_items,
        history=history,
        link_base=Path(out_dir),
        tz=_tz(p),
        intake=intake,
        previous_intake=previous_intake,
    )
    doc = replace(doc, sections=(*doc.sections, *extra_sections))
    return write_document(doc, Path(out_dir), formats)


def _since(since: dt.date | pd.Timestamp | str | None, period: Period) -> pd.Timestamp | None:
    if since is None:
        return None
    try:
        ts = pd.Timestamp(since)
    except ValueError as exc:
        raise ReportError(f"bad --since date {since!r} (expected YYYY-MM-DD)") from exc
    return ts.tz_localize(period.start.tzinfo) if ts.tzinfo is None else ts


def intake_counts(store: Any, period: Period) -> tuple[int, int] | None:
    """Calls inspected and calls received over the nights of a period.

    Only nights whose nightly run recorded what it received count. Calls received are
    the valid manifest rows of a night, from its latest nightly run that recorded them
    (the flow notes them right after reading the manifest, so the night's own reports
    already see them); calls inspected are the calls scored that started on those
    nights (local dates of the period's time zone), with any rubric.

    Args:
        store: An open store (``runs_frame``/``scores_frame``).
        period: The period.

    Returns:
        ``(calls inspected, calls received)``, or ``None`` when no night recorded what
        it received.
    """
    runs = store.runs_frame()
    received: dict[dt.date, int] = {}
    first, last = period.start.date(), period.end.date()
    for run in runs.itertuples(index=False):  # newest first: a night's latest run wins
        summary = run.summary if isinstance(run.summary, dict) else {}
        if run.kind != "nightly" or "valid" not in summary:
            continue
        try:
            day = dt.date.fromisoformat(str(summary.get("night")))
        except ValueError:
            continue
        if first <= day < last and day not in received:
            received[day] = int(summary["valid"] or 0)
    total = sum(received.values())
    if total == 0:
        return None
    scores = store.scores_frame(period.start, period.end)
    if scores.empty:
        return 0, total
    days = scores["started_at"].dt.tz_convert(period.start.tzinfo).dt.date
    inspected = scores.loc[days.isin(set(received)), "call_id"].nunique()
    return int(inspected), total


@dataclass(frozen=True)
class _StoreRequest:
    """What :func:`write_reports_from_store` was asked for, its store seen with final verdicts."""

    store: FinalView
    subject: str | None
    period: Period
    rubric: RubricInfo
    out_dir: Path
    formats: Sequence[str]
    since: dt.date | str | None
    hotline: HotlineOptions | None = None

    @property
    def rid(self) -> dict[str, str]:
        """The filter that keeps the rubric's rows."""
        return {"rubric_id": self.rubric.id}


def _human_sections(
    req: _StoreRequest, items: pd.DataFrame, agreement: bool = False
) -> tuple[Section, ...]:
    """The section on what people checked (with the machine's agreement), if any."""
    rows = req.store.machine_agreement(req.rubric.id) if agreement else None
    zh = req.rubric.language.startswith("zh")
    ledger, in_use = req.store.ledger_lines(req.period, zh) if agreement else ((), False)
    section = human_section(items, req.rubric.language, rows, ledger, in_use)
    return (section,) if section is not None else ()


def _agent_from_store(req: _StoreRequest) -> list[Path]:
    """The agent report: the agent's team is the comparison, earlier periods the trend."""
    if not req.subject:
        raise ReportError("the agent report needs an agent id")
    store, p, rid, agent = req.store, req.period, req.rid, req.subject
    mine = store.scores_frame(p.start, p.end, agent_id=agent, **rid)
    if mine.empty:
        raise ReportError(f"agent {agent!r} has no calls scored with {req.rubric.id} in {p.spec}")
    team = mine["team"].dropna()
    scope = {"team": str(team.iloc[0])} if len(team) else {"agent_id": agent}
    scores = store.scores_frame(p.start, p.end, **scope, **rid)
    items = store.items_frame(p.start, p.end, **scope, **rid)
    history = store.scores_frame(shift(p, -TREND_PERIODS).start, p.start, agent_id=agent, **rid)
    return build_agent_report(
        scores,
        items,
        agent_id=agent,
        period=p,
        rubric=req.rubric,
        out_dir=req.out_dir,
        formats=req.formats,
        history=history,
        extra_sections=_human_sections(req, items[items["agent_id"] == agent]),
    )


def _team_from_store(req: _StoreRequest) -> list[Path]:
    """The team report; a training date fetches the verdicts on both sides of it."""
    if not req.subject:
        raise ReportError("the team report needs a team name")
    store, p, rid, team = req.store, req.period, req.rid, req.subject
    scores = store.scores_frame(p.start, p.end, team=team, **rid)
    if scores.empty:
        raise ReportError(f"team {team!r} has no calls scored with {req.rubric.id} in {p.spec}")
    items = store.items_frame(p.start, p.end, team=team, **rid)
    ts = _since(req.since, p)
    effect = None
    if ts is not None:
        first = min(ts - (p.end - p.start), pd.Timestamp(p.start))
        effect = store.items_frame(first.to_pydatetime(), p.end, team=team, **rid)
    return build_team_report(
        scores,
        items,
        team=team,
        period=p,
        rubric=req.rubric,
        out_dir=req.out_dir,
        formats=req.formats,
        since=ts,
        effect_items=effect,
        extra_sections=_human_sections(req, items),
    )


def _bulletin_from_store(req: _StoreRequest) -> list[Path]:
    """The bulletin, against the previous period, with the coverage of calls received."""
    store, p, rid = req.store, req.period, req.rid
    scores = store.scores_frame(p.start, p.end, **rid)
    items = store.items_frame(p.start, p.end, **rid)
    prev = p.previous()
    human = _human_sections(req, items, agreement=True)
    return build_bulletin(
        scores,
        items,
        period=p,
        rubric=req.rubric,
        out_dir=req.out_dir,
        formats=req.formats,
        previous_scores=store.scores_frame(prev.start, prev.end, **rid),
        previous_items=store.items_frame(prev.start, prev.end, **rid),
        history=store.scores_frame(shift(p, -TREND_PERIODS).start, p.start, **rid),
        intake=intake_counts(store, p),
        previous_intake=intake_counts(store, prev),
        extra_sections=human,
    )


def _hotline_from_store(req: _StoreRequest) -> list[Path]:
    """The hotline bulletin: topics, hotspots, repeat calls and satisfaction of the period.

    Raises:
        ReportError: no calls received in the period.
    """
    data = fetch(req.store, req.period, req.rubric.id, req.hotline or HotlineOptions())
    if data.calls.empty:
        raise ReportError(f"no calls received in {req.period.spec}")
    doc = hotline_document(data, req.rubric)
    paths = write_document(doc, req.out_dir, req.formats)
    if "csv" in req.formats:
        paths.append(write_calls_csv(data, req.out_dir, doc.stem))
    return paths


_FROM_STORE = {
    "agent": _agent_from_store,
    "team": _team_from_store,
    "bulletin": _bulletin_from_store,
    "hotline": _hotline_from_store,
}


def write_reports_from_store(
    store: Any,
    kind: str,
    subject: str | None,
    period: Period | str,
    rubric: Any,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    since: dt.date | str | None = None,
    tz: str = "Asia/Shanghai",
    web_base_url: str | None = None,
    hotline: HotlineOptions | None = None,
) -> list[Path]:
    """Fetch the frames a report needs from a :class:`~qa_pipeline.store.Store` and write it.

    The frames carry final verdicts (a person's decision wins over the machine's) and the
    report says how many items people checked; the bulletin adds the machine's agreement
    with people per item.

    Args:
        store: An open store (``scores_frame``/``items_frame``).
        kind: ``agent``, ``team``, ``bulletin`` or ``hotline``.
        subject: Agent id or team name (ignored for ``bulletin``).
        period: The period or its text.
        rubric: A loaded rubric or :class:`RubricInfo`; only its id's rows are used.
        out_dir: Folder for the files.
        formats: Any of ``html``, ``md``, ``csv``, ``pdf``.
        since: Training date for the team report's before/after comparison.
        tz: Time zone of a period given as text.
        web_base_url: Where the workbench is served (``QA_WEB_BASE_URL``): call links
            then open its call page instead of the recording.
        hotline: Taxonomy/classifier and windows of the hotline bulletin.

    Raises:
        ReportError: unknown kind, agent or team, no calls, bad period or format.
    """
    info = _info(rubric)
    p = _period(period, tz)
    check_formats(formats)
    view = FinalView(store, info, web_base_url)
    write = _FROM_STORE.get(kind)
    if write is None:
        raise ReportError(f"unknown report kind {kind!r} (agent, team, bulletin or hotline)")
    request = _StoreRequest(view, subject, p, info, Path(out_dir), formats, since, hotline)
    return write(request)


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "Document",
    "HotlineOptions",
    "ItemInfo",
    "RubricInfo",
    "build_agent_report",
    "build_bulletin",
    "build_team_report",
    "rubric_info",
    "write_reports_from_store",
]
