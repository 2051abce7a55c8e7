"""The trust ledger: Wilson intervals, figures per item, audited switches, the night's routing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from qa_pipeline.review import ForbiddenError, InvalidInputError
from qa_pipeline.review.base import _now
from qa_pipeline.review.ledger import Ledger, LedgerRow, wilson
from qa_pipeline.review.verdicts import final_frames
from qa_pipeline.review.workbench import queue_scored
from qa_pipeline.store.ledger import ledger_switches
from qa_pipeline.store.schema import review_decisions

from .conftest import Centre, LiveServer, login

ITEM = "opening"


# ---------------------------------------------------------------------- the maths


@pytest.mark.parametrize(
    ("agreed", "checks", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # one check says little: 100 % agreement is "somewhere above 21 %"
        (1, 1, 0.2065, 1.0),
        (10, 10, 0.7225, 1.0),
        (0, 10, 0.0, 0.2775),
    ],
)
def test_wilson_interval_known_values(agreed: int, checks: int, lower: float, upper: float) -> None:
    lo, hi = wilson(agreed, checks) or (None, None)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert hi == pytest.approx(upper, abs=5e-5)


def test_wilson_without_checks_and_bad_input() -> None:
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(-1, 2)


def _row(**kw: Any) -> LedgerRow:
    base: dict[str, Any] = {
        "rubric_id": "r",
        "rubric_version": "1",
        "item_id": "i",
        "name": "i",
        "checks": 0,
        "agreed": 0,
        "fails": 0,
        "fails_kept": 0,
        "sampled": 0,
        "confusion": {},
        "mode": "machine",
        "floor": 0.95,
        "min_checks": 30,
    }
    return LedgerRow(**(base | kw))


def test_ledger_row_figures_floor_and_advice() -> None:
    one = _row(checks=1, agreed=1)
    assert one.agreement == 1.0 and one.too_few and one.below_floor  # no bare 100 %
    assert one.advice == "to_people"
    good = _row(checks=200, agreed=199, fails=10, fails_kept=9)
    assert good.lower == pytest.approx(wilson(199, 200)[0])  # type: ignore[index]
    assert not good.below_floor and not good.too_few and good.advice is None
    assert good.fail_precision == pytest.approx(0.9)
    assert _row(checks=200, agreed=199, mode="people").advice == "to_machine"
    # enough agreement but too few checks: people keep it
    assert _row(checks=20, agreed=20, mode="people", floor=0.5).advice is None
    assert _row().agreement is None and _row().lower is None and _row().below_floor


# ---------------------------------------------------------------------- figures from the store


def _machine_items(c: Centre, item_id: str, statuses: tuple[str, ...]) -> list[tuple[str, str]]:
    items = c.store.items_frame()
    rows = items[(items["item_id"] == item_id) & items["status"].isin(statuses)]
    return [(str(r.call_id), str(r.status)) for r in rows.itertuples()]


def _decide(c: Centre, call_id: str, item_id: str, status: str, who: str = "li") -> int:
    rid, ver = c.rubric.id, c.rubric.version
    return c.bench.decide(c.users[who], call_id, rid, ver, item_id, status, "复听", 0)


def test_ledger_counts_agreement_confusion_and_the_window(centre: Centre) -> None:
    c = centre
    calls = _machine_items(c, ITEM, ("pass", "fail"))
    assert len(calls) >= 5
    # people keep the first three verdicts and flip the next two
    flip = {"pass": "fail", "fail": "pass"}
    expected: dict[tuple[str, str], int] = {}
    for k, (call_id, machine) in enumerate(calls[:5]):
        human = machine if k < 3 else flip[machine]
        _decide(c, call_id, ITEM, human)
        expected[(machine, human)] = expected.get((machine, human), 0) + 1
    ledger = Ledger(c.store, window_days=90, floor=0.95, min_checks=30)
    row = ledger.row(c.rubric.id, c.rubric.version, ITEM)
    assert (row.checks, row.agreed) == (5, 3)
    assert row.confusion == expected
    assert row.interval == wilson(3, 5)
    assert row.too_few and row.below_floor and row.mode == "machine"
    fails = [(m, h) for (m, h) in expected.items() if m == "fail"]
    assert row.fails == sum(expected[k] for k in fails)
    assert [r for r in ledger.rows() if r.item_id == ITEM] == [row]
    behind = ledger.calls(c.rubric.id, c.rubric.version, ITEM)
    assert {b.call_id for b in behind} == {call_id for call_id, _ in calls[:5]}
    # a decision older than the window leaves the figures
    with c.store._write("age a decision") as conn:
        conn.execute(
            update(review_decisions)
            .where(review_decisions.c.call_id == calls[0][0])
            .values(decided_at=_now() - timedelta(days=91))
        )
    assert ledger.row(c.rubric.id, c.rubric.version, ITEM).checks == 4
    assert Ledger(c.store, window_days=365).row(c.rubric.id, c.rubric.version, ITEM).checks == 5


# ---------------------------------------------------------------------- switches


def test_switches_are_admin_only_reasoned_and_audited(centre: Centre) -> None:
    c = centre
    key = (c.rubric.id, c.rubric.version, ITEM)
    for call_id, machine in _machine_items(c, ITEM, ("pass", "fail"))[:4]:
        _decide(c, call_id, ITEM, machine)
    ledger = Ledger(c.store, window_days=90, floor=0.95, min_checks=30)
    with pytest.raises(ForbiddenError):
        ledger.switch(c.users["li"], key, "people", "太多误判")
    with pytest.raises(ForbiddenError):
        ledger.switch(c.users["boss"], key, "people", "太多误判")
    with pytest.raises(InvalidInputError):
        ledger.switch(c.users["admin"], key, "people", "   ")
    with pytest.raises(InvalidInputError):
        ledger.switch(c.users["admin"], key, "sometimes", "x")
    with pytest.raises(InvalidInputError):
        ledger.switch(c.users["admin"], key, None, "x", floor=1.5)
    with pytest.raises(InvalidInputError):  # machine already
        ledger.switch(c.users["admin"], key, "machine", "x")
    first = ledger.switch(c.users["admin"], key, "people", "下限之下，交人工")
    assert ledger.row(*key).mode == "people"
    # 4 of 4 agree: lower bound 0.51, under the floor: the machine may not decide alone
    with pytest.raises(InvalidInputError) as refused:
        ledger.switch(c.users["admin"], key, "machine", "看起来不错")
    assert refused.value.key == "ledger_below_floor"
    second = ledger.switch(c.users["admin"], key, None, "试点：放宽下限", floor=0.5)
    third = ledger.switch(c.users["admin"], key, "machine", "已达下限")
    assert ledger.row(*key).mode == "machine" and ledger.row(*key).floor == 0.5
    audit = ledger.switches()
    assert [a.id for a in audit] == [third, second, first]
    a = audit[-1]
    assert (a.user_name, a.old_mode, a.new_mode, a.old_floor, a.new_floor) == (
        "admin",
        "machine",
        "people",
        0.95,
        0.95,
    )
    assert (a.checks, a.agreed, a.window_days, a.reason) == (4, 4, 90, "下限之下，交人工")
    assert a.lower == pytest.approx(wilson(4, 4)[0])  # type: ignore[index]
    assert (audit[1].old_floor, audit[1].new_floor, audit[1].new_mode) == (0.95, 0.5, "people")
    with c.store._read("count") as conn:
        assert len(conn.execute(select(ledger_switches)).all()) == 3
    assert ledger.summary(c.rubric.id, c.rubric.version, [i.id for i in c.rubric.items]) == {
        "machine": len(c.rubric.items),
        "people": 0,
    }


# ---------------------------------------------------------------------- the night's routing


def test_an_item_that_needs_people_reaches_the_queue_as_a_suggestion(centre: Centre) -> None:
    c = centre
    key = (c.rubric.id, c.rubric.version, ITEM)
    Ledger(c.store).switch(c.users["admin"], key, "people", "一致率不足")
    calls = [x["call_id"] for x in c.calls]
    machine = dict(_machine_items(c, ITEM, ("pass", "fail", "na")))
    added = queue_scored(c.store, calls[:8], 0.0)
    wanted = [x for x in calls[:8] if x in machine]
    assert added["suggestion"] == len(wanted) > 0
    assert added["sample"] == 0
    queue, _ = c.bench.queue(per_page=500)
    suggested = {q.call_id: q for q in queue if q.reason == "suggestion"}
    assert set(suggested) == set(wanted)
    assert all(q.item_id == ITEM for q in suggested.values())
    assert all(q.machine_status == machine[x] for x, q in suggested.items())  # pre-filled
    # a retried chunk adds nothing; other calls' items of the same kind are not touched
    assert queue_scored(c.store, calls[:8], 0.0)["suggestion"] == 0
    # the evaluation shows the item as awaiting people, scored without it
    call_id = wanted[0]
    ev = c.bench.call_detail(c.users["li"], call_id).evaluations[0]
    item = next(i for i in ev.items if i.item_id == ITEM)
    assert item.status == machine[call_id] and item.final_status == "review"
    # and so do the reports: the item is undecided, the score recomputed without it
    fs, fi = final_frames(c.store, c.store.scores_frame(), c.store.items_frame(), c.rubric)
    frow = fi[(fi["call_id"] == call_id) & (fi["item_id"] == ITEM)].iloc[0]
    assert frow["status"] == "review" and frow["machine_status"] == machine[call_id]
    assert not frow["human"]
    srow = fs[fs["call_id"] == call_id].iloc[0]
    assert srow["score"] == pytest.approx(ev.score) and srow["human_items"] == 0
    # an inspector decides it: it leaves the queue and the decision is final
    _decide(c, call_id, ITEM, "pass")
    queue, _ = c.bench.queue(per_page=500)
    assert call_id not in {q.call_id for q in queue if q.item_id == ITEM}
    ev = c.bench.call_detail(c.users["li"], call_id).evaluations[0]
    assert next(i for i in ev.items if i.item_id == ITEM).final_status == "pass"
    # the ledger counts a taken suggestion as an unbiased check (a census of the item)
    assert Ledger(c.store).row(*key).sampled == 1


def test_a_machine_decided_item_is_not_suggested(centre: Centre) -> None:
    calls = [x["call_id"] for x in centre.calls]
    added = queue_scored(centre.store, calls, 0.0)
    assert added["suggestion"] == 0
    queue, _ = centre.bench.queue(per_page=500)
    assert not [q for q in queue if q.reason == "suggestion"]


# ---------------------------------------------------------------------- the page


def test_the_ledger_page_warns_links_and_switches(centre: Centre, live: LiveServer) -> None:
    c = centre
    call_id, machine = _machine_items(c, ITEM, ("pass", "fail"))[0]
    _decide(c, call_id, ITEM, machine)
    boss = login(live.url, "boss")
    page = boss.get("/ledger")
    assert page.status_code == 200
    row = re.search(
        rf'<tr data-item="{ITEM}".*?</tr>\s*(?=<tr data-item|</tbody>)', page.text, re.S
    )
    assert row, page.text
    # one check: no bare 100 %, an interval and a warning instead
    assert "1/1 一致" in row.group(0) and "= 100%" not in row.group(0)
    assert "[21% – 100%]" in row.group(0) and "核查仅 1 次" in row.group(0)
    assert 'data-mode="machine"' in row.group(0) and 'data-below="yes"' in row.group(0)
    assert "建议：改为需人工" in row.group(0)
    assert "ledger-switch" not in page.text  # a manager reads, only an admin switches
    link = re.search(r'href="(/ledger/calls\?[^"]+)"', row.group(0))
    assert link
    behind = boss.get(link.group(1).replace("&amp;", "&"))
    assert behind.status_code == 200 and f'data-call="{call_id}"' in behind.text
    admin = login(live.url, "admin")
    form = {
        "csrf": admin.csrf,
        "rubric_id": c.rubric.id,
        "rubric_version": c.rubric.version,
        "item_id": ITEM,
        "mode": "people",
        "floor": "",
        "reason": "只有一次核查，先交人工",
    }
    r = admin.post("/ledger/switch", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/ledger?msg=switched"
    page = admin.get("/ledger?msg=switched")
    n = len(c.rubric.items)  # every item of the site's rubric is listed, checked or not
    assert "已切换并记入审计" in page.text and f"{n - 1} 项机器自主判定，1 项需人工" in page.text
    assert page.text.count("<tr data-item=") == n + 1  # the items, and the audit row
    audit = page.text.split('id="ledger-audit"')[1]
    assert "只有一次核查，先交人工" in audit and "机器自主判定 → 需人工判定" in audit
    refused = admin.post("/ledger/switch", data=form | {"mode": "machine", "reason": "试试"})
    assert refused.status_code == 422 and "低于下限" in refused.text
    bad = admin.post("/ledger/switch", data=form | {"floor": "abc"})
    assert bad.status_code == 422 and "下限须在 0 到 1 之间" in bad.text
    hostile = "<script>alert(1)</script>"
    r = admin.post("/ledger/switch", data=form | {"mode": "", "floor": "0.9", "reason": hostile})
    assert r.status_code == 303
    page = admin.get("/ledger").text
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---------------------------------------------------------------------- the command line


def test_qa_ledger_switch_show_and_history(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from qa_pipeline.cli import app

    from .conftest import make_centre

    url = f"sqlite:///{tmp_path / 'qa.db'}"
    c = make_centre(url, tmp_path)
    c.store.close()
    monkeypatch.setenv("QA_DATABASE_URL", url)
    monkeypatch.setenv("QA_LEDGER_WINDOW_DAYS", "30")
    monkeypatch.setenv("COLUMNS", "250")  # rich tables unwrapped
    runner = CliRunner()
    args = ["ledger", "switch", c.rubric.id, c.rubric.version, ITEM, "--mode", "people"]
    refused = runner.invoke(app, [*args, "--reason", "试", "--by", "li"])
    assert isinstance(refused.exception, ForbiddenError)
    unknown = runner.invoke(app, [*args, "--reason", "试", "--by", "nobody"])
    assert unknown.exit_code != 0 and "nobody" in str(unknown.exception)
    done = runner.invoke(app, [*args, "--reason", "命令行切换", "--by", "admin"])
    assert done.exit_code == 0, done.output
    assert f"{ITEM}: people, floor 95% (audited)" in done.output
    shown = runner.invoke(app, ["ledger", "show"])
    assert shown.exit_code == 0, shown.output
    assert "need people (window 30 days)" in shown.output and ITEM in shown.output
    history = runner.invoke(app, ["ledger", "history"])
    assert history.exit_code == 0 and "命令行切换" in history.output
    assert "machine → people" in history.output


# ---------------------------------------------------------------------- the bulletin


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font")  # machines without a CJK font
def test_the_bulletin_says_how_many_items_need_people(centre: Centre, tmp_path: Any) -> None:
    from datetime import UTC, datetime

    from qa_pipeline.reports import write_reports_from_store

    c = centre
    ledger = Ledger(c.store)
    for item in (ITEM, "closing"):
        ledger.switch(
            c.users["admin"], (c.rubric.id, c.rubric.version, item), "people", "抽检偏差大"
        )
    with c.store._write("date the first switch into the month") as conn:
        conn.execute(
            update(ledger_switches)
            .where(ledger_switches.c.item_id == ITEM)
            .values(switched_at=datetime(2026, 11, 25, 3, tzinfo=UTC))
        )
    paths = write_reports_from_store(
        c.store, "bulletin", None, "month:2026-11", c.rubric, tmp_path / "rep", ("md",)
    )
    text = paths[0].read_text(encoding="utf-8")
    n = len(c.rubric.items)
    assert f"信任台账：{n - 2} 项机器自主判定，2 项需人工判定。" in text
    assert f"2026-11-25 admin：{ITEM} (v{c.rubric.version}) 机器自主 → 需人工" in text
    assert "closing (v" not in text  # switched in December: not this month's


def test_an_item_people_decided_already_is_not_suggested_again(centre: Centre) -> None:
    c = centre
    Ledger(c.store).switch(c.users["admin"], (c.rubric.id, c.rubric.version, ITEM), "people", "x")
    call_id, machine = _machine_items(c, ITEM, ("pass", "fail"))[0]
    _decide(c, call_id, ITEM, machine)  # e.g. a call the machine scores again later
    added = queue_scored(c.store, [call_id], 0.0)
    assert added["suggestion"] == 0
    ev = c.bench.call_detail(c.users["li"], call_id).evaluations[0]
    assert next(i for i in ev.items if i.item_id == ITEM).final_status == machine
