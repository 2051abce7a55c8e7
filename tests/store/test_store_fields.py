"""The store's door masks every manifest column off the allow-list and every string field
of a vendor transcript (issue 20 item 2), on SQLite and PostgreSQL: a dump of every table
holds none of the planted strings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from qa_pipeline.models import AudioMetrics, CallMeta, Recording, Segment, Transcript
from qa_pipeline.store import Store
from qa_pipeline.store.schema import TABLES

PLANTED = ("鲍春生", "17789012345", "3-5-702", "zhou_lan1993", "EK2291034", "俞晓梅", "宁·阿迪力")


def dump(store: Store) -> str:
    """Every row of every table as text (SQLite ``iterdump``, PostgreSQL ``t::text``)."""
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            return "\n".join(raw.iterdump())  # type: ignore[union-attr]
        return "\n".join(
            str(row[0])
            for table in TABLES
            for row in conn.execute(text(f'SELECT t::text FROM "{table.name}" t'))
        )


def _call() -> tuple[Recording, Transcript]:
    meta = CallMeta(
        call_id="C-77",
        agent_id="A5",
        team="一组",
        started_at=datetime(2026, 11, 20, 2, tzinfo=UTC),
        topic="噪音 鲍春生",
        extra=(
            ("户主", "鲍春生"),
            ("contact", "17789012345"),
            ("门牌", "3-5-702"),
            ("工单内容", "业主俞晓梅反映噪音"),
            ("vendor_note", "zhou_lan1993"),
            ("queue", "q-noise"),
            ("channel_layout", "L=agent,R=caller"),
        ),
    )
    seg = Segment("宁·阿迪力", 0.0, 3.0, "您好", flags=("EK2291034",))
    t = Transcript(
        call_id="C-77",
        segments=(seg, Segment("agent", 3.0, 4.0, "请讲", flags=("low_level",))),
        asr_model="vendor",
        asr_options=(("hotwords", "鲍春生"), ("beam_size", "5")),
        metrics=AudioMetrics(duration_s=4.0, quality_flags=("17789012345",)),
        flags=("zhou_lan1993",),
    )
    return Recording(Path("/inbox/c77.json"), meta, "h77", True), t


def test_manifest_columns_and_transcript_fields_masked_at_the_door(store: Store) -> None:
    rec, transcript = _call()
    store.save_call(rec, transcript, None, None)
    text_dump = dump(store)
    assert "C-77" in text_dump and "q-noise" in text_dump  # the allow-list is kept raw
    assert "L=agent,R=caller" in text_dump and "low_level" in text_dump
    for raw in PLANTED:
        assert raw not in text_dump, raw
    segments = store.load_transcript_segments("C-77")
    assert segments[0]["speaker"] == "[姓名]" and segments[1]["speaker"] == "agent"
