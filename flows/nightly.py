"""The ``nightly_qa`` flow: manifest → sample → transcribe → score → store → reports.

Reads top to bottom like a script. Tasks are thin wrappers over :mod:`qa_pipeline.night.stages`;
only transcription and I/O retry. Calls move in chunks (``chunk_size``) with at most
``max_in_flight`` chunks outstanding, so a night of 10,000 calls holds only ids and
counts in memory. A re-run skips calls already scored with the same rubric version
(the store's ``has_score``) and reuses transcripts from the speech-to-text cache (keyed
by content hash), so a night killed half-way is simply started again.

Speech-to-text runs under the ``gpu`` tag and a per-process semaphore
(``StageConfig.gpu_slots``); across processes or machines, limit it on the server with
``prefect concurrency-limit create gpu 1``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from qa_pipeline.config import Settings, load_settings
from qa_pipeline.errors import ConfigError
from qa_pipeline.intake.manifest import Manifest, ManifestOptions, read_manifest
from qa_pipeline.intake.rubrics import DEFAULT_RUBRIC, resolve_rubric
from qa_pipeline.intake.sampling import RiskWeights, Sample, parse_plan, sample_calls
from qa_pipeline.models import Recording
from qa_pipeline.night import stages
from qa_pipeline.night.processes import process_start
from qa_pipeline.night.stages import ChunkResult, Failure, NightTally, StageConfig
from qa_pipeline.night.summary import NightSummary
from qa_pipeline.pii.redact import install_log_redaction

log = logging.getLogger(__name__)


#: ``fn(done, total)`` callbacks told after each chunk (the CLI's progress bar).
ProgressListener = Callable[[int, int], None]
_listeners: list[ProgressListener] = []


def add_progress_listener(fn: ProgressListener) -> Callable[[], None]:
    """Call ``fn(calls_done, calls_total)`` as chunks finish; returns a remover."""
    _listeners.append(fn)
    return lambda: _listeners.remove(fn)


def rubric_table(rubrics: Sequence[str] | str | None) -> tuple[tuple[str, str], ...]:
    """Parse ``["hotline_12345", "en=contact_center_en", "投诉=complaints"]`` entries."""
    entries = [rubrics] if isinstance(rubrics, str) else list(rubrics or [DEFAULT_RUBRIC])
    table: dict[str, str] = {}
    for entry in entries:
        key, _, value = entry.rpartition("=")
        table[key.strip() or "default"] = resolve_rubric(value.strip())
    if "default" not in table:
        table["default"] = resolve_rubric(DEFAULT_RUBRIC)
    return tuple(table.items())


def stage_config(
    settings: Settings, rubrics: Sequence[str] | str | None, gpu_slots: int = 1
) -> StageConfig:
    """The stages' configuration from settings (the flow is an edge: it reads them)."""
    return StageConfig(
        database_url=settings.resolved_database_url,
        models_dir=settings.models_dir,
        transcripts_dir=settings.transcripts_dir,
        asr_cache_dir=settings.data_dir / "asr_cache",
        rubrics=rubric_table(rubrics),
        asr_model=settings.asr_model,
        device=settings.device,
        compute_type=settings.compute_type,
        language=settings.language,
        gpu_slots=gpu_slots,
        redact_pii=settings.redact_pii,
        timezone=settings.timezone,
        recordings_dir=settings.data_dir / "recordings",
        web_base_url=settings.web_base_url,
    )


# -- tasks: one per stage, thin ------------------------------------------------------


@task(name="check-rubrics", cache_policy=NO_CACHE)
def check_rubrics_task(config: StageConfig) -> list[tuple[str, str, str]]:
    return stages.check_rubrics(config)


