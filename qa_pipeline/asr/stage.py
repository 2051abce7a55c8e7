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
from qa_pipeline.audio.budget import AudioBudget, night_budget
from qa_pipeline.audio.echo import gate_crosstalk
from qa_pipeline.errors import AsrError, QAPipelineError
from qa_pipeline.models import AGENT, CALLER, UNKNOWN, Recording, Segment, Transcript

log = logging.getLogger(__name__)

#: Version of the stage's own processing (segmentation, echo gating, clean-up): part
#: of the transcript cache key, so an upgrade that changes transcripts never reuses the
#: old ones. Bump it with every change that changes the text or the segments.
STAGE_VERSION = "2"
FLAG_SPEAKER_UNKNOWN = "speaker_unknown"
FLAG_MONO = "mono_diarized"
#: Stereo call whose speaker labels point the wrong way: the "caller" channel spoke
#: first with the agent's phrases (greeting, 工号, hotline name). Flagged only, unless
#: the channel map is ``auto``: then the labels are swapped and the call is flagged
#: ``FLAG_SWAPPED_FIXED``.
FLAG_SWAPPED = "channels_swapped"
FLAG_SWAPPED_FIXED = "channels_swapped_fixed"
#: The other side's voice leaking into a channel was silenced (``audio.echo``).
FLAG_ECHO = "line_echo_gated"
#: The decoded audio is much shorter than the recorder's duration (manifest): a cut
#: or truncated file. The transcript covers what is there.
FLAG_SHORT = "shorter_than_manifest"
#: Shorter than this share of the manifest's duration (and by ``SHORT_MIN_S``) is flagged.
SHORT_RATIO = 0.8
SHORT_MIN_S = 5.0
#: ``channels="auto"``: the default map, swapped on a call whose labels point the wrong way.
AUTO_CHANNELS = "auto"
DEFAULT_CHANNELS = "left=agent,right=caller"
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
        """Whether the recording has a transcript."""
        return self.transcript is not None


@dataclass(slots=True)
class _Job:
    index: int
    recording: Recording
    key: str
    decoded: audio.DecodedAudio
    channels: dict[str, np.ndarray]
    streams: list[int]
    notes: tuple[str, ...] = ()


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
        ident["stage_version"] = STAGE_VERSION
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
        """The job's transcript: guarded segments, speaker checks, metrics and metadata."""
        segments, dropped = self._guarded_segments(job, by_stream, stream_audio, owner)
        flags: list[str] = list(job.notes)
        if dropped:
            flags.append(FLAG_DROPPED)
            log.info(
                "%s: guard dropped %d segment(s): %s",
                job.recording.call_id,
                len(dropped),
                "; ".join(dropped),
            )
        segments = self._check_speakers(job, segments, flags)
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

    def _guarded_segments(
        self, job: _Job, by_stream: dict, stream_audio: list, owner: list
    ) -> tuple[list[Segment], list[str]]:
        """The job's decoded segments past the guard (sorted), and why others were dropped."""
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
                    hotwords=self.options.hotwords,
                    correct_terms=self.options.correct_terms,
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
        return segments, dropped

    def _check_speakers(
        self, job: _Job, segments: list[Segment], flags: list[str]
    ) -> list[Segment]:
        """Diarize a mono call, or catch (and with ``auto``, fix) swapped stereo channels."""
        if UNKNOWN in job.channels and segments:
            segments, sure = self._diarize(job, segments)
            flags.append(FLAG_MONO)
            if not sure:
                flags.append(FLAG_SPEAKER_UNKNOWN)
        elif segments and _reversed(segments):
            if self.options.channels.strip().lower() == AUTO_CHANNELS:
                swap = {AGENT: CALLER, CALLER: AGENT}
                segments = [replace(s, speaker=swap.get(s.speaker, s.speaker)) for s in segments]
                job.channels = {swap.get(k, k): v for k, v in job.channels.items()}
                flags.append(FLAG_SWAPPED_FIXED)
                log.warning("%s: channels swapped (caller greeted first)", job.recording.call_id)
            else:
                flags.append(FLAG_SWAPPED)
                log.warning(
                    "%s: the caller channel greets first with the agent's phrases: channels "
                    "look swapped (channel map 'auto' swaps them)",
                    job.recording.call_id,
                )
        return segments

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


def _reversed(segments: Sequence[Segment]) -> bool:
    """Whether a stereo call's labels point the wrong way (agent and caller swapped).

    They do when the channel labelled caller spoke first, and its opening turns carry
    clearly more of the agent's phrases (greeting, 工号, hotline name: ``audio.AGENT_CUES``,
    less ``CALLER_CUES``) than the agent channel's opening turns. A caller's
    「你好，我想问…」 scores about nothing; an agent's 「您好，12345热线，工号1003，很高兴为您服务」
    scores several.
    """
    labelled = [s for s in segments if s.speaker in (AGENT, CALLER)]
    if len(labelled) < 2 or labelled[0].speaker != CALLER:
        return False
    score = {}
    for speaker in (AGENT, CALLER):
        opening = " ".join([s.text for s in labelled if s.speaker == speaker][:3])
        score[speaker] = audio.cue_score(opening)
    return score[CALLER] >= 2 and score[CALLER] >= score[AGENT] + 2


def _prepare(
    t: Transcriber, index: int, rec: Recording, key: str, budget: _BatchBudget | None = None
) -> _Job:
    decoded = audio.decode_audio(
        rec.path,
        max_duration_s=t.options.max_audio_duration_s,
        min_sample_rate=t.options.min_sample_rate,
        expected_duration_s=rec.meta.duration_s,  # refuses audio far longer than the manifest
        budget=budget,
    )
    try:
        return _split(t, index, rec, key, decoded)
    except BaseException:
        if budget is not None:
            budget.release(decoded.reserved_bytes)
        raise


