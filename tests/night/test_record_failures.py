"""A full disk while recording the night's failures names what failed (issue 20), not
only "cannot record an error"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from qa_pipeline.errors import StoreError
from qa_pipeline.night import stages
from qa_pipeline.night.config import StageConfig
from qa_pipeline.night.results import Failure

RUBRIC = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"


def test_a_full_database_names_the_failures_it_could_not_record(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.sqlite3'}"
    config = StageConfig(url, tmp_path, tmp_path / "t", None, (("default", str(RUBRIC)),))
    db = stages.store(url, True)
    run_id = db.start_run("nightly", {"night": "2026-11-20"})

    def full(dbapi_connection: object, record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
        cursor.close()

    event.listen(db.engine, "connect", full)
    db.engine.dispose()
    failures = [
        Failure(
            "C1", "transcript", "transcript_format", "C1.json: nested too deep " + "x" * 20_000
        ),
        Failure("C2", "score", "timeout", "y" * 20_000),
    ]
    with pytest.raises(StoreError) as err:
        stages.record_failures(config, run_id, failures)
    message = str(err.value)
    assert message.startswith("2 failure(s) of this night could not be recorded, the first: ")
    assert "C1: transcript/transcript_format: C1.json: nested too deep" in message
    assert "record the transcript/transcript_format failure of C1" in message
    assert "database or disk is full" in message
    event.remove(db.engine, "connect", full)
    db.engine.dispose()
