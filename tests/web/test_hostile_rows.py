"""Pages render rows that hostile or old data left in the store (issue 20): a vendor
transcript whose segments carry no ``confidence`` (optional in the format), and segment
times stored as NaN or infinity before intake refused them (SQLite stores them; PostgreSQL
refuses NaN in JSON, so there the row cannot exist)."""

from __future__ import annotations

import json
from dataclasses import replace

from qa_pipeline.intake.transcript_io import transcript_from_mapping
from qa_pipeline.models import CallMeta, Recording, Transcript
from qa_pipeline.scoring import score_call

from .conftest import Centre, LiveServer, login

PAGES = ("/calls", "/review", "/nights", "/agreement", "/calibration", "/appeals", "/ledger")


def _store(centre: Centre, transcript: Transcript) -> None:
    rec = Recording(
        path=centre.root / f"{transcript.call_id}.json",
        meta=CallMeta(
            call_id=transcript.call_id, agent_id="A1001", started_at=transcript.started_at
        ),
        is_transcript=True,
    )
    centre.store.save_call(rec, transcript, score_call(transcript, centre.rubric), None)


def _vendor_without_confidence(centre: Centre) -> Transcript:
    data = json.loads(json.dumps(centre.calls[0]["raw"]))
    data["call_id"] = "NOCONF"
    for segment in data["segments"]:
        segment.pop("confidence", None)
    return transcript_from_mapping(data, "vendor.json")


def test_pages_render_calls_without_confidence_and_with_nan_times(
    centre: Centre, live: LiveServer
) -> None:
    _store(centre, _vendor_without_confidence(centre))
    ids = ["NOCONF"]
    if centre.url.startswith("sqlite"):
        nan = transcript_from_mapping(dict(centre.calls[1]["raw"], call_id="NANTIME"), "x")
        first = replace(nan.segments[0], start=float("nan"), end=float("inf"))
        _store(centre, replace(nan, segments=(first, *nan.segments[1:])))
        ids.append("NANTIME")
    for who in ("boss", "li", "a1001"):
        client = login(live.url, who)
        for path in (*PAGES, *(f"/calls/{i}" for i in ids)):
            status = client.get(path).status_code
            assert status in (200, 403), (who, path, status)
    page = login(live.url, "boss").get(f"/calls/{ids[-1]}").text
    assert 'data-t="nan"' not in page and 'data-t="inf"' not in page  # the player's times
    assert 'class="conf"' not in login(live.url, "boss").get("/calls/NOCONF").text