@task(name="start-run", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def start_run_task(config: StageConfig, params: dict[str, Any]) -> int:
    stages.mark_crashed_runs(config, "nightly")
    # host and pid let the next start tell a run that died from one still running
    pid = os.getpid()
    params = {**params, "host": socket.gethostname(), "pid": pid, "pid_start": process_start(pid)}
    return stages.store(config.database_url, config.redact_pii).start_run("nightly", params)


@task(name="note-intake", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def note_intake_task(config: StageConfig, run_id: int, night: str, manifest: Manifest) -> None:
    """What the night received, on the run record before any report reads it."""
    intake = {"night": night, "found": manifest.rows, "valid": len(manifest.recordings)}
    stages.store(config.database_url, config.redact_pii).note_run(run_id, intake)


@task(name="validate-manifest", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def validate_task(inbox: str, timezone: str) -> Manifest:
    return read_manifest(inbox, ManifestOptions(timezone=timezone))


@task(name="sample", cache_policy=NO_CACHE)
def sample_task(
    manifest: Manifest, plan: str, seed: int, policy_topics: list[str], config: StageConfig
) -> Sample:
    weights = RiskWeights(policy_topics=tuple(policy_topics))
    parsed = parse_plan(plan, seed=seed, risk=weights)
    calls = [r.meta for r in manifest.recordings]
    taken = None
    if parsed.kind == "quota" and parsed.period != "day":
        taken = stages.quota_taken(config, calls, parsed.period)
    return sample_calls(calls, parsed, taken=taken)


@task(name="screen-reused-ids", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def screen_reused_task(
    recordings: list[Recording], config: StageConfig
) -> tuple[list[Recording], list[Failure]]:
    return stages.screen_reused(recordings, config)


@task(name="skip-finished", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def split_done_task(
    recordings: list[Recording], config: StageConfig
) -> tuple[list[Recording], list[Recording]]:
    return stages.split_done(recordings, config)


@task(name="transcribe", retries=2, retry_delay_seconds=5, tags=["gpu"], cache_policy=NO_CACHE)
def transcribe_task(
    chunk: tuple[Recording, ...], config: StageConfig
) -> tuple[dict[str, Path], ChunkResult]:
    return stages.transcribe_chunk(chunk, config)


@task(name="score-and-store", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def score_task(
    chunk: tuple[Recording, ...], paths: dict[str, Path], config: StageConfig, run_id: int
) -> ChunkResult:
    return stages.score_chunk(chunk, paths, config, run_id)


@task(name="record-failures", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def record_failures_task(config: StageConfig, run_id: Any, failures: list[Failure]) -> None:
    stages.record_failures(config, run_id, failures)


@task(name="night-reports", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def reports_task(
    config: StageConfig, night: str, reports_dir: str, formats: list[str]
) -> tuple[list[str], list[str]]:
    from qa_pipeline.night.reporting import night_reports

    paths, problems = night_reports(config, night, Path(reports_dir), formats)
    return [str(p) for p in paths], problems


@task(name="finish-run", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def finish_run_task(config: StageConfig, run_id: Any, status: str, summary: dict[str, Any]) -> None:
    stages.store(config.database_url, config.redact_pii).finish_run(run_id, status, summary)


def night_status(scored: int, already_done: int, failures: Sequence[Failure], found: int) -> str:
    """``failed`` when the night scored nothing (none already done either) and either
    something failed or nothing was delivered: an empty or wholly broken delivery must
    not pass as a quiet success. A plan that picked no call (a quota already met) is
    ``completed``. Otherwise ``completed`` or ``completed_with_failures``."""
    if scored == 0 and already_done == 0 and (failures or found == 0):
        return "failed"
    return "completed_with_failures" if failures else "completed"


def _chunk_failed(chunk: Sequence[Recording], stage: str, exc: BaseException) -> ChunkResult:
    kind = str(getattr(exc, "kind", type(exc).__name__))
    return ChunkResult(failures=tuple(Failure(r.call_id, stage, kind, str(exc)) for r in chunk))


class _Pipeline:
    """Chunks in flight: transcriptions, then scoring, at most ``window`` of each.

    A chunk's scoring is submitted with the transcription's result (paths), not its
    future: futures passed as task arguments do not serialize on every runner (Dask).
    """

    def __init__(self, config: StageConfig, run_id: int, window: int, total: int) -> None:
        self.config, self.run_id, self.window, self.total = config, run_id, max(1, window), total
        self.transcribing: deque[tuple[tuple[Recording, ...], Any]] = deque()
        self.scoring: deque[tuple[tuple[Recording, ...], list[str], Any]] = deque()
        self.tally = NightTally()
        self.finished = 0

    def submit(self, chunk: tuple[Recording, ...]) -> None:
        self.transcribing.append((chunk, transcribe_task.submit(chunk, self.config)))
        while len(self.transcribing) >= self.window:
            self._to_scoring()
        while len(self.scoring) >= self.window:
            self._collect()

    def drain(self) -> NightTally:
        while self.transcribing:
            self._to_scoring()
        while self.scoring:
            self._collect()
        return self.tally

    def _to_scoring(self) -> None:
        chunk, future = self.transcribing.popleft()
        try:
            paths, result = future.result()
        except Exception as exc:  # the whole chunk failed after its retries
            self.tally.add(_chunk_failed(chunk, "transcribe", exc))
            self._done(len(chunk))
            return
        self.tally.add(result)
        s_future = score_task.submit(chunk, paths, self.config, self.run_id)
        self.scoring.append((chunk, list(paths), s_future))

    def _collect(self) -> None:
        chunk, ids, future = self.scoring.popleft()
        try:
            self.tally.add(future.result())
        except Exception as exc:  # storing failed after its retries: the transcribed calls
            done = set(ids)
            self.tally.add(_chunk_failed([r for r in chunk if r.call_id in done], "store", exc))
        self._done(len(chunk))

    def _done(self, n: int) -> None:
        self.finished += n
        for fn in list(_listeners):
            fn(self.finished, self.total)


def _night(
    config: StageConfig,
    settings: Settings,
    run_id: int,
    inbox: str,
    night: str,
    plan: str,
    seed: int,
    policy_topics: list[str] | None,
    chunk_size: int,
    max_in_flight: int,
    write_reports: bool,
    report_formats: list[str] | None,
) -> NightSummary:
    """The night after its run is started (the flow marks the run failed if this raises)."""
    logger = get_run_logger()
    manifest = stages.pseudonymize(validate_task(str(inbox), settings.timezone), config)
    note_intake_task(config, run_id, night, manifest)
    sample = sample_task(manifest, plan, seed, list(policy_topics or []), config)
    picked_ids = set(sample.selected)
    picked = [r for r in manifest.recordings if r.call_id in picked_ids]
    fresh, reused = screen_reused_task(picked, config)
    todo, done = split_done_task(fresh, config)
    logger.info("%s; %d already scored, %d to do", sample.description, len(done), len(todo))

    pipeline = _Pipeline(config, run_id, max_in_flight, len(todo))
    for chunk in stages.chunked(todo, chunk_size):
        pipeline.submit(chunk)
    tally = pipeline.drain()
    tally.failures[:0] = [*stages.manifest_failures(manifest), *reused]

    reports: list[str] = []
    if write_reports:
        try:
            reports, problems = reports_task(
                config, night, str(settings.reports_dir), list(report_formats or ["html", "md"])
            )
            tally.failures += [Failure(None, "report", "report", p) for p in problems]
        except Exception as exc:  # the scores are stored; a report can be made again later
            kind = str(getattr(exc, "kind", type(exc).__name__))
            tally.failures.append(Failure(None, "report", kind, f"night reports: {exc}"))
    record_failures_task(config, run_id, tally.failures)
    summary = NightSummary(
        night=night,
        inbox=str(inbox),
        run_id=run_id,
        plan=sample.description,
        found=manifest.rows,
        valid=len(manifest.recordings),
        sampled=len(picked),
        already_done=len(done),
        transcribed=tuple(tally.transcribed),
        from_cache=tuple(tally.from_cache),
        vendor=tuple(tally.vendor),
        scored=tally.scored,
        failures=tuple(tally.failures),
        reports=tuple(reports),
        status=night_status(tally.scored, len(done), tally.failures, manifest.rows),
    ).redacted(config.redact_options())  # what is stored, published, logged and returned
    finish_run_task(config, run_id, summary.status, summary.as_dict())
    return summary


@flow(name="nightly-qa", log_prints=False, validate_parameters=False)
def nightly_qa(
    inbox: str,
    night: str,
    rubrics: list[str] | str | None = None,
    plan: str = "all",
    seed: int = 0,
    policy_topics: list[str] | None = None,
    chunk_size: int = 16,
    max_in_flight: int = 4,
    gpu_slots: int = 1,
    write_reports: bool = True,
    report_formats: list[str] | None = None,
) -> NightSummary:
    """Inspect one night's calls.

    Args:
        inbox: Folder with ``manifest.csv`` and the recordings / vendor transcripts.
        night: The night, ``YYYY-MM-DD`` (names the run and the night's reports).
        rubrics: Rubric names or paths; ``key=rubric`` entries pick a rubric by call
            type or language (e.g. ``en=contact_center_en``). Default ``hotline_12345``.
        plan: Sampling plan string (``all``, ``fraction:0.05``, ``quota:5``,
            ``stratified:0.1``, ``risk:0.1``).
        seed: Seed of the sampling draw.
        policy_topics: Topics under a recent policy change (oversampled by ``risk``).
        chunk_size: Calls per transcription batch / task.
        max_in_flight: Chunks submitted but not yet collected.
        gpu_slots: Concurrent speech-to-text batches per process.
        write_reports: Write the night's agent, team and bulletin reports.
        report_formats: Report formats (default ``html`` and ``md``).

    Returns:
        The night's summary (also logged and published as a markdown artifact).
    """
    logger = get_run_logger()
    try:
        date.fromisoformat(night)
    except ValueError:
        raise ConfigError(f"night {night!r} is not a date (YYYY-MM-DD)") from None
    settings = load_settings()
    config = stage_config(settings, rubrics, gpu_slots)
    install_log_redaction(config.redact_options())  # Prefect's stored logs included
    check_rubrics_task(config)
    params = {"inbox": str(inbox), "night": night, "plan": plan, "seed": seed}
    run_id = start_run_task(config, params)

    try:
        summary = _night(
            config,
            settings,
            run_id,
            inbox,
            night,
            plan,
            seed,
            policy_topics,
            chunk_size,
            max_in_flight,
            write_reports,
            report_formats,
        )
    except BaseException as exc:  # the run row must not stay "running" for ever
        status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            db = stages.store(config.database_url, config.redact_pii)
            db.finish_run(run_id, status, {"error": f"{type(exc).__name__}: {exc}"})
        except Exception:
            log.warning("could not mark run %s %s", run_id, status, exc_info=True)
        raise
    create_markdown_artifact(
        markdown=summary.to_markdown(),
        key="nightly-qa-summary",
        description=f"Nightly QA {night}",
    )
    logger.info(
        "night %s: %d found, %d sampled, %d skipped, %d transcribed, %d scored, %d failed",
        night,
        summary.found,
        summary.sampled,
        summary.already_done,
        len(summary.transcribed),
        summary.scored,
        len(summary.failures),
    )
    for f in summary.failures:
        logger.info("failed: %s", f)
    return summary
