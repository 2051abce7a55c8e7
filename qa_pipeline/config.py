"""Settings: the only reader of the environment (``QA_`` prefix).

Library functions take paths and options as arguments; the edges (``cli``, ``flows``)
build a :class:`Settings` and pass its values down. Defaults live under the working
directory so several centres or test runs can sit side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa_pipeline.errors import ConfigError

Device = Literal["auto", "cpu", "cuda"]
ComputeType = Literal["auto", "int8", "int8_float16", "float16", "float32", "bfloat16"]


class Settings(BaseSettings):
    """Runtime settings, read from ``QA_*`` environment variables (and ``.env``).

    Attributes:
        data_dir: Working data (transcript cache, SQLite database, demo inbox).
        database_url: SQLAlchemy URL; default a SQLite file under ``data_dir``.
        models_dir: Local model cache (weights are never committed).
        reports_dir: Where reports are written.
        device: ``auto`` (GPU if CTranslate2 sees one), ``cpu`` or ``cuda``.
        compute_type: ``auto`` (float16 on GPU, int8 on CPU) or a CTranslate2 type.
        asr_model: Registry name (``base``, ``tiny.en``, ``large-v3``) or a model directory.
        language: Spoken language of the calls (``zh``, ``en``, ...).
        timezone: Time zone of schedules and report periods.
        redact_pii: Mask personal data before anything is stored or reported.
        scoring: Scoring thresholds (``ScoringOptions`` fields) as JSON, e.g.
            ``QA_SCORING='{"low_confidence": 0.5}'``; they win over a rubric's ``scoring:``.
        web_base_url: The workbench's address (``https://qa.example/``); when set, report
            links open the workbench's call page instead of the recording.
        review_sample_rate: Share of machine passes and fails drawn into the review queue.
        appeal_window_days: Days an agent has to appeal an evaluation.
        review_due_days: Days an inspector has for a queue item assigned to them.
        smtp_host: SMTP server of the e-mail hook (inspectors' notices); unset, no mail.
        smtp_port: Its port (25; 587 with ``smtp_starttls``; 465 with ``smtp_tls``).
        smtp_from: The mail's ``From`` address.
        smtp_user: Login name at the server, if it wants one.
        smtp_password: Its password.
        smtp_starttls: Upgrade the connection with STARTTLS before logging in.
        smtp_tls: Connect with TLS from the start (SMTPS).
        smtp_timeout_s: Give up on the server after this many seconds (mail is then only
            logged as not sent; nothing waits on it).
        ledger_window_days: The trust ledger counts people's decisions of this many days.
        ledger_floor: Default floor of an item: the Wilson lower bound of its agreement
            with people it must reach before the machine may decide it alone.
        ledger_min_checks: Below this many checks the ledger warns that its figures say
            little.
        min_sample_rate: Lowest sample rate (Hz) a recording's header may declare; lower
            is refused before decoding (a WAV declaring 1 Hz decodes to hours of audio).
        max_audio_duration_s: Longest recording decoded, in seconds (default 4 hours);
            audio much longer than the manifest's ``duration_s`` (over twice it plus
            60 s) is refused as ``longer_than_manifest``.
        night_max_audio_mb: Decoded audio a night's process holds at once, in MB
            (default 2048; 0: no limit), whatever the headers claim: each recording
            reserves its decoded size before decoding, one that alone needs more is
            refused with a one-line reason, the others wait.
        caller_key_secret: The site's secret for caller keys (HMAC-SHA256 of the caller's
            number, for repeat calls); unset, no key is made and the number is dropped.
            Keep it like a password: with it a given number can be matched to its key.
        repeat_window_days: A later call by the same caller on the same topic within this
            many days is a repeat call (重复来电).
        taxonomy: Topic taxonomy YAML for the hotline report (default the shipped 12345
            taxonomy).
    """

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "data")
    database_url: str | None = None
    models_dir: Path = Field(default_factory=lambda: Path.cwd() / "models")
    reports_dir: Path = Field(default_factory=lambda: Path.cwd() / "reports")
    device: Device = "auto"
    compute_type: ComputeType = "auto"
    asr_model: str = "base"
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    redact_pii: bool = True
    scoring: dict[str, Any] = Field(default_factory=dict)
    web_base_url: str | None = None
    review_sample_rate: float = Field(default=0.02, ge=0.0, le=1.0)
    appeal_window_days: float = Field(default=7.0, ge=0.0)
    review_due_days: float = Field(default=2.0, gt=0.0)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "qa-workbench@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0.0)
    ledger_window_days: float = Field(default=90.0, gt=0.0)
    ledger_floor: float = Field(default=0.95, ge=0.0, le=1.0)
    ledger_min_checks: int = Field(default=30, ge=1)
    min_sample_rate: int = Field(default=4000, ge=1)
    max_audio_duration_s: float = Field(default=4 * 3600.0, gt=0.0)
    night_max_audio_mb: float = Field(default=2048.0, ge=0.0)
    caller_key_secret: SecretStr | None = None
    repeat_window_days: float = Field(default=7.0, gt=0.0)
    taxonomy: Path | None = None

    @field_validator("language")
    @classmethod
    def _lang(cls, v: str) -> str:
        v = v.strip().lower()
        if not v or len(v) > 8:
            raise ValueError("must be a language code such as 'zh' or 'en'")
        return v

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/qa.sqlite3``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qa.sqlite3').resolve()}"

    @property
    def caller_secret(self) -> str | None:
        """The caller-key secret as text, ``None`` when unset or blank."""
        value = self.caller_key_secret.get_secret_value() if self.caller_key_secret else ""
        return value or None

    @property
    def transcripts_dir(self) -> Path:
        """Folder of the night's transcript files (under ``data_dir``)."""
        return self.data_dir / "transcripts"


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings`, turning validation errors into a clear :class:`ConfigError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"QA_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
