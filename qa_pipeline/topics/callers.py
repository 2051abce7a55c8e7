"""Caller keys and repeat calls (重复来电).

A **caller key** is ``HMAC-SHA256(secret, normalised number)`` in hex: the same caller
gets the same key on every night, and the number itself is never stored. Without the
site's secret (``QA_CALLER_KEY_SECRET``) the key cannot be turned back into a number,
not even by trying every mobile number (a plain hash could be: there are only about
10^11 of them). Whoever holds the secret can check a given number against a key, so the
secret is kept like a password and never written to the database or the reports.

A **repeat call** is a later call by the same caller on the same topic within a window
(``QA_REPEAT_WINDOW_DAYS``, default 7 days). The earlier call is the one "followed by a
repeat": its agent, team and quality items are what the repeat rates are measured on.
Calls without a caller key, and calls whose topic is ``unknown``, are never linked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from qa_pipeline.errors import ConfigError
from qa_pipeline.topics.taxonomy import UNKNOWN

#: Manifest columns that hold the caller's number (first one present wins).
CALLER_NUMBER_COLUMNS: tuple[str, ...] = (
    "caller_number",
    "caller_phone",
    "caller",
    "ani",
    "主叫号码",
    "来电号码",
)
#: The rubric item whose failure a quick repeat call makes visible (一次性告知).
ONE_TIME_NOTICE = "one_time_notice"
_NOT_DIGIT = re.compile(r"\D+")


def normalise_number(raw: str | None) -> str | None:
    """Digits only, without a ``+86``/``0086`` country prefix; ``None`` if too short.

    ``+86 138-0013-8000``, ``008613800138000`` and ``13800138000`` are one caller.
    """
    digits = _NOT_DIGIT.sub("", raw or "")
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            digits = rest
            break
    return digits if len(digits) >= 5 else None


def caller_key(number: str | None, secret: str) -> str | None:
    """The caller key of a number (hex HMAC-SHA256), ``None`` for no usable number.

    Raises:
        ConfigError: ``secret`` is empty (a key without a secret could be reversed).
    """
    if not secret:
        raise ConfigError("caller keys need a secret: set QA_CALLER_KEY_SECRET")
    digits = normalise_number(number)
    if digits is None:
        return None
    return hmac.new(secret.encode("utf-8"), digits.encode("ascii"), hashlib.sha256).hexdigest()


def split_caller_number(
    extra: Iterable[tuple[str, str]],
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """A manifest row's extra columns → (the caller's number, the columns without it).

    Every caller-number column is taken out, so the number goes no further.
    """
    number: str | None = None
    rest: list[tuple[str, str]] = []
    for name, value in extra:
        if name.strip().lower() in CALLER_NUMBER_COLUMNS:
            number = number or (value.strip() or None)
        else:
            rest.append((name, value))
    return number, tuple(rest)


@dataclass(frozen=True, slots=True)
class CallerCall:
    """One call as the repeat analysis sees it."""

    call_id: str
    started_at: datetime
    caller_key: str | None
    topic: str
    agent_id: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class RepeatLinks:
    """Which calls were followed by a repeat, and which calls are repeats.

    Attributes:
        followed_by: Earlier call id → the next call by the same caller on the same
            topic within the window.
        repeat_of: Later call id → the earlier call it repeats.
        linkable: Calls that could be linked (a caller key and a known topic).
        window_days: The window used.
    """

    followed_by: Mapping[str, str]
    repeat_of: Mapping[str, str]
    linkable: frozenset[str]
    window_days: float


def link_repeats(calls: Iterable[CallerCall], window_days: float = 7.0) -> RepeatLinks:
    """Link each call to the same caller's next call on the same topic within the window.

    Args:
        calls: Calls of the period and, for the last days, of the days after it (a call
            on the 30th is followed by one on the 2nd of the next month).
        window_days: Largest gap, in days, between a call and its repeat.

    Returns:
        The links (see :class:`RepeatLinks`).
    """
    groups: defaultdict[tuple[str, str], list[CallerCall]] = defaultdict(list)
    for c in calls:
        if c.caller_key and c.topic != UNKNOWN:
            groups[(c.caller_key, c.topic)].append(c)
    window = timedelta(days=window_days)
    followed: dict[str, str] = {}
    repeats: dict[str, str] = {}
    linkable: set[str] = set()
    for group in groups.values():
        group.sort(key=lambda c: (c.started_at, c.call_id))
        linkable.update(c.call_id for c in group)
        for first, second in pairwise(group):
            if second.started_at - first.started_at <= window:
                followed[first.call_id] = second.call_id
                repeats[second.call_id] = first.call_id
    return RepeatLinks(followed, repeats, frozenset(linkable), window_days)


@dataclass(frozen=True, slots=True)
class RepeatRate:
    """Repeat calls of one group (a topic, an agent, a team or an item's verdict).

    Attributes:
        key: The group.
        calls: Linkable calls in it.
        repeated: Of those, calls followed by a repeat.
        call_ids: The calls followed by a repeat (traceable).
    """

    key: str
    calls: int
    repeated: int
    call_ids: tuple[str, ...]

    @property
    def rate(self) -> float:
        """``repeated / calls`` (NaN without calls)."""
        return self.repeated / self.calls if self.calls else float("nan")


def repeat_rates(
    calls: Sequence[CallerCall], links: RepeatLinks, by: str = "topic"
) -> list[RepeatRate]:
    """Repeat rate per ``topic``, ``agent_id`` or ``team``, most repeats first."""
    total: defaultdict[str, int] = defaultdict(int)
    hit: defaultdict[str, list[str]] = defaultdict(list)
    for c in calls:
        if c.call_id not in links.linkable:
            continue
        key = str(getattr(c, by) or "–")
        total[key] += 1
        if c.call_id in links.followed_by:
            hit[key].append(c.call_id)
    rates = [RepeatRate(k, n, len(hit[k]), tuple(hit[k])) for k, n in total.items()]
    return sorted(rates, key=lambda r: (-r.repeated, -r.calls, r.key))


def rates_by_item(
    statuses: Mapping[str, Mapping[str, str]], links: RepeatLinks
) -> dict[str, tuple[RepeatRate, RepeatRate]]:
    """Per quality item: the repeat rate after a pass and after a fail.

    Args:
        statuses: Call id → item id → status (``pass``/``fail``; others ignored).
        links: The period's repeat links.

    Returns:
        Item id → (after pass, after fail); only linkable calls count.
    """
    groups: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for call_id, items in statuses.items():
        if call_id not in links.linkable:
            continue
        for item_id, status in items.items():
            if status in ("pass", "fail"):
                groups[(item_id, status)].append(call_id)
    out: dict[str, tuple[RepeatRate, RepeatRate]] = {}
    for item_id in sorted({i for i, _ in groups}):
        pair = []
        for status in ("pass", "fail"):
            ids = groups[(item_id, status)]
            rep = tuple(i for i in ids if i in links.followed_by)
            pair.append(RepeatRate(status, len(ids), len(rep), rep))
        out[item_id] = (pair[0], pair[1])
    return out


def failed_notice_repeats(
    statuses: Mapping[str, Mapping[str, str]],
    calls: Sequence[CallerCall],
    item_id: str = ONE_TIME_NOTICE,
    days: float = 7.0,
) -> dict[str, str]:
    """Calls whose 一次性告知 failed and whose caller called again on the topic within ``days``.

    Returns:
        The failed call id → the repeat call's id.
    """
    links = link_repeats(calls, days)
    return {
        call_id: links.followed_by[call_id]
        for call_id, items in statuses.items()
        if items.get(item_id) == "fail" and call_id in links.followed_by
    }
