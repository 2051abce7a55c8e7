"""Export of evaluations and review decisions as CSV or Excel, streamed.

Both take the calls list's filters (:class:`qa_pipeline.store.queries.Filters`) and the
user's rights (an agent's export holds only their own calls). Rows are read from the
database in batches and written as they come, so 100,000 rows never sit in memory: CSV
goes out chunk by chunk; Excel is written by openpyxl's write-only mode to a temporary
file, which is then sent.

Cells are made safe for spreadsheets: in CSV a text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'`` (so it is never run as a
formula); in Excel every text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select

from qa_pipeline.review.errors import InvalidInputError
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.users import User
from qa_pipeline.store.queries import Filters
from qa_pipeline.store.schema import item_results, review_decisions

__all__ = [
    "DECISION_COLUMNS",
    "EVALUATION_COLUMNS",
    "FORMATS",
    "export_rows",
    "safe_cell",
    "stream_csv",
    "write_xlsx",
]

FORMATS = ("csv", "xlsx")

#: Columns of the evaluations export (one row per call × rubric version).
EVALUATION_COLUMNS = (
    "call_id",
    "started_at",
    "agent_id",
    "team",
    "rubric_id",
    "rubric_version",
    "machine_score",
    "score",
    "grade",
    "state",
)

#: Columns of the decisions export (one row per human decision, oldest first).
DECISION_COLUMNS = (
    "decision_id",
    "decided_at",
    "call_id",
    "started_at",
    "agent_id",
    "team",
    "rubric_id",
    "rubric_version",
    "item_id",
    "item_name",
    "kind",
    "machine_status",
    "old_status",
    "new_status",
    "reviewer",
    "note",
    "appeal_id",
)

_BATCH = 2000
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet never runs as a formula.

    Args:
        value: The cell's value.

    Returns:
        Text starting with ``= + - @``, a tab or a carriage return prefixed with ``'``;
        anything else unchanged.
    """
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def _evaluations_query(bench: Any, user: User, f: Filters) -> Select[Any]:
    return bench._calls_query(user, f)


def _decisions_query(bench: Any, user: User, f: Filters) -> Select[Any]:
    calls = bench._calls_query(user, f).order_by(None).subquery()
    rd = review_decisions
    q = (
        select(
            rd.c.id.label("decision_id"),
            rd.c.decided_at,
            rd.c.call_id,
            calls.c.started_at,
            calls.c.agent_id,
            calls.c.team,
            rd.c.rubric_id,
            rd.c.rubric_version,
            rd.c.item_id,
            item_results.c.item_name,
            rd.c.kind,
            rd.c.machine_status,
            rd.c.old_status,
            rd.c.new_status,
            rd.c.reviewer,
            rd.c.note,
            rd.c.appeal_id,
        )
        .select_from(
            rd.join(
                calls,
                and_(
                    calls.c.call_id == rd.c.call_id,
                    calls.c.rubric_id == rd.c.rubric_id,
                    calls.c.rubric_version == rd.c.rubric_version,
                ),
            ).outerjoin(
                item_results,
                and_(
                    item_results.c.score_id == calls.c.score_id,
                    item_results.c.item_id == rd.c.item_id,
                ),
            )
        )
        .order_by(rd.c.id)
    )
    if f.item_id:
        q = q.where(rd.c.item_id == f.item_id)
    return q


def export_rows(
    bench: Any, user: User, kind: str, f: Filters, tz: str
) -> tuple[Sequence[str], Iterator[tuple[Any, ...]]]:
    """The columns and the rows (read in batches) of an export.

    Args:
        bench: The :class:`~qa_pipeline.review.Workbench` (its store and calls query).
        user: Who exports; needs ``EXPORT``, and an agent gets only their own calls.
        kind: ``evaluations`` or ``decisions``.
        f: The calls list's filters.
        tz: The site's time zone: times are written as local times in it.

    Returns:
        The header and an iterator of rows; the rows hold a database connection until
        they are exhausted or closed.

    Raises:
        ForbiddenError: the role may not export.
        NotFoundError: an unknown kind.
    """
    user.need(Permission.EXPORT, "this role cannot export")
    columns: Sequence[str]
    if kind == "evaluations":
        columns, query = EVALUATION_COLUMNS, _evaluations_query(bench, user, f)
    elif kind == "decisions":
        columns, query = DECISION_COLUMNS, _decisions_query(bench, user, f)
    else:
        from qa_pipeline.review.errors import NotFoundError

        raise NotFoundError(f"no export {kind!r}", "no_export")
    return columns, _rows(bench.store, query, columns, ZoneInfo(tz))


def _rows(store: Any, query: Select[Any], columns: Sequence[str], zone: ZoneInfo) -> Iterator[Any]:
    with store._read("export") as conn:
        result = conn.execution_options(yield_per=_BATCH).execute(query)
        for row in result:
            m = row._mapping
            yield tuple(_local(m[c], zone) for c in columns)


def _local(value: Any, zone: ZoneInfo) -> Any:
    """A timestamp as a naive local time in ``zone`` (Excel knows no time zones)."""
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None, microsecond=0)
    return value


def stream_csv(columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with a BOM, so spreadsheets read Chinese right), in chunks.

    Args:
        columns: The header.
        rows: The rows.

    Yields:
        Encoded chunks of about ``_BATCH`` rows.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(columns)
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if n % _BATCH == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bool):
        return int(value)
    return safe_cell(value)


def write_xlsx(
    columns: Sequence[str], rows: Iterator[tuple[Any, ...]], sheet: str = "export"
) -> str:
    """Write the export to a temporary ``.xlsx`` file (openpyxl write-only mode).

    Args:
        columns: The header.
        rows: The rows.
        sheet: The worksheet's title.

    Returns:
        The file's path; the caller deletes it once sent.

    Raises:
        InvalidInputError: openpyxl is not installed.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
    except ImportError:
        raise InvalidInputError(
            "Excel export needs openpyxl (pip install openpyxl)", "no_excel"
        ) from None
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(columns))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: "=…" is never a formula
            cells.append(cell)
        ws.append(cells)
    fd, path = tempfile.mkstemp(prefix="qa-export-", suffix=".xlsx")
    os.close(fd)
    try:
        book.save(path)
    except BaseException:
        os.unlink(path)
        raise
    return path
