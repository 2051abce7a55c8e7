"""The review screen in real headless Chromium: an inspector clears a queue with the
keyboard only (issue 19 item 2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from qa_pipeline.store.schema import review_decisions
from qa_pipeline.store.workbench import review_queue
from qa_pipeline.web.labels import ZH

from .conftest import PASSWORD, Centre, LiveServer

pytestmark = [pytest.mark.chromium]


def _queue_of_five(centre: Centre) -> dict[str, Any]:
    """Leave five open entries: a review item, a sampled fail, three sampled passes (one on
    a call with audio and evidence a few seconds in)."""
    centre.bench.fill_queue(rate=1.0, seed=1)
    with centre.store._read("test") as conn:
        rows = list(conn.execute(select(review_queue).order_by(review_queue.c.id)))
    items = centre.store.items_frame()
    audio = {c["call_id"] for c in centre.calls if c["audio"]}
    heard = {
        (r.call_id, r.item_id)
        for r in items.itertuples()
        if r.call_id in audio and any((e.get("start") or 0) >= 3 for e in r.evidence)
    }
    review = next(r for r in rows if r.reason == "review")
    fail = next(r for r in rows if r.reason == "sample" and r.machine_status == "fail")
    passes = [r for r in rows if r.reason == "sample" and r.machine_status == "pass"]
    played = next(r for r in passes if (r.call_id, r.item_id) in heard)
    skipped, overturned = [r for r in passes if r.id != played.id][:2]
    keep = {
        "review": review,
        "fail": fail,
        "played": played,
        "skipped": skipped,
        "overturned": overturned,
    }
    ids = [r.id for r in keep.values()]
    with centre.store._write("test") as conn:
        conn.execute(update(review_queue).where(review_queue.c.id.not_in(ids)).values(done=True))
    return keep


def _entry(page: Any) -> int:
    m = re.search(r"/review/items/(\d+)", page.url)
    assert m, page.url
    return int(m.group(1))


def test_an_inspector_clears_the_queue_with_the_keyboard_only(browser: Any, centre: Centre) -> None:
    keep = _queue_of_five(centre)
    role = {r.id: name for name, r in keep.items()}
    errors: list[str] = []
    with LiveServer(centre) as live:
        page = browser.new_context().new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live.url}/review/next")
        page.locator("input[name=name]").focus()
        page.keyboard.type("li")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/review/items/\d+"))
        visits: list[str] = []
        while page.locator("#queue-empty").count() == 0:
            assert len(visits) < 12, visits
            name = role[_entry(page)]
            visits.append(name)
            _act(page, name, first=visits.count(name) == 1)
        assert visits.count("skipped") == 2  # skipped with J, back once the rest were done
        assert set(visits) == set(keep)
    with centre.store._read("test") as conn:
        got = {
            (d.call_id, d.item_id): (d.new_status, d.note, d.reviewer)
            for d in conn.execute(select(review_decisions))
        }
    agree = ZH["agree_machine"]
    want = {
        "review": ("na", "复听：本通不涉及该项", "li"),
        "fail": ("fail", agree, "li"),
        "played": ("pass", agree, "li"),
        "skipped": ("pass", agree, "li"),
        "overturned": ("fail", "复听：未核实来电人诉求", "li"),
    }
    assert got == {(r.call_id, r.item_id): want[n] for n, r in keep.items()}
    assert [e for e in errors if "Content Security Policy" in e] == []


def _submit(page: Any, key: str) -> None:
    """Press ``key`` and wait for the next item (or the empty queue) to open."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _act(page: Any, name: str, first: bool) -> None:
    """What the inspector does on each item, by keys alone."""
    form = page.locator("#screen-form")
    if name == "review":
        assert form.get_attribute("data-machine") == ""  # no default to confirm
        assert page.locator("input[name=status]:checked").count() == 0
        page.keyboard.press("Enter")  # nothing is passed silently: it asks for a choice
        assert page.locator("#screen-hint").inner_text() == ZH["need_choice"]
        page.keyboard.press("n")  # n/a: not the machine's, so the reason field opens
        assert page.evaluate("document.activeElement.name") == "reason"
        page.keyboard.type("复听：本通不涉及该项")
        _submit(page, "Enter")
    elif name == "fail":
        assert form.get_attribute("data-machine") == "fail"
        assert page.locator("input[name=status]:checked").get_attribute("value") == "fail"
        _submit(page, "Enter")  # confirm the default: the machine's fail stays a fail
    elif name == "played":
        start = float(page.locator(".screen-item .evidence").first.get_attribute("data-t"))
        page.keyboard.press("e")
        page.wait_for_function(
            "s => { const a = document.getElementById('player');"
            " return a && a.currentTime >= s - 0.05 && a.currentTime < s + 3; }",
            arg=start,
        )
        assert page.locator(".seg.hl").count() == 1
        _submit(page, "p")  # the machine's verdict by its key: confirmed at once
    elif name == "skipped" and first:
        _submit(page, "j")  # next, without deciding and without going back to the top
    elif name == "skipped":
        _submit(page, "Enter")
    else:  # overturned: the machine's pass becomes a fail, with a reason
        page.keyboard.press("f")
        page.keyboard.press("Escape")  # leave the reason field empty …
        page.keyboard.press("Enter")  # … Enter will not send a changed verdict without one
        assert page.evaluate("document.activeElement.name") == "reason"
        assert page.locator("#screen-hint").inner_text() == ZH["need_reason_hint"]
        page.keyboard.type("复听：未核实来电人诉求")
        _submit(page, "Enter")
