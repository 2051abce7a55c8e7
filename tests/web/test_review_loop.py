"""The review loop closes: appeals, finality and reopening, the queue the night feeds."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from qa_pipeline.review import ConflictError, ForbiddenError, InvalidInputError
from qa_pipeline.review.verdicts import Grading, ItemVerdict, recompute
from qa_pipeline.review.workbench import queue_scored

from .conftest import Centre, LiveServer, login

CRITICAL = "no_hostility"


def _key(c: Centre) -> tuple[str, str]:
    return c.rubric.id, c.rubric.version


def _item_of(c: Centre, agent: str, status: str, item: str | None = None) -> tuple[str, str]:
    items = c.store.items_frame()
    rows = items[(items["status"] == status) & (items["agent_id"] == agent)]
    if item:
        rows = rows[rows["item_id"] == item]
    return str(rows.iloc[0]["call_id"]), str(rows.iloc[0]["item_id"])


def _expected_score(c: Centre, call_id: str, final: dict[str, str]) -> float | None:
    items = c.store.items_frame()
    rows = items[items["call_id"] == call_id]
    verdicts = [
        ItemVerdict(
            r.item_id,
            float(r.points),
            r.status,
            bool(r.critical_failed),
            final.get(r.item_id, r.status),
            r.item_id in final,
        )
        for r in rows.itertuples()
    ]
    return recompute(verdicts, Grading.from_rubric(c.rubric))[0]


def add_call(c: Centre, call_id: str, agent_index: int = 0) -> None:
    """Score and store one more demo call (a vendor transcript) under ``call_id``."""
    from qa_pipeline.demo.centre import AGENTS, make_call
    from qa_pipeline.demo.workbench import _recording
    from qa_pipeline.intake.transcript_io import transcript_from_mapping
    from qa_pipeline.scoring import score_call

    agent = AGENTS[agent_index]
    started = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    data, satisfaction = make_call(random.Random(3), call_id, agent, started)
    transcript = transcript_from_mapping(data, call_id)
    score = score_call(transcript, c.rubric)
    rec = _recording(
        c.root,
        call_id,
        agent,
        started,
        data.get("call_type"),
        transcript.duration_s,
        satisfaction,
        False,
    )
    c.store.save_call(rec, transcript, score, None)


# ---------------------------------------------------------------------- 1. appeals


def test_only_items_against_the_agent_are_appealed(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "pass")
    with pytest.raises(InvalidInputError, match="only a failed or n/a item") as err:
        b.file_appeal(u["a1001"], call_id, *_key(centre), item_id, "不服")
    assert err.value.key == "not_appealable"


def test_an_na_item_appealed_and_overturned_to_pass_scores_right(
    centre: Centre, live: LiveServer
) -> None:
    """The machine left an item out (n/a); the agent says it applied and was done."""
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "na")
    agent = login(live.url, "a1001")
    page = agent.get(f"/calls/{call_id}")
    assert 'class="appeal"' in page.text  # the form shows on the n/a item
    filed = agent.post(
        f"/calls/{call_id}/appeal",
        data={
            "csrf": agent.csrf,
            "rubric_id": centre.rubric.id,
            "rubric_version": centre.rubric.version,
            "item_id": item_id,
            "reason": "来电涉及此事项，我已一次性告知",
        },
    )
    assert filed.status_code == 303, filed.text
    [appeal] = b.list_appeals(u["a1001"])
    b.resolve_appeal(u["wang"], appeal.id, overturn=True, reason="复听属实", status="pass")
    ev = b.call_detail(u["a1001"], call_id).evaluations[0]
    assert ev.state == "final"
    assert ev.score == pytest.approx(_expected_score(centre, call_id, {item_id: "pass"}))
    item = next(i for i in ev.items if i.item_id == item_id)
    assert item.final_status == "pass"


def test_an_overturned_critical_fail_is_rescored_not_zeroed(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "pass", CRITICAL)
    machine = _expected_score(centre, call_id, {})
    b.decide(u["li"], call_id, *_key(centre), item_id, "fail", "有不当言辞", 0)
    assert b.call_detail(u["li"], call_id).evaluations[0].score == 0.0  # 一票否决
    aid = b.file_appeal(u["a1001"], call_id, *_key(centre), item_id, "没有不当言辞")
    last = b.call_detail(u["li"], call_id).evaluations[0].decisions[-1].id
    with pytest.raises(ConflictError, match="under appeal"):
        b.decide(u["wang"], call_id, *_key(centre), item_id, "pass", "绕过申诉", last)
    with pytest.raises(InvalidInputError, match="needs another verdict"):
        b.resolve_appeal(u["wang"], aid, overturn=True, reason="x", status="fail")
    b.resolve_appeal(u["wang"], aid, overturn=True, reason="复听无不当言辞", status="pass")
    ev = b.call_detail(u["a1001"], call_id).evaluations[0]
    assert ev.state == "final" and ev.score == pytest.approx(machine) and ev.score > 0
    [appeal] = b.list_appeals(u["a1001"])
    assert appeal.state == "overturned" and appeal.item_name == "不失控"


def test_a_proposed_critical_fail_zeroes_only_once_a_person_confirms_it(centre: Centre) -> None:
    """The machine proposes a critical fail (confirm_critical): in review, first in the
    queue, the call not zeroed; an inspector's fail zeroes it."""
    b, u = centre.bench, centre.users
    items = centre.store.items_frame()
    proposed = items[(items["status"] == "review") & items["critical_failed"].astype(bool)]
    assert len(proposed), "the demo centre holds proposed critical fails"
    row = proposed.iloc[0]
    call_id, item_id = str(row["call_id"]), str(row["item_id"])
    assert "一票否决项由机器提出，须人工确认" in str(row["reason"])
    before = b.call_detail(u["li"], call_id).evaluations[0]
    assert before.score != 0.0
    b.fill_queue(rate=0.0)
    queue, _ = b.queue(per_page=10_000)
    assert (queue[0].call_id, queue[0].item_id) in {
        (str(r.call_id), str(r.item_id)) for r in proposed.itertuples()
    }
    b.decide(u["li"], call_id, *_key(centre), item_id, "fail", "复听确认", 0)
    assert b.call_detail(u["li"], call_id).evaluations[0].score == 0.0  # 一票否决, confirmed


