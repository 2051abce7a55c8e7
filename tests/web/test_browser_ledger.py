"""The trust ledger in real headless Chromium: an admin moves an item below its floor to
people, and the next night's verdicts on it arrive in the review queue as suggestions."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD, Centre, LiveServer

pytestmark = [pytest.mark.chromium]

ITEM = "opening"


def _login(browser: Any, live: LiveServer, name: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live.url}/calls")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{live.url}/calls")
    return page


def _night(centre: Centre, root: Path) -> list[str]:
    """Score and store three new calls the way the nightly run does (``score_chunk``)."""
    from qa_pipeline.demo.centre import AGENTS, make_call
    from qa_pipeline.demo.workbench import RUBRIC
    from qa_pipeline.intake.transcript_io import save_transcript, transcript_from_mapping
    from qa_pipeline.models import CallMeta, Recording
    from qa_pipeline.night.config import StageConfig
    from qa_pipeline.night.stages import score_chunk

    config = StageConfig(
        database_url=centre.url,
        models_dir=root / "models",
        transcripts_dir=root / "t",
        asr_cache_dir=None,
        rubrics=(("default", str(RUBRIC)),),
        review_sample_rate=0.0,
    )
    rng = random.Random(11)
    recs, paths = [], {}
    for k in range(3):
        call_id = f"N{k}"
        started = datetime(2026, 11, 21, 2, k, tzinfo=UTC)
        data, _ = make_call(rng, call_id, AGENTS[k], started)
        paths[call_id] = save_transcript(
            transcript_from_mapping(data, call_id), root / "t" / f"{call_id}.json"
        )
        meta = CallMeta(call_id, agent_id=AGENTS[k].agent_id, started_at=started)
        recs.append(Recording(paths[call_id], meta, is_transcript=True))
    result = score_chunk(recs, paths, config, centre.store.start_run("nightly", {}))
    assert len(result.scored) == 3
    return list(paths)


def test_admin_moves_an_item_below_its_floor_to_people_and_the_night_obeys(
    browser: Any, centre: Centre, live: LiveServer, tmp_path: Path
) -> None:
    c = centre
    rid, ver = c.rubric.id, c.rubric.version
    items = c.store.items_frame()
    first = items[(items["item_id"] == ITEM) & items["status"].isin(["pass", "fail"])].iloc[0]
    c.bench.decide(c.users["li"], str(first.call_id), rid, ver, ITEM, first.status, "复听", 0)

    admin = _login(browser, live, "admin")
    admin.click("header nav a[href='/ledger']")
    row = admin.locator(f"#ledger tr[data-item={ITEM}]")
    assert row.get_attribute("data-below") == "yes"  # one check: far below the 95 % floor
    assert row.get_attribute("data-mode") == "machine"
    assert "核查仅 1 次" in row.locator("td.agreement").inner_text()
    row.locator("select[name=mode]").select_option("people")
    row.locator("input[name=reason]").fill("只核查过一次，低于下限，先交人工")
    row.locator("button[type=submit]").click()
    admin.wait_for_url("**/ledger?msg=switched")
    assert admin.locator(f"#ledger tr[data-item={ITEM}]").get_attribute("data-mode") == "people"
    assert "1 项需人工" in admin.locator("#ledger-summary").inner_text()
    audit = admin.locator(f"#ledger-audit tr[data-item={ITEM}]").inner_text()
    assert "admin" in audit and "只核查过一次" in audit and "1/1" in audit

    night = _night(c, tmp_path)
    items = c.store.items_frame()
    machine = {
        r.call_id: r.status
        for r in items[(items["item_id"] == ITEM) & items["call_id"].isin(night)].itertuples()
    }
    suggested = [x for x in night if machine[x] in ("pass", "fail", "na")]
    assert suggested

    li = _login(browser, live, "li")
    li.goto(f"{live.url}/review?page=1")
    for call_id in suggested:
        q = li.locator(f"#queue tr[data-call={call_id}][data-item={ITEM}]")
        assert "需人工（机器建议）" in q.inner_text()
        assert q.locator("select[name=status]").input_value() == machine[call_id]  # pre-filled
    # the evaluation shows the item as awaiting people
    li.goto(f"{live.url}/calls/{suggested[0]}")
    assert li.locator(f"tr#item-{ITEM} td.final .verdict.review").count() == 1
    # the inspector takes the suggestion: it leaves the queue and becomes final
    li.goto(f"{live.url}/review?page=1")
    q = li.locator(f"#queue tr[data-call={suggested[0]}][data-item={ITEM}]")
    q.locator("input[name=reason]").fill("复听确认")
    q.locator("button[type=submit]").click()
    li.wait_for_url("**/review?page=1**")
    assert li.locator(f"#queue tr[data-call={suggested[0]}][data-item={ITEM}]").count() == 0
    # the ledger counts it as a second check
    admin.goto(f"{live.url}/ledger")
    text = admin.locator(f"#ledger tr[data-item={ITEM}] td.agreement").inner_text()
    assert "/2" in text
