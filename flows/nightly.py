"""The ``nightly_qa`` flow: manifest → sample → transcribe → score → store → reports.

Reads top to bottom like a script. Tasks are thin wrappers over :mod:`qa_pipeline.night`;
only transcription and I/O retry. Calls move in chunks (``chunk_size``) with at most
``max_in_flight`` chunks outstanding (:func:`qa_pipeline.night.pipeline.run_chunks`), so
a night of 10,000 calls holds only ids and counts in memory. A re-run skips calls already
scored with the same rubric version (the store's ``has_score``) and reuses transcripts
from the speech-to-text cache (keyed by content hash), so a night killed half-way is
simply started again.

Speech-to-text runs under the ``gpu`` tag and a per-process semaphore
(``StageConfig.gpu_slots``); across processes or machines, limit it on the server with
``prefect concurrency-limit create gpu 1``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal

from qa_pipeline.config import Settings, load_settings
from qa_pipeline.errors import ConfigError
from qa_pipeline.intake.manifest import Manifest, ManifestOptions, read_manifest
from qa_pipeline.intake.sampling import RiskWeights, Sample, parse_plan, sample_calls
from qa_pipeline.models import Recording
from qa_pipeline.night import stages
from qa_pipeline.night.config import StageConfig, stage_config
from qa_pipeline.night.pipeline import Progress, run_chunks
from qa_pipeline.night.processes import process_start
from qa_pipeline.night.results import ChunkResult, Failure, NightTally, night_status
from qa_pipeline.night.summary import NightSummary
from qa_pipeline.pii.redact import install_log_redaction

log = logging.getLogger(__name__)


# -- tasks: one per stage, thin ------------------------------------------------------


@task(name="check-rubrics", cache_policy=NO_CACHE)
def check_rubrics_task(config: StageConfig) -> list[tuple[str, str, str]]:
    """Check every configured rubric loads; returns the problems found."""
    return stages.check_rubrics(config)


@task(name="start-run", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def start_run_task(config: StageConfig, params: dict[str, Any]) -> int:
    """Mark crashed runs failed, then open this night's run; returns its id."""
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
    """Read and validate the inbox's manifest."""
    return read_manifest(inbox, ManifestOptions(timezone=timezone))


@task(name="sample", cache_policy=NO_CACHE)
def sample_task(
    manifest: Manifest, plan: str, seed: int, policy_topics: list[str], config: StageConfig
) -> Sample:
    """Draw the night's sample of the manifest's calls with the plan."""
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
    """Hold back calls whose id was already stored for different audio."""
    return stages.screen_reused(recordings, config)


