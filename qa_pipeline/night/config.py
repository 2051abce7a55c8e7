"""What every stage of a night needs: paths, names and rubric routing (picklable).

:func:`stage_config` builds it from :class:`~qa_pipeline.config.Settings`; workers get
this object, never the settings or a loaded model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_pipeline.config import Settings
from qa_pipeline.errors import ConfigError
from qa_pipeline.intake.rubrics import DEFAULT_RUBRIC, resolve_rubric
from qa_pipeline.models import Recording, Transcript
from qa_pipeline.review.mail import mail_settings

#: Manifest column naming a call's spoken language (routes speech-to-text and rubric).
LANGUAGE_COLUMN = "language"


def call_language(recording: Recording, default: str) -> str:
    """The call's language from the manifest's ``language`` column, else ``default``."""
    return dict(recording.meta.extra).get(LANGUAGE_COLUMN, "").strip().lower() or default


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
        redact_pii: Mask personal data before it is stored (database, transcript files,
            speech-to-text cache, logs).
        timezone: Time zone of the night and the report periods.
        recordings_dir: Where each recording is linked under its call id (what the
            store and the reports' "listen" links point at); ``None``: not linked.
        score_time_limit_s: Longest one call's scoring may spend matching rubric
            regexes; past it the call is recorded as a ``score/timeout`` error and the
            chunk goes on (a runaway pattern can never hold the night).
        web_base_url: The workbench's address; report call links open its call page.
        min_sample_rate: Audio declaring a lower sample rate is refused before decoding.
        night_max_audio_mb: Decoded audio held at once by this process (``0``: no limit).
        max_audio_duration_s: Audio longer than this is refused (and audio much longer
            than the manifest's ``duration_s``: ``longer_than_manifest``).
        caller_key_secret: The site's secret for caller keys (``None``: no keys, the
            caller's number is dropped all the same); never shown in a repr.
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
    recordings_dir: Path | None = None
    score_time_limit_s: float = 20.0
    web_base_url: str | None = None
    min_sample_rate: int = 4000
    max_audio_duration_s: float = 4 * 3600.0
    night_max_audio_mb: float = 2048.0
    caller_key_secret: str | None = field(default=None, repr=False)
    review_sample_rate: float = 0.02
    review_due_days: float = 2.0
    mail: Any = field(default=None, repr=False)  # review.mail.MailSettings (has a password)

    def redact_options(self) -> Any:
        """What :mod:`qa_pipeline.pii.redact` masks here (nothing when ``redact_pii`` is off)."""
        from qa_pipeline.pii.redact import RedactOptions

        return RedactOptions(enabled=self.redact_pii)

    def scrub(self, error: object) -> str:
        """An error's message as a task may return it: personal data masked.

        Task results can be pickled, spilled or persisted by the task runner.
        """
        from qa_pipeline.pii.redact import redact_text

        return str(redact_text(str(error), self.redact_options()))

    def redact(self, transcript: Transcript) -> Transcript:
        """The transcript as it may be written to disk: personal data masked."""
        from qa_pipeline.pii.redact import redact_transcript

        return redact_transcript(transcript, self.redact_options())

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
    """The stages' configuration from settings (the edge reads them and passes them in)."""
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
        min_sample_rate=settings.min_sample_rate,
        max_audio_duration_s=settings.max_audio_duration_s,
        night_max_audio_mb=settings.night_max_audio_mb,
        caller_key_secret=settings.caller_secret,
        review_sample_rate=settings.review_sample_rate,
        review_due_days=settings.review_due_days,
        mail=mail_settings(settings),
    )
