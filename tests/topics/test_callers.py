"""Caller keys and repeat calls: exact linkage on a generated month, keys not reversible."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from qa_pipeline.errors import ConfigError
from qa_pipeline.topics.callers import (
    CallerCall,
    caller_key,
    failed_notice_repeats,
    link_repeats,
    normalise_number,
    rates_by_item,
    repeat_rates,
    split_caller_number,
)

SECRET = "site-secret-for-tests"
TZ = timezone(timedelta(hours=8))


def test_numbers_normalise_to_one_caller() -> None:
    forms = ["+86 138-0013-8000", "008613800138000", "13800138000", " 138 0013 8000 "]
    assert {normalise_number(f) for f in forms} == {"13800138000"}
    assert normalise_number("010-6551 2345") == "01065512345"
    assert normalise_number("") is None and normalise_number("12") is None
    assert len({caller_key(f, SECRET) for f in forms}) == 1


def test_key_is_an_hmac_not_a_hash_and_needs_the_secret() -> None:
    key = caller_key("13800138000", SECRET)
    assert key is not None and len(key) == 64 and "13800138000" not in key
    # a plain hash could be reversed by trying every number; the key is not that hash
    assert key != hashlib.sha256(b"13800138000").hexdigest()
    assert caller_key("13800138000", "another-site") != key
    assert caller_key(None, SECRET) is None
    with pytest.raises(ConfigError, match="QA_CALLER_KEY_SECRET"):
        caller_key("13800138000", "")


def test_the_number_column_is_taken_out() -> None:
    number, rest = split_caller_number([("区", "海淀"), ("Caller_Number", "138"), ("ani", "139")])
    assert number == "138" and rest == (("区", "海淀"),)
    assert split_caller_number([]) == (None, ())


def test_linkage_is_exact_on_a_generated_month(make_month: Callable[..., tuple]) -> None:
    planned, classified = make_month(2026, 11, per_day=150, repeat_share=0.15, seed=11)
    calls = [
        CallerCall(c.call_id, c.started_at, caller_key(c.caller, SECRET), t.topic, f"A{i % 9}")
        for i, (c, t) in enumerate(zip(planned, classified, strict=True))
    ]
    links = link_repeats(calls, window_days=7)
    # the truth by brute force on the raw numbers: next call by the number, same topic
    expected: dict[str, str] = {}
    for i, a in enumerate(planned):
        if classified[i].topic == "unknown":
            continue
        for j in range(i + 1, len(planned)):
            b = planned[j]
            if b.caller == a.caller and classified[j].topic == classified[i].topic:
                if b.started_at - a.started_at <= timedelta(days=7):
                    expected[a.call_id] = b.call_id
                break
    assert len(expected) > 50
    assert dict(links.followed_by) == expected
    assert {v: k for k, v in expected.items()} == dict(links.repeat_of)
    by_agent = repeat_rates(calls, links, "agent_id")
    assert sum(r.repeated for r in by_agent) == len(expected)
    assert sum(r.calls for r in by_agent) == len(links.linkable)


def _call(i: int, day: float, key: str | None, topic: str = "tax.invoice") -> CallerCall:
    start = datetime(2026, 11, 1, 9, tzinfo=TZ) + timedelta(days=day)
    return CallerCall(f"c{i}", start, key, topic, "A1", "一组")


def test_window_topic_and_missing_keys() -> None:
    calls = [
        _call(1, 0, "k1"),
        _call(2, 6.9, "k1"),  # repeat of c1
        _call(3, 20, "k1"),  # too late after c2
        _call(4, 1, "k1", "transport.bus"),  # other topic
        _call(5, 0, None),
        _call(6, 1, None),  # no caller number: never linked
        _call(7, 2, "k2", "unknown"),
        _call(8, 3, "k2", "unknown"),  # unknown topic: never linked
    ]
    links = link_repeats(calls, 7)
    assert dict(links.followed_by) == {"c1": "c2"}
    assert links.linkable == {"c1", "c2", "c3", "c4"}
    statuses = {"c1": {"one_time_notice": "fail"}, "c2": {"one_time_notice": "pass"}}
    assert failed_notice_repeats(statuses, calls) == {"c1": "c2"}
    after_pass, after_fail = rates_by_item(statuses, links)["one_time_notice"]
    assert (after_fail.calls, after_fail.repeated, after_fail.call_ids) == (1, 1, ("c1",))
    assert (after_pass.calls, after_pass.repeated) == (1, 0)
    assert after_pass.rate == 0.0
