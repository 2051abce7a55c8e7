"""Results store on SQLite and PostgreSQL: schema, idempotent writes, frames, redaction."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from qa_pipeline.errors import StoreError
from qa_pipeline.models import (
    CallMeta,
    CallScore,
    Evidence,
    ItemResult,
    Recording,
    Segment,
    Status,
    Transcript,
)
from qa_pipeline.store import Store, mask_url
from qa_pipeline.store.frames import ERROR_COLUMNS, ITEM_COLUMNS, SCORE_COLUMNS
from qa_pipeline.store.schema import TABLES

CST = timezone(timedelta(hours=8))
PHONE = "13812345678"


def make_score(
    call_id: str,
    version: str = "1",
    *,
    n_items: int = 3,
    score: float | None = 80.0,
    reason: str = "ok",
    agent_id: str | None = None,
) -> CallScore:
    statuses = [Status.PASS, Status.FAIL, Status.NA, Status.REVIEW]
    items = tuple(
        ItemResult(
            item_id=f"i{k}",
            status=statuses[k % 4],
            points=5.0 + k,
            reason=reason,
            evidence=(Evidence("agent", float(k), float(k) + 1.5, f"第{k}句"),),
            critical_failed=k == 1,
            name=f"项目{k}",
            dimension="服务规范",
        )
        for k in range(n_items)
    )
    return CallScore(
        call_id=call_id,
        rubric_id="hotline-12345",
        rubric_version=version,
        rubric_sha256="ab" * 32,
        score=score,
        grade="B",
        critical_failed=False,
        items=items,
        agent_id=agent_id,
        asr_model="base",
    )


def make_recording(call_id: str, started: datetime | None, agent="A1023", team="一组") -> Recording:
    return Recording(
        path=Path(f"/inbox/{call_id}.wav"),
        meta=CallMeta(
            call_id=call_id,
            agent_id=agent,
            team=team,
            started_at=started,
            call_type="咨询",
            duration_s=185.0,
            satisfaction=4.0,
        ),
        content_hash="sha256:" + call_id,
    )


def all_rows(store: Store) -> str:
    """Every row of every table as one string (to look for leaked data)."""
    with store.engine.connect() as conn:
        return "\n".join(str(list(conn.execute(select(t)))) for t in TABLES)


def test_open_migrates_an_empty_database_to_head(store: Store) -> None:
    info = store.status()
    assert info["current"] == info["head"] == "0005"
    assert info["counts"] == {t.name: 0 for t in TABLES}


def test_open_again_and_upgrade_again_are_harmless(store: Store, db_url: str) -> None:
    store.save_score(make_score("c1"), None)
    with Store.open(db_url) as again:
        again.upgrade()
        assert again.status()["counts"]["call_scores"] == 1


def test_score_frame_follows_the_contract(store: Store) -> None:
    run_id = store.start_run("nightly", {"inbox": Path("/inbox")})
    started = datetime(2026, 11, 2, 9, 30, tzinfo=CST)
    store.upsert_recording(make_recording("c1", started), run_id)
    store.save_score(make_score("c1"), run_id)
    df = store.scores_frame()
    assert tuple(df.columns) == SCORE_COLUMNS
    row = df.iloc[0]
    assert row["call_id"] == "c1" and row["run_id"] == run_id
    assert row["started_at"] == pd.Timestamp(started)  # same instant
    assert str(df["started_at"].dt.tz) == "UTC"
    assert row["duration_s"] == 185.0 and row["satisfaction"] == 4.0
    assert row["recording_path"] == "/inbox/c1.wav"
    assert row["score"] == 80.0 and row["grade"] == "B"
    assert df["critical_failed"].dtype == bool
    assert row["scored_at"].tzinfo is not None


def test_item_frame_follows_the_contract(store: Store) -> None:
    store.upsert_recording(make_recording("c1", datetime(2026, 11, 2, 1, 0, tzinfo=UTC)), None)
    store.save_score(make_score("c1", n_items=4), None)
    df = store.items_frame()
    assert tuple(df.columns) == ITEM_COLUMNS
    assert df["item_id"].tolist() == ["i0", "i1", "i2", "i3"]
    assert df["status"].tolist() == ["pass", "fail", "na", "review"]
    assert df["awarded"].iloc[0] == 5.0 and df["awarded"].iloc[1] == 0.0
    assert df["awarded"].iloc[2:].isna().all()
    assert df["critical_failed"].tolist() == [False, True, False, False]
    assert df["evidence"].iloc[0] == [
        {"speaker": "agent", "start": 0.0, "end": 1.5, "text": "第0句"}
    ]
    assert df["item_name"].iloc[1] == "项目1" and df["dimension"].iloc[1] == "服务规范"
    assert df["agent_id"].iloc[0] == "A1023" and df["recording_path"].iloc[0] == "/inbox/c1.wav"


def test_empty_frames_have_the_contract_columns(store: Store) -> None:
    assert tuple(store.scores_frame().columns) == SCORE_COLUMNS
    assert tuple(store.items_frame().columns) == ITEM_COLUMNS
    assert tuple(store.errors_frame().columns) == ERROR_COLUMNS


def test_rescoring_the_same_version_replaces_the_result(store: Store) -> None:
    first = store.save_score(make_score("c1", n_items=5, score=50.0), None)
    second = store.save_score(make_score("c1", n_items=2, score=90.0), None)
    assert first == second
    scores = store.scores_frame()
    assert len(scores) == 1 and scores["score"].iloc[0] == 90.0
    assert len(store.items_frame()) == 2
    assert store.status()["counts"]["item_results"] == 2


def test_a_new_rubric_version_keeps_both(store: Store) -> None:
    store.save_score(make_score("c1", "1", score=50.0), None)
    store.save_score(make_score("c1", "2", score=70.0), None)
    df = store.scores_frame()
    assert sorted(df["rubric_version"]) == ["1", "2"]
    assert store.scores_frame(rubric_version="2")["score"].tolist() == [70.0]
    assert len(store.items_frame(rubric_version="1")) == 3
    assert store.has_score("c1", "hotline-12345", "2")
    assert not store.has_score("c1", "hotline-12345", "3")
    assert not store.has_score("c2", "hotline-12345", "1")


def test_a_failed_write_leaves_the_previous_result_untouched(store: Store) -> None:
    store.save_score(make_score("c1", n_items=3, score=60.0), None)
    good = make_score("c1", n_items=2, score=99.0)
    broken = CallScore(  # the same item twice violates a constraint half-way through
        **{**{f: getattr(good, f) for f in good.__dataclass_fields__}, "items": good.items * 2}
    )
    with pytest.raises(StoreError, match="store the score of c1"):
        store.save_score(broken, None)
    assert store.scores_frame()["score"].tolist() == [60.0]
    assert store.items_frame()["item_id"].tolist() == ["i0", "i1", "i2"]


def test_recordings_upsert_by_call_id(store: Store) -> None:
    started = datetime(2026, 11, 2, 9, 0, tzinfo=CST)
    store.upsert_recording(make_recording("c1", started), None)
    store.upsert_recording(make_recording("c1", None, agent="A2000"), None)
    assert store.status()["counts"]["recordings"] == 1
    store.save_score(make_score("c1"), None)
    row = store.scores_frame().iloc[0]
    assert row["agent_id"] == "A2000"  # new metadata wins
    assert row["started_at"] == pd.Timestamp(started)  # missing metadata keeps the old


def test_a_score_without_a_recording_row_brings_its_own_metadata(store: Store) -> None:
    store.save_score(make_score("c9", agent_id="A7"), None)
    df = store.scores_frame(agent_id="A7")
    assert df["call_id"].tolist() == ["c9"]


def test_period_and_filters(store: Store) -> None:
    # three calls on 2 Nov local time (UTC+8) and one just after midnight on 3 Nov
    times = {
        "early": datetime(2026, 11, 2, 0, 10, tzinfo=CST),  # 1 Nov 16:10 UTC
        "noon": datetime(2026, 11, 2, 12, 0, tzinfo=CST),
        "late": datetime(2026, 11, 2, 23, 59, tzinfo=CST),
        "next": datetime(2026, 11, 3, 0, 0, tzinfo=CST),
    }
    for n, (call, when) in enumerate(times.items()):
        team = "一组" if n % 2 == 0 else "二组"
        store.upsert_recording(make_recording(call, when, agent=f"A{n % 2}", team=team), None)
        store.save_score(make_score(call), None)
    day = store.scores_frame(datetime(2026, 11, 2, tzinfo=CST), datetime(2026, 11, 3, tzinfo=CST))
    assert day["call_id"].tolist() == ["early", "noon", "late"]
    assert store.scores_frame(team="二组")["call_id"].tolist() == ["noon", "next"]
    assert store.scores_frame(agent_id="A0", rubric_id="hotline-12345")["call_id"].tolist() == [
        "early",
        "late",
    ]
    assert store.scores_frame(rubric_id="other").empty
    # naive datetimes are UTC: 2 Nov 00:00 UTC excludes "early" (1 Nov 16:10 UTC)
    assert "early" not in store.scores_frame(datetime(2026, 11, 2)).call_id.tolist()
    items = store.items_frame(datetime(2026, 11, 3, tzinfo=CST), item_id="i1")
    assert items["call_id"].tolist() == ["next"] and items["item_id"].tolist() == ["i1"]


def test_pii_never_reaches_the_database(store: Store) -> None:
    transcript = Transcript(
        "c1",
        (
            Segment("caller", 0.0, 3.0, f"我手机{PHONE}，身份证11010519491231002X"),
            Segment("caller", 3.0, 6.0, "邮箱zhang.san@163.com，号码幺三八幺二三四五六七八"),
            Segment("agent", 6.0, 8.0, "好的，工号1023为您登记"),
        ),
        asr_model="base",
    )
    store.save_transcript(transcript, "sha256:x", None)
    store.save_score(make_score("c1", reason=f"坐席复述了{PHONE}"), None)
    store.record_error(None, "c1", "score", "scoring", f"check failed on {PHONE}")
    store.save_review("c1", "hotline-12345", "1", "i1", "王老师", "pass", f"来电人{PHONE}确认")
    dump = all_rows(store)
    for secret in (PHONE, "11010519491231002X", "zhang.san@163.com", "幺三八幺二三四五六七八"):
        assert secret not in dump
    assert "[手机号]" in dump and "工号1023" in dump
    segments = store.load_transcript_segments("c1")
    assert segments[0]["text"] == "我手机[手机号]，身份证[身份证号]"
    assert store.items_frame()["reason"].iloc[0] == "坐席复述了[手机号]"


def test_redaction_can_be_switched_off(db_url: str) -> None:
    with Store.open(db_url, redact=False) as store:
        store.save_score(make_score("c1", reason=f"复述了{PHONE}"), None)
        assert store.items_frame()["reason"].iloc[0] == f"复述了{PHONE}"


def test_transcripts_replace_per_model(store: Store) -> None:
    t1 = Transcript("c1", (Segment("agent", 0.0, 1.0, "您好"),), asr_model="base")
    t2 = Transcript("c1", (Segment("agent", 0.0, 1.0, "您好呀"),), asr_model="base")
    t3 = Transcript("c1", (Segment("agent", 0.0, 1.0, "你好"),), asr_model="large-v3")
    first = store.save_transcript(t1, "h", None)
    assert store.save_transcript(t2, "h", None) == first
    store.save_transcript(t3, "h", None)
    assert store.status()["counts"]["transcripts"] == 2
    assert store.load_transcript_segments("c1", "base")[0]["text"] == "您好呀"


def test_runs_errors_and_reviews(store: Store) -> None:
    run1 = store.start_run("nightly", {"date": datetime(2026, 11, 2, tzinfo=UTC)})
    run2 = store.start_run("backtest", {})
    store.record_error(run1, "c1", "decode", "audio_decode", "truncated file")
    store.record_error(run2, "c2", "transcribe", "asr", "boom")
    store.finish_run(run1, "completed", {"scored": 0, "errors": 1})
    errors = store.errors_frame(run1)
    assert tuple(errors.columns) == ERROR_COLUMNS
    assert errors[["call_id", "stage", "kind", "message"]].values.tolist() == [
        ["c1", "decode", "audio_decode", "truncated file"]
    ]
    assert errors["created_at"].iloc[0].tzinfo is not None
    assert len(store.errors_frame()) == 2
    runs = store.runs_frame()
    done = runs[runs["id"] == run1].iloc[0]
    assert done["status"] == "completed" and done["summary"] == {"scored": 0, "errors": 1}
    assert done["params"] == {"date": "2026-11-02 00:00:00+00:00"}
    review = store.save_review("c1", "hotline-12345", "1", "i1", "王老师", Status.PASS, "已复核")
    assert review > 0
    reviews = store.reviews_frame("c1")
    assert reviews[["item_id", "reviewer", "new_status", "note"]].values.tolist() == [
        ["i1", "王老师", "pass", "已复核"]
    ]
    with pytest.raises(StoreError, match="unknown status 'maybe'"):
        store.save_review("c1", "hotline-12345", "1", "i1", "王老师", "maybe")


def test_passwords_never_appear_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    url = "postgresql+psycopg://qa:s3cr3t-pw@127.0.0.1:1/nowhere"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError) as info:
        Store.open(url)
    assert "s3cr3t-pw" not in str(info.value)
    assert "qa:***@127.0.0.1" in str(info.value)
    assert "s3cr3t-pw" not in caplog.text
    assert mask_url(url) == "postgresql+psycopg://qa:***@127.0.0.1:1/nowhere"


def test_error_messages_are_scrubbed_of_urls(store: Store) -> None:
    store.record_error(None, "c1", "store", "store", "failed: postgresql://u:hunter22@db/x")
    assert store.errors_frame()["message"].tolist() == ["failed: postgresql://u:***@db/x"]


@pytest.mark.parametrize("url", ["mysql://u:pw@h/db", "not a url"])
def test_unsupported_urls_are_a_clear_error(url: str) -> None:
    with pytest.raises(StoreError, match="database"):
        Store.open(url)


def test_save_call_writes_everything_or_nothing(store: Store) -> None:
    rec = make_recording("c1", datetime(2026, 11, 2, 9, 0, tzinfo=CST))
    transcript = Transcript("c1", (Segment("caller", 0.0, 1.0, f"电话{PHONE}"),), asr_model="base")
    score_id = store.save_call(rec, transcript, make_score("c1"), None)
    assert score_id is not None
    counts = store.status()["counts"]
    assert (counts["recordings"], counts["transcripts"], counts["call_scores"]) == (1, 1, 1)
    good = make_score("c2")
    broken = CallScore(
        **{**{f: getattr(good, f) for f in good.__dataclass_fields__}, "items": good.items * 2}
    )
    with pytest.raises(StoreError):
        store.save_call(make_recording("c2", None), transcript, broken, None)
    counts = store.status()["counts"]
    assert (counts["recordings"], counts["transcripts"], counts["call_scores"]) == (1, 1, 1)


def test_many_openers_of_a_fresh_database_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            Store.open(db_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(db_url, upgrade=False) as store:
        assert store.current_revision() == store.head_revision()


def test_a_database_from_a_newer_version_is_a_clear_error(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"from schema 9999 to head.*newer qa-pipeline"):
        store.upgrade()


def test_frame_dtypes_are_the_same_empty_or_not(store: Store) -> None:
    empty_scores, empty_items = store.scores_frame(), store.items_frame()
    store.save_score(make_score("c1"), None)  # no recording metadata: many missing values
    scores, items = store.scores_frame(), store.items_frame()
    assert not scores.empty and not items.empty
    assert scores.dtypes.to_dict() == empty_scores.dtypes.to_dict()
    assert items.dtypes.to_dict() == empty_items.dtypes.to_dict()
    assert str(scores["started_at"].dtype) == "datetime64[us, UTC]"
    assert scores["agent_id"].isna().all() and scores["started_at"].isna().all()


def test_a_forked_child_gets_its_own_connections(store: Store) -> None:
    import os

    store.save_score(make_score("parent"), None)  # the pool now holds a connection
    pid = os.fork()
    if pid == 0:  # child: write through the inherited store while the parent writes too
        code = 0
        try:
            for i in range(30):
                store.save_score(make_score(f"child{i}"), None)
        except BaseException:
            code = 1
        os._exit(code)
    for i in range(30):
        store.save_score(make_score(f"parent{i}"), None)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(store.scores_frame()) == 61