def test_an_appeal_overturned_to_na_leaves_the_item_out(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "fail")
    aid = b.file_appeal(u["a1001"], call_id, *_key(centre), item_id, "不适用")
    b.resolve_appeal(u["li"], aid, overturn=True, reason="此项不适用", status="na")
    ev = b.call_detail(u["a1001"], call_id).evaluations[0]
    assert ev.score == pytest.approx(_expected_score(centre, call_id, {item_id: "na"}))


# ---------------------------------------------------------------------- 2. finality


def test_a_final_evaluation_is_locked_until_an_admin_reopens_it(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "fail")
    b.acknowledge(u["a1001"], call_id, *_key(centre))
    with pytest.raises(ConflictError, match="final") as err:
        b.decide(u["li"], call_id, *_key(centre), item_id, "pass", "改", 0)
    assert err.value.status_code == 409 and err.value.key == "final_locked"
    with pytest.raises(ForbiddenError):
        b.reopen(u["li"], call_id, *_key(centre), "我想改")
    with pytest.raises(InvalidInputError):
        b.reopen(u["admin"], call_id, *_key(centre), "  ")
    assert b.unread_notifications(u["a1001"]) == 0
    b.reopen(u["admin"], call_id, *_key(centre), "复听发现漏判，电话13812345678")
    ev = b.call_detail(u["li"], call_id).evaluations[0]
    assert ev.state == "reviewed" and ev.acknowledged_by is None
    [r] = ev.reopenings
    assert r.user_name == "admin" and "13812345678" not in r.reason and r.old_state == "final"
    with pytest.raises(InvalidInputError, match="not final"):
        b.reopen(u["admin"], call_id, *_key(centre), "again")
    assert b.unread_notifications(u["a1001"]) == 1
    assert b.unread_notifications(u["a1002"]) == 0
    [n] = b.notifications(u["a1001"])
    assert n.kind == "reopened" and n.call_id == call_id
    assert b.unread_notifications(u["a1001"]) == 0
    b.decide(u["li"], call_id, *_key(centre), item_id, "pass", "复听改判", 0)


