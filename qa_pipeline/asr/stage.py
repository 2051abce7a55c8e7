"""The speech-to-text stage: recordings in, speaker-attributed transcripts out.

:func:`transcribe_recordings` is what the flows call. Recordings are processed in groups
(``AsrOptions.group_size``) so memory stays bounded; inside a group every channel of every
call is one stream and windows of speech from all streams share decoding batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa_pipeline import audio
from qa_pipeline.asr.cache import cache_key, load_cached, store_cached
from qa_pipeline.asr.cleanup import FLAG_DROPPED, GuardOptions, check_segment
from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.registry import ModelInfo, model_identity, resolve_model
from qa_pipeline.asr.whisper import (
    SAMPLE_RATE,
    Span,
    WhisperEngine,
    Window,
    pack_windows,
    speech_spans,
)
from qa_pipeline.audio import pitch as audio_pitch
from qa_pipeline.errors import AsrError, QAPipelineError
from qa_pipeline.models import UNKNOWN, Recording, Segment, Transcript

log = logging.getLogger(__name__)

FLAG_SPEAKER_UNKNOWN = "speaker_unknown"
FLAG_MONO = "mono_diarized"
#: On a mono call a segment ends at a pause between words this long, so one segment
#: rarely holds both parties and diarization can label it.
MONO_SPLIT_PAUSE_S = 0.25


@dataclass(frozen=True, slots=True)
class TranscriptionResult:
    """Outcome for one recording: a transcript, or the error recorded for that call."""

    recording: Recording
    transcript: Transcript | None
    error: QAPipelineError | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.transcript is not None


@dataclass(slots=True)
class _Job:
    index: int
    recording: Recording
    key: str
    decoded: audio.DecodedAudio
    channels: dict[str, np.ndarray]
    streams: list[int]


class Transcriber:
    """A model and options ready to transcribe groups of recordings.

    Args:
        options: Speech-to-text options.
        models_dir: Local model cache (the registry resolves ``options.model`` there).
        guard: Hallucination-guard thresholds.
    """

    def __init__(
        self, options: AsrOptions, *, models_dir: Path, guard: GuardOptions | None = None
    ) -> None:
        self.options = options
        self.guard = guard or GuardOptions()
        self.model: ModelInfo = resolve_model(options.model, models_dir)
        self.engine = WhisperEngine(self.model.path, options)
        audio_pitch.warm_up()  # one-time imports here, like loading the model
        self.model_id = model_identity(self.model)
        ident = options.identity()
        ident["compute_type"] = self.engine.compute_type
        ident["language"] = str(self.engine.language)
        self.option_identity = ident

    def key(self, content_hash: str) -> str:
        """Cache key of a recording with this model and these options."""
        return cache_key(content_hash, self.model_id, self.option_identity)

    def transcribe_group(
        self, jobs: list[_Job], progress: Callable[[int], None] | None = None
    ) -> dict[int, Transcript]:
        """Transcribe prepared jobs together (windows of all streams share batches)."""
        stream_audio: list[np.ndarray] = []
        owner: list[tuple[int, str]] = []
        windows: list[Window] = []
        for job in jobs:
            turns: list[tuple[int, np.ndarray, Span]] = []
            for speaker, samples in job.channels.items():
                sid = len(stream_audio)
                stream_audio.append(samples)
                owner.append((job.index, speaker))
                job.streams.append(sid)
                turns.extend((sid, samples, span) for span in speech_spans(samples, self.options))
            turns.sort(key=lambda t: t[2].start)  # the conversation in order
            mono = UNKNOWN in job.channels
            windows.extend(
                pack_windows(
                    turns,
                    self.options.max_window_s,
                    pack=self.options.pack_turns,
                    split_pause_s=MONO_SPLIT_PAUSE_S if mono else None,
                )
            )
        # long windows together: less padding work per batch for the decoder
        windows.sort(key=lambda w: -w.audio.shape[0])
        raw = self.engine.decode(windows, progress) if windows else []
        by_stream: dict[int, list] = {}
        for seg in raw:
            by_stream.setdefault(seg.stream, []).append(seg)
        out: dict[int, Transcript] = {}
        for job in jobs:
            out[job.index] = self._build(job, by_stream, stream_audio, owner)
        return out

    def _build(self, job: _Job, by_stream: dict, stream_audio: list, owner: list) -> Transcript:
        segments: list[Segment] = []
        dropped: list[str] = []
        for sid in job.streams:
            speaker = owner[sid][1]
            samples = stream_audio[sid]
            for seg in by_stream.get(sid, []):
                a, b = int(seg.start * SAMPLE_RATE), int(seg.end * SAMPLE_RATE)
                verdict = check_segment(
                    seg.text,
                    avg_logprob=seg.avg_logprob,
                    no_speech_prob=seg.no_speech_prob,
                    level_dbfs=audio.rms_dbfs(samples[a : max(b, a + 1)]),
                    language=self.engine.language,
                    prompt=self.options.initial_prompt,
                    options=self.guard,
                    word_probability=seg.word_probability,
                )
                if verdict.text is None:
                    if verdict.reason != "empty":
                        dropped.append(f"{verdict.reason}: {seg.text.strip()[:40]}")
                    continue
                segments.append(
                    Segment(
                        speaker,
                        seg.start,
                        seg.end,
                        verdict.text,
                        round(verdict.confidence, 4),  # as stored: cached == fresh
                        verdict.flags,
                    )
                )
        segments.sort(key=lambda s: (s.start or 0.0, s.end or 0.0))
        flags: list[str] = []
        if dropped:
            flags.append(FLAG_DROPPED)
            log.info(
                "%s: guard dropped %d segment(s): %s",
                job.recording.call_id,
                len(dropped),
                "; ".join(dropped),
            )
        if UNKNOWN in job.channels and segments:
            segments, sure = self._diarize(job, segments)
            flags.append(FLAG_MONO)
            if not sure:
                flags.append(FLAG_SPEAKER_UNKNOWN)
        metrics = audio.compute_metrics(job.channels, segments, source=job.decoded)
        meta = job.recording.meta
        return Transcript(
            call_id=meta.call_id,
            segments=tuple(segments),
            language=self.engine.language or "und",
            duration_s=round(job.decoded.duration_s, 3),
            agent_id=meta.agent_id,
            team=meta.team,
            started_at=meta.started_at,
            call_type=meta.call_type,
            asr_model=self.model.name,
            asr_options=tuple(sorted(self.option_identity.items())),
            metrics=metrics,
            flags=tuple(flags),
        )

    def _diarize(self, job: _Job, segments: list[Segment]) -> tuple[list[Segment], bool]:
        """Speakers of a mono call: two-speaker clustering, then who is the agent.

        Where either step is unsure every segment stays ``unknown`` (the caller flags it).
        """
        mono = job.channels[UNKNOWN]
        spans = [(s.start or 0.0, s.end or 0.0) for s in segments]
        clusters = audio.diarize_spans(mono, spans)
        roles = audio.assign_roles(clusters, [s.text for s in segments])
        if not roles.confident or len(roles.speakers) != len(segments):
            return [replace(s, speaker=UNKNOWN) for s in segments], False
        labelled = zip(segments, roles.speakers, strict=True)
        return [replace(s, speaker=speaker) for s, speaker in labelled], True


def _prepare(t: Transcriber, index: int, rec: Recording, key: str) -> _Job:
    decoded = audio.decode_audio(rec.path)
    channels = audio.split_channels(decoded, t.options.channels)
    return _Job(index, rec, key, decoded, channels, [])


def transcribe_recordings(
    recordings: Sequence[Recording],
    options: AsrOptions,
    *,
    models_dir: Path,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    transform: Callable[[Transcript], Transcript] | None = None,
) -> list[TranscriptionResult]:
    """Transcribe many recordings, batching speech from all of them.

    Args:
        recordings: Calls to transcribe (audio files).
        options: Speech-to-text options.
        models_dir: Local model cache.
        cache_dir: Transcript cache (``Settings.transcripts_dir``); ``None`` disables it.
        progress: Called as ``progress(done, total)`` after each recording finishes.
        transform: Applied to each transcript before it is cached or returned (the
            flows pass PII redaction: raw text then never reaches the cache); a cache
            entry written before is passed through it too, and rewritten if it changes.

    Returns:
        One result per recording, in input order; a bad recording carries its error and
        the others are transcribed.

    Raises:
        ModelNotAvailableError: the model is missing (setup failure, nothing to record).
        ConfigError: invalid options.
    """
    transcriber = Transcriber(options, models_dir=models_dir)
    total = len(recordings)
    results: list[TranscriptionResult | None] = [None] * total
    done = 0

    def finish(i: int, result: TranscriptionResult) -> None:
        nonlocal done
        results[i] = result
        done += 1
        if progress is not None:
            progress(done, total)

    pending: list[_Job] = []

    def flush() -> None:
        if not pending:
            return
        try:
            transcripts = transcriber.transcribe_group(pending)
        except AsrError as exc:
            # a batch-level failure: retry one call at a time so only the bad one fails
            transcripts = {}
            for job in pending:
                try:
                    transcripts.update(transcriber.transcribe_group([job]))
                except AsrError as one_exc:
                    finish(job.index, TranscriptionResult(job.recording, None, one_exc))
            log.warning("batch failed (%s); retried per call", exc)
        for job in pending:
            tr = transcripts.get(job.index)
            if tr is None:
                continue
            if transform is not None:
                tr = transform(tr)
            if cache_dir is not None:
                store_cached(cache_dir, job.key, tr)
            finish(job.index, TranscriptionResult(job.recording, tr))
        pending.clear()

    for i, rec in enumerate(recordings):
        try:
            key = transcriber.key(audio.audio_content_hash(rec.path)) if rec.path.is_file() else ""
            cached = load_cached(cache_dir, key) if cache_dir is not None and key else None
            if cached is not None and transform is not None:
                fixed = transform(cached)
                if fixed != cached and cache_dir is not None:
                    store_cached(cache_dir, key, fixed)  # an entry from before redaction
                cached = fixed
            if cached is not None:
                finish(i, TranscriptionResult(rec, _with_meta(cached, rec), cached=True))
                continue
            pending.append(_prepare(transcriber, i, rec, key))
        except QAPipelineError as exc:
            finish(i, TranscriptionResult(rec, None, exc))
            continue
        except OSError as exc:
            err = AsrError(f"{rec.path}: cannot read: {exc.strerror or exc}")
            finish(i, TranscriptionResult(rec, None, err))
            continue
        if len(pending) >= options.group_size:
            flush()
    flush()
    return [r for r in results if r is not None]


def _with_meta(transcript: Transcript, rec: Recording) -> Transcript:
    """A cached transcript carries the metadata of the recording asking for it."""
    meta = rec.meta
    return replace(
        transcript,
        call_id=meta.call_id,
        agent_id=meta.agent_id,
        team=meta.team,
        started_at=meta.started_at,
        call_type=meta.call_type,
    )