@task(name="skip-finished", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def split_done_task(
    recordings: list[Recording], config: StageConfig
) -> tuple[list[Recording], list[Recording]]:
    """Split the calls into those still to do and those already scored."""
    return stages.split_done(recordings, config)


@task(name="transcribe", retries=2, retry_delay_seconds=5, tags=["gpu"], cache_policy=NO_CACHE)
def transcribe_task(
    chunk: tuple[Recording, ...], config: StageConfig
) -> tuple[dict[str, Path], ChunkResult]:
    """Transcribe one chunk of calls (see :func:`stages.transcribe_chunk`)."""
    return stages.transcribe_chunk(chunk, config)


@task(name="score-and-store", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def score_task(
    chunk: tuple[Recording, ...], paths: dict[str, Path], config: StageConfig, run_id: int
) -> ChunkResult:
    """Score one chunk's transcripts and store them (see :func:`stages.score_chunk`)."""
    return stages.score_chunk(chunk, paths, config, run_id)


@task(name="record-failures", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def record_failures_task(config: StageConfig, run_id: Any, failures: list[Failure]) -> None:
    """Store the night's per-call failures on the run."""
    stages.record_failures(config, run_id, failures)


@task(name="night-reports", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def reports_task(
    config: StageConfig, night: str, reports_dir: str, formats: list[str]
) -> tuple[list[str], list[str]]:
    """Write the night's reports; returns the paths written and the problems."""
    from qa_pipeline.night.reporting import night_reports

    paths, problems = night_reports(config, night, Path(reports_dir), formats)
    return [str(p) for p in paths], problems


@task(name="finish-run", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def finish_run_task(config: StageConfig, run_id: Any, status: str, summary: dict[str, Any]) -> None:
    """Close the run with its status and summary."""
    stages.store(config.database_url, config.redact_pii).finish_run(run_id, status, summary)


@dataclass(frozen=True, slots=True)
class _Request:
    """The flow's parameters that shape the night's work."""

    inbox: str
    night: str
    plan: str
    seed: int
    policy_topics: tuple[str, ...]
    chunk_size: int
    max_in_flight: int
    write_reports: bool
    report_formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Intake:
    """What the night delivered and which calls are left to do."""

    manifest: Manifest
    sample: Sample
    picked: int
    todo: list[Recording]
    done: list[Recording]
    reused: list[Failure]


def _intake(config: StageConfig, settings: Settings, run_id: int, req: _Request) -> _Intake:
    """Validate, pseudonymise and sample the manifest; drop calls done or reused."""
    manifest = stages.pseudonymize(validate_task(req.inbox, settings.timezone), config)
    note_intake_task(config, run_id, req.night, manifest)
    sample = sample_task(manifest, req.plan, req.seed, list(req.policy_topics), config)
    chosen = set(sample.selected)
    picked = [r for r in manifest.recordings if r.call_id in chosen]
    fresh, reused = screen_reused_task(picked, config)
    todo, done = split_done_task(fresh, config)
    return _Intake(manifest, sample, len(picked), todo, done, reused)


def _reports(
    config: StageConfig, settings: Settings, req: _Request
) -> tuple[list[str], list[Failure]]:
    """The night's reports; a failure is recorded.

    The scores are stored either way: the reports can be made again later.
    """
    if not req.write_reports:
        return [], []
    formats = list(req.report_formats or ("html", "md"))
    try:
        paths, problems = reports_task(config, req.night, str(settings.reports_dir), formats)
    except Exception as exc:
        kind = str(getattr(exc, "kind", type(exc).__name__))
        return [], [Failure(None, "report", kind, f"night reports: {exc}")]
    return paths, [Failure(None, "report", "report", p) for p in problems]


def _summary(
    run_id: int, req: _Request, intake: _Intake, tally: NightTally, reports: list[str]
) -> NightSummary:
    return NightSummary(
        night=req.night,
        inbox=req.inbox,
        run_id=run_id,
        plan=intake.sample.description,
        found=intake.manifest.rows,
        valid=len(intake.manifest.recordings),
        sampled=intake.picked,
        already_done=len(intake.done),
        transcribed=tuple(tally.transcribed),
        from_cache=tuple(tally.from_cache),
        vendor=tuple(tally.vendor),
        scored=tally.scored,
        failures=tuple(tally.failures),
        reports=tuple(reports),
        status=night_status(tally.scored, len(intake.done), tally.failures, intake.manifest.rows),
    )


def _night(
    config: StageConfig,
    settings: Settings,
    run_id: int,
    req: _Request,
    progress: Progress | None,
) -> NightSummary:
    """The night after its run is started (the flow marks the run failed if this raises)."""
    intake = _intake(config, settings, run_id, req)
    get_run_logger().info(
        "%s; %d already scored, %d to do",
        intake.sample.description,
        len(intake.done),
        len(intake.todo),
    )
    tally = run_chunks(
        stages.chunked(intake.todo, req.chunk_size),
        lambda chunk: transcribe_task.submit(chunk, config),
        lambda chunk, paths: score_task.submit(chunk, paths, config, run_id),
        window=req.max_in_flight,
        total=len(intake.todo),
        progress=progress,
    )
    tally.failures[:0] = [*stages.manifest_failures(intake.manifest), *intake.reused]
    reports, problems = _reports(config, settings, req)
    tally.failures += problems
    record_failures_task(config, run_id, tally.failures)
    # what is stored, published, logged and returned
    summary = _summary(run_id, req, intake, tally, reports).redacted(config.redact_options())
    finish_run_task(config, run_id, summary.status, summary.as_dict())
    return summary


class NightTerminated(TerminationSignal):
    """The night's process was asked to stop (SIGTERM): the run is cancelled, not failed."""

    def __init__(self) -> None:
        super().__init__(signal.SIGTERM)

    def __str__(self) -> str:
        return "stopped by SIGTERM"


def _stop(signum: int, frame: object) -> None:
    raise NightTerminated()


@contextlib.contextmanager
def _sigterm_cancels() -> Iterator[None]:
    """While the night runs, SIGTERM raises :class:`NightTerminated` in the flow's thread.

    Prefect's flow engine installs its own SIGTERM bridge (raising ``TerminationSignal``,
    which :func:`_mark_ended` also reads as a cancel); where none is installed (a flow
    called as a plain function, the default handler), this one is, and put back after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield  # Prefect's bridge, or the host's own handler: leave it
        return
    signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _cancelled(exc: BaseException) -> bool:
    """Whether ``exc`` is a stop someone asked for (Ctrl-C, SIGTERM), not a failure."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    return isinstance(exc, TerminationSignal) and exc.signal in (signal.SIGTERM, signal.SIGINT)


def _mark_ended(config: StageConfig, run_id: int, exc: BaseException) -> None:
    """The run row must not stay ``running`` for ever (SIGTERM and Ctrl-C: ``cancelled``)."""
    status = "cancelled" if _cancelled(exc) else "failed"
    if isinstance(exc, TerminationSignal):  # its own text is empty
        exc = NightTerminated() if exc.signal == signal.SIGTERM else exc
    try:
        db = stages.store(config.database_url, config.redact_pii)
        db.finish_run(run_id, status, {"error": f"{type(exc).__name__}: {exc}"})
    except Exception:
        log.warning("could not mark run %s %s", run_id, status, exc_info=True)


def _ended(
    config: StageConfig,
    settings: Settings,
    run_id: int,
    req: _Request,
    progress: Progress | None,
) -> NightSummary:
    """The night; its run marked cancelled (SIGTERM, Ctrl-C) or failed if it stops."""
    try:
        with _sigterm_cancels():
            return _night(config, settings, run_id, req, progress)
    except BaseException as exc:
        _mark_ended(config, run_id, exc)
        raise


def _publish(summary: NightSummary) -> None:
    """The summary as a markdown artifact and log lines."""
    create_markdown_artifact(
        markdown=summary.to_markdown(),
        key="nightly-qa-summary",
        description=f"Nightly QA {summary.night}",
    )
    logger = get_run_logger()
    logger.info(
        "night %s: %d found, %d sampled, %d skipped, %d transcribed, %d scored, %d failed",
        summary.night,
        summary.found,
        summary.sampled,
        summary.already_done,
        len(summary.transcribed),
        summary.scored,
        len(summary.failures),
    )
    for f in summary.failures:
        logger.info("failed: %s", f)


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
    progress: Progress | None = None,
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
        progress: Told ``(calls done, calls total)`` as chunks finish (a progress bar).

    Returns:
        The night's summary (also logged and published as a markdown artifact).
    """
    try:
        date.fromisoformat(night)
    except ValueError:
        raise ConfigError(f"night {night!r} is not a date (YYYY-MM-DD)") from None
    req = _Request(
        str(inbox),
        night,
        plan,
        seed,
        tuple(policy_topics or ()),
        chunk_size,
        max_in_flight,
        write_reports,
        tuple(report_formats or ()),
    )
    settings = load_settings()
    config = stage_config(settings, rubrics, gpu_slots)
    install_log_redaction(config.redact_options())  # Prefect's stored logs included
    check_rubrics_task(config)
    run_id = start_run_task(
        config, {"inbox": req.inbox, "night": night, "plan": plan, "seed": seed}
    )
    summary = _ended(config, settings, run_id, req, progress)
    _publish(summary)
    return summary
