"""Assignment of the review queue, due dates, inspectors' notices, the e-mail hook, and the
review screen over HTTP (issue 19 items 1, 2, 4).

The e-mail hook is tested against a real SMTP server (``aiosmtpd``) on 127.0.0.1.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from qa_pipeline.config import load_settings
from qa_pipeline.review import UserStore, Workbench
from qa_pipeline.review.mail import MailSettings, mail_settings
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.store.schema import recordings, review_decisions
from qa_pipeline.store.workbench import notifications, review_queue
from qa_pipeline.web.labels import ZH

from .conftest import Centre, LiveServer, login, make_centre


@pytest.fixture()
def lite(tmp_path: Any) -> Iterator[Centre]:
    """The demo centre on SQLite only (for tests whose SQL is not backend-specific)."""
    c = make_centre(f"sqlite:///{tmp_path / 'qa.sqlite3'}", tmp_path / "c")
    try:
        yield c
    finally:
        c.store.close()


def _entries(c: Centre) -> list[Any]:
    with c.store._read("test") as conn:
        return list(conn.execute(select(review_queue).order_by(review_queue.c.id)))


def _notices(c: Centre, kind: str) -> list[Any]:
    with c.store._read("test") as conn:
        q = select(notifications).where(notifications.c.kind == kind)
        return list(conn.execute(q.order_by(notifications.c.id)))


def _teams(c: Centre) -> dict[str, str]:
    with c.store._read("test") as conn:
        return dict(conn.execute(select(recordings.c.call_id, recordings.c.team)).all())


# ---------------------------------------------------------------------- assignment


def test_filling_assigns_every_item_in_turn_with_a_due_date(centre: Centre) -> None:
    before = datetime.now(UTC)
    centre.bench.fill_queue(rate=1.0, seed=1)
    rows = _entries(centre)
    li, wang = centre.users["li"].id, centre.users["wang"].id
    by = [r.assigned_to for r in rows]
    assert set(by) == {li, wang}  # only active inspectors, both of them
    assert abs(by.count(li) - by.count(wang)) <= 1  # in turn
    assert by[:4] in ([li, wang] * 2, [wang, li] * 2)
    for r in rows:
        assert before + timedelta(days=2) <= r.due_at <= datetime.now(UTC) + timedelta(days=2)
    assert centre.bench.queue_counts(centre.users["li"]).mine == by.count(li)
    told = {n.user_id: int(n.text) for n in _notices(centre, "assigned")}
    assert told == {li: by.count(li), wang: by.count(wang)}


def test_a_team_with_inspectors_gets_them_and_nobody_else(lite: Centre) -> None:
    team_of = _teams(lite)
    teams = sorted({t for t in team_of.values() if t})
    assert len(teams) >= 2
    UserStore(lite.store).set_teams("li", [teams[0]])
    lite.bench.fill_queue(rate=1.0, seed=1)
    li = lite.users["li"].id
    rows = _entries(lite)
    mine = [r for r in rows if team_of[r.call_id] == teams[0]]
    assert mine and all(r.assigned_to == li for r in mine)
    others = [r for r in rows if team_of[r.call_id] != teams[0]]
    assert {r.assigned_to for r in others} == {li, lite.users["wang"].id}
    assert UserStore(lite.store).teams() == {"li": [teams[0]]}


def test_a_disabled_inspectors_items_go_to_the_others(lite: Centre) -> None:
    lite.bench.fill_queue(rate=1.0, seed=1)
    lite.accounts.disable("wang")
    moved = lite.bench.assign_open()
    li = lite.users["li"].id
    assert set(moved) == {li} and moved[li] > 0
    assert {r.assigned_to for r in _entries(lite) if not r.done} == {li}


def test_without_inspectors_items_wait_unassigned_until_one_exists(tmp_path: Any) -> None:
    c = make_centre(f"sqlite:///{tmp_path / 'q.sqlite3'}", tmp_path / "c")
    try:
        c.accounts.disable("li")
        c.accounts.disable("wang")
        c.bench.fill_queue(rate=1.0, seed=1)
        assert {r.assigned_to for r in _entries(c)} == {None}
        c.accounts.enable("wang")
        c.bench.fill_queue(rate=0.0)  # a later fill (the next night's chunk) assigns them
        assert {r.assigned_to for r in _entries(c)} == {c.users["wang"].id}
    finally:
        c.store.close()


# ---------------------------------------------------------------------- order


def test_my_items_lead_then_risk_and_next_walks_the_same_order(centre: Centre) -> None:
    centre.bench.fill_queue(rate=1.0, seed=1)
    li = centre.users["li"]
    rows, _ = centre.bench.queue(per_page=500, user=li)
    mine = [r.assigned_to == li.id for r in rows]
    assert mine == sorted(mine, reverse=True) and any(mine) and not all(mine)
    critical = set(centre.bench.gradings[(centre.rubric.id, centre.rubric.version)].critical_items)
    for group in (
        [r for r in rows if r.assigned_to == li.id],
        [r for r in rows if r.assigned_to != li.id],
    ):
        rank = [0 if r.item_id in critical else (1 if r.reason == "review" else 2) for r in group]
        assert rank == sorted(rank)
    # the review screen's "next" is a keyset over the same order: it visits each once
    seen, after = [], None
    for _ in range(len(rows)):
        after = centre.bench.next_entry(li, after)
        seen.append(after)
    assert seen == [r.id for r in rows]
    assert centre.bench.next_entry(li, seen[-1]) == seen[0]  # past the end: the top again


# ---------------------------------------------------------------------- notices


def test_due_soon_tells_each_inspector_once_and_counts_in_the_navigation(lite: Centre) -> None:
    lite.bench.fill_queue(rate=1.0, seed=1)
    li = lite.users["li"]
    ids = [r.id for r in _entries(lite) if r.assigned_to == li.id][:3]
    with lite.store._write("test") as conn:
        soon = datetime.now(UTC) + timedelta(hours=3)
        conn.execute(update(review_queue).where(review_queue.c.id.in_(ids)).values(due_at=soon))
    assert lite.bench.queue_counts(li).due_soon == 3
    assert lite.bench.remind_due() == 1
    assert lite.bench.remind_due() == 0  # not again within 12 hours
    [n] = _notices(lite, "due_soon")
    assert (n.user_id, n.text) == (li.id, "3")
    assert lite.bench.unread_notifications(li) == 2  # assigned + due soon
    assert [x.kind for x in lite.bench.notifications(li)] == ["due_soon", "assigned"]
    assert lite.bench.unread_notifications(li) == 0


def _failed_item_of(c: Centre, agent_id: str) -> tuple[str, str]:
    items = c.store.items_frame()
    calls = {x["call_id"] for x in c.calls if x["agent_id"] == agent_id}
    row = items[items["call_id"].isin(calls) & (items["status"] == "pass")].iloc[0]
    return str(row["call_id"]), str(row["item_id"])


def test_an_appeal_tells_the_inspectors_who_may_resolve_it(lite: Centre) -> None:
    call_id, item_id = _failed_item_of(lite, "A1001")
    key = (call_id, lite.rubric.id, lite.rubric.version, item_id)
    lite.bench.decide(lite.users["li"], *key, "fail", "复听未致结束语", 0)
    lite.bench.file_appeal(lite.users["a1001"], *key, "我说了结束语，13812345678")
    [n] = _notices(lite, "appeal_waiting")
    assert n.user_id == lite.users["wang"].id  # not li: her own decision is disputed
    assert (n.call_id, n.item_id) == (call_id, item_id)
    assert "13812345678" not in n.text  # masked like every stored text
    assert lite.bench.notifications(lite.users["a1001"]) == []  # not the agent's notice


# ---------------------------------------------------------------------- bulk accept


def test_bulk_accept_decides_only_open_sampled_passes_one_audit_line_each(lite: Centre) -> None:
    lite.bench.fill_queue(rate=1.0, seed=1)
    rows = _entries(lite)
    passes = [r.id for r in rows if r.reason == "sample" and r.machine_status == "pass"][:3]
    fail = next(r.id for r in rows if r.machine_status == "fail")
    review = next(r.id for r in rows if r.reason == "review")
    done, left = lite.bench.accept_sampled(lite.users["li"], [*passes, fail, review], "批量")
    assert (done, left) == (passes, [fail, review])
    with lite.store._read("test") as conn:
        lines = list(conn.execute(select(review_decisions)))
    assert len(lines) == 3
    assert {(d.new_status, d.kind, d.note, d.reviewer) for d in lines} == {
        ("pass", "sample", "批量", "li")
    }
    assert {r.id for r in _entries(lite) if r.done} == set(passes)
    again, left = lite.bench.accept_sampled(lite.users["li"], passes, "批量")
    assert (again, left) == ([], passes)  # done already: nothing twice
    with pytest.raises(Exception, match="only inspectors"):
        lite.bench.accept_sampled(lite.users["boss"], passes, "x")


# ---------------------------------------------------------------------- e-mail


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def smtp() -> Iterator[tuple[_Sink, int]]:
    from aiosmtpd.controller import Controller

    sink = _Sink()
    port = _free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield sink, port
    finally:
        ctl.stop()


def _bench(c: Centre, mail: MailSettings | None) -> Workbench:
    grading = {(c.rubric.id, c.rubric.version): Grading.from_rubric(c.rubric)}
    return Workbench(c.store, grading, mail=mail)


def test_inspectors_with_an_address_get_mail_from_a_real_smtp_server(
    lite: Centre, smtp: tuple[_Sink, int]
) -> None:
    sink, port = smtp
    lite.accounts.set_email("li", "li@example.org")
    lite.accounts.set_email("wang", "wang@example.org")
    mail = MailSettings("127.0.0.1", port, sender="qa@example.org", base_url="https://qa.example/")
    bench = _bench(lite, mail)
    bench.fill_queue(rate=1.0, seed=1)
    got = {m["To"]: m for m in sink.messages}
    assert set(got) == {"li@example.org", "wang@example.org"}
    n_li = sum(1 for r in _entries(lite) if r.assigned_to == lite.users["li"].id)
    assert got["li@example.org"]["Subject"] == f"质检复核：分配给您 {n_li} 项待复核"
    assert got["li@example.org"]["From"] == "qa@example.org"
    assert "https://qa.example/review" in got["li@example.org"].get_content()
    sink.messages.clear()
    call_id, item_id = _failed_item_of(lite, "A1001")
    key = (call_id, lite.rubric.id, lite.rubric.version, item_id)
    bench.decide(lite.users["li"], *key, "fail", "未致结束语", 0)
    bench.file_appeal(lite.users["a1001"], *key, "我说了")
    [m] = sink.messages
    assert m["To"] == "wang@example.org" and call_id in m["Subject"]


def test_no_smtp_server_never_blocks_a_decision_or_an_appeal(
    lite: Centre, caplog: pytest.LogCaptureFixture
) -> None:
    lite.accounts.set_email("wang", "wang@example.org")
    bench = _bench(lite, MailSettings("127.0.0.1", _free_port(), timeout_s=2))  # nobody there
    with caplog.at_level(logging.WARNING, logger="qa_pipeline.review.mail"):
        bench.fill_queue(rate=1.0, seed=1)
        call_id, item_id = _failed_item_of(lite, "A1001")
        key = (call_id, lite.rubric.id, lite.rubric.version, item_id)
        assert bench.decide(lite.users["li"], *key, "fail", "未致结束语", 0) > 0
        assert bench.file_appeal(lite.users["a1001"], *key, "我说了") > 0
    assert [r for r in caplog.records if "not sent" in r.getMessage()]
    assert _notices(lite, "appeal_waiting")  # the notice in the workbench is there


def test_mail_is_off_unless_a_host_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("QA_SMTP_HOST", "QA_SMTP_PORT", "QA_SMTP_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    assert mail_settings(load_settings()) is None
    monkeypatch.setenv("QA_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("QA_SMTP_PORT", "587")
    monkeypatch.setenv("QA_SMTP_PASSWORD", "s3cret")
    m = mail_settings(load_settings())
    assert m is not None and (m.host, m.port, m.password) == ("smtp.example.org", 587, "s3cret")
    assert "s3cret" not in repr(m)


def test_an_address_must_look_like_one(lite: Centre) -> None:
    with pytest.raises(Exception, match="not an e-mail address"):
        lite.accounts.set_email("li", "li at example")
    with pytest.raises(Exception, match="not an inspector"):
        lite.accounts.set_teams("boss", ["A"])


# ---------------------------------------------------------------------- the screen over HTTP


def test_the_screen_confirms_the_machine_and_refuses_a_silent_choice(
    lite: Centre, tmp_path: Any
) -> None:
    lite.bench.fill_queue(rate=1.0, seed=1)
    with LiveServer(lite) as live:
        li = login(live.url, "li")
        first = li.get("/review/next")
        assert first.status_code == 303
        page = li.get(first.headers["location"])
        assert page.status_code == 200
        for part in (
            'id="screen-form"',
            'class="transcript"',
            'id="machine-verdict"',
            "/static/review.js",
        ):
            assert part in page.text, part
        assert re.search(r'id="my-queue"[^>]*>\d+<', page.text)
        entries = _entries(lite)
        review = next(r for r in entries if r.reason == "review")
        r = li.post(f"/review/items/{review.id}/decide", data={"csrf": li.csrf, "status": ""})
        assert r.status_code == 422  # a review item has no default
        fail = next(r for r in entries if r.machine_status == "fail" and r.reason == "sample")
        r = li.post(f"/review/items/{fail.id}/decide", data={"csrf": li.csrf, "status": "pass"})
        assert r.status_code == 422  # overturning the machine needs a reason
        r = li.post(f"/review/items/{fail.id}/decide", data={"csrf": li.csrf, "status": "fail"})
        assert r.status_code == 303
        assert r.headers["location"] == f"/review/next?after={fail.id}&msg=saved"
        with lite.store._read("test") as conn:
            [d] = list(conn.execute(select(review_decisions)))
        assert (d.call_id, d.item_id, d.new_status, d.note) == (
            fail.call_id,
            fail.item_id,
            "fail",
            ZH["agree_machine"],
        )
        again = li.post(f"/review/items/{fail.id}/decide", data={"csrf": li.csrf, "status": "fail"})
        assert again.status_code == 409  # decided since (expected_last 0): not overwritten
        boss = login(live.url, "boss")
        assert boss.get(f"/review/items/{review.id}").status_code == 200  # reads, no form
        assert 'id="screen-form"' not in boss.get(f"/review/items/{review.id}").text
        assert (
            boss.post(f"/review/items/{review.id}/decide", data={"csrf": boss.csrf}).status_code
            == 403
        )
        assert li.get("/review/items/999999").status_code == 404
        listing = li.get("/review").text  # her own items lead the list, with due times
        first = re.search(r"<tr data-call=[^>]*>", listing)
        assert first and 'class="mine"' in first.group(0)
        notes = li.get("/notifications").text  # the assignment notice, linking the screen
        assert ZH["notif_assigned"] in notes and 'href="/review/next"' in notes


def test_bulk_accept_over_http_asks_to_confirm_first(lite: Centre) -> None:
    lite.bench.fill_queue(rate=1.0, seed=1)
    passes = [r.id for r in _entries(lite) if r.reason == "sample" and r.machine_status == "pass"]
    with LiveServer(lite) as live:
        li = login(live.url, "li")
        listed = li.get("/review/bulk").text
        assert all(f'name="e_{i}"' in listed for i in passes[:5])
        chosen = {f"e_{i}": "1" for i in passes[:2]}
        ask = li.post("/review/bulk", data={"csrf": li.csrf, **chosen})
        assert ask.status_code == 200 and 'name="confirm" value="1"' in ask.text
        assert not [r for r in _entries(lite) if r.done]  # nothing decided yet
        done = li.post("/review/bulk", data={"csrf": li.csrf, "confirm": "1", **chosen})
        assert (
            done.status_code == 303 and done.headers["location"] == "/review/bulk?accepted=2&left=0"
        )
        assert {r.id for r in _entries(lite) if r.done} == set(passes[:2])
        assert "已确认 2 项" in li.get(done.headers["location"]).text


# ---------------------------------------------------------------------- migration 0006


def test_migration_0006_keeps_agents_notices_and_goes_back(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import insert

    from qa_pipeline.store import Store, migrations

    store = Store.open(db_url, upgrade=False)
    try:
        agent = {
            "agent_id": "A1001",
            "kind": "reopened",
            "call_id": "c1",
            "rubric_id": "r",
            "rubric_version": "1",
            "text": "复查",
            "created_at": datetime.now(UTC),
        }
        with store._write("test") as conn:
            migrations.upgrade(conn, "0005")
            conn.execute(insert(notifications).values(**agent))
            migrations.upgrade(conn, "0006")
            conn.execute(
                insert(notifications).values(
                    user_id=7, kind="assigned", text="3", created_at=datetime.now(UTC)
                )
            )
        with store._write("test") as conn:
            command.downgrade(migrations._config(conn), "0005")
            left = [
                tuple(r) for r in conn.exec_driver_sql("SELECT agent_id, kind FROM notifications")
            ]
            assert left == [("A1001", "reopened")]  # an inspector's notice cannot stay
            migrations.upgrade(conn, "head")
        assert store.status()["current"] == migrations.head_revision()
    finally:
        store.close()
