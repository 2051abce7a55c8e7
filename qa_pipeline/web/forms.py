"""Reading query strings and forms: numbers, the calls filters, the page cursor, links."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from qa_pipeline.review import InvalidInputError
from qa_pipeline.review.workbench import STATES, Filters

ITEM_VERDICTS = ("pass", "fail", "na", "review")


def number(value: str | None, what: str) -> float | None:
    """A decimal number from a field (``None`` when blank).

    Args:
        value: The field's text.
        what: The field's name in the error message.

    Returns:
        The number, or ``None``.

    Raises:
        InvalidInputError: not a number.
    """
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInputError(
            f"{what} must be a number, not {value!r}", "not_number", value=value
        ) from None


def whole(value: str | None, what: str, default: int) -> int:
    """A whole number from a field (``default`` when blank).

    Args:
        value: The field's text.
        what: The field's name in the error message.
        default: The number of a blank field.

    Returns:
        The number.

    Raises:
        InvalidInputError: not a whole number.
    """
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInputError(
            f"{what} must be a whole number, not {value!r}", "not_number", value=value
        ) from None


def call_url(call_id: str, **params: Any) -> str:
    """The page of a call, with ``params`` as its query string.

    Args:
        call_id: The call.
        **params: Query parameters (e.g. ``msg="saved"``).

    Returns:
        A path on this site.
    """
    query = f"?{urlencode(params)}" if params else ""
    return f"/calls/{quote(call_id, safe='')}{query}"


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path on this site, never an open redirect.

    Args:
        value: The ``next`` parameter.

    Returns:
        ``value`` if it is a local path, else ``/``.
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def cursor(value: str | None) -> tuple[datetime, int] | None:
    """``started_at|score_id`` of the previous page's last row (the next-page link).

    Args:
        value: The ``after`` parameter.

    Returns:
        The start time and score id, or ``None`` for the first page.

    Raises:
        InvalidInputError: a malformed cursor.
    """
    if not value:
        return None
    ts, _, sid = value.partition("|")
    try:
        return datetime.fromisoformat(ts), int(sid)
    except ValueError:
        raise InvalidInputError(f"bad page cursor {value!r}", "bad_cursor") from None


def night_range(night: str | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """The start and end of a night (a local date in ``tz``).

    Args:
        night: ``YYYY-MM-DD`` or blank.
        tz: The site's time zone.

    Returns:
        ``(start, end)``, both ``None`` for a blank night.

    Raises:
        InvalidInputError: not a date.
    """
    if not night:
        return None, None
    try:
        day = datetime.fromisoformat(night).date()
    except ValueError:
        raise InvalidInputError(
            f"night must be a date (YYYY-MM-DD), not {night!r}", "bad_night", value=night
        ) from None
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return start, start + timedelta(days=1)


def call_filters(q: Mapping[str, str], tz: str) -> Filters:
    """The filters of the calls page from its query string.

    Args:
        q: The query parameters.
        tz: The site's time zone (nights are local dates).

    Returns:
        The filters.

    Raises:
        InvalidInputError: a bad date, state, verdict or score bound.
    """
    start, end = night_range(q.get("night") or None, tz)
    state = q.get("state") or None
    if state and state not in STATES:
        raise InvalidInputError(f"state must be one of {', '.join(STATES)}", "bad_state")
    item_status = q.get("item_status") or None
    if item_status and item_status not in ITEM_VERDICTS:
        raise InvalidInputError("item verdict must be pass, fail, na or review", "bad_verdict")
    return Filters(
        start=start,
        end=end,
        team=q.get("team") or None,
        agent_id=q.get("agent") or None,
        item_id=q.get("item") or None,
        item_status=item_status,
        state=state,
        score_min=number(q.get("score_min"), "score_min"),
        score_max=number(q.get("score_max"), "score_max"),
        review=bool(q.get("review")),
    )
