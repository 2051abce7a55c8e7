"""A hotline month in a store: generated calls, transcripts, scores, callers, callbacks.

Used by the hotline bulletin's tests, its benchmark and the demo: each planned call
(:mod:`qa_pipeline.topics.generate`) becomes a recording row with a caller key, a call
type and a satisfaction rating, a transcript (the agent's opening and the caller's
request) and a score of the 12345 rubric's main items. A failed 一次性告知 makes a
lower satisfaction more likely. Written through the store's door (:meth:`Store.save_call`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from qa_pipeline.models import (
    AGENT,
    CALLER,
    CallMeta,
    CallScore,
    ItemResult,
    Recording,
    Segment,
    Status,
    Transcript,
)
from qa_pipeline.pii.redact import redact_transcript
from qa_pipeline.store.schema import call_scores, item_results, recordings, transcripts
from qa_pipeline.topics.callers import caller_key
from qa_pipeline.topics.generate import PlannedCall

#: Call types of the 12345 hotline and how often they come.
CALL_TYPES = (("咨询", 0.45), ("求助", 0.3), ("投诉", 0.2), ("建议", 0.05))
#: Items scored per call: (id, name, points, pass probability).
ITEMS = (
    ("opening", "规范开场", 10.0, 0.95),
    ("confirm_request", "诉求确认", 15.0, 0.85),
    ("one_time_notice", "一次性告知", 20.0, 0.8),
    ("empathy", "共情安抚", 10.0, 0.85),
)


@dataclass(frozen=True, slots=True)
class SeedOptions:
    """How generated calls are stored.

    Attributes:
        secret: Caller-key secret (the site's ``QA_CALLER_KEY_SECRET``).
        rubric_id: Rubric id of the scores.
        rubric_version: Its version.
        agents: Agents the calls are spread over (``A01``…), in teams of ten.
        no_number: Share of calls without a caller number.
        surveyed: Share of calls with a callback rating.
        seed: Random seed.
    """

    secret: str = "demo-site-secret"
    rubric_id: str = "hotline_12345"
    rubric_version: str = "2026.2"
    agents: int = 30
    no_number: float = 0.03
    surveyed: float = 0.6
    seed: int = 5


def _pick_type(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for name, share in CALL_TYPES:
        acc += share
        if x < acc:
            return name
    return CALL_TYPES[-1][0]


def _score(
    call: PlannedCall, agent: str, team: str, rng: random.Random, opts: SeedOptions
) -> tuple[CallScore, bool]:
    """The call's score and whether its 一次性告知 failed."""
    items = []
    for item_id, name, points, p in ITEMS:
        status = Status.PASS if rng.random() < p else Status.FAIL
        items.append(ItemResult(item_id, status, points, "", name=name, dimension="service"))
    total = sum(i.points for i in items)
    score = 100 * sum(i.points for i in items if i.status is Status.PASS) / total
    notice_failed = any(i.item_id == "one_time_notice" and i.status is Status.FAIL for i in items)
    cs = CallScore(
        call.call_id,
        opts.rubric_id,
        opts.rubric_version,
        "0" * 64,
        score,
        "合格" if score >= 80 else "不合格",
        False,
        tuple(items),
        agent_id=agent,
        team=team,
        started_at=call.started_at,
    )
    return cs, notice_failed


def stored_call(
    call: PlannedCall, rng: random.Random, opts: SeedOptions, root: Path
) -> tuple[Recording, Transcript, CallScore]:
    """One planned call as the store takes it."""
    n = rng.randrange(opts.agents)
    agent, team = f"A{n + 1:02d}", f"{n // 10 + 1}组"
    score, notice_failed = _score(call, agent, team, rng, opts)
    rated = rng.random() < opts.surveyed
    low = 0.5 if notice_failed else 0.1
    satisfaction = (
        (rng.choice((1.0, 2.0)) if rng.random() < low else rng.choice((4.0, 5.0)))
        if rated
        else None
    )
    number = None if rng.random() < opts.no_number else call.caller
    meta = CallMeta(
        call.call_id,
        agent_id=agent,
        team=team,
        started_at=call.started_at,
        call_type=_pick_type(rng),
        duration_s=120.0,
        satisfaction=satisfaction,
        caller_key=caller_key(number, opts.secret) if number else None,
    )
    segments = (
        Segment(AGENT, 0.0, 3.0, "您好，12345 热线，请问有什么可以帮您"),
        Segment(CALLER, 3.0, 12.0, call.text),
        Segment(AGENT, 12.0, 20.0, "好的，您反映的情况我已经记录，会尽快转交相关部门处理"),
    )
    transcript = Transcript(call.call_id, segments, language="zh", started_at=call.started_at)
    return Recording(root / f"{call.call_id}.json", meta, is_transcript=True), transcript, score


def seed_hotline(
    store: object,
    calls: Sequence[PlannedCall],
    root: Path,
    options: SeedOptions | None = None,
    batch: int = 2000,
) -> int:
    """Write planned calls into ``store`` (recording, transcript and score each).

    ``batch`` calls go in one transaction.

    Returns:
        The number of calls written.
    """
    opts = options or SeedOptions()
    rng = random.Random(opts.seed)
    written = 0
    for i in range(0, len(calls), batch):
        rows = [stored_call(c, rng, opts, root) for c in calls[i : i + batch]]
        written += store.save_calls(rows, None)  # type: ignore[attr-defined]
    return written


def bulk_load(
    store: Any,
    calls: Sequence[PlannedCall],
    root: Path,
    options: SeedOptions | None = None,
    batch: int = 5000,
) -> int:
    """Write planned calls with one multi-row insert per table and batch (benchmarks).

    The same rows as :func:`seed_hotline` (transcripts redacted with the store's options
    all the same), without the per-call upserts: for empty stores only.

    Returns:
        The number of calls written.
    """
    opts = options or SeedOptions()
    rng = random.Random(opts.seed)
    with store.engine.begin() as conn:
        next_id = int(conn.execute(select(func.coalesce(func.max(call_scores.c.id), 0))).scalar())
    written = 0
    for i in range(0, len(calls), batch):
        triples = [stored_call(c, rng, opts, root) for c in calls[i : i + batch]]
        rows = _bulk_rows(triples, next_id + 1, store.redact_options)
        next_id += len(triples)
        with store.engine.begin() as conn:
            for table, values in zip(
                (recordings, transcripts, call_scores, item_results), rows, strict=True
            ):
                conn.execute(insert(table), values)
        written += len(triples)
    return written


def _recording_row(rec: Recording, now: datetime) -> dict[str, Any]:
    m = rec.meta
    return {
        "call_id": m.call_id,
        "path": str(rec.path),
        "is_transcript": True,
        "agent_id": m.agent_id,
        "team": m.team,
        "started_at": m.started_at,
        "call_type": m.call_type,
        "duration_s": m.duration_s,
        "satisfaction": m.satisfaction,
        "caller_key": m.caller_key,
        "updated_at": now,
    }


def _transcript_row(tr: Transcript, redact: Any, now: datetime) -> dict[str, Any]:
    red = redact_transcript(tr, redact)
    return {
        "call_id": tr.call_id,
        "model": "",
        "options": {},
        "language": "zh",
        "segments": [s.to_dict() for s in red.segments],
        "flags": [],
        "created_at": now,
    }


def _score_rows(
    sid: int, sc: CallScore, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    score = {
        "id": sid,
        "call_id": sc.call_id,
        "rubric_id": sc.rubric_id,
        "rubric_version": sc.rubric_version,
        "rubric_sha256": sc.rubric_sha256,
        "score": sc.score,
        "grade": sc.grade,
        "critical_failed": False,
        "errors": [],
        "scored_at": now,
    }
    items: list[dict[str, Any]] = [
        {
            "score_id": sid,
            "item_id": it.item_id,
            "item_name": it.name,
            "dimension": it.dimension,
            "status": str(it.status),
            "points": it.points,
            "awarded": it.awarded,
            "critical_failed": False,
            "reason": "",
            "evidence": [],
        }
        for it in sc.items
    ]
    return score, items


def _bulk_rows(
    triples: Sequence[tuple[Recording, Transcript, CallScore]], first_id: int, redact: Any
) -> tuple[list[dict[str, Any]], ...]:
    """Rows of recordings, transcripts, call_scores and item_results for the triples."""
    now = datetime.now(UTC)
    recs: list[dict[str, Any]] = []
    trans: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for n, (rec, tr, sc) in enumerate(triples):
        recs.append(_recording_row(rec, now))
        trans.append(_transcript_row(tr, redact, now))
        score, its = _score_rows(first_id + n, sc, now)
        scores.append(score)
        items += its
    return recs, trans, scores, items