def test_final_decision_over_http_is_409_in_chinese(centre: Centre, live: LiveServer) -> None:
    call_id, item_id = _item_of(centre, "A1001", "fail")
    centre.bench.acknowledge(centre.users["a1001"], call_id, *_key(centre))
    li = login(live.url, "li")
    page = li.get(f"/calls/{call_id}")
    assert "评估已定稿" in page.text and 'class="decide"' not in page.text
    form = {
        "csrf": li.csrf,
        "rubric_id": centre.rubric.id,
        "rubric_version": centre.rubric.version,
        "item_id": item_id,
        "status": "pass",
        "reason": "x",
        "expected_last": "0",
    }
    r = li.post(f"/calls/{call_id}/decide", data=form)
    assert r.status_code == 409 and "已定稿" in r.text and "管理员" in r.text
    admin = login(live.url, "admin")
    r = admin.post(
        f"/calls/{call_id}/reopen",
        data={
            "csrf": admin.csrf,
            "rubric_id": form["rubric_id"],
            "rubric_version": form["rubric_version"],
            "reason": "复查",
        },
    )
    assert r.status_code == 303 and "msg=reopened" in r.headers["location"]
    agent = login(live.url, "a1001")
    calls = agent.get("/calls")
    assert re.search(r'id="unread">1<', calls.text)
    notes = agent.get("/notifications")
    assert "您的评估已被重新打开" in notes.text and "复查" in notes.text
    assert 'id="unread"' not in agent.get("/calls").text


# ---------------------------------------------------------------------- 3. the night's queue


def test_the_night_queues_review_items_and_a_stratified_sample(centre: Centre) -> None:
    calls = [c["call_id"] for c in centre.calls]
    added = queue_scored(centre.store, calls[:8], 0.5)
    items = centre.store.items_frame()
    first = items[items["call_id"].isin(calls[:8])]
    assert added["review"] == int((first["status"] == "review").sum())
    decided = first[first["status"].isin(["pass", "fail"])]
    # every stratum (item × verdict) gives half its size, rounded either way
    queue, _ = centre.bench.queue(per_page=500)
    sampled = [q for q in queue if q.reason == "sample"]
    assert {q.call_id for q in queue} <= set(calls[:8])
    for (item_id, status), group in decided.groupby(["item_id", "status"]):
        n = sum(1 for q in sampled if q.item_id == item_id and q.machine_status == status)
        assert int(len(group) * 0.5) <= n <= int(len(group) * 0.5) + 1, (item_id, status)
    # a retried chunk draws no second sample
    assert queue_scored(centre.store, calls[:8], 0.5) == {"suggestion": 0, "review": 0, "sample": 0}


def test_the_queue_is_ordered_by_risk(centre: Centre) -> None:
    b, u = centre.bench, centre.users
    call_id, _ = _item_of(centre, "A1001", "pass", CRITICAL)
    b.fill_queue(rate=1.0, seed=3)
    queue, _ = b.queue(per_page=1000)
    critical = Grading.from_rubric(centre.rubric).critical_items
    crit = [i for i, q in enumerate(queue) if q.item_id in critical]
    review = [i for i, q in enumerate(queue) if q.item_id not in critical and q.reason == "review"]
    other = [i for i, q in enumerate(queue) if q.item_id not in critical and q.reason == "sample"]
    assert crit and review and other
    assert max(crit) < min(review) and max(review) < min(other)
    assert u and call_id


