"""Report periods as tz-aware half-open intervals ``[start, end)``.

The forms: ``day:2026-11-21``, ``week:2026-W47``, ``month:2026-11``,
``range:2026-11-01..2026-11-15``.

A ``range`` includes both of its dates (``..2026-11-15`` ends at the 16th, 00:00).
Periods are read in the time zone of the settings (default ``Asia/Shanghai``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qa_pipeline.errors import ReportError

_SYNTAX = "day:YYYY-MM-DD, week:YYYY-Www, month:YYYY-MM or range:YYYY-MM-DD..YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class Period:
    """A report period.

    Attributes:
        kind: ``day``, ``week``, ``month`` or ``range``.
        label: The text it was parsed from without the kind (``2026-W47``).
        start: First instant, tz-aware.
        end: First instant after the period, tz-aware.
    """

    kind: str
    label: str
    start: dt.datetime
    end: dt.datetime

    @property
    def spec(self) -> str:
        """The period as written on the command line (``month:2026-11``)."""
        return f"{self.kind}:{self.label}"

    @property
    def slug(self) -> str:
        """A file-name-safe form (``month-2026-11``)."""
        return f"{self.kind}-{self.label}".replace("..", "_")

    def previous(self) -> Period:
        """The period of the same kind and length just before this one."""
        return shift(self, -1)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportError(f"unknown time zone {tz!r}") from exc


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ReportError(f"bad date {text!r} (expected YYYY-MM-DD)") from exc


def _at(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _bounds(kind: str, label: str) -> tuple[dt.date, dt.date]:
    if kind == "day":
        day = _date(label)
        return day, day + dt.timedelta(days=1)
    if kind == "week":
        m = re.fullmatch(r"(\d{4})-W(\d{1,2})", label)
        if not m:
            raise ReportError(f"bad week {label!r} (expected YYYY-Www, e.g. 2026-W47)")
        try:
            first = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError as exc:
            raise ReportError(f"bad week {label!r}: {exc}") from exc
        return first, first + dt.timedelta(days=7)
    if kind == "month":
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", label)
        if not m or not 1 <= int(m[2]) <= 12:
            raise ReportError(f"bad month {label!r} (expected YYYY-MM)")
        first = dt.date(int(m[1]), int(m[2]), 1)
        return first, _add_months(first, 1)
    if kind == "range":
        a, sep, b = label.partition("..")
        if not sep:
            raise ReportError(f"bad range {label!r} (expected YYYY-MM-DD..YYYY-MM-DD)")
        first, last = _date(a), _date(b)
        if last < first:
            raise ReportError(f"range {label!r} ends before it starts")
        return first, last + dt.timedelta(days=1)
    raise ReportError(f"unknown period kind {kind!r} (expected {_SYNTAX})")


def parse_period(text: str, tz: str = "Asia/Shanghai") -> Period:
    """Parse a period written as ``kind:label``.

    Args:
        text: ``day:2026-11-21``, ``week:2026-W47``, ``month:2026-11`` or
            ``range:2026-11-01..2026-11-15`` (both dates included).
        tz: IANA time zone the dates are read in.

    Returns:
        The period with tz-aware ``[start, end)``.

    Raises:
        ReportError: the text is not a period.
    """
    kind, sep, label = text.strip().partition(":")
    if not sep or not label:
        raise ReportError(f"bad period {text!r} (expected {_SYNTAX})")
    kind = kind.lower()
    first, after = _bounds(kind, label)
    zone = _zone(tz)
    return Period(kind, label, _at(first, zone), _at(after, zone))


def shift(period: Period, steps: int) -> Period:
    """The period ``steps`` periods away (negative: earlier), same kind and length.

    Months move by calendar months; days, weeks and ranges by their length in days.
    """
    zone = period.start.tzinfo
    assert isinstance(zone, ZoneInfo)
    first, after = period.start.date(), period.end.date()
    if period.kind == "month":
        new_first = _add_months(first, steps)
        return Period(
            "month",
            f"{new_first:%Y-%m}",
            _at(new_first, zone),
            _at(_add_months(new_first, 1), zone),
        )
    days = (after - first).days
    new_first = first + dt.timedelta(days=days * steps)
    new_after = new_first + dt.timedelta(days=days)
    if period.kind == "day":
        label = new_first.isoformat()
    elif period.kind == "week":
        year, week, _ = new_first.isocalendar()
        label = f"{year}-W{week:02d}"
    else:
        label = f"{new_first.isoformat()}..{(new_after - dt.timedelta(days=1)).isoformat()}"
    return Period(period.kind, label, _at(new_first, zone), _at(new_after, zone))
