"""The workbench driven by real headless Chromium (Playwright with the system binary)."""

from __future__ import annotations

from typing import Any

import pytest

from qa_pipeline.reports import write_reports_from_store

from .conftest import PASSWORD, Centre, LiveServer

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.filterwarnings("ignore:Glyph.*missing from font"),  # reports without CJK font
]


CONSOLE_ERRORS: list[str] = []


def _login(browser: Any, live: LiveServer, name: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: CONSOLE_ERRORS.append(m.text) if m.type == "error" else None)
    page.goto(f"{live.url}/calls")
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{live.url}/calls")
    return page


def _bulletin(centre: Centre, tmp: Any) -> str:
    [path] = write_reports_from_store(
        centre.store, "bulletin", None, "month:2026-11", centre.rubric, tmp, ("md",)
    )
    return path.read_text(encoding="utf-8")


def test_inspector_plays_evidence_and_decides_a_review_item(
    browser: Any, centre: Centre, live: LiveServer, tmp_path: Any
) -> None:
    items = centre.store.items_frame()
    audio_calls = {c["call_id"] for c in centre.calls if c["audio"]}
    with_ev = items[items["call_id"].isin(audio_calls)]
    pick = next(
        (r, e) for r in with_ev.itertuples() for e in r.evidence if (e.get("start") or 0) >= 5
    )
    row, ev = pick
    page = _login(browser, live, "li")
    page.click(f"#calls a[href='/calls/{row.call_id}']")
    page.wait_for_selector("audio#player")
    page.locator(f"tr#item-{row.item_id} button.evidence").first.click()
    second = float(ev["start"])
    page.wait_for_function(
        f"() => {{ const a = document.getElementById('player');"
        f" return a.currentTime >= {second - 0.05} && a.currentTime < {second + 2}; }}"
    )
    # a report's link (…/calls/ID#t=SECONDS) opens the call at that second
    page.goto(f"{live.url}/calls/{row.call_id}#t=7")
    page.wait_for_function(
        "() => { const a = document.getElementById('player');"
        " return a.readyState >= 1 && Math.abs(a.currentTime - 7) < 0.5; }"
    )
    # the queue: every review item; decide one
    report_before = _bulletin(centre, tmp_path / "before")
    centre.bench.fill_queue(rate=0.0)
    page.goto(f"{live.url}/review")
    first = page.locator("#queue tbody tr").first
    call_id, item_id = first.get_attribute("data-call"), first.get_attribute("data-item")
    assert call_id and item_id
    before = centre.bench.call_detail(centre.users["li"], call_id).evaluations[0].score
    first.locator("select[name=status]").select_option("fail")
    first.locator("input[name=reason]").fill("复听：没有结束语")
    first.locator("button[type=submit]").click()
    page.wait_for_url(f"{live.url}/review?page=1")
    assert page.locator(f"#queue tr[data-call='{call_id}'][data-item='{item_id}']").count() == 0
    page.goto(f"{live.url}/calls/{call_id}")
    shown = float(page.locator("#score-0").inner_text())
    assert shown != pytest.approx(before, abs=0.05)
    assert page.locator("#state-0").inner_text() == "已复核"
    assert "复听：没有结束语" in page.locator("table.history").inner_text()
    report_after = _bulletin(centre, tmp_path / "after")
    assert "人工复核" not in report_before
    assert "1 个评分项（1 通电话）经人工复核" in report_after
    # the pages run under a strict Content-Security-Policy without breaking it
    assert [e for e in CONSOLE_ERRORS if "Content Security Policy" in e] == []


