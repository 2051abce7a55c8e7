"""The nightly stages as plain functions: what the Prefect tasks wrap, and what the
benchmark calls directly to measure the orchestration overhead.

No Prefect here. Each stage takes paths, ids and small value objects and returns small
value objects, so the same calls run in a thread, a Dask worker process or inline.
Per-call failures become :class:`Failure` records (the night goes on); only setup
failures (a bad rubric, an unreachable store) raise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa_pipeline.errors import ConfigError, QAPipelineError
from qa_pipeline.manifest import Manifest
from qa_pipeline.models import CallMeta, Recording, Transcript

log = logging.getLogger(__name__)

#: Manifest column naming a call's spoken language (routes speech-to-text and rubric).
LANGUAGE_COLUMN = "language"


@dataclass(frozen=True, slots=True)
class Failure:
    """One call (or manifest row) that failed one stage, and why."""

    call_id: str | None
    stage: str
    kind: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = self.call_id or (f"row {self.row}" if self.row else "night")
        if self.call_id and self.row:
            where = f"{self.call_id} (row {self.row})"
        return f"{where}: {self.stage}/{self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class StageConfig:
    """Everything a worker needs to run the stages: paths and names only (picklable).

    Attributes:
        database_url: Results store URL.
        models_dir: Local model cache.
        transcripts_dir: Where per-call transcript JSON files are written.
        asr_cache_dir: Speech-to-text cache keyed by content hash (re-runs skip work).
        rubrics: ``(key, rubric path)`` pairs; key ``default``, a language (``en``) or a
            call type (``投诉``); the call type wins over the language over the default.
        asr_model: Speech-to-text model registry name or directory.
        device: ``auto``, ``cpu`` or ``cuda``.
        compute_type: CTranslate2 compute type or ``auto``.
        language: Default spoken language when a call has no ``language`` column.
        gpu_slots: How many speech-to-text calls may run at once in one process (the
            GPU concurrency limit; across processes use a Prefect tag limit on ``gpu``).
        redact_pii: Mask personal data before it is stored.
        timezone: Time zone of the night and the report periods.
    """

    database_url: str
    models_dir: Path
    transcripts_dir: Path
    asr_cache_dir: Path | None
    rubrics: tuple[tuple[str, str], ...]
    asr_model: str = "base"
    device: str = "auto"
    compute_type: str = "auto"
    language: str = "zh"
    gpu_slots: int = 1
    redact_pii: bool = True
    timezone: str = "Asia/Shanghai"

    def rubric_for(self, recording: Recording) -> str:
        """The rubric path that applies to a call."""
        table = dict(self.rubrics)
        if recording.meta.call_type and recording.meta.call_type in table:
            return table[recording.meta.call_type]
        lang = call_language(recording, self.language)
        if lang in table:
            return table[lang]
        if "default" not in table:
            raise ConfigError(f"no rubric for call {recording.call_id} (language {lang})")
        return table["default"]


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk of calls came to (small: ids and counts only)."""

    transcribed: tuple[str, ...] = ()
    from_cache: tuple[str, ...] = ()
    vendor: tuple[str, ...] = ()
    scored: tuple[tuple[str, float | None], ...] = ()
    failures: tuple[Failure, ...] = ()