def test_within_a_risk_group_the_least_confident_verdicts_come_first(centre: Centre) -> None:
    """The machine's confidence (issue 18) is copied into the queue and orders each group."""
    from sqlalchemy import select, update

    from qa_pipeline.store.schema import item_results
    from qa_pipeline.store.workbench import review_queue

    with centre.store._write("set confidences") as conn:
        ids = [r[0] for r in conn.execute(select(item_results.c.id).order_by(item_results.c.id))]
        rng = random.Random(7)
        for i in ids:
            conn.execute(
                update(item_results).where(item_results.c.id == i).values(confidence=rng.random())
            )
    centre.bench.fill_queue(rate=1.0, seed=3)
    with centre.store._read("read") as conn:
        copied = conn.execute(select(review_queue.c.confidence)).scalars().all()
    assert copied and all(c is not None for c in copied)  # copied from item_results
    queue, _ = centre.bench.queue(per_page=1000)
    critical = Grading.from_rubric(centre.rubric).critical_items
    conf = {}
    with centre.store._read("read") as conn:
        for r in conn.execute(select(review_queue.c.id, review_queue.c.confidence)):
            conf[r.id] = r.confidence
    samples = [conf[q.id] for q in queue if q.item_id not in critical and q.reason == "sample"]
    assert len(samples) > 3 and samples == sorted(samples)


def test_nights_count_calls_that_failed_before_they_were_stored(centre: Centre) -> None:
    run = centre.store.start_run("nightly", {"night": "2026-11-20"})
    centre.store.record_error(run, "BROKEN-1", "transcribe", "audio_decode", "bad file")
    night = next(n for n in centre.bench.nights("Asia/Shanghai") if n.night == "2026-11-20")
    assert night.failed == 1


# ---------------------------------------------------------------------- 4–6. pages


def test_queue_rows_default_to_the_machine_verdict(centre: Centre, live: LiveServer) -> None:
    centre.bench.fill_queue(rate=1.0, seed=1)
    li = login(live.url, "li")
    page = li.get("/review?page=1").text
    rows = re.findall(r'<tr data-call="[^"]+" data-item="[^"]+"[^>]*>.*?</tr>', page, re.S)
    assert rows
    for row in rows:
        machine = re.search(r'<span class="verdict (\w+)">', row).group(1)  # type: ignore[union-attr]
        selected = re.findall(r'<option value="(\w*)" selected', row)
        assert selected == ([machine] if machine in ("pass", "fail", "na") else [""]), row
    # a review item posted without a verdict is refused, never a silent pass
    q = next(q for q in centre.bench.queue(per_page=500)[0] if q.machine_status == "review")
    r = li.post(
        f"/calls/{q.call_id}/decide",
        data={
            "csrf": li.csrf,
            "rubric_id": q.rubric_id,
            "rubric_version": q.rubric_version,
            "item_id": q.item_id,
            "status": "",
            "reason": "ok",
            "expected_last": "0",
            "back": "/review",
        },
    )
    assert r.status_code == 422 and "结论必须是" in r.text


def test_pages_speak_chinese_and_msg_is_a_key(centre: Centre, live: LiveServer) -> None:
    b, u = centre.bench, centre.users
    call_id, item_id = _item_of(centre, "A1001", "pass")
    b.decide(u["li"], call_id, *_key(centre), item_id, "fail", "复听不通过", 0)
    li = login(live.url, "li")
    page = li.get(f"/calls/{call_id}?msg=saved").text
    assert "✓ 已保存" in page
    history = page[page.index('class="grid history"') :]
    assert "<td>通过</td>" in history and '<td class="new">不通过</td>' in history
    assert ">pass<" not in history and ">fail<" not in history
    forged = li.get(f"/calls/{call_id}?msg=您的账号已被盗，请联系 evil.example").text
    assert "evil.example" not in forged and 'id="msg"' not in forged
    agent = login(live.url, "a1001")
    other, failed = _item_of(centre, "A1001", "fail")
    b.file_appeal(u["a1001"], other, *_key(centre), failed, "我有异议")
    listing = agent.get("/appeals").text
    name = centre.store.items_frame().query("item_id == @failed")["item_name"].iloc[0]
    assert f"<td>{name}</td>" in listing


