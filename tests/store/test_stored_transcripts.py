"""Store.stored_transcripts: each call's newest transcript with its metadata, by date."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qa_pipeline.models import CallMeta, Recording, Segment, Transcript
from qa_pipeline.store import Store


def _save(store: Store, call_id: str, day: int, text: str, model: str) -> None:
    started = datetime(2026, 11, day, 9, tzinfo=UTC)
    t = Transcript(
        call_id=call_id,
        segments=(Segment("agent", 0.0, 2.0, text),),
        agent_id="A7",
        started_at=started,
        asr_model=model,
    )
    meta = CallMeta(call_id=call_id, agent_id="A7", team="一组", started_at=started)
    store.save_call(Recording(Path(f"{call_id}.wav"), meta), t, None, None)


def test_newest_transcript_per_call_within_dates(store: Store) -> None:
    _save(store, "a", 1, "旧的", "base")
    _save(store, "b", 10, "第一版", "base")
    _save(store, "b", 10, "第二版", "small")
    _save(store, "c", 20, "之后", "base")
    got = list(
        store.stored_transcripts(
            datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)
        )
    )
    assert [t.call_id for t in got] == ["b"]
    b = got[0]
    assert b.segments[0].text == "第二版" and b.asr_model == "small"
    assert (b.agent_id, b.team, b.started_at) == (
        "A7",
        "一组",
        datetime(2026, 11, 10, 9, tzinfo=UTC),
    )
    assert [t.call_id for t in store.stored_transcripts()] == ["a", "b", "c"]