def _split(
    t: Transcriber, index: int, rec: Recording, key: str, decoded: audio.DecodedAudio
) -> _Job:
    spec = t.options.channels
    if spec.strip().lower() == AUTO_CHANNELS:
        spec = DEFAULT_CHANNELS
    channels, fallback = audio.split_channels_why(decoded, spec)
    notes: list[str] = [fallback] if fallback else []
    if t.options.echo_gate and AGENT in channels and CALLER in channels:
        agent, caller, gate = gate_crosstalk(channels[AGENT], channels[CALLER])
        if gate.applied:
            channels = {AGENT: agent, CALLER: caller}
            notes.append(FLAG_ECHO)
    expected = rec.meta.duration_s
    if (
        expected
        and decoded.duration_s < SHORT_RATIO * expected
        and (expected - decoded.duration_s >= SHORT_MIN_S)
    ):
        log.warning(
            "%s: %.1f s of audio, the manifest says %.1f s (cut or truncated recording)",
            rec.call_id,
            decoded.duration_s,
            expected,
        )
        notes.append(FLAG_SHORT)
    return _Job(index, rec, key, decoded, channels, [], tuple(notes))


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
    batch = _Batch(transcriber, len(recordings), cache_dir, progress, transform)
    for i, rec in enumerate(recordings):
        if batch.add(i, rec) and len(batch.pending) >= options.group_size:
            batch.flush()
    batch.flush()
    return [r for r in batch.results if r is not None]


class _Batch:
    """State of :func:`transcribe_recordings`: results so far and jobs waiting for a group."""

    def __init__(
        self,
        transcriber: Transcriber,
        total: int,
        cache_dir: Path | None,
        progress: Callable[[int, int], None] | None,
        transform: Callable[[Transcript], Transcript] | None,
    ) -> None:
        self.transcriber = transcriber
        self.total = total
        self.cache_dir = cache_dir
        self.progress = progress
        self.transform = transform
        self.results: list[TranscriptionResult | None] = [None] * total
        self.done = 0
        self.pending: list[_Job] = []
        mb = transcriber.options.max_audio_mb
        self.budget = _BatchBudget(night_budget(mb), self) if mb else None

    def finish(self, i: int, result: TranscriptionResult) -> None:
        """Record recording ``i``'s result and report progress."""
        self.results[i] = result
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def add(self, i: int, rec: Recording) -> bool:
        """Answer recording ``i`` from the cache, or queue it; ``True`` when queued."""
        try:
            key = (
                self.transcriber.key(audio.audio_content_hash(rec.path))
                if rec.path.is_file()
                else ""
            )
            cached = self._cached(key)
            if cached is not None:
                self.finish(i, TranscriptionResult(rec, _with_meta(cached, rec), cached=True))
                return False
            self.pending.append(_prepare(self.transcriber, i, rec, key, self.budget))
        except QAPipelineError as exc:
            self.finish(i, TranscriptionResult(rec, None, exc))
            return False
        except OSError as exc:
            err = AsrError(f"{rec.path}: cannot read: {exc.strerror or exc}")
            self.finish(i, TranscriptionResult(rec, None, err))
            return False
        return True

    def _cached(self, key: str) -> Transcript | None:
        """The cached transcript under ``key`` (passed through ``transform``), if any."""
        cache_dir = self.cache_dir
        cached = load_cached(cache_dir, key) if cache_dir is not None and key else None
        if cached is not None and self.transform is not None:
            fixed = self.transform(cached)
            if fixed != cached and cache_dir is not None:
                store_cached(cache_dir, key, fixed)  # an entry from before redaction
            cached = fixed
        return cached

    def flush(self) -> None:
        """Transcribe the pending jobs as one group; finish each with its transcript."""
        if not self.pending:
            return
        try:
            transcripts = self._transcribe_pending()
        finally:
            if self.budget is not None:  # the group's audio is no longer needed
                for job in self.pending:
                    self.budget.release(job.decoded.reserved_bytes)
        for job in self.pending:
            tr = transcripts.get(job.index)
            if tr is None:
                continue
            if self.transform is not None:
                tr = self.transform(tr)
            if self.cache_dir is not None:
                store_cached(self.cache_dir, job.key, tr)
            self.finish(job.index, TranscriptionResult(job.recording, tr))
        self.pending.clear()

    def _transcribe_pending(self) -> dict[int, Transcript]:
        """The group's transcripts; after a batch failure, retried one call at a time."""
        try:
            return self.transcriber.transcribe_group(self.pending)
        except AsrError as exc:
            # a batch-level failure: retry one call at a time so only the bad one fails
            transcripts: dict[int, Transcript] = {}
            for job in self.pending:
                try:
                    transcripts.update(self.transcriber.transcribe_group([job]))
                except AsrError as one_exc:
                    self.finish(job.index, TranscriptionResult(job.recording, None, one_exc))
            log.warning("batch failed (%s); retried per call", exc)
            return transcripts


class _BatchBudget:
    """The night's audio budget as one batch uses it.

    Before it waits for room, the batch transcribes (and so hands back) the audio it
    holds: no thread waits while holding audio, so waiting cannot deadlock.
    """

    def __init__(self, budget: AudioBudget, batch: _Batch) -> None:
        self.budget, self.batch = budget, batch

    def reserve(self, nbytes: int, what: str) -> None:
        self.budget.check(nbytes, what)
        if self.budget.try_reserve(nbytes):
            return
        self.batch.flush()
        self.budget.reserve(nbytes, what)

    def try_reserve(self, nbytes: int) -> bool:
        return self.budget.try_reserve(nbytes)

    def release(self, nbytes: int) -> None:
        self.budget.release(nbytes)


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