def test_appeal_forms_only_on_items_against_the_agent(centre: Centre, live: LiveServer) -> None:
    call_id, _ = _item_of(centre, "A1001", "fail")
    items = centre.store.items_frame()
    statuses = dict(
        items[items["call_id"] == call_id][["item_id", "status"]].itertuples(index=False)
    )
    agent = login(live.url, "a1001")
    page = agent.get(f"/calls/{call_id}").text
    for item_id, status in statuses.items():
        row = re.search(rf'<tr class="item" id="item-{item_id}".*?</tr>', page, re.S)
        assert row is not None
        against = status in ("fail", "na")
        assert ('class="appeal"' in row.group(0)) == against, (item_id, status)


def test_call_ids_with_a_slash_open(centre: Centre, live: LiveServer) -> None:
    add_call(centre, "2026/11/20-0001")
    li = login(live.url, "li")
    listing = li.get("/calls").text
    href = re.search(r'href="(/calls/2026[^"]*0001)"', listing)
    assert href is not None
    page = li.get(href.group(1))
    assert page.status_code == 200 and "2026/11/20-0001" in page.text
    assert li.get("/calls/2026/11/20-0001").status_code == 200
    assert li.get("/calls/2026%2F11%2F20-0001/audio").status_code == 404  # vendor: no audio
    detail: Any = centre.bench.call_detail(centre.users["li"], "2026/11/20-0001")
    item = detail.evaluations[0].items[0]
    r = li.post(
        "/calls/2026%2F11%2F20-0001/decide",
        data={
            "csrf": li.csrf,
            "rubric_id": centre.rubric.id,
            "rubric_version": centre.rubric.version,
            "item_id": item.item_id,
            "status": "na",
            "reason": "不适用",
            "expected_last": "0",
        },
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/calls/2026%2F11%2F20")


def test_a_chunk_the_night_stores_enters_the_queue(tmp_path: Any) -> None:
    from qa_pipeline.demo.centre import AGENTS, make_call
    from qa_pipeline.demo.workbench import RUBRIC
    from qa_pipeline.intake.transcript_io import save_transcript, transcript_from_mapping
    from qa_pipeline.models import CallMeta, Recording
    from qa_pipeline.night.config import StageConfig
    from qa_pipeline.night.stages import score_chunk
    from qa_pipeline.review import Workbench
    from qa_pipeline.store import Store

    db = f"sqlite:///{tmp_path / 'qa.db'}"
    config = StageConfig(
        database_url=db,
        models_dir=tmp_path / "models",
        transcripts_dir=tmp_path / "t",
        asr_cache_dir=None,
        rubrics=(("default", str(RUBRIC)),),
        review_sample_rate=1.0,
    )
    rng = random.Random(5)
    recs, paths = [], {}
    for k in range(3):
        call_id = f"N{k}"
        started = datetime(2026, 11, 20, 2, k, tzinfo=UTC)
        data, _ = make_call(rng, call_id, AGENTS[k], started)
        t = transcript_from_mapping(data, call_id)
        paths[call_id] = save_transcript(t, tmp_path / "t" / f"{call_id}.json")
        meta = CallMeta(call_id, agent_id=AGENTS[k].agent_id, started_at=started)
        recs.append(Recording(paths[call_id], meta, is_transcript=True))
    store = Store.open(db)
    try:
        result = score_chunk(recs, paths, config, store.start_run("nightly", {}))
        assert len(result.scored) == 3
        items = store.items_frame()
        queue, _ = Workbench(store).queue(per_page=500)
        assert len(queue) == int(items["status"].isin(["pass", "fail", "review"]).sum())
        assert {q.call_id for q in queue} == {"N0", "N1", "N2"}
    finally:
        store.close()
