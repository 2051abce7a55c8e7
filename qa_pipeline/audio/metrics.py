"""Acoustic metrics of a call: :func:`compute_metrics` and its helpers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

from qa_pipeline.audio.channels import _mean_square, rms_dbfs
from qa_pipeline.audio.constants import (
    _BLOCK,
    CLIPPING_FLAG_RATIO,
    CLIPPING_LEVEL,
    LOW_LEVEL_DBFS,
    MAX_PITCH_SPAN_S,
    MAX_PROSODY_TURNS,
    MIN_OVERLAP_S,
    SAMPLE_RATE,
    SILENT_GAP_S,
)
from qa_pipeline.audio.decode import DecodedAudio
from qa_pipeline.audio.pitch import _pitch_track
from qa_pipeline.models import AGENT, CALLER, UNKNOWN, AudioMetrics, Overlap, Segment, TurnProsody


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _count_chars(text: str) -> int:
    """Characters that are spoken: letters and digits (no spaces, no punctuation)."""
    return sum(1 for ch in text if ch.isalnum())


def _clipping_ratio(rows: Sequence[np.ndarray]) -> float:
    total = clipped = 0
    for row in rows:
        flat = np.asarray(row).reshape(-1)
        total += flat.size
        for i in range(0, flat.size, _BLOCK):
            clipped += int(np.count_nonzero(np.abs(flat[i : i + _BLOCK]) >= CLIPPING_LEVEL))
    return clipped / total if total else 0.0


def compute_metrics(
    channels: dict[str, np.ndarray],
    segments: list[Segment],
    source: DecodedAudio | None = None,
) -> AudioMetrics:
    """Acoustic metrics of a call.

    Segments without both timestamps are skipped; segments are clipped to the audio.
    Definitions (thresholds are module constants):

    - ``talk_time_s``: per speaker, the union of their segments (seconds).
    - ``silent_gaps``: stretches longer than 2 s where no segment of anybody is
      running, between the first segment's start and the last segment's end (ringing
      before the first word and the tail after the last are not the agent's silence).
    - ``overlaps``: an agent and a caller segment running together for at least 0.3 s;
      ``by`` is the speaker whose segment started later (who talked over), ``over`` the
      other (ties: the shorter segment talked over). ``unknown`` speakers are skipped.
    - ``agent_speech_rate_cpm``: agent letters/digits/characters (no spaces or
      punctuation) per minute of agent talk time; ``None`` under 1 s of agent talk.
    - ``turns``: per segment (first 400), RMS dBFS of the speaker's channel (the mono
      channel in a mono call) and pitch mean/std (Hz) from yin (65–400 Hz) on voiced
      frames of the first 20 s; pitch ``None`` when fewer than 3 voiced frames.
    - ``clipping_ratio``: fraction of samples with ``|x| >= 0.999`` (on the decoded
      samples when ``source`` is given, else on the channels; rounded to 6 decimals).
    - ``quality_flags``: ``clipping`` (ratio > 0.001), ``low_level`` (RMS of all speech
      < -45 dBFS), ``mono_fallback`` (an ``unknown`` channel), ``no_speech`` (no
      segment with text).

    Args:
        channels: Speaker → 1-D samples at 16 kHz (from :func:`split_channels`).
        segments: The call's segments (any speakers, any order).
        source: The decoded recording, for sample rate, channel count and clipping.

    Returns:
        The metrics; seconds and levels rounded to 3 decimals.
    """
    rows = {k: np.asarray(v, dtype=np.float32).reshape(-1) for k, v in channels.items()}
    if source is not None:
        duration = float(source.duration_s)
    else:
        duration = max((v.size for v in rows.values()), default=0) / SAMPLE_RATE
    timed = _timed_segments(segments, duration)
    talk, gaps = _talk_and_gaps(timed)
    turns, speech_ms, speech_n = _prosody(timed, rows)
    clip_rows = list(np.atleast_2d(source.samples)) if source is not None else list(rows.values())
    clipping = _clipping_ratio(clip_rows)
    return AudioMetrics(
        duration_s=round(duration, 3),
        sample_rate=source.source_sample_rate if source is not None else None,
        channels=source.source_channels if source is not None else None,
        talk_time_s=tuple(sorted((k, round(v, 3)) for k, v in talk.items())),
        silent_gaps=tuple(gaps),
        overlaps=tuple(_overlaps(timed)),
        agent_speech_rate_cpm=_agent_speech_rate(timed, talk),
        turns=tuple(turns),
        clipping_ratio=round(clipping, 6),
        quality_flags=_quality_flags(clipping, speech_ms, speech_n, rows, segments),
    )


def _timed_segments(segments: Sequence[Segment], duration: float) -> list[Segment]:
    """Segments with both timestamps, clipped to ``[0, duration]``, sorted by start/end."""
    timed: list[Segment] = []
    for s in segments:
        if s.start is None or s.end is None:
            continue
        start, end = max(0.0, float(s.start)), min(float(s.end), duration)
        if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
            continue
        timed.append(Segment(s.speaker, start, end, s.text, s.confidence, s.flags))
    timed.sort(key=lambda s: (s.start or 0.0, s.end or 0.0))
    return timed


def _talk_and_gaps(
    timed: Sequence[Segment],
) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """Talk time per speaker and the silent gaps between the first and the last segment."""
    by_speaker: dict[str, list[tuple[float, float]]] = {}
    for s in timed:
        assert s.start is not None and s.end is not None
        by_speaker.setdefault(s.speaker, []).append((s.start, s.end))
    talk = {k: sum(b - a for a, b in _merge(v)) for k, v in by_speaker.items()}
    gaps: list[tuple[float, float]] = []
    speech = _merge([iv for v in by_speaker.values() for iv in v])
    for (_, prev_end), (next_start, _) in itertools.pairwise(speech):
        if next_start - prev_end > SILENT_GAP_S:
            gaps.append((round(prev_end, 3), round(next_start, 3)))
    return talk, gaps


def _agent_speech_rate(timed: Sequence[Segment], talk: Mapping[str, float]) -> float | None:
    """Agent characters per minute of agent talk; ``None`` under 1 s of agent talk."""
    agent_talk = talk.get(AGENT, 0.0)
    if agent_talk < 1.0:
        return None
    chars = sum(_count_chars(s.text) for s in timed if s.speaker == AGENT)
    return round(chars / (agent_talk / 60.0), 3)


def _prosody(
    timed: Sequence[Segment], rows: Mapping[str, np.ndarray]
) -> tuple[list[TurnProsody], float, float]:
    """Per-turn loudness and pitch, plus the summed mean square and sample count of speech."""
    turns: list[TurnProsody] = []
    speech_ms = speech_n = 0.0
    for s in timed[:MAX_PROSODY_TURNS]:
        assert s.start is not None and s.end is not None
        row = _channel_for(rows, s.speaker)
        if row is None:
            continue
        a, b = int(s.start * SAMPLE_RATE), min(row.size, int(s.end * SAMPLE_RATE))
        if b <= a:
            continue
        y = row[a:b]
        ms = _mean_square(y)
        speech_ms += ms * y.size
        speech_n += y.size
        f0 = _pitch_track(y[: int(MAX_PITCH_SPAN_S * SAMPLE_RATE)])
        mean = round(float(f0.mean()), 3) if f0.size >= 3 else None
        std = round(float(f0.std()), 3) if f0.size >= 3 else None
        turns.append(
            TurnProsody(
                s.speaker, round(s.start, 3), round(s.end, 3), round(rms_dbfs(y), 3), mean, std
            )
        )
    return turns, speech_ms, speech_n


def _quality_flags(
    clipping: float,
    speech_ms: float,
    speech_n: float,
    rows: Mapping[str, np.ndarray],
    segments: Sequence[Segment],
) -> tuple[str, ...]:
    """The call's quality flags: clipping, low_level, mono_fallback, no_speech."""
    flags: list[str] = []
    if clipping > CLIPPING_FLAG_RATIO:
        flags.append("clipping")
    if speech_n and 10 * math.log10(max(speech_ms / speech_n, 1e-12)) < LOW_LEVEL_DBFS:
        flags.append("low_level")
    if UNKNOWN in rows:
        flags.append("mono_fallback")
    if not any(s.text.strip() for s in segments):
        flags.append("no_speech")
    return tuple(flags)


def _channel_for(rows: Mapping[str, np.ndarray], speaker: str) -> np.ndarray | None:
    if speaker in rows:
        return rows[speaker]
    if UNKNOWN in rows:
        return rows[UNKNOWN]
    if len(rows) == 1:
        return next(iter(rows.values()))
    return None


def _overlaps(timed: Sequence[Segment]) -> list[Overlap]:
    """Agent/caller segment pairs running together ≥ 0.3 s (``timed`` sorted by start)."""
    out: list[Overlap] = []
    active: list[Segment] = []
    for s in timed:
        if s.speaker not in (AGENT, CALLER):
            continue
        assert s.start is not None and s.end is not None
        active = [p for p in active if (p.end or 0.0) > s.start]
        for p in active:
            if p.speaker == s.speaker:
                continue
            assert p.start is not None and p.end is not None
            start, end = s.start, min(p.end, s.end)
            if end - start < MIN_OVERLAP_S - 1e-9:
                continue
            later, earlier = s, p
            if p.start == s.start and (p.end - p.start) < (s.end - s.start):
                later, earlier = p, s
            out.append(Overlap(round(start, 3), round(end, 3), later.speaker, earlier.speaker))
        active.append(s)
    return out
