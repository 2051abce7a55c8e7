"""Typed value objects shared by every stage.

Frozen, slotted dataclasses with tuples inside; seconds are ``float``. Conversion to and
from the JSON of ``spec/transcript-format.md`` lives here too (``to_dict``/``from_dict``)
so every stage reads and writes the same shape. Only the standard library is imported.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

AGENT = "agent"
CALLER = "caller"
UNKNOWN = "unknown"
SPEAKERS = (AGENT, CALLER, UNKNOWN)


class Status(enum.StrEnum):
    """Verdict of one rubric item on one call (see the QA standard)."""

    PASS = "pass"
    FAIL = "fail"
    NA = "na"
    REVIEW = "review"


def _parse_dt(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _opt_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class CallMeta:
    """Metadata the recording system delivers with a call (a manifest row).

    Attributes:
        call_id: Unique id of the call in the recording system.
        agent_id: Agent (话务员) id, e.g. ``A1023``.
        team: Team name, e.g. ``一组``.
        started_at: Call start, timezone-aware where the source says so.
        call_type: 咨询 / 投诉 / 求助 / 举报 / 建议 / 无效, or the site's own types.
        duration_s: Length of the call in seconds as the recorder reports it.
        satisfaction: Caller satisfaction rating, if surveyed (site scale, e.g. 1–5).
        topic: Topic tag, if the recorder or a CRM supplies one.
        agent_tenure_months: Months since the agent started, for risk-weighted sampling.
        extra: Any other manifest columns, as ``(name, value)`` pairs.
        caller_key: HMAC of the caller's number with the site's secret (repeat calls);
            set by the night from the manifest's number column, which it then drops.
    """

    call_id: str
    agent_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    call_type: str | None = None
    duration_s: float | None = None
    satisfaction: float | None = None
    topic: str | None = None
    agent_tenure_months: float | None = None
    extra: tuple[tuple[str, str], ...] = ()
    caller_key: str | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """One call to process: an audio file or a vendor transcript, with its metadata."""

    path: Path
    meta: CallMeta
    content_hash: str | None = None
    is_transcript: bool = False

    @property
    def call_id(self) -> str:
        """The call id from the metadata."""
        return self.meta.call_id


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech by one speaker.

    ``start``/``end`` are seconds from the start of the call, ``None`` when the source
    gave no timestamps. ``confidence`` is 0..1 where speech-to-text gave probabilities.
    ``flags`` carries clean-up notes (e.g. ``"hallucination_suspect"``).
    """

    speaker: str
    start: float | None
    end: float | None
    text: str
    confidence: float | None = None
    flags: tuple[str, ...] = ()

    @property
    def duration(self) -> float | None:
        """Length in seconds; ``None`` without both timestamps."""
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)

    def to_dict(self) -> dict[str, Any]:
        """The segment as transcript JSON."""
        out: dict[str, Any] = {
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        if self.flags:
            out["flags"] = list(self.flags)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Segment:
        """A segment from transcript JSON (missing speaker: ``unknown``)."""
        return cls(
            speaker=str(data.get("speaker") or UNKNOWN),
            start=_opt_float(data.get("start")),
            end=_opt_float(data.get("end")),
            text=str(data.get("text") or ""),
            confidence=_opt_float(data.get("confidence")),
            flags=tuple(str(f) for f in data.get("flags") or ()),
        )


@dataclass(frozen=True, slots=True)
class Overlap:
    """Both parties talking at once: ``by`` started while ``over`` was still talking."""

    start: float
    end: float
    by: str
    over: str

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class TurnProsody:
    """Loudness and pitch of one turn (feeds emotion handling)."""

    speaker: str
    start: float
    end: float
    rms_db: float
    pitch_hz_mean: float | None = None
    pitch_hz_std: float | None = None


@dataclass(frozen=True, slots=True)
class AudioMetrics:
    """Acoustic measurements of a call, computed from the agent and caller channels.

    Attributes:
        duration_s: Length of the audio.
        sample_rate: Sample rate of the source file (before resampling).
        channels: Channel count of the source file.
        talk_time_s: ``(speaker, seconds)`` pairs.
        silent_gaps: ``(start, end)`` of stretches with nobody talking, longer than 2 s.
        overlaps: Stretches of simultaneous speech and who talked over whom.
        agent_speech_rate_cpm: Agent characters per minute of agent talk time.
        turns: Per-turn loudness and pitch.
        clipping_ratio: Fraction of samples at full scale.
        quality_flags: e.g. ``"clipping"``, ``"low_level"``, ``"mono_fallback"``.
    """

    duration_s: float
    sample_rate: int | None = None
    channels: int | None = None
    talk_time_s: tuple[tuple[str, float], ...] = ()
    silent_gaps: tuple[tuple[float, float], ...] = ()
    overlaps: tuple[Overlap, ...] = ()
    agent_speech_rate_cpm: float | None = None
    turns: tuple[TurnProsody, ...] = ()
    clipping_ratio: float = 0.0
    quality_flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The metrics as transcript JSON (``audio_metrics``)."""
        return {
            "duration_s": self.duration_s,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "talk_time_s": dict(self.talk_time_s),
            "silent_gaps": [list(g) for g in self.silent_gaps],
            "overlaps": [
                {"start": o.start, "end": o.end, "by": o.by, "over": o.over} for o in self.overlaps
            ],
            "agent_speech_rate_cpm": self.agent_speech_rate_cpm,
            "turns": [
                {
                    "speaker": t.speaker,
                    "start": t.start,
                    "end": t.end,
                    "rms_db": t.rms_db,
                    "pitch_hz_mean": t.pitch_hz_mean,
                    "pitch_hz_std": t.pitch_hz_std,
                }
                for t in self.turns
            ],
            "clipping_ratio": self.clipping_ratio,
            "quality_flags": list(self.quality_flags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AudioMetrics:
        """Metrics from transcript JSON (``audio_metrics``)."""
        return cls(
            duration_s=float(data.get("duration_s") or 0.0),
            sample_rate=data.get("sample_rate"),
            channels=data.get("channels"),
            talk_time_s=tuple(
                (str(k), float(v)) for k, v in (data.get("talk_time_s") or {}).items()
            ),
            silent_gaps=tuple((float(a), float(b)) for a, b in data.get("silent_gaps") or ()),
            overlaps=tuple(
                Overlap(float(o["start"]), float(o["end"]), str(o["by"]), str(o["over"]))
                for o in data.get("overlaps") or ()
            ),
            agent_speech_rate_cpm=_opt_float(data.get("agent_speech_rate_cpm")),
            turns=tuple(
                TurnProsody(
                    speaker=str(t["speaker"]),
                    start=float(t["start"]),
                    end=float(t["end"]),
                    rms_db=float(t["rms_db"]),
                    pitch_hz_mean=_opt_float(t.get("pitch_hz_mean")),
                    pitch_hz_std=_opt_float(t.get("pitch_hz_std")),
                )
                for t in data.get("turns") or ()
            ),
            clipping_ratio=float(data.get("clipping_ratio") or 0.0),
            quality_flags=tuple(data.get("quality_flags") or ()),
        )


@dataclass(frozen=True, slots=True)
class Transcript:
    """A call as text: segments in start order plus the call's metadata.

    ``asr_model`` names the speech-to-text model (``None`` for vendor transcripts) and
    ``asr_options`` the options it ran with, as sorted ``(name, value)`` pairs.
    """

    call_id: str
    segments: tuple[Segment, ...]
    language: str = "zh"
    duration_s: float | None = None
    agent_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    call_type: str | None = None
    asr_model: str | None = None
    asr_options: tuple[tuple[str, str], ...] = ()
    metrics: AudioMetrics | None = None
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The transcript as JSON (the format :func:`Transcript.from_dict` reads)."""
        out: dict[str, Any] = {
            "call_id": self.call_id,
            "agent_id": self.agent_id,
            "team": self.team,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "call_type": self.call_type,
            "language": self.language,
            "duration_s": self.duration_s,
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.asr_model is not None:
            out["asr"] = {"model": self.asr_model, "options": dict(self.asr_options)}
        if self.metrics is not None:
            out["audio_metrics"] = self.metrics.to_dict()
        if self.flags:
            out["flags"] = list(self.flags)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transcript:
        """A transcript from JSON (see :meth:`to_dict`)."""
        asr = data.get("asr") or {}
        metrics = data.get("audio_metrics")
        return cls(
            call_id=str(data["call_id"]),
            segments=tuple(Segment.from_dict(s) for s in data.get("segments") or ()),
            language=str(data.get("language") or "zh"),
            duration_s=_opt_float(data.get("duration_s")),
            agent_id=data.get("agent_id"),
            team=data.get("team"),
            started_at=_parse_dt(data.get("started_at")),
            call_type=data.get("call_type"),
            asr_model=asr.get("model"),
            asr_options=tuple(
                sorted((str(k), str(v)) for k, v in (asr.get("options") or {}).items())
            ),
            metrics=AudioMetrics.from_dict(metrics) if metrics else None,
            flags=tuple(data.get("flags") or ()),
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """A quoted stretch of the call that a verdict rests on."""

    speaker: str
    start: float | None
    end: float | None
    text: str
    segment_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The evidence as a JSON-ready dict."""
        return {"speaker": self.speaker, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class ItemResult:
    """Verdict of one rubric item on one call.

    ``points`` is the item's weight in the rubric; ``awarded`` the points earned
    (``points`` on pass, 0 on fail, ``None`` on na/review). ``critical_failed`` is true
    when this failure zeroes the call (一票否决), and on a ``review`` item when the machine
    proposes such a fail for a person to confirm (the call is not zeroed until then;
    ``ScoringOptions.confirm_critical``). ``confidence`` is the probability
    that a decided verdict is right (``None`` for review, or without a model).
    """

    item_id: str
    status: Status
    points: float
    reason: str
    evidence: tuple[Evidence, ...] = ()
    critical_failed: bool = False
    name: str | None = None
    dimension: str | None = None
    confidence: float | None = None

    @property
    def awarded(self) -> float | None:
        """Points this item earned: all on pass, none on fail, ``None`` otherwise."""
        if self.status is Status.PASS:
            return self.points
        if self.status is Status.FAIL:
            return 0.0
        return None

    def to_dict(self) -> dict[str, Any]:
        """The item result as a JSON-ready dict."""
        return {
            "id": self.item_id,
            "status": str(self.status),
            "points": self.points,
            "reason": self.reason,
            "critical_failed": self.critical_failed,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class CallScore:
    """A call scored against one rubric version.

    ``score`` is 0–100, or ``None`` when no item was decided (all na/review).
    """

    call_id: str
    rubric_id: str
    rubric_version: str
    rubric_sha256: str
    score: float | None
    grade: str | None
    critical_failed: bool
    items: tuple[ItemResult, ...]
    agent_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    call_type: str | None = None
    asr_model: str | None = None
    errors: tuple[str, ...] = field(default=())

    def item(self, item_id: str) -> ItemResult:
        """The result of item ``item_id`` (``KeyError`` if the rubric has none)."""
        for it in self.items:
            if it.item_id == item_id:
                return it
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        """The score as a JSON-ready dict."""
        return {
            "call_id": self.call_id,
            "agent_id": self.agent_id,
            "team": self.team,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "call_type": self.call_type,
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "rubric_sha256": self.rubric_sha256,
            "asr_model": self.asr_model,
            "score": None if self.score is None else round(self.score, 2),
            "grade": self.grade,
            "critical_failed": self.critical_failed,
            "items": [it.to_dict() for it in self.items],
            "errors": list(self.errors),
        }
