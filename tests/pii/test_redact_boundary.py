"""The redaction boundary: what the store, logs, file names, links and `qa score` let out."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qa_pipeline.models import CallMeta, Recording
from qa_pipeline.pii.fields import redact_field
from qa_pipeline.pii.redact import (
    RedactOptions,
    install_log_redaction,
    redact_path,
    redact_text,
    redact_value,
)
from qa_pipeline.reports.model import recording_link
from qa_pipeline.store import Store
from qa_pipeline.store.listen import call_file_stem, link_recording
from qa_pipeline.store.schema import call_errors, recordings, runs

RAW = ("13600003333", "13766554433", "司马相如", "13955667788", "13700004444")


def _all_text(url: str) -> str:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            rows = [
                *conn.execute(select(recordings)).all(),
                *conn.execute(select(runs)).all(),
                *conn.execute(select(call_errors)).all(),
            ]
    finally:
        store.close()
    return json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)


def test_store_masks_paths_manifest_values_summaries_and_errors(db_url: str) -> None:
    meta = CallMeta(
        call_id="c-1",
        agent_id="A1001",
        topic="回访13766554433",
        extra=(("caller_name", "司马相如"), ("caller_phone", "13955667788"), ("language", "zh")),
    )
    rec = Recording(Path("/inbox/calls/13600003333_0815.wav"), meta, content_hash="h1")
    with Store.open(db_url) as store:
        run = store.start_run("nightly", {"inbox": "/inbox", "note": "回访13766554433"})
        store.upsert_recording(rec, run)
        store.note_run(run, {"failures": [{"message": "file 'calls/13700004444_x.json'"}]})
        store.record_error(run, "c-1", "transcript", "format", "/inbox/13700004444_x.json: bad")
        store.finish_run(run, "completed", {"failures": [{"message": "号码13955667788"}]})
    text = _all_text(db_url)
    for raw in RAW:
        assert raw not in text
    assert "[手机号]_0815.wav" in text and "[姓名]" in text
    assert '"language": "zh"' in text or "'language': 'zh'" in text


def test_redaction_can_be_switched_off_in_the_store(db_url: str) -> None:
    rec = Recording(Path("/inbox/13600003333.wav"), CallMeta(call_id="c-2"), content_hash="h")
    with Store.open(db_url, redact=False) as store:
        store.upsert_recording(rec, None)
    assert "13600003333" in _all_text(db_url)


def test_paths_fields_and_nested_values() -> None:
    assert redact_path("/inbox/13600003333_0815.wav") == "/inbox/[手机号]_0815.wav"
    assert redact_path("/inbox/call13600003333.wav") == "/inbox/call[手机号].wav"
    assert redact_path("/inbox/c-001.wav") == "/inbox/c-001.wav"
    assert redact_path("/inbox/20241105_083000.wav") == "/inbox/20241105_083000.wav"
    assert redact_text("file 'calls/call13700004444.json' not found") == (
        "file 'calls/call[手机号].json' not found"
    )
    assert redact_field("caller_name", "司马相如") == "[姓名]"
    assert redact_field("地址", "光华路77号") == "[地址]"
    assert redact_field("language", "zh") == "zh"
    assert redact_field("note", "我叫张三") == "我叫[姓名]"
    assert redact_field("caller_name", "司马相如", RedactOptions(enabled=False)) == "司马相如"
    nested = {"a": ["13812345678", 3, None], "b": ("x", {"c": "我姓王"})}
    assert redact_value(nested) == {"a": ["[手机号]", 3, None], "b": ("x", {"c": "我姓[姓名]"})}


@pytest.fixture()
def record_factory() -> Iterator[None]:
    saved = logging.getLogRecordFactory()
    try:
        yield
    finally:
        logging.setLogRecordFactory(saved)


def test_log_records_are_redacted_as_they_are_made(
    record_factory: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("qa_pipeline.test_boundary")
    install_log_redaction()
    install_log_redaction()  # idempotent: one wrapper
    with caplog.at_level(logging.INFO, logger="qa_pipeline.test_boundary"):
        log.info("call %s: caller said %s", "c-1", "幺三八 幺二三四 五六七八")
        try:
            raise ValueError("bad file 13600003333_0815.wav")
        except ValueError:
            log.exception("failed")
    text = caplog.text
    assert "caller said [手机号]" in text and "[手机号]_0815.wav" in text
    assert "13600003333" not in text and "五六七八" not in text


def test_recordings_are_linked_by_call_id(tmp_path: Path) -> None:
    src = tmp_path / "inbox" / "13600003333_0815.wav"
    src.parent.mkdir()
    src.write_bytes(b"RIFF....WAVE")
    rec = Recording(src, CallMeta(call_id="c-001"))
    linked = link_recording(rec, tmp_path / "recordings")
    assert linked.path == tmp_path / "recordings" / "c-001.wav"
    assert os.path.samefile(linked.path, src)
    assert link_recording(rec, tmp_path / "recordings").path == linked.path  # again: same
    vendor = Recording(tmp_path / "inbox" / "x.json", CallMeta(call_id="v"), is_transcript=True)
    assert link_recording(vendor, tmp_path / "recordings") is vendor
    # a call id that is a path, or carries personal data, becomes a hash
    assert call_file_stem("../../etc/passwd").startswith("call-")
    assert call_file_stem("13600003333").startswith("call-")
    assert call_file_stem("20261120-0001") == "20261120-0001"


def test_no_listen_link_to_a_vendor_transcript() -> None:
    assert recording_link("/data/recordings/c-001.wav", 12.4, None).endswith("c-001.wav#t=12")
    assert recording_link("/inbox/calls/[手机号].json", 3.0, None) == ""


def test_qa_score_masks_unless_raw(tmp_path: Path) -> None:
    from qa_pipeline.cli import app

    def seg(speaker: str, start: float, end: float, text: str) -> dict[str, object]:
        return {"speaker": speaker, "start": start, "end": end, "text": text}

    call = {
        "call_id": "c-9",
        "segments": [
            seg("agent", 0, 2, "您好，工号2001为您服务"),
            seg("caller", 3, 15, "我叫张三，电话13812345678，楼下烧烤太吵了"),
            seg(
                "agent",
                20,
                29,
                "我跟您核实一下，您反映的是楼下烧烤噪音扰民，联系电话13812345678，对吗？",
            ),
            seg("caller", 30, 31, "对"),
            seg("agent", 32, 35, "感谢来电，再见"),
        ],
    }
    path = tmp_path / "c-9.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    rubric = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"
    masked = CliRunner().invoke(app, ["score", str(path), "--rubric", str(rubric), "--json"])
    assert masked.exit_code == 0, masked.output
    assert "13812345678" not in masked.output and "[手机号]" in masked.output
    raw = CliRunner().invoke(app, ["score", str(path), "--rubric", str(rubric), "--json", "--raw"])
    assert raw.exit_code == 0, raw.output
    assert "--raw prints personal data" in raw.output and "13812345678" in raw.output


def test_scrub_redacts_what_an_earlier_version_left_raw(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_pipeline.intake.transcript_io import load_transcript, save_transcript
    from qa_pipeline.models import CallScore, Evidence, ItemResult, Segment, Status, Transcript
    from qa_pipeline.store.scrub import scrub_store, scrub_transcript_files

    audio = tmp_path / "inbox" / "13600003333_0815.wav"
    audio.parent.mkdir()
    audio.write_bytes(b"RIFF....WAVE")
    meta = CallMeta(call_id="c-1", topic="回访13766554433", extra=(("caller_name", "司马相如"),))
    segs = (
        Segment("caller", 0.0, 1.0, "我叫欧阳振华，电话一三八一二三四"),
        Segment("caller", 1.0, 2.0, "五六七八，住光华路77号院5号楼"),
        Segment("邵春燕", 2.0, 3.0, "嗯", flags=("EA4471902",)),
    )
    transcript = Transcript(
        "c-1",
        segs,
        asr_model="vendor",
        asr_options=(("hotword", "诸葛明远"),),
        flags=("lin_xiaoyu2031",),
    )
    item = ItemResult(
        "i", Status.FAIL, 5.0, "复述了13955667788", (Evidence("agent", 0, 1, "我叫张三"),)
    )
    score = CallScore("c-1", "r", "1", "0" * 64, 50.0, "D", False, (item,))
    with Store.open(db_url, redact=False) as old:  # as a version without these rules wrote
        run = old.start_run("nightly", {"inbox": str(audio.parent)})
        old.save_call(Recording(audio, meta, content_hash="h"), transcript, score, run)
        old.record_error(run, "c-1", "manifest", "manifest", "file 13700004444_x.json not found")
        old.finish_run(run, "completed", {"failures": ["13700004444_x.json"]})
    cache = tmp_path / "cache"
    save_transcript(transcript, cache / "ab" / "ab12.json")

    with Store.open(db_url) as store:
        changed = scrub_store(store, recordings_dir=tmp_path / "recordings")
        assert changed["recordings"] == 1 and changed["transcripts"] == 1
        assert set(scrub_store(store, recordings_dir=tmp_path / "recordings").values()) == {0}
    assert scrub_transcript_files(cache) == 1 and scrub_transcript_files(cache) == 0
    raw = ("13600003333", "13766554433", "司马相如", "欧阳振华", "一二三四", "五六七八", "77号院")
    text = _all_text(db_url)
    with Store.open(db_url) as store:
        text += json.dumps(store.load_transcript_segments("c-1"), ensure_ascii=False)
        text += json.dumps(store.items_frame()["evidence"].tolist(), ensure_ascii=False)
    text += json.dumps(load_transcript(cache / "ab" / "ab12.json").to_dict(), ensure_ascii=False)
    fields = ("邵春燕", "EA4471902", "诸葛明远", "lin_xiaoyu2031")  # fields besides the text
    for needle in (*raw, *fields, "13955667788", "13700004444", "张三"):
        assert needle not in text, needle
    assert str(tmp_path / "recordings" / "c-1.wav") in text  # the path is now the call-id link


def test_call_ids_that_carry_personal_data_are_pseudonymized() -> None:
    from qa_pipeline.pii.fields import pseudonymize_id

    first = pseudonymize_id("13812345678_0815")
    assert first.startswith("[手机号]_0815~") and "13812345678" not in first
    assert pseudonymize_id("13812345678_0815") == first  # the same on every night
    assert pseudonymize_id("13912345678_0815") != first  # and unique
    assert pseudonymize_id(first) == first
    assert pseudonymize_id("20261120-0001") == "20261120-0001"
    assert pseudonymize_id("13812345678", RedactOptions(enabled=False)) == "13812345678"
