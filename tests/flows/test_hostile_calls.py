"""One bad call costs only itself (issue 20): a vendor transcript nested thousands deep, a
NaN or infinite segment time, NUL characters in text and agent id, a call the store
refuses. Every good call in the same chunk is scored and stored, each bad one is named in
one line, and the night's count of scored calls is the number of calls stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]

T = "2026-11-20T10:00:00+08:00"


def _row(call_id: str, file: str, agent: str = "A1001") -> str:
    return ",".join([call_id, file, agent, "一组", T, "咨询", "60", "4", "", "12", "zh"])


def _hostile_files(inbox: Path, good: Path) -> list[str]:
    """Write the hostile vendor files next to ``good``; the manifest rows that name them."""
    calls = inbox / "calls"
    (calls / "deep.json").write_text(
        '{"call_id": "D", "segments": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    data = json.loads(good.read_text(encoding="utf-8"))
    nan = json.loads(json.dumps(data))
    nan["segments"][0]["start"] = float("nan")
    (calls / "nan.json").write_text(json.dumps(nan, ensure_ascii=False), encoding="utf-8")
    inf = json.dumps(data, ensure_ascii=False).replace('"end": ', '"end": 1e999, "x": ', 1)
    (calls / "inf.json").write_text(inf, encoding="utf-8")
    nul = json.loads(json.dumps(data))
    nul["segments"][0]["text"] = "您好\u0000，请讲"
    nul["agent_id"] = "A1\u00000\u200b01"
    (calls / "nul.json").write_text(json.dumps(nul, ensure_ascii=False), encoding="utf-8")
    return [
        _row("H-DEEP", "calls/deep.json"),
        _row("H-NAN", "calls/nan.json"),
        _row("H-INF", "calls/inf.json"),
        _row("H-NUL", "calls/nul.json", agent="A10\u000001\u200b"),
        _row("H-STORE", f"calls/{good.name}"),
    ]


def test_bad_calls_cost_only_themselves(
    db_url: str, tmp_path: Path, qa_env: Path, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DataError

    from flows.nightly import nightly_qa
    from qa_pipeline.store import Store

    monkeypatch.setenv("QA_DATABASE_URL", db_url)  # SQLite, and a fresh PostgreSQL schema
    inbox = h.vendor_inbox(tmp_path / "centre", n=3)
    manifest = inbox / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    rows = _hostile_files(inbox, inbox / lines[1].split(",")[1])
    manifest.write_text("\n".join([lines[0], *rows[:3], lines[1], *rows[3:], *lines[2:]]) + "\n")

    save_call = Store.save_call

    def refusing(self: Store, rec: Any, *args: Any, **kwargs: Any) -> Any:
        if rec.call_id == "H-STORE":  # as the database refuses a value it cannot hold
            bad = DataError("INSERT INTO transcripts …", {}, ValueError("value out of range"))
            raise self._error(f"store call {rec.call_id}", bad)
        return save_call(self, rec, *args, **kwargs)

    monkeypatch.setattr(Store, "save_call", refusing)

    summary = nightly_qa(str(inbox), "2026-11-20", chunk_size=16, write_reports=False)

    by_id = {f.call_id: f for f in summary.failures}
    assert sorted(by_id) == ["H-DEEP", "H-INF", "H-NAN", "H-STORE"], summary.failures
    assert "nested too deep" in by_id["H-DEEP"].message
    assert "segments[0].start is not a finite number" in by_id["H-NAN"].message
    assert "segments[0].end is not a finite number" in by_id["H-INF"].message
    assert by_id["H-STORE"].stage == "store" and "value out of range" in by_id["H-STORE"].message
    assert all("\n" not in f.message for f in summary.failures)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stored = {r[0] for r in conn.execute(text("select call_id from call_scores"))}
        agent = conn.execute(
            text("select agent_id from recordings where call_id = 'H-NUL'")
        ).scalar()
        segments = conn.execute(
            text("select segments from transcripts where call_id = 'H-NUL'")
        ).scalar()
    engine.dispose()
    good = {ln.split(",")[0] for ln in lines[1:]}
    assert stored == good | {"H-NUL"}
    assert summary.scored == len(stored) == 4
    assert summary.status == "completed_with_failures"
    assert agent == "A1001"
    first = (segments if isinstance(segments, list) else json.loads(segments))[0]
    assert first["text"] == "您好，请讲"
