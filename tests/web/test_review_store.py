"""The human-decision layer on SQLite and PostgreSQL: decisions, appeals, queue, calibration."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from qa_pipeline.reports import write_reports_from_store
from qa_pipeline.review import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from qa_pipeline.review.verdicts import final_frames
from qa_pipeline.review.views import NightRow
from qa_pipeline.store.workbench import review_decisions

from .conftest import PASSWORD, Centre


def _failed_item(c: Centre, agent: str | None = None) -> tuple[str, str]:
    items = c.store.items_frame()
    rows = items[items["status"] == "fail"]
    if agent:
        rows = rows[rows["agent_id"] == agent]
    row = rows.iloc[0]
    return str(row["call_id"]), str(row["item_id"])


def test_accounts_sessions_and_disabling(centre: Centre) -> None:
    acc = centre.accounts
    assert acc.authenticate("li", PASSWORD) == centre.users["li"]
    assert acc.authenticate("li", "wrong password") is None
    assert acc.authenticate("nobody", PASSWORD) is None
    token, csrf = acc.start_session(centre.users["li"])
    assert acc.session(token) == (centre.users["li"], csrf)
    acc.disable("li")
    assert acc.session(token) is None  # the session dies with the account
    assert acc.authenticate("li", PASSWORD) is None
    with pytest.raises(InvalidInputError, match="already exists"):
        acc.add("wang", PASSWORD, "inspector")
    with pytest.raises(InvalidInputError, match="needs --agent-id"):
        acc.add("x", PASSWORD, "agent")
    with pytest.raises(InvalidInputError, match="unknown role"):
        acc.add("x", PASSWORD, "boss")
    with pytest.raises(NotFoundError):
        acc.disable("nobody")
    with centre.store._read("t") as conn:
        from qa_pipeline.store.workbench import users

        hashes = [r.password_hash for r in conn.execute(select(users))]
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_nights_count_calls_by_local_date(centre: Centre) -> None:
    from datetime import UTC, datetime

    from qa_pipeline.models import CallMeta, Recording

    late = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 01:30 on the 21st in Shanghai
    centre.store.upsert_recording(
        Recording(centre.root / "x.wav", CallMeta("LATE", agent_id="A1001", started_at=late)), None
    )
    centre.store.record_error(None, "LATE", "decode", "audio_decode", "truncated")
    run = centre.store.start_run("nightly", {})
    centre.store.note_run(run, {"night": "2026-11-20", "valid": 20})
    centre.bench.fill_queue(rate=0.0)
    rows = {r.night: r for r in centre.bench.nights("Asia/Shanghai")}
    # in review: the 4 calls the demo leaves to a person, and 2 with a critical fail the
    # machine proposes (confirm_critical)
    assert rows["2026-11-20"] == NightRow(
        night="2026-11-20", received=20, scored=16, failed=0, in_review=6
    )
    assert rows["2026-11-21"].failed == 1 and rows["2026-11-21"].scored == 0
    mine = {r.night: r for r in centre.bench.nights("Asia/Shanghai", centre.users["a1001"])}
    assert mine["2026-11-20"].scored == 2 and mine["2026-11-20"].received is None


def test_a_decision_is_appended_and_the_score_recomputed(centre: Centre) -> None:
    b, li = centre.bench, centre.users["li"]
    call_id, item_id = _failed_item(centre)
    rid, ver = centre.rubric.id, centre.rubric.version
    before = b.call_detail(li, call_id).evaluations[0]
    did = b.decide(li, call_id, rid, ver, item_id, "pass", "录音里有结束语", expected_last=0)
    after = b.call_detail(li, call_id).evaluations[0]
    assert after.state == "reviewed"
    assert after.score > before.score
    item = next(i for i in after.items if i.item_id == item_id)
    assert item.status == "fail" and item.final_status == "pass"  # machine kept
    # a second decision appends; the first stays
    b.decide(
        centre.users["wang"], call_id, rid, ver, item_id, "fail", "复听确认", expected_last=did
    )
    with centre.store._read("t") as conn:
        rows = conn.execute(
            select(review_decisions).where(review_decisions.c.call_id == call_id)
        ).all()
    assert [(r.reviewer, r.machine_status, r.old_status, r.new_status) for r in rows] == [
        ("li", "fail", "fail", "pass"),
        ("wang", "fail", "pass", "fail"),
    ]
    again = b.call_detail(li, call_id).evaluations[0]
    assert again.score == pytest.approx(before.score)


def test_bad_decisions_are_refused_and_nothing_is_written(centre: Centre) -> None:
    b, li = centre.bench, centre.users["li"]
    call_id, item_id = _failed_item(centre)
    rid, ver = centre.rubric.id, centre.rubric.version
    with pytest.raises(NotFoundError, match="no call 'nope'"):
        b.decide(li, "nope", rid, ver, item_id, "pass", "x", 0)
    with pytest.raises(InvalidInputError, match="has no item 'made_up'"):
        b.decide(li, call_id, rid, ver, "made_up", "pass", "x", 0)
    with pytest.raises(InvalidInputError, match="verdict must be"):
        b.decide(li, call_id, rid, ver, item_id, "maybe", "x", 0)
    with pytest.raises(InvalidInputError, match="needs a reason"):
        b.decide(li, call_id, rid, ver, item_id, "pass", "  ", 0)
    with pytest.raises(NotFoundError, match="no evaluation"):
        b.decide(li, call_id, rid, "99", item_id, "pass", "x", 0)
    for role in ("admin", "zhao", "boss", "a1001"):
        with pytest.raises(ForbiddenError):
            b.decide(centre.users[role], call_id, rid, ver, item_id, "pass", "x", 0)
    assert centre.store.reviews_frame().empty


def test_two_inspectors_deciding_at_once_the_later_is_told(centre: Centre) -> None:
    b = centre.bench
    call_id, item_id = _failed_item(centre)
    rid, ver = centre.rubric.id, centre.rubric.version
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def decide(name: str, verdict: str) -> None:
        start.wait()
        try:
            results[name] = b.decide(
                centre.users[name], call_id, rid, ver, item_id, verdict, name, 0
            )
        except ConflictError as exc:
            results[name] = exc

    threads = [
        threading.Thread(target=decide, args=("li", "pass")),
        threading.Thread(target=decide, args=("wang", "na")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conflicts = [v for v in results.values() if isinstance(v, ConflictError)]
    assert len(conflicts) == 1 and "decided" in str(conflicts[0])
    reviews = centre.store.reviews_frame(call_id)
    assert len(reviews) == 1  # exactly the winner's decision, nothing lost or doubled


def test_appeal_states_window_and_resolution(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    rid, ver = centre.rubric.id, centre.rubric.version
    call_id, item_id = _failed_item(centre, "A1001")
    with pytest.raises(ForbiddenError):
        b.file_appeal(u["a1002"], call_id, rid, ver, item_id, "不是我的")
    with pytest.raises(ForbiddenError):
        b.file_appeal(u["li"], call_id, rid, ver, item_id, "inspectors do not appeal")
    late = b.call_detail(u["a1001"], call_id).evaluations[0].appeal_deadline
    with pytest.raises(InvalidInputError, match=r"appeal window .* closed"):
        b.file_appeal(u["a1001"], call_id, rid, ver, item_id, "太晚了", now=late + timedelta(1))
    aid = b.file_appeal(u["a1001"], call_id, rid, ver, item_id, "我说了结束语，电话13812345678")
    assert b.call_detail(u["a1001"], call_id).evaluations[0].state == "appealed"
    with pytest.raises(InvalidInputError, match="already under appeal"):
        b.file_appeal(u["a1001"], call_id, rid, ver, item_id, "again")
    with pytest.raises(InvalidInputError, match="still open"):
        b.acknowledge(u["a1001"], call_id, rid, ver)
    [appeal] = b.list_appeals(u["a1001"])
    assert "13812345678" not in appeal.reason and "[手机号]" in appeal.reason
    assert b.list_appeals(u["a1002"]) == []
    b.resolve_appeal(u["wang"], aid, overturn=True, reason="复听后改判")
    ev = b.call_detail(u["a1001"], call_id).evaluations[0]
    assert ev.state == "final"
    assert next(i for i in ev.items if i.item_id == item_id).final_status == "pass"
    with pytest.raises(ConflictError, match="already resolved"):
        b.resolve_appeal(u["li"], aid, overturn=False, reason="x")
    with pytest.raises(InvalidInputError, match="is final"):
        b.file_appeal(u["a1001"], call_id, rid, ver, item_id, "once more")


def test_the_deciding_inspector_cannot_resolve_the_appeal_of_their_decision(
    centre: Centre,
) -> None:
    b, u = centre.bench, centre.users
    rid, ver = centre.rubric.id, centre.rubric.version
    call_id, item_id = _failed_item(centre, "A1001")
    b.decide(u["li"], call_id, rid, ver, item_id, "fail", "确认扣分", 0)
    aid = b.file_appeal(u["a1001"], call_id, rid, ver, item_id, "请复核")
    with pytest.raises(ForbiddenError, match="another inspector"):
        b.resolve_appeal(u["li"], aid, overturn=True, reason="x")
    b.resolve_appeal(u["wang"], aid, overturn=False, reason="维持")
    reviews = centre.store.reviews_frame(call_id)
    assert reviews["kind"].tolist() == ["review", "appeal"]
    assert reviews["new_status"].tolist() == ["fail", "fail"]


def test_acknowledging_makes_an_evaluation_final(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    rid, ver = centre.rubric.id, centre.rubric.version
    call_id = centre.call(agent_id="A1001")["call_id"]
    b.acknowledge(u["a1001"], call_id, rid, ver)
    ev = b.call_detail(u["a1001"], call_id).evaluations[0]
    assert ev.state == "final" and ev.acknowledged_by == u["a1001"].id


def test_review_queue_holds_review_items_and_a_sample(centre: Centre) -> None:
    b = centre.bench
    none = b.fill_queue(rate=0.0, seed=1)
    items = centre.store.items_frame()
    n_review = int((items["status"] == "review").sum())
    assert n_review > 0 and none == {"review": n_review, "sample": 0}
    assert b.fill_queue(rate=1.0, seed=1)["review"] == 0  # already queued, and no new calls
    queue, _ = b.queue(per_page=500)
    assert {q.reason for q in queue} == {"review"}
    # deciding a queued item takes it off the queue and recomputes the score
    q = queue[0]
    b.decide(
        centre.users["li"],
        q.call_id,
        q.rubric_id,
        q.rubric_version,
        q.item_id,
        "pass",
        "有结束语",
        0,
    )
    assert len(b.queue(per_page=500)[0]) == n_review - 1


def test_sampled_items_measure_machine_agreement(db_url: str, tmp_path) -> None:
    from .conftest import make_centre

    c = make_centre(db_url, tmp_path, n_calls=8)
    try:
        added = c.bench.fill_queue(rate=1.0, seed=3)
        assert added["sample"] == int(c.store.items_frame()["status"].isin(["pass", "fail"]).sum())
        queue, _ = c.bench.queue(per_page=1000)
        sampled = [q for q in queue if q.reason == "sample"][:6]
        for k, q in enumerate(sampled):
            # the inspector disagrees with every other verdict
            new = q.machine_status if k % 2 else ("fail" if q.machine_status == "pass" else "pass")
            c.bench.decide(
                c.users["li"],
                q.call_id,
                q.rubric_id,
                q.rubric_version,
                q.item_id,
                new,
                "抽检",
                0,
            )
        rows = c.bench.machine_agreement()
        assert sum(r.n for r in rows) == 6 and sum(r.agree for r in rows) == 3
        assert sum(r.sampled for r in rows) == 6
    finally:
        c.store.close()


def test_calibration_agreement_and_kappa(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    rid, ver = centre.rubric.id, centre.rubric.version
    calls = [c["call_id"] for c in centre.calls[:4]]
    sid = b.create_calibration(u["zhao"], "十一月校准", rid, ver, calls)
    with pytest.raises(ForbiddenError):
        b.score_calibration(u["a1001"], sid, calls[0], {"opening": "pass"})
    with pytest.raises(InvalidInputError, match="no item"):
        b.score_calibration(u["li"], sid, calls[0], {"nope": "pass"})
    for k, call_id in enumerate(calls):
        b.score_calibration(u["li"], sid, call_id, {"opening": "pass", "closing": "pass"})
        b.score_calibration(
            u["wang"], sid, call_id, {"opening": "pass", "closing": "fail" if k < 2 else "pass"}
        )
    res = {r.item_id: r for r in b.calibration_results(sid).rows}
    assert res["opening"].agreement == 1.0 and res["opening"].calls == 4
    assert res["closing"].agreement == 0.5
    assert res["closing"].cohen == pytest.approx(0.0)
    assert res["empathy"].agreement is None


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font")  # machines without a CJK font
def test_reports_use_final_verdicts(centre: Centre, tmp_path) -> None:
    b, li = centre.bench, centre.users["li"]
    rid, ver = centre.rubric.id, centre.rubric.version
    call_id, item_id = _failed_item(centre)
    scores, items = centre.store.scores_frame(), centre.store.items_frame()
    b.decide(li, call_id, rid, ver, item_id, "pass", "误判", 0)
    fs, fi = final_frames(centre.store, scores, items, centre.rubric)
    row = fi[(fi.call_id == call_id) & (fi.item_id == item_id)].iloc[0]
    assert row["status"] == "pass" and row["machine_status"] == "fail" and row["human"]
    srow = fs[fs["call_id"] == call_id].iloc[0]
    ev = b.call_detail(li, call_id).evaluations[0]
    assert srow["score"] == pytest.approx(ev.score) and srow["human_items"] == 1
    assert int(fi["human"].sum()) == 1
    assert scores[scores["call_id"] == call_id].iloc[0]["score"] < srow["score"]
    out = tmp_path / "rep"
    paths = write_reports_from_store(
        centre.store, "bulletin", None, "month:2026-11", centre.rubric, out, ("md",)
    )
    text = paths[0].read_text(encoding="utf-8")
    assert "1 个评分项（1 通电话）经人工复核" in text
    assert "机器一致率" in text
    assert ".json" not in text  # never a link to a raw vendor transcript
    linked = write_reports_from_store(
        centre.store,
        "bulletin",
        None,
        "month:2026-11",
        centre.rubric,
        out / "web",
        ("md",),
        web_base_url="https://qa.example/wb/",
    )
    assert "https://qa.example/wb/calls/C00" in linked[0].read_text(encoding="utf-8")


def test_calls_pages_by_cursor_match_pages_by_offset(centre: Centre) -> None:
    from sqlalchemy import update

    from qa_pipeline.review.workbench import Filters
    from qa_pipeline.store.schema import recordings

    # calls without a start time sort last (SQLite) or first (PostgreSQL): the cursor walk
    # must still give exactly the offset walk, every call once
    with centre.store._write("t") as conn:
        conn.execute(
            update(recordings)
            .where(recordings.c.call_id.in_(["C0005", "C0006", "C0007"]))
            .values(started_at=None)
        )
    b, li = centre.bench, centre.users["li"]
    by_offset, page = [], 1
    while True:
        rows, more = b.list_calls(li, Filters(), page, per_page=3)
        by_offset += [r.call_id for r in rows]
        if not more:
            break
        page += 1
    by_cursor, after, page = [], None, 1
    while True:
        rows, more = b.list_calls(li, Filters(), page, per_page=3, after=after)
        by_cursor += [r.call_id for r in rows]
        if not more:
            break
        last = rows[-1]
        after = (last.started_at, last.score_id) if last.started_at else None
        page += 1
    assert by_cursor == by_offset
    assert sorted(by_offset) == sorted(c["call_id"] for c in centre.calls)