def call_language(recording: Recording, default: str) -> str:
    """The call's language from the manifest's ``language`` column, else ``default``."""
    return dict(recording.meta.extra).get(LANGUAGE_COLUMN, "").strip().lower() or default


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
    from qa_pipeline.rubric import load_rubric

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
    """Split calls into (to do, already scored with the same rubric version)."""
    db = store(config.database_url, config.redact_pii)
    todo: list[Recording] = []
    done: list[Recording] = []
    for rec in recordings:
        r = rubric(config.rubric_for(rec))
        (done if db.has_score(rec.call_id, r.id, r.version) else todo).append(rec)
    return todo, done


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
    """Where a call's transcript JSON is written."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in call_id)
    return config.transcripts_dir / f"{safe}.json"


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
    )


def transcribe_chunk(
    recordings: Sequence[Recording], config: StageConfig
) -> tuple[dict[str, Path], ChunkResult]:
    """Turn a chunk of calls into transcript files (vendor JSON is read, audio is
    transcribed in one batch per language).

    Returns:
        ``call_id -> transcript path`` for the calls that have a transcript now, and the
        chunk's counts and failures.
    """
    from qa_pipeline.transcript_io import load_transcript, save_transcript

    paths: dict[str, Path] = {}
    failures: list[Failure] = []
    vendor: list[str] = []
    transcribed: list[str] = []
    cached: list[str] = []
    audio: dict[tuple[str, str], list[Recording]] = {}
    for rec in recordings:
        if not rec.is_transcript:
            try:
                rubric_path = config.rubric_for(rec)
            except ConfigError:
                rubric_path = ""  # scoring records that; transcription goes on
            audio.setdefault((call_language(rec, config.language), rubric_path), []).append(rec)
            continue
        try:
            t = _with_meta(load_transcript(rec.path), rec)
            paths[rec.call_id] = save_transcript(t, transcript_path(config, rec.call_id))
            vendor.append(rec.call_id)
        except QAPipelineError as exc:
            failures.append(Failure(rec.call_id, "transcript", exc.kind, str(exc)))
    for (language, rubric_path), batch in audio.items():
        from qa_pipeline.asr import transcribe_recordings

        with gpu_slot(config.gpu_slots):
            results = transcribe_recordings(
                batch,
                _asr_options(config, language, rubric_path),
                models_dir=config.models_dir,
                cache_dir=config.asr_cache_dir,
            )
        for res in results:
            rec = res.recording
            if res.transcript is None:
                err = res.error
                kind = getattr(err, "kind", "asr")
                failures.append(Failure(rec.call_id, "transcribe", kind, str(err)))
                continue
            t = _with_meta(res.transcript, rec)
            paths[rec.call_id] = save_transcript(t, transcript_path(config, rec.call_id))
            (cached if res.cached else transcribed).append(rec.call_id)
    return paths, ChunkResult(
        transcribed=tuple(transcribed),
        from_cache=tuple(cached),
        vendor=tuple(vendor),
        failures=tuple(failures),
    )


def score_chunk(
    recordings: Sequence[Recording],
    paths: Mapping[str, Path],
    config: StageConfig,
    run_id: Any,
) -> ChunkResult:
    """Score the chunk's transcripts and store recording, transcript and score.

    A call that fails to score is recorded with its reason; a store that cannot be
    written raises (the task retries it).
    """
    from qa_pipeline.scoring import score_call
    from qa_pipeline.transcript_io import load_transcript

    db = store(config.database_url, config.redact_pii)
    scored: list[tuple[str, float | None]] = []
    failures: list[Failure] = []
    for rec in recordings:
        path = paths.get(rec.call_id)
        if path is None:
            continue
        try:
            transcript = load_transcript(path)
            score = score_call(transcript, rubric(config.rubric_for(rec)))
        except QAPipelineError as exc:
            failures.append(Failure(rec.call_id, "score", exc.kind, str(exc)))
            continue
        except Exception as exc:  # a bug in one check must not cost the rest of the chunk
            log.exception("scoring %s failed", rec.call_id)
            failures.append(Failure(rec.call_id, "score", type(exc).__name__, str(exc)))
            continue
        # one transaction: a night killed here leaves the call wholly done or not at all
        db.save_call(rec, transcript, score, run_id)
        scored.append((rec.call_id, score.score))
    return ChunkResult(scored=tuple(scored), failures=tuple(failures))


def record_failures(config: StageConfig, run_id: Any, failures: Iterable[Failure]) -> None:
    """Write failures to the store's per-call error table."""
    db = store(config.database_url, config.redact_pii)
    for f in failures:
        message = f.message if f.row is None else f"row {f.row}: {f.message}"
        db.record_error(run_id, f.call_id, f.stage, f.kind, message)


@dataclass(slots=True)
class NightTally:
    """Counts gathered as chunks finish (the flow keeps only this, not the calls)."""

    transcribed: list[str] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)
    vendor: list[str] = field(default_factory=list)
    scored: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, result: ChunkResult) -> None:
        self.transcribed.extend(result.transcribed)
        self.from_cache.extend(result.from_cache)
        self.vendor.extend(result.vendor)
        self.scored += len(result.scored)
        self.failures.extend(result.failures)


def quota_taken(
    config: StageConfig, calls: list[CallMeta], period: str
) -> dict[tuple[str, str], int]:
    """Calls per (agent, period) scored on earlier nights of the periods tonight falls in.

    What a ``quota:N:week|month`` plan has already used up; tonight's own calls (a
    re-run) do not count.
    """
    from zoneinfo import ZoneInfo

    import pandas as pd

    from qa_pipeline.sampling import period_start
    from qa_pipeline.sampling import quota_taken as count_taken

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
