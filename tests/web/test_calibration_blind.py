"""Blind calibration: no machine or other verdicts before scoring; per-rater table; κ in words."""

from __future__ import annotations

import re

import pytest

from qa_pipeline.review.calibration import MIN_KAPPA_CALLS
from qa_pipeline.review.stats import consensus, dominant, fleiss_parts

from .conftest import Centre, LiveServer, login


def _key(c: Centre) -> tuple[str, str]:
    return c.rubric.id, c.rubric.version


def _machine_reasons(c: Centre, calls: list[str]) -> list[str]:
    items = c.store.items_frame()
    rows = items[items["call_id"].isin(calls)]
    return [str(r) for r in rows["reason"] if isinstance(r, str) and len(r) >= 6]


def test_stats_for_the_words() -> None:
    ratings = [["pass", "pass"]] * 9 + [["pass", "fail"]] * 3
    observed, chance = fleiss_parts(ratings) or (0.0, 0.0)
    assert observed == pytest.approx(0.75) and chance == pytest.approx(0.78125)
    assert dominant(ratings) == ("pass", pytest.approx(21 / 24))
    assert dominant([]) is None and fleiss_parts([["pass"]]) is None
    assert consensus(["pass", "pass", "fail"]) == "pass"
    assert consensus(["pass", "fail"]) is None and consensus([]) is None


def test_the_calibration_pages_hide_every_verdict_until_the_rater_has_scored(
    centre: Centre, live: LiveServer
) -> None:
    c = centre
    calls = [x["call_id"] for x in c.calls[:3]]
    sid = c.bench.create_calibration(c.users["zhao"], "盲评", *_key(c), calls)
    item_ids = [i.id for i in c.rubric.items]
    # another rater scores first, with a verdict the machine never gave on this item
    for call_id in calls:
        c.bench.score_calibration(c.users["wang"], sid, call_id, dict.fromkeys(item_ids, "na"))
    reasons = _machine_reasons(c, calls)
    assert reasons
    li = login(live.url, "li")
    page = li.get(f"/calibration/{sid}")
    assert page.status_code == 200 and 'id="blind-note"' in page.text
    blind = [li.get(f"/calibration/{sid}/calls/{call_id}") for call_id in calls]
    for html in [page.text, *(b.text for b in blind)]:
        assert not [r for r in reasons if r in html]  # the machine's reasons
        assert "checked" not in html  # nobody's verdicts, not even wang's
        assert not re.search(r'href="/calls/[^"]*"', html)  # no link to a call page
        assert not re.search(r'"/calls/(?![^"]*/audio")[^"]*"', html)  # only the player's audio
        assert "verdict pass" not in html and "verdict fail" not in html
        assert 'id="agreement"' not in html and 'id="per-rater"' not in html
    assert all(b.status_code == 200 for b in blind)
    assert "盲评" in blind[0].text and 'class="seg' in blind[0].text  # the transcript is there
    # typing the call page's address sends the rater to the blind view
    typed = li.get(f"/calls/{calls[0]}")
    assert typed.status_code == 303
    assert typed.headers["location"] == f"/calibration/{sid}/calls/{calls[0]}"
    # a manager (no rater) reads the call page as usual
    assert login(live.url, "boss").get(f"/calls/{calls[0]}").status_code == 200
    # once li has scored the call, its page opens; the results only after all calls
    form = {f"v:{i}": "pass" for i in item_ids}
    r = li.post(f"/calibration/{sid}/score", data={"csrf": li.csrf, "call_id": calls[0], **form})
    assert r.status_code == 303
    assert li.get(f"/calls/{calls[0]}").status_code == 200
    assert li.get(f"/calls/{calls[1]}").status_code == 303
    assert 'id="agreement"' not in li.get(f"/calibration/{sid}").text
    for call_id in calls[1:]:
        li.post(f"/calibration/{sid}/score", data={"csrf": li.csrf, "call_id": call_id, **form})
    done = li.get(f"/calibration/{sid}")
    assert 'id="agreement"' in done.text and 'id="per-rater"' in done.text


def test_per_rater_table_and_kappa_in_words(centre: Centre, live: LiveServer) -> None:
    c = centre
    calls = [x["call_id"] for x in c.calls[:12]]
    assert len(calls) >= MIN_KAPPA_CALLS
    sid = c.bench.create_calibration(c.users["zhao"], "κ", *_key(c), calls)
    items = c.store.items_frame()
    machine = {
        (r.call_id, r.item_id): r.status for r in items[items["call_id"].isin(calls)].itertuples()
    }
    for k, call_id in enumerate(calls):
        # opening: 9 × both pass, 3 × li pass / wang fail → 75 % agreement, κ < 0
        c.bench.score_calibration(c.users["li"], sid, call_id, {"opening": "pass"})
        wang = "fail" if k >= 9 else "pass"
        c.bench.score_calibration(c.users["wang"], sid, call_id, {"opening": wang})
        # closing: only the first 3 calls, by three raters → too few for κ
        if k < 3:
            for who, v in (("li", "pass"), ("wang", "pass"), ("zhao", "fail")):
                c.bench.score_calibration(c.users[who], sid, call_id, {"closing": v})
    res = c.bench.calibration_results(sid)
    per = {(r.user_id, r.item_id): r for r in res.per_rater}
    li_id, wang_id, zhao_id = (c.users[n].id for n in ("li", "wang", "zhao"))
    # two raters: each one's consensus is the other one
    assert (per[(li_id, "opening")].consensus_n, per[(li_id, "opening")].consensus_agree) == (12, 9)
    m_pass = sum(1 for x in calls if machine[(x, "opening")] == "pass")
    m_scored = sum(1 for x in calls if machine[(x, "opening")] != "review")
    assert (per[(li_id, "opening")].machine_n, per[(li_id, "opening")].machine_agree) == (
        m_scored,
        m_pass,
    )
    # three raters on closing: zhao is against li and wang's consensus every time
    assert (per[(zhao_id, "closing")].consensus_n, per[(zhao_id, "closing")].consensus_agree) == (
        3,
        0,
    )
    # li's consensus on closing is the other two, who disagree: a tie, not counted
    assert per[(li_id, "closing")].consensus_n == 0
    assert per[(wang_id, "opening")].vs_consensus == pytest.approx(0.75)
    row = {r.item_id: r for r in res.rows}
    assert row["opening"].fleiss == pytest.approx(-1 / 7)
    assert row["opening"].chance == pytest.approx(0.78125) and row["opening"].top == "pass"
    page = login(live.url, "boss").get(f"/calibration/{sid}").text
    opening = re.search(r'<tr data-item="opening">.*?</tr>', page, re.S)
    assert opening
    assert (
        "一致率 75%，但按各结论的占比，随机也会有 78% 的一致（最常见的结论“通过”占 88%）。"
        "κ = -0.14：一致程度不高于随机" in opening.group(0)
    )
    closing = re.search(r'<tr data-item="closing">.*?</tr>', page, re.S)
    assert closing and f"评分通话少于 {MIN_KAPPA_CALLS} 通，不计算 κ" in closing.group(0)
    assert "kappa-words" not in closing.group(0)
    table = page.split('id="per-rater"')[1]
    assert 'data-rater="li"' in table and "与共识一致 9/12" in table
    assert f"与机器一致 {m_pass}/{m_scored}" in table
