"""The nightly stages as plain functions: what the Prefect tasks wrap.

The benchmark calls them directly to measure the orchestration overhead.

No Prefect here. Each stage takes paths, ids and small value objects and returns small
value objects, so the same calls run in a thread, a Dask worker process or inline.
Per-call failures become :class:`Failure` records (the night goes on); only setup
failures (a bad rubric, an unreachable store) raise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa_pipeline.errors import ConfigError, QAPipelineError
from qa_pipeline.intake.manifest import Manifest
from qa_pipeline.models import CallMeta, Recording, Transcript
from qa_pipeline.night.config import StageConfig, call_language
from qa_pipeline.night.results import ChunkResult, Failure

log = logging.getLogger(__name__)


def pseudonymize(manifest: Manifest, config: StageConfig) -> Manifest:
    """The manifest with call ids that carry personal data replaced by masked ids.

    A recording system may name calls after the caller's number: such an id becomes a
    masked id with a short hash, before anything stores, logs or publishes it; row errors
    are redacted too.
    """
    from qa_pipeline.pii.fields import pseudonymize_id
    from qa_pipeline.pii.redact import redact_text

    manifest = with_caller_keys(manifest, config.caller_key_secret)
    opts = config.redact_options()
    if not opts.enabled:
        return manifest
    recordings = tuple(
        replace(r, meta=replace(r.meta, call_id=pseudonymize_id(r.call_id, opts)))
        for r in manifest.recordings
    )
    errors = tuple(
        replace(
            e,
            call_id=pseudonymize_id(e.call_id, opts) if e.call_id else e.call_id,
            reason=redact_text(e.reason, opts),
        )
        for e in manifest.errors
    )
    return replace(manifest, recordings=recordings, errors=errors)


def with_caller_keys(manifest: Manifest, secret: str | None) -> Manifest:
    """Each call's caller number (a manifest column) replaced by its caller key.

    The number column is dropped from every call; without a secret no key is made.
    """
    from qa_pipeline.topics.callers import caller_key, split_caller_number

    out = []
    for r in manifest.recordings:
        number, extra = split_caller_number(r.meta.extra)
        key = caller_key(number, secret) if secret and number else None
        out.append(replace(r, meta=replace(r.meta, extra=extra, caller_key=key)))
    return replace(manifest, recordings=tuple(out))


def manifest_failures(manifest: Manifest) -> list[Failure]:
    """Row errors of a manifest as failures of the ``manifest`` stage."""
    return [Failure(e.call_id, "manifest", e.kind, e.reason, e.row) for e in manifest.errors]


# -- rubric and store handles, cached per process (never passed between tasks) --------

_LOCK = threading.Lock()
_RUBRICS: dict[str, Any] = {}
_STORES: dict[tuple[str, bool], Any] = {}
_GPU: dict[int, threading.Semaphore] = {}


def rubric(path: str) -> Any:
    """The loaded rubric at ``path`` (loaded once per process)."""
    from qa_pipeline.scoring import load_rubric

    with _LOCK:
        if path not in _RUBRICS:
            _RUBRICS[path] = load_rubric(Path(path))
        return _RUBRICS[path]


def store(url: str, redact: bool = True) -> Any:
    """The results store at ``url`` (opened once per process)."""
    from qa_pipeline.store import Store

    with _LOCK:
        if (url, redact) not in _STORES:
            _STORES[(url, redact)] = Store.open(url, redact=redact)
        return _STORES[(url, redact)]


def gpu_slot(slots: int) -> threading.Semaphore:
    """The process-wide semaphore that limits concurrent speech-to-text."""
    with _LOCK:
        return _GPU.setdefault(max(1, slots), threading.Semaphore(max(1, slots)))


def check_rubrics(config: StageConfig) -> list[tuple[str, str, str]]:
    """Load every rubric once (fail fast on a bad one); ``(key, id, version)`` each."""
    out = []
    for key, path in config.rubrics:
        r = rubric(path)
        out.append((key, str(r.id), str(r.version)))
    return out


def split_done(
    recordings: Sequence[Recording], config: StageConfig
) -> tuple[list[Recording], list[Recording]]:
    """Split calls into (to do, already scored with the same rubric version).

    A call counts as done only if the stored recording has the same content hash: a
    changed file under a known call id (same agent and start, see :func:`screen_reused`)
    is a corrected re-delivery and is scored again, replacing the earlier score.
    """
    db = store(config.database_url, config.redact_pii)
    known = db.recording_identity(r.call_id for r in recordings)
    todo: list[Recording] = []
    done: list[Recording] = []
    for rec in recordings:
        r = rubric(config.rubric_for(rec))
        stored = known.get(rec.call_id, {}).get("content_hash")
        same = stored is None or rec.content_hash is None or stored == rec.content_hash
        (done if same and db.has_score(rec.call_id, r.id, r.version) else todo).append(rec)
    return todo, done


def _instant(value: Any) -> float | None:
    from datetime import UTC, datetime

    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def screen_reused(
    recordings: Sequence[Recording], config: StageConfig
) -> tuple[list[Recording], list[Failure]]:
    """Name the calls whose id the store already holds for a *different* call.

    A stored call with the same id but another agent or another start time is a
    different conversation reusing the id (a recorder reset, a vendor's counter): scoring
    it would overwrite the earlier night's evidence, so it is not scored but recorded as
    a ``manifest/call_id_reused`` error naming both. Same agent and start with a changed
    file is a re-delivery of the same call and goes on (:func:`split_done`).
    """
    db = store(config.database_url, config.redact_pii)
    known = db.recording_identity(r.call_id for r in recordings)
    keep: list[Recording] = []
    failures: list[Failure] = []
    for rec in recordings:
        old = known.get(rec.call_id)
        if old is None or (old["content_hash"] and old["content_hash"] == rec.content_hash):
            keep.append(rec)  # new, or the very same recording (metadata may be corrected)
            continue
        diffs = []
        if old["agent_id"] and rec.meta.agent_id and old["agent_id"] != rec.meta.agent_id:
            diffs.append(f"agent {old['agent_id']} (now {rec.meta.agent_id})")
        before, now = _instant(old["started_at"]), _instant(rec.meta.started_at)
        if before is not None and now is not None and abs(before - now) > 1:
            diffs.append(f"started {old['started_at']:%Y-%m-%d %H:%M} UTC")
        if not diffs:
            keep.append(rec)
            continue
        name = Path(str(old["path"] or "")).name or "?"
        failures.append(
            Failure(
                rec.call_id,
                "manifest",
                "call_id_reused",
                f"call id already holds a different call ({name}, {', '.join(diffs)}); "
                "not scored: give this call its own id",
            )
        )
    return keep, failures


def mark_crashed_runs(config: StageConfig, kind: str = "nightly") -> list[int]:
    """Mark ``running`` runs of this host whose process is gone as ``crashed``.

    Runs record their host, process id and the process's start time at start; one whose
    process no longer exists (or whose pid now names a younger process) died without
    finishing (kill -9, power loss). Runs of other hosts are left alone
    (their processes cannot be checked from here). Returns the ids marked.
    """
    import os
    import socket

    from qa_pipeline.night.processes import process_start

    db = store(config.database_url, config.redact_pii)
    marked = []
    for run in db.running_runs(kind):
        params = run["params"] or {}
        pid = params.get("pid")
        if params.get("host") != socket.gethostname() or not isinstance(pid, int):
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            started = params.get("pid_start")
            if started is None or process_start(pid) in (None, started):
                continue  # still alive (a concurrent run)
            # else: the pid now belongs to another process; the run's own is gone
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's live process
        summary = dict(run["summary"] or {})
        summary["crashed"] = f"process {pid} ended without finishing the run"
        db.finish_run(run["id"], "crashed", summary)
        log.warning("run %s (process %s) died without finishing: marked crashed", run["id"], pid)
        marked.append(int(run["id"]))
    return marked


def chunked(items: Sequence[Recording], size: int) -> Iterable[tuple[Recording, ...]]:
    """Consecutive chunks of at most ``size`` items."""
    step = max(1, size)
    for i in range(0, len(items), step):
        yield tuple(items[i : i + step])


def _with_meta(transcript: Transcript, rec: Recording) -> Transcript:
    """Fill a transcript's metadata from the manifest (the manifest is authoritative)."""
    m = rec.meta
    return replace(
        transcript,
        call_id=m.call_id,
        agent_id=m.agent_id or transcript.agent_id,
        team=m.team or transcript.team,
        started_at=m.started_at or transcript.started_at,
        call_type=m.call_type or transcript.call_type,
        duration_s=transcript.duration_s if transcript.duration_s is not None else m.duration_s,
    )


def transcript_path(config: StageConfig, call_id: str) -> Path:
    """Where a call's transcript JSON is written (one file per distinct call id)."""
    from qa_pipeline.intake.transcript_io import call_file_stem

    return config.transcripts_dir / f"{call_file_stem(call_id)}.json"


def _asr_options(config: StageConfig, language: str, rubric_path: str | None = None) -> Any:
    from qa_pipeline.asr import AsrOptions
    from qa_pipeline.asr.correct import correction_terms, correction_text
    from qa_pipeline.asr.vocabulary import hotwords_for_rubric

    # the rubric that will score these calls knows their domain words: bias recognition
    # toward them and restore near misses (only where the rubric speaks the call's language)
    r = rubric(rubric_path) if rubric_path else None
    same = r is not None and str(r.language).split("-")[0] == language.split("-")[0]
    return AsrOptions(
        model=config.asr_model,
        device=config.device,
        compute_type=config.compute_type,
        language=language,
        hotwords=hotwords_for_rubric(r) if same else None,
        correct_terms=correction_text(correction_terms(r)) if same else None,
        min_sample_rate=config.min_sample_rate,
        max_audio_duration_s=config.max_audio_duration_s,
        max_audio_mb=config.night_max_audio_mb,
    )


def transcribe_chunk(
    recordings: Sequence[Recording], config: StageConfig
) -> tuple[dict[str, Path], ChunkResult]:
    """Turn a chunk of calls into transcript files.

    Vendor JSON is read; audio is transcribed in one batch per language (and rubric).

    Returns:
        ``call_id -> transcript path`` for the calls that have a transcript now, and the
        chunk's counts and failures.
    """
    from qa_pipeline.pii.redact import install_log_redaction

    install_log_redaction(config.redact_options())  # this may be a fresh worker process
    paths: dict[str, Path] = {}
    failures: list[Failure] = []
    vendor: list[str] = []
    done: dict[bool, list[str]] = {False: [], True: []}  # by "from the cache"
    audio: dict[tuple[str, str], list[Recording]] = {}
    for rec in recordings:
        if rec.is_transcript:
            _read_vendor(rec, config, paths, vendor, failures)
            continue
        try:
            rubric_path = config.rubric_for(rec)
        except ConfigError:
            rubric_path = ""  # scoring records that; transcription goes on
        audio.setdefault((call_language(rec, config.language), rubric_path), []).append(rec)
    for (language, rubric_path), batch in audio.items():
        _transcribe_batch(batch, language, rubric_path, config, paths, failures, done)
    return paths, ChunkResult(
        transcribed=tuple(done[False]),
        from_cache=tuple(done[True]),
        vendor=tuple(vendor),
        failures=tuple(failures),
    )


def _read_vendor(
    rec: Recording,
    config: StageConfig,
    paths: dict[str, Path],
    vendor: list[str],
    failures: list[Failure],
) -> None:
    """Read a vendor transcript, mask it and save it where the night keeps transcripts."""
    from qa_pipeline.intake.transcript_io import load_transcript, save_transcript

    try:
        t = config.redact(_with_meta(load_transcript(rec.path), rec))
        paths[rec.call_id] = save_transcript(t, transcript_path(config, rec.call_id))
        vendor.append(rec.call_id)
    except QAPipelineError as exc:
        failures.append(Failure(rec.call_id, "transcript", exc.kind, config.scrub(exc)))
    except Exception as exc:  # one vendor file must not cost the rest of the chunk
        log.exception("reading %s failed", rec.call_id)
        failures.append(Failure(rec.call_id, "transcript", type(exc).__name__, config.scrub(exc)))


def _transcribe_batch(
    batch: Sequence[Recording],
    language: str,
    rubric_path: str,
    config: StageConfig,
    paths: dict[str, Path],
    failures: list[Failure],
    done: dict[bool, list[str]],
) -> None:
    """Transcribe one language's recordings and save each transcript (or its failure)."""
    from qa_pipeline.asr import transcribe_recordings
    from qa_pipeline.intake.transcript_io import save_transcript

    with gpu_slot(config.gpu_slots):
        results = transcribe_recordings(
            batch,
            _asr_options(config, language, rubric_path),
            models_dir=config.models_dir,
            cache_dir=config.asr_cache_dir,
            transform=config.redact,  # raw text never reaches the cache or a file
        )
    for res in results:
        rec = res.recording
        if res.transcript is None:
            err = res.error
            kind = getattr(err, "kind", "asr")
            failures.append(Failure(rec.call_id, "transcribe", kind, config.scrub(err)))
            continue
        # masked already: the transform above is the door of the cache and the file
        t = _with_meta(res.transcript, rec)
        paths[rec.call_id] = save_transcript(t, transcript_path(config, rec.call_id))
        done[res.cached].append(rec.call_id)


def score_chunk(
    recordings: Sequence[Recording],
    paths: Mapping[str, Path],
    config: StageConfig,
    run_id: Any,
) -> ChunkResult:
    """Score the chunk's transcripts and store recording, transcript and score.

    A call that fails to score, or whose write the store refuses (a value the database
    will not take), is recorded with its reason and the chunk goes on; a store that cannot
    be reached at all raises (the task retries it). The calls counted as scored are the
    calls stored.
    """
    from qa_pipeline.pii.redact import install_log_redaction

    install_log_redaction(config.redact_options())  # this may be a fresh worker process
    db = store(config.database_url, config.redact_pii)
    scored: list[tuple[str, float | None]] = []
    failures: list[Failure] = []
    for rec in recordings:
        path = paths.get(rec.call_id)
        if path is None:
            continue
        done = _score_one(rec, path, config)
        if isinstance(done, Failure):
            failures.append(done)
            continue
        transcript, score = done
        if config.recordings_dir is not None:
            from qa_pipeline.store.listen import link_recording

            rec = link_recording(rec, config.recordings_dir)  # stored and linked by call id
        refused = _store_one(db, rec, transcript, score, run_id, config)
        if refused is not None:
            failures.append(refused)
            continue
        scored.append((rec.call_id, score.score))
    queue_for_review(db, [call_id for call_id, _ in scored], config)
    return ChunkResult(scored=tuple(scored), failures=tuple(failures))


def _score_one(rec: Recording, path: Path, config: StageConfig) -> tuple[Any, Any] | Failure:
    """``(transcript, score)`` of one call, or the :class:`Failure` that stopped it."""
    from qa_pipeline.intake.transcript_io import load_transcript
    from qa_pipeline.lang.safe_regex import call_budget
    from qa_pipeline.scoring import score_call

    try:
        transcript = load_transcript(path)
        with call_budget(config.score_time_limit_s) as budget:
            score = score_call(transcript, rubric(config.rubric_for(rec)))
    except QAPipelineError as exc:
        return Failure(rec.call_id, "score", exc.kind, config.scrub(exc))
    except Exception as exc:  # a bug in one check must not cost the rest of the chunk
        log.exception("scoring %s failed", rec.call_id)
        return Failure(rec.call_id, "score", type(exc).__name__, config.scrub(exc))
    if budget.expired:  # a partial score would read as a verdict: record why not
        why = f"scoring stopped (limit {config.score_time_limit_s:g} s a call): "
        return Failure(rec.call_id, "score", "timeout", why + budget.timeouts[0])
    return transcript, score


def _store_one(
    db: Any, rec: Recording, transcript: Any, score: Any, run_id: Any, config: StageConfig
) -> Failure | None:
    """Store one call in one transaction; the store's refusal of this call as a Failure.

    A night killed here leaves the call wholly done or not at all. A database that cannot
    be reached or is busy raises (the chunk is retried); any other error is this call's.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    from qa_pipeline.errors import StoreError

    try:
        db.save_call(rec, transcript, score, run_id)
    except (OperationalError, InterfaceError):
        raise
    except StoreError as exc:
        if exc.transient:  # unreachable, busy or full: the task retries the chunk
            raise
        return Failure(rec.call_id, "store", exc.kind, config.scrub(exc).splitlines()[0])
    except Exception as exc:
        log.warning("storing %s failed: %s", rec.call_id, type(exc).__name__)
        first = config.scrub(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return Failure(rec.call_id, "store", "store", f"the store refused the call: {first}")
    return None


def queue_for_review(db: Any, call_ids: list[str], config: StageConfig) -> None:
    """Put the chunk's ``review`` items and a stratified sample into the review queue.

    The new items are assigned to inspectors, due ``review_due_days`` later. A failure is
    logged, not raised: the calls are stored, and the workbench's "draw review sample"
    queues what is missing.
    """
    from qa_pipeline.review.workbench import queue_scored

    try:
        queue_scored(db, call_ids, config.review_sample_rate, config.review_due_days, config.mail)
    except Exception:  # the queue must not cost the night its scores
        log.warning("could not queue %d calls for review", len(call_ids), exc_info=True)


def record_failures(config: StageConfig, run_id: Any, failures: Iterable[Failure]) -> None:
    """Write failures to the store's per-call error table.

    A failure the store cannot take (a full disk) is logged with what failed, every other
    one is still tried, and the error raised at the end names the first failure that could
    not be recorded, not only that recording failed.
    """
    from qa_pipeline.errors import StoreError

    db = store(config.database_url, config.redact_pii)
    lost: list[tuple[Failure, StoreError]] = []
    for f in failures:
        message = f.message if f.row is None else f"row {f.row}: {f.message}"
        try:
            db.record_error(run_id, f.call_id, f.stage, f.kind, message)
        except StoreError as exc:
            log.error("not recorded in the store: %s (%s)", f, exc)
            lost.append((f, exc))
    if lost:
        first, why = lost[0]
        raise StoreError(
            f"{len(lost)} failure(s) of this night could not be recorded, the first: "
            f"{str(first)[:300]} — {why}"
        )


def quota_taken(
    config: StageConfig, calls: list[CallMeta], period: str
) -> dict[tuple[str, str], int]:
    """Calls per (agent, period) scored on earlier nights of the periods tonight falls in.

    What a ``quota:N:week|month`` plan has already used up; tonight's own calls (a
    re-run) do not count.
    """
    from zoneinfo import ZoneInfo

    import pandas as pd

    from qa_pipeline.intake.sampling import period_start
    from qa_pipeline.intake.sampling import quota_taken as count_taken

    starts = [c.started_at for c in calls if c.started_at is not None]
    if not starts:
        return {}
    tz = ZoneInfo(config.timezone)
    since = period_start(min(starts).astimezone(tz), period)
    frame = store(config.database_url, config.redact_pii).scores_frame(since)
    earlier = [
        CallMeta(
            call_id=str(row.call_id),
            agent_id=None if pd.isna(row.agent_id) else str(row.agent_id),
            started_at=pd.Timestamp(row.started_at).to_pydatetime().astimezone(tz),
        )
        for row in frame.itertuples()
        if not pd.isna(row.started_at)
    ]
    return count_taken(earlier, period, exclude=(c.call_id for c in calls))
