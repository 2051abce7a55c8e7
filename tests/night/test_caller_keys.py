"""The night keys each call's caller and drops the number; the store keeps only the key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from qa_pipeline.intake.manifest import Manifest
from qa_pipeline.models import CallMeta, Recording, Segment, Transcript
from qa_pipeline.night.stages import with_caller_keys
from qa_pipeline.store import Store
from qa_pipeline.store.schema import recordings
from qa_pipeline.topics.callers import caller_key

NUMBER = "13955667788"


def _manifest() -> Manifest:
    metas = [
        CallMeta("c1", extra=(("caller_number", "+86 139-5566-7788"), ("区", "海淀"))),
        CallMeta("c2", extra=(("caller_number", NUMBER),)),
        CallMeta("c3"),  # no number: no key, nothing lost
    ]
    recs = tuple(Recording(Path(f"/inbox/{m.call_id}.wav"), m) for m in metas)
    return Manifest(Path("/inbox/manifest.csv"), 3, recs, ())


def test_keys_replace_numbers_and_match_across_forms() -> None:
    keyed = with_caller_keys(_manifest(), "s3cret")
    keys = [r.meta.caller_key for r in keyed.recordings]
    assert keys[0] == keys[1] == caller_key(NUMBER, "s3cret")
    assert keys[2] is None
    assert keyed.recordings[0].meta.extra == (("区", "海淀"),)
    assert NUMBER not in repr(keyed)
    unkeyed = with_caller_keys(_manifest(), None)
    assert [r.meta.caller_key for r in unkeyed.recordings] == [None] * 3
    assert "7788" not in repr(unkeyed)


def test_the_store_keeps_the_key_never_the_number(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    start = datetime(2026, 11, 3, 2, tzinfo=UTC)
    meta = CallMeta("c9", agent_id="A1", started_at=start, satisfaction=4.0, caller_key="k" * 64)
    raw = CallMeta("c8", started_at=start, extra=(("caller_number", NUMBER),))
    tr = Transcript(
        "c9",
        (Segment("agent", 0, 1, "您好"), Segment("caller", 1, 2, "垃圾桶满了没人清运")),
        language="zh",
    )
    with Store.open(url, redact=False) as store:
        store.save_call(Recording(Path("/x/c9.wav"), meta), tr, None, None)
        store.upsert_recording(Recording(Path("/x/c8.wav"), raw), None)
        frame = store.calls_frame(start, datetime(2026, 11, 4, tzinfo=UTC))
        with store.engine.connect() as conn:
            dumped = json.dumps([list(map(str, r)) for r in conn.execute(select(recordings))])
    assert NUMBER not in dumped
    by_id = frame.set_index("call_id")
    assert by_id.loc["c9", "caller_key"] == "k" * 64
    assert by_id.loc["c8", "caller_key"] is None
    assert by_id.loc["c9", "caller_text"] == "垃圾桶满了没人清运"
    assert by_id.loc["c8", "caller_text"] == ""
    assert by_id.loc["c9", "satisfaction"] == 4.0


def test_the_secret_comes_from_settings_and_never_shows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from qa_pipeline.config import load_settings
    from qa_pipeline.night.config import stage_config

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QA_CALLER_KEY_SECRET", "very-secret-value")
    monkeypatch.setenv("QA_REPEAT_WINDOW_DAYS", "3")
    settings = load_settings()
    assert settings.caller_secret == "very-secret-value"
    assert settings.repeat_window_days == 3
    assert "very-secret-value" not in repr(settings)
    config = stage_config(settings, None)
    assert config.caller_key_secret == "very-secret-value"
    assert "very-secret-value" not in repr(config)
    monkeypatch.setenv("QA_CALLER_KEY_SECRET", "")
    assert load_settings().caller_secret is None
