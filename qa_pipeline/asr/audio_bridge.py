"""The audio functions the speech-to-text stage needs, from :mod:`qa_pipeline.audio`.

The audio module owns decoding, channel split, mono diarization and acoustic metrics.
This bridge calls its public functions and, where one is not available in this
installation, falls back to a minimal private version (decode with PyAV, split by
channel map, no diarization), so the stage always runs.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from qa_pipeline.errors import AudioDecodeError, ConfigError, UnsupportedAudioError
from qa_pipeline.models import AGENT, CALLER, UNKNOWN, AudioMetrics, Segment

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded audio: ``samples`` float32 ``(channels, n)`` at 16 kHz."""

    samples: np.ndarray
    source_sample_rate: int | None
    source_channels: int
    duration_s: float
    raw: Any = None


def _audio() -> ModuleType | None:
    try:
        return importlib.import_module("qa_pipeline.audio")
    except ImportError:
        return None


def _has(name: str) -> bool:
    mod = _audio()
    return mod is not None and hasattr(mod, name)


def decode(path: Path) -> Decoded:
    """Decode a recording to 16 kHz float32, one row per channel.

    Raises:
        AudioDecodeError: empty, corrupt or not audio.
        UnsupportedAudioError: no audio stream or 3+ channels.
    """
    mod = _audio()
    if mod is not None and hasattr(mod, "decode_audio"):
        d = mod.decode_audio(path)
        samples = np.atleast_2d(np.asarray(d.samples, dtype=np.float32))
        return Decoded(
            samples=samples,
            source_sample_rate=getattr(d, "source_sample_rate", None),
            source_channels=int(getattr(d, "source_channels", None) or samples.shape[0]),
            duration_s=float(getattr(d, "duration_s", samples.shape[1] / SAMPLE_RATE)),
            raw=d,
        )
    return _decode_pyav(path)


def _decode_pyav(path: Path) -> Decoded:
    import av

    if not path.is_file():
        raise AudioDecodeError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"{path}: file is empty")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise UnsupportedAudioError(f"{path}: no audio stream")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            if channels > 2:
                raise UnsupportedAudioError(f"{path}: {channels} channels (1 or 2 supported)")
            src_rate = stream.codec_context.sample_rate
            layout = "stereo" if channels == 2 else "mono"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
            chunks: list[np.ndarray] = []
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise AudioDecodeError(f"{path}: cannot decode audio: {exc}") from exc
    if not chunks:
        raise AudioDecodeError(f"{path}: no audio samples (zero-length)")
    samples = np.concatenate(chunks, axis=1).astype(np.float32)
    if samples.shape[1] == 0:
        raise AudioDecodeError(f"{path}: no audio samples (zero-length)")
    return Decoded(samples, src_rate, channels, samples.shape[1] / SAMPLE_RATE)


def parse_channels(spec: str) -> dict[int, str] | None:
    """``left=agent,right=caller`` → ``{0: "agent", 1: "caller"}``; ``mono`` → ``None``."""
    text = spec.strip().lower()
    if text in ("mono", "mix", ""):
        return None
    index = {"left": 0, "l": 0, "0": 0, "right": 1, "r": 1, "1": 1}
    out: dict[int, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in index or value not in (AGENT, CALLER):
            raise ConfigError(
                f"bad channel map {spec!r}: use e.g. 'left=agent,right=caller' or 'mono'"
            )
        out[index[key]] = value
    if sorted(out.values()) != [AGENT, CALLER]:
        raise ConfigError(f"bad channel map {spec!r}: name one agent and one caller channel")
    return out


def split(decoded: Decoded, channels: str) -> dict[str, np.ndarray]:
    """Speaker → samples: the two channels of a stereo call, or ``unknown`` for mono.

    A stereo file whose channels are identical (a mono call stored as stereo) is
    treated as mono.
    """
    mapping = parse_channels(channels)
    samples = decoded.samples
    if samples.shape[0] == 1 or mapping is None:
        return {UNKNOWN: samples.mean(axis=0).astype(np.float32)}
    left, right = samples[0], samples[1]
    if np.allclose(left, right, atol=1e-4):
        return {UNKNOWN: left}
    return {mapping[0]: left, mapping[1]: right}


def content_hash(path: Path) -> str:
    """Hash of the recording's content (the audio module's when available)."""
    mod = _audio()
    if mod is not None and hasattr(mod, "audio_content_hash"):
        return str(mod.audio_content_hash(path))
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def diarize(
    samples: np.ndarray, spans: Sequence[tuple[float, float]], texts: Sequence[str]
) -> tuple[list[str], bool]:
    """Speaker (``agent``/``caller``/``unknown``) per span of a mono call, and whether sure.

    Uses the audio module's ``diarize_spans`` and ``assign_roles``; without them every
    span is ``unknown`` (not sure).
    """
    mod = _audio()
    if mod is None or not hasattr(mod, "diarize_spans") or not spans:
        return [UNKNOWN] * len(spans), False
    try:
        result = mod.diarize_spans(samples, list(spans))
        labels: list[str]
        if hasattr(mod, "assign_roles"):
            roles = mod.assign_roles(result, list(texts))
            labels = [str(r) for r in getattr(roles, "speakers", roles)]
            sure = bool(getattr(roles, "confident", getattr(result, "confident", True)))
        else:
            labels = [str(s) for s in getattr(result, "speakers", [])]
            sure = bool(getattr(result, "confident", False))
    except (TypeError, ValueError, AttributeError) as exc:
        log.warning("mono diarization failed, speakers left unknown: %s", exc)
        return [UNKNOWN] * len(spans), False
    if len(labels) != len(spans):
        return [UNKNOWN] * len(spans), False
    return [s if s in (AGENT, CALLER, UNKNOWN) else UNKNOWN for s in labels], sure


def metrics(
    decoded: Decoded, channels: dict[str, np.ndarray], segments: Sequence[Segment]
) -> AudioMetrics:
    """Acoustic metrics of a call (the audio module's ``compute_metrics``).

    Falls back to duration, source format and talk time from the segments.
    """
    mod = _audio()
    if mod is not None and hasattr(mod, "compute_metrics"):
        try:
            result = mod.compute_metrics(channels, list(segments), source=decoded.raw)
            if isinstance(result, AudioMetrics):
                return result
        except (TypeError, ValueError) as exc:
            log.warning("acoustic metrics failed, minimal metrics kept: %s", exc)
    talk: dict[str, float] = {}
    for s in segments:
        talk[s.speaker] = talk.get(s.speaker, 0.0) + (s.duration or 0.0)
    peak = float(np.mean(np.abs(decoded.samples) >= 0.999)) if decoded.samples.size else 0.0
    return AudioMetrics(
        duration_s=round(decoded.duration_s, 3),
        sample_rate=decoded.source_sample_rate,
        channels=decoded.source_channels,
        talk_time_s=tuple(sorted((k, round(v, 2)) for k, v in talk.items())),
        clipping_ratio=peak,
    )