def test_evidence_on_a_vendor_call_outlines_the_turn(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    """A vendor-transcript call has no player; its evidence still shows where it was said."""
    items = centre.store.items_frame()
    vendor = {c["call_id"] for c in centre.calls if not c["audio"]}
    rows = items[items["call_id"].isin(vendor)]
    row, ev = next(
        (r, e) for r in rows.itertuples() for e in r.evidence if (e.get("start") or 0) >= 3
    )
    page = _login(browser, live, "li")
    page.goto(f"{live.url}/calls/{row.call_id}")
    assert page.locator("audio#player").count() == 0
    page.locator(f"tr#item-{row.item_id} button.evidence").first.click()
    outlined = page.locator(".seg.hl")
    assert outlined.count() == 1
    assert float(outlined.get_attribute("data-t") or "nan") <= float(ev["start"]) + 0.05


def test_agent_appeals_and_another_inspector_resolves(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    items = centre.store.items_frame()
    fails = items[(items["agent_id"] == "A1001") & (items["status"] == "fail")]
    call_id, item_id = str(fails.iloc[0]["call_id"]), str(fails.iloc[0]["item_id"])
    other = centre.call(agent_id="A1002")["call_id"]
    agent = _login(browser, live, "a1001")
    resp = agent.goto(f"{live.url}/calls/{other}")
    assert resp is not None and resp.status == 403
    agent.goto(f"{live.url}/calls/{call_id}")
    row = agent.locator(f"tr#item-{item_id}")
    row.locator("form.appeal input[name=reason]").fill("我说了结束语，请复听")
    row.locator("form.appeal button").click()
    agent.wait_for_selector("#msg")
    assert agent.locator("#state-0").inner_text() == "申诉中"
    inspector = _login(browser, live, "wang")
    inspector.goto(f"{live.url}/appeals")
    appeal = inspector.locator("#appeals tbody tr").first
    assert "我说了结束语" in appeal.inner_text()
    appeal.locator("input[name=reason]").fill("复听确认有结束语，改判")
    appeal.locator("button[value=overturn]").click()
    inspector.wait_for_url(f"{live.url}/appeals")
    assert inspector.locator("#appeals .appeal-state").first.inner_text() == "已改判"
    agent.goto(f"{live.url}/calls/{call_id}")
    assert agent.locator("#state-0").inner_text() == "已定稿"
    assert "通过" in agent.locator(f"tr#item-{item_id} td.final").inner_text()
    assert agent.locator("form.appeal").count() == 0  # final: no more appeals


def test_calibration_is_blind_until_done_and_shows_agreement(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    calls = [c["call_id"] for c in centre.calls[:2]]
    trainer = _login(browser, live, "zhao")
    trainer.goto(f"{live.url}/calibration")
    trainer.fill("#new-session input[name=name]", "十一月校准")
    trainer.fill("#new-session input[name=rubric_id]", centre.rubric.id)
    trainer.fill("#new-session input[name=rubric_version]", centre.rubric.version)
    trainer.fill("#new-session textarea[name=call_ids]", "\n".join(calls))
    trainer.click("#new-session button[type=submit]")
    trainer.wait_for_url("**/calibration/*")
    session_url = trainer.url
    item_ids = [i.id for i in centre.rubric.items]
    for name, closing in (("li", ["pass", "pass"]), ("wang", ["pass", "fail"])):
        page = _login(browser, live, name)
        page.goto(session_url)
        assert page.locator("#agreement").count() == 0  # blind until done
        for k, call_id in enumerate(calls):
            form = page.locator(f"form.calib[data-call='{call_id}']")
            for item_id in item_ids:
                verdict = closing[k] if item_id == "closing" else "pass"
                form.locator(f"input[name='v:{item_id}'][value={verdict}]").check()
            form.locator("button[type=submit]").click()
            page.wait_for_url(session_url)
        assert page.locator("#agreement").count() == 1
    trainer.goto(session_url)
    row = trainer.locator("#agreement tr[data-item=closing] td.pct")
    assert row.inner_text() == "50%"
    assert trainer.locator("#agreement tr[data-item=opening] td.pct").inner_text() == "100%"


def test_agent_appeals_a_critical_item_and_the_inspector_overturns_it_to_pass(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    """An overturned appeal of a critical item gets the chosen verdict; no zero score."""
    rid, ver = centre.rubric.id, centre.rubric.version
    items = centre.store.items_frame()
    crit = items[
        (items["agent_id"] == "A1001")
        & (items["item_id"] == "no_hostility")
        & (items["status"] == "pass")
    ]
    call_id = str(crit.iloc[0]["call_id"])
    machine = centre.bench.call_detail(centre.users["li"], call_id).evaluations[0].score
    centre.bench.decide(centre.users["li"], call_id, rid, ver, "no_hostility", "fail", "语气", 0)
    agent = _login(browser, live, "a1001")
    agent.goto(f"{live.url}/calls/{call_id}")
    assert agent.locator("#score-0").inner_text() == "0.0"
    on_call = items[items["call_id"] == call_id]
    # only items against the agent: failed or n/a (and the one li failed)
    n_against = int(on_call["status"].isin(["fail", "na"]).sum()) + 1
    assert agent.locator("form.appeal").count() == n_against
    row = agent.locator("tr#item-no_hostility")
    row.locator("form.appeal input[name=reason]").fill("我没有失控，请复听")
    row.locator("form.appeal button").click()
    agent.wait_for_selector("#msg")
    assert agent.locator("#msg").inner_text() == "✓ 申诉已提交"
    inspector = _login(browser, live, "wang")
    inspector.goto(f"{live.url}/appeals")
    appeal = inspector.locator("#appeals tbody tr").first
    assert "不失控" in appeal.inner_text()
    appeal.locator("input[name=reason]").fill("复听语气正常，改判通过")
    appeal.locator("select[name=status]").select_option("pass")
    appeal.locator("button[value=overturn]").click()
    inspector.wait_for_url(f"{live.url}/appeals")
    agent.goto(f"{live.url}/calls/{call_id}")
    assert agent.locator("#state-0").inner_text() == "已定稿"
    assert agent.locator("tr#item-no_hostility td.final").inner_text().startswith("通过")
    assert float(agent.locator("#score-0").inner_text()) == pytest.approx(machine, abs=0.05)
    agent.goto(f"{live.url}/appeals")
    assert "已改判" in agent.locator("#appeals").inner_text()


def test_agent_appeals_an_na_item_and_the_inspector_overturns_it_to_pass(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    """The machine called an item n/a; the agent says it applied; overturned to pass."""
    items = centre.store.items_frame()
    na = items[(items["agent_id"] == "A1001") & (items["status"] == "na")].iloc[0]
    call_id, item_id = str(na["call_id"]), str(na["item_id"])
    machine = centre.bench.call_detail(centre.users["li"], call_id).evaluations[0].score
    agent = _login(browser, live, "a1001")
    agent.goto(f"{live.url}/calls/{call_id}")
    row = agent.locator(f"tr#item-{item_id}")
    row.locator("form.appeal input[name=reason]").fill("来电涉及此事项，我已告知")
    row.locator("form.appeal button").click()
    agent.wait_for_selector("#msg")
    inspector = _login(browser, live, "wang")
    inspector.goto(f"{live.url}/appeals")
    appeal = inspector.locator("#appeals tbody tr").first
    appeal.locator("input[name=reason]").fill("复听属实，改判通过")
    appeal.locator("select[name=status]").select_option("pass")
    appeal.locator("button[value=overturn]").click()
    inspector.wait_for_url(f"{live.url}/appeals")
    agent.goto(f"{live.url}/calls/{call_id}")
    assert agent.locator("#state-0").inner_text() == "已定稿"
    assert agent.locator(f"tr#item-{item_id} td.final").inner_text().startswith("通过")
    expected = centre.bench.call_detail(centre.users["li"], call_id).evaluations[0].score
    assert float(agent.locator("#score-0").inner_text()) == pytest.approx(expected, abs=0.05)
    assert expected is not None and machine is not None and expected >= machine


def test_a_final_evaluation_refuses_a_change_and_an_admin_reopens_it(
    browser: Any, centre: Centre, live: LiveServer
) -> None:
    items = centre.store.items_frame()
    call_id = str(items[items["agent_id"] == "A1001"].iloc[0]["call_id"])
    inspector = _login(browser, live, "li")
    inspector.goto(f"{live.url}/calls/{call_id}")  # the forms are open …
    agent = _login(browser, live, "a1001")
    agent.goto(f"{live.url}/calls/{call_id}")
    agent.click("button.ack")
    agent.wait_for_selector("#msg")
    assert agent.locator("#state-0").inner_text() == "已定稿"
    form = inspector.locator("form.decide").first  # … and now stale: the evaluation is final
    form.locator("input[name=reason]").fill("改一下")
    with inspector.expect_response(lambda r: "/decide" in r.url) as refused:
        form.locator("button[type=submit]").click()
    assert refused.value.status == 409
    assert "已定稿" in inspector.locator("#message").inner_text()
    inspector.goto(f"{live.url}/calls/{call_id}")
    assert inspector.locator("form.decide").count() == 0
    assert inspector.locator("form.reopen").count() == 0  # only an admin reopens
    admin = _login(browser, live, "admin")
    admin.goto(f"{live.url}/calls/{call_id}")
    admin.locator("form.reopen input[name=reason]").fill("质检抽查发现漏判")
    admin.locator("form.reopen button").click()
    admin.wait_for_selector("#msg")
    assert admin.locator("#state-0").inner_text() == "已复核"
    assert "质检抽查发现漏判" in admin.locator("ul.reopenings").inner_text()
    agent.goto(f"{live.url}/calls")
    assert agent.locator("#unread").inner_text() == "1"
    agent.click("#nav-notifications")
    agent.wait_for_url(f"{live.url}/notifications")
    notice = agent.locator("#notifications tbody tr").first
    assert "您的评估已被重新打开" in notice.inner_text()
    assert "质检抽查发现漏判" in notice.inner_text()
    assert agent.locator("#unread").count() == 0
    inspector.goto(f"{live.url}/calls/{call_id}")
    assert inspector.locator("form.decide").count() > 0
