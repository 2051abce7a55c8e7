"""Which reports a night, a trainer or management gets, via :mod:`qa_pipeline.reports`."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_pipeline.night import stages
from qa_pipeline.night.config import StageConfig

log = logging.getLogger(__name__)


def _writer() -> Any:
    """The report writer of :mod:`qa_pipeline.reports`.

    Raises:
        ReportError: the reports module offers no writer in this installation.
    """
    import importlib

    from qa_pipeline.errors import ReportError

    module = importlib.import_module("qa_pipeline.reports")
    writer = getattr(module, "write_reports_from_store", None)
    if writer is None:
        raise ReportError("this installation has no report writer (qa_pipeline.reports)")
    return writer


def write_reports(
    config: StageConfig,
    kind: str,
    subject: str | None,
    period: str,
    rubric_path: str,
    out_dir: Path,
    formats: Sequence[str],
    since: str | None = None,
) -> list[Path]:
    """Write one report (``agent``, ``team`` or ``bulletin``) from the store.

    ``since`` (``YYYY-MM-DD``, team reports) adds the before/after training comparison.
    """
    db = stages.store(config.database_url, config.redact_pii)
    paths: Any = _writer()(
        db,
        kind,
        subject,
        period,
        stages.rubric(rubric_path),
        out_dir,
        list(formats),
        since=since,
        tz=config.timezone,
        web_base_url=config.web_base_url,
    )
    return [Path(p) for p in paths]


def _folder_name(rubric_id: str) -> str:
    """A rubric id as one folder name inside the reports folder.

    Ids are validated as names at load; this guards rubrics made in code.
    """
    name = re.sub(r"[^\w.-]+", "_", rubric_id).lstrip(".")
    return name or "rubric"


def night_reports(
    config: StageConfig, night: str, out_dir: Path, formats: Sequence[str]
) -> tuple[list[Path], list[str]]:
    """The night's reports, for every rubric that scored calls that night.

    One report per agent and per team with calls that night, and the day's bulletin.

    Returns:
        The paths written, and one line per report that could not be written.
    """
    from qa_pipeline.errors import ReportError

    try:
        _writer()
    except ReportError as exc:
        return [], [str(exc)]
    db = stages.store(config.database_url, config.redact_pii)
    period = f"day:{night}"
    paths: list[Path] = []
    problems: list[str] = []
    default = dict(config.rubrics).get("default")
    for rubric_path in dict.fromkeys(p for _, p in config.rubrics):
        r = stages.rubric(rubric_path)
        # reports of the other rubrics go in a folder each: their names would collide
        target = out_dir if rubric_path == default else out_dir / _folder_name(str(r.id))
        frame = db.scores_frame(rubric_id=r.id, rubric_version=r.version)
        if frame.empty:
            continue
        days = frame["started_at"].dt.tz_convert(config.timezone).dt.date.astype(str)
        tonight = frame[days == night]
        if tonight.empty:
            continue
        jobs = [("agent", a) for a in sorted(tonight["agent_id"].dropna().unique())]
        jobs += [("team", t) for t in sorted(tonight["team"].dropna().unique())]
        jobs.append(("bulletin", None))
        for kind, subject in jobs:
            try:
                paths += write_reports(config, kind, subject, period, rubric_path, target, formats)
            except (ReportError, OSError) as exc:  # one report's file must not stop the rest
                problems.append(f"{kind} report {subject or period} ({r.id}): {_one_line(exc)}")
    return paths, problems


def _one_line(exc: BaseException) -> str:
    """An error as one line: an OSError says what it could not do and to which file."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({Path(exc.filename).name})" if exc.filename else ""
        return f"cannot write the report file{where}: {exc.strerror}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
