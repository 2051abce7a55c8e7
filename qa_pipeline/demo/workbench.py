"""A small scored centre for the workbench's tests, benchmark and demos.

Calls come from :func:`qa_pipeline.demo.centre.make_call` (vendor-style transcripts with phone
numbers in them, so redaction is exercised) and are scored by the real engine with the
shipped rubric. Some calls get a generated WAV recording so the player can be tested.
"""

from __future__ import annotations

import random
import wave
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from qa_pipeline.demo.centre import AGENTS, DemoAgent, make_call
from qa_pipeline.intake.transcript_io import transcript_from_mapping
from qa_pipeline.models import CallMeta, Recording, Status

CST = timezone(timedelta(hours=8))
RUBRIC = Path(__file__).resolve().parents[2] / "rubrics" / "hotline_12345.yaml"


def write_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """A quiet mono 16-bit WAV of ``seconds`` (a seekable stand-in for a recording)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(2 * n))
    return path


def _with_review(score: Any, rubric: Any) -> Any:
    from qa_pipeline.review.verdicts import Grading, ItemVerdict, recompute

    items = tuple(
        replace(
            it, status=Status.REVIEW, reason="结束语识别置信度低，需人工复核", critical_failed=False
        )
        if it.item_id == "closing"
        else it
        for it in score.items
    )
    verdicts = [
        ItemVerdict(
            it.item_id, it.points, str(it.status), it.critical_failed, str(it.status), False
        )
        for it in items
    ]
    value, grade, critical = recompute(verdicts, Grading.from_rubric(rubric))
    return replace(score, items=items, score=value, grade=grade, critical_failed=critical)


def _recording(
    root: Path,
    call_id: str,
    agent: DemoAgent,
    started: datetime,
    call_type: object,
    duration: float | None,
    satisfaction: float,
    with_audio: bool,
) -> Recording:
    """The demo call's recording: a WAV under ``root/audio`` or a vendor transcript file."""
    if with_audio:
        path = write_wav(root / "audio" / f"{call_id}.wav", (duration or 60) + 1)
    else:
        path = root / "vendor" / f"{call_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    return Recording(
        path=path,
        meta=CallMeta(
            call_id=call_id,
            agent_id=agent.agent_id,
            team=agent.team,
            started_at=started,
            call_type=str(call_type),
            duration_s=duration,
            satisfaction=satisfaction,
        ),
        is_transcript=not with_audio,
    )


def seed_centre(
    store: Any,
    root: Path,
    n_calls: int = 16,
    *,
    audio_every: int = 2,
    review_every: int = 4,
    night: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=CST),
    seed: int = 7,
    rubric_path: Path = RUBRIC,
) -> tuple[Any, list[dict[str, Any]]]:
    """Score ``n_calls`` demo calls into ``store``, some with audio, some left to review.

    Every ``audio_every``-th call gets a WAV, and on every ``review_every``-th the machine
    leaves ``closing`` to a person (review).

    Returns:
        The loaded rubric and one dict per call (``call_id``, ``agent_id``, ``raw``: the
        raw transcript JSON, before redaction, for checks that pages never show it).
    """
    from qa_pipeline.scoring import load_rubric, score_call

    rubric = load_rubric(rubric_path)
    rng = random.Random(seed)
    calls = []
    for i in range(n_calls):
        agent = AGENTS[i % len(AGENTS)]
        call_id = f"C{i:04d}"
        started = night + timedelta(minutes=7 * i)
        data, satisfaction = make_call(rng, call_id, agent, started)
        transcript = transcript_from_mapping(data, call_id)
        score = score_call(transcript, rubric)
        if review_every and i % review_every == 1:
            score = _with_review(score, rubric)
        with_audio = bool(audio_every and i % audio_every == 0)
        if with_audio:
            transcript = replace(transcript, asr_model="base")
        recording = _recording(
            root,
            call_id,
            agent,
            started,
            data.get("call_type"),
            transcript.duration_s,
            satisfaction,
            with_audio,
        )
        store.save_call(recording, transcript, score, None)
        calls.append(
            {
                "call_id": call_id,
                "agent_id": agent.agent_id,
                "raw": data,
                "audio": with_audio,
            }
        )
    return rubric, calls
