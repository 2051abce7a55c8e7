"""faster-whisper adapter with batching across calls and channels.

A night is thousands of short calls; batching inside one call leaves the hardware idle
between calls. Here every channel of every call in a group is a *stream*: Silero VAD
(inside faster-whisper) finds its speech, the turns of a call's channels are packed in
time order into windows of up to 30 s, and the windows of all calls are decoded together
in batches with the pieces of faster-whisper's ``BatchedInferencePipeline`` (feature extraction,
``forward``/``generate_segment_batched``).
Segment times inside a window are mapped back to seconds in the stream.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.errors import AsrError, ConfigError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
_MODEL_CACHE: dict[tuple[str, str, str, int], Any] = {}
_MODEL_LOCK = threading.Lock()
VAD_MIN_SILENCE_MS = 500
#: Real audio kept around each stretch of speech. Whisper recognises a sentence better
#: with some silence around it; each second of it is also encoder work. On five stereo
#: calls from asr_eval/zh (``benchmarks/asr_throughput.py``), CER by padding: 0.4 s
#: 14.9%, 0.5 s 14.3%, 0.6 s 12.8%, 0.7 s 13.1%, 0.9 s 12.4%; 0.6 s decoded 10-15%
#: faster than 0.9 s but put asr_eval/zh_hard at 28.6% CER (0.9 s: 27.3%).
VAD_PAD_S = 0.9
#: Audio given to Silero VAD at once. Its recurrent state drifts over long stretches
#: without speech: after 60 s of line noise it heard 0.9 s of a 4.3 s sentence, after
#: 300 s 0.3 s (``tests/asr/test_stage.py``, two-hour recording). Fresh state every
#: 30 s keeps speech after a long hold; it also bounds VAD's memory on long recordings.
VAD_BLOCK_S = 30.0
#: Decoding temperatures. One, and zero: beam search only, never the sampling fallback
#: (faster-whisper retries at 0.2, 0.4 … with random sampling when a window's output
#: looks bad; its batched pipeline uses only the first temperature anyway). The same
#: audio gives the same text on one machine, so a verdict never changes on a rerun.
DECODE_TEMPERATURES = (0.0,)
#: CTranslate2 threads when ``AsrOptions.cpu_threads`` is 0: a fixed number, not the
#: library's choice from the machine's load, so reruns compute the same way.
DEFAULT_CPU_THREADS = 4


def cpu_threads(options: AsrOptions) -> int:
    """The intra-op threads to decode with: the option, else ``min(4, usable cores)``."""
    import os

    if options.cpu_threads:
        return options.cpu_threads
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(DEFAULT_CPU_THREADS, usable or 1)


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto`` → ``float16`` on GPU, ``int8`` on CPU."""
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def load_model(path: Path, device: str, compute_type: str, cpu_threads: int = 0) -> Any:
    """Load a faster-whisper model once per process (keyed by path, device, type, threads).

    Raises:
        AsrError: CTranslate2 cannot load the model on this device.
    """
    key = (str(path), device, compute_type, cpu_threads)
    with _MODEL_LOCK:
        if key not in _MODEL_CACHE:
            from faster_whisper import WhisperModel

            try:
                _MODEL_CACHE[key] = WhisperModel(
                    str(path),
                    device=device,
                    compute_type=compute_type,
                    cpu_threads=cpu_threads,
                    num_workers=1,  # one decoding worker: no interleaving between runs
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise AsrError(
                    f"cannot load speech model {path} on {device} ({compute_type}): {exc}"
                ) from exc
            log.info("loaded speech model %s on %s (%s)", path, device, compute_type)
        return _MODEL_CACHE[key]


class Span(NamedTuple):
    """Stream samples to transcribe and the speech VAD found inside.

    ``start``-``end`` (padded) are transcribed; ``speech_start``-``speech_end`` is the
    speech inside: the turn's timing.
    """

    start: int
    end: int
    speech_start: int
    speech_end: int


@dataclass(frozen=True, slots=True)
class Piece:
    """A span of one stream placed in a window.

    Offsets are in samples; ``stream_start`` and ``speech_*`` are samples of its stream.
    """

    stream: int
    window_start: int
    length: int
    stream_start: int
    speech_start: int
    speech_end: int


@dataclass(slots=True)
class Window:
    """Up to 30 s of a call's speech, as packed pieces (turns of its channels in order)."""

    audio: np.ndarray
    pieces: list[Piece] = field(default_factory=list)
    #: Start a new segment at a pause between words at least this long (seconds): on a
    #: mono call a pause is where the other party may have spoken.
    split_pause_s: float | None = None

    def piece_at(self, sample: int) -> Piece:
        """The piece holding window sample ``sample`` (the nearest one in a gap)."""
        best = self.pieces[0]
        best_d = None
        for p in self.pieces:
            if p.window_start <= sample < p.window_start + p.length:
                return p
            d = min(abs(sample - p.window_start), abs(sample - (p.window_start + p.length)))
            if best_d is None or d < best_d:
                best, best_d = p, d
        return best

    def to_stream_time(self, t: float, *, is_end: bool) -> float:
        """Seconds in the window → seconds in the stream."""
        sample = round(t * SAMPLE_RATE)
        chosen = self.pieces[-1]
        for p in self.pieces:
            inside = p.window_start <= sample <= p.window_start + p.length
            if is_end and inside and sample > p.window_start:
                chosen = p
                break
            if not is_end and inside and sample < p.window_start + p.length:
                chosen = p
                break
        offset = min(max(sample - chosen.window_start, 0), chosen.length)
        return (chosen.stream_start + offset) / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class RawSegment:
    """A decoded segment, in seconds of its stream."""

    stream: int
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    word_probability: float | None = None


def speech_spans(audio: np.ndarray, options: AsrOptions) -> list[Span]:
    """Spans to transcribe.

    Silero VAD speech widened by ``VAD_PAD_S``, or fixed windows with VAD off.
    """
    n = int(audio.shape[0])
    if n == 0:
        return []
    max_len = int(options.max_window_s * SAMPLE_RATE)
    if not options.vad:
        return [Span(s, min(s + max_len, n), s, min(s + max_len, n)) for s in range(0, n, max_len)]
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(
        max_speech_duration_s=options.max_window_s - 2 * VAD_PAD_S,
        min_silence_duration_ms=VAD_MIN_SILENCE_MS,
        speech_pad_ms=0,
    )
    # Silero runs on blocks of VAD_BLOCK_S (see there); speech cut at a block edge is
    # joined again when the pause is shorter than VAD's own minimum silence
    spans: list[tuple[int, int]] = []
    block = int(VAD_BLOCK_S * SAMPLE_RATE)
    join = VAD_MIN_SILENCE_MS * SAMPLE_RATE // 1000
    for offset in range(0, n, block):
        chunk = audio[offset : offset + block]
        for c in get_speech_timestamps(chunk, vad):
            start, end = offset + int(c["start"]), offset + int(c["end"])
            if spans and start - spans[-1][1] < join and end - spans[-1][0] <= max_len:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return _pad_spans(spans, n, int(VAD_PAD_S * SAMPLE_RATE), max_len)


def _pad_spans(spans: list[tuple[int, int]], n: int, pad: int, max_len: int) -> list[Span]:
    """Widen speech spans with real audio around them, merging spans that then touch."""
    out: list[Span] = []
    for start, end in spans:
        a, b = max(0, start - pad), min(n, end + pad)
        if out and a <= out[-1].end and b - out[-1].start <= max_len:
            out[-1] = Span(out[-1].start, b, out[-1].speech_start, end)
        else:
            if out:
                a = max(a, out[-1].end)
            out.append(Span(a, b, start, end))
    return out


def pack_windows(
    turns: Sequence[tuple[int, np.ndarray, Span]],
    max_window_s: float,
    *,
    pack: bool = False,
    split_pause_s: float | None = None,
) -> list[Window]:
    """Windows of a call's speech: its turns packed up to 30 s, or one window per turn.

    ``turns`` are ``(stream, samples of that stream, span)``; the caller passes the turns
    of both channels of one call in time order, so a window holds the conversation as it
    went (agent, caller, agent…) and fills up whichever channel is talking.

    Packing cuts encoder passes several-fold. Whisper's *segment* timestamps inside a
    window of several turns are coarse (whole seconds with ``base``), so turns landed on
    the wrong piece and out of order; the decoder therefore runs with word timestamps
    and :func:`_split_by_piece` puts each word back on its turn. Measured on 198 s of a
    stereo call built from ``asr_eval/zh`` (decoding only, 2 cores, base int8, packing
    each channel apart): one window per span 7.9x real time, CER 14.9%; packed with
    segment times 22.6x, CER 43.8%; packed with word times 22.1x, CER 12.6%.
    """
    max_len = int(max_window_s * SAMPLE_RATE)
    windows: list[Window] = []
    parts: list[np.ndarray] = []
    pieces: list[Piece] = []
    filled = 0
    for stream, audio, (start, end, speech_start, speech_end) in turns:
        length = end - start
        if length <= 0:
            continue
        if pieces and (not pack or filled + length > max_len):
            windows.append(Window(np.concatenate(parts), pieces, split_pause_s))
            parts, pieces, filled = [], [], 0
        parts.append(audio[start:end])
        pieces.append(Piece(stream, filled, length, start, speech_start, speech_end))
        filled += length
    if pieces:
        windows.append(Window(np.concatenate(parts), pieces, split_pause_s))
    return windows


class WhisperEngine:
    """A loaded model plus the decoding options; decodes windows in batches."""

    def __init__(self, model_path: Path, options: AsrOptions) -> None:
        self.options = options
        self.device = resolve_device(options.device)
        self.compute_type = resolve_compute_type(options.compute_type, self.device)
        self.model = load_model(model_path, self.device, self.compute_type, cpu_threads(options))
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import BatchedInferencePipeline, TranscriptionOptions

        multilingual_model = bool(self.model.model.is_multilingual)
        language = options.language
        if not multilingual_model:
            if language not in (None, "en"):
                raise ConfigError(
                    f"speech model {model_path} is English-only but language is {language!r}"
                )
            language = "en"
        self.language = language
        self.tokenizer = Tokenizer(
            self.model.hf_tokenizer,
            multilingual_model,
            task="transcribe",
            language=language or "en",
        )
        self.pipeline = BatchedInferencePipeline(self.model)
        self.transcription_options = TranscriptionOptions(
            beam_size=options.beam_size,
            best_of=5,
            patience=1.0,
            length_penalty=1.0,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
            log_prob_threshold=-1.0,
            no_speech_threshold=0.6,
            compression_ratio_threshold=2.4,
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            temperatures=list(DECODE_TEMPERATURES),
            initial_prompt=options.initial_prompt,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=[-1],
            without_timestamps=False,
            max_initial_timestamp=0.0,
            word_timestamps=True,
            prepend_punctuations="\"'“¿([{-",
            append_punctuations="\"'.。,，!！?？:：”)]}、",
            multilingual=language is None and multilingual_model,
            max_new_tokens=None,
            clip_timestamps=[],
            hallucination_silence_threshold=None,
            hotwords=options.hotwords or None,
        )
        from faster_whisper.transcribe import get_suppressed_tokens

        self.transcription_options.suppress_tokens = get_suppressed_tokens(self.tokenizer, [-1])

    def decode(
        self,
        windows: Sequence[Window],
        progress: Callable[[int], None] | None = None,
    ) -> list[RawSegment]:
        """Decode windows (from any streams) in batches of ``options.batch_size``.

        Args:
            windows: Windows to decode; longest first is best for padding but any order
                works.
            progress: Called with the number of windows done after each batch.

        Returns:
            Segments in stream time, grouped by window in input order.

        A turn of a packed window that got no words at all (Whisper sometimes stops
        early in a window of several turns) is decoded again on its own, so speech VAD
        heard is not lost to packing; measured on a two-hour recording with three
        sentences packed into one window, the third came back only this way.
        """
        from faster_whisper.audio import pad_or_trim

        out: list[RawSegment] = []
        retry: list[Window] = []
        bs = self.options.batch_size
        extractor = self.model.feature_extractor
        for i in range(0, len(windows), bs):
            batch = windows[i : i + bs]
            feats = np.stack([pad_or_trim(extractor(w.audio)[..., :-1]) for w in batch])
            meta = [{"offset": 0.0, "duration": w.audio.shape[0] / SAMPLE_RATE} for w in batch]
            self.pipeline.last_speech_timestamp = 0.0  # windows are unrelated
            try:
                results = self.pipeline.forward(
                    feats, self.tokenizer, meta, self.transcription_options
                )
            except (RuntimeError, ValueError) as exc:
                raise AsrError(f"speech model failed on a batch: {exc}") from exc
            for window, segments in zip(batch, results, strict=True):
                raws = _split_by_piece(window, segments)
                out.extend(raws)
                if len(window.pieces) > 1:
                    retry.extend(_orphans(window, raws))
            if progress is not None:
                progress(len(batch))
        if retry:
            log.info(
                "decoding %d turn(s) again on their own (no words in packed window)", len(retry)
            )
            out.extend(self.decode(retry))
        return out


def _orphans(window: Window, raws: Sequence[RawSegment]) -> list[Window]:
    """Single-turn windows for the pieces of ``window`` that got no text."""
    out = []
    for p in window.pieces:
        lo, hi = p.stream_start / SAMPLE_RATE, (p.stream_start + p.length) / SAMPLE_RATE
        if any(r.stream == p.stream and lo <= r.start < hi and r.text.strip() for r in raws):
            continue
        audio = window.audio[p.window_start : p.window_start + p.length]
        single = Piece(p.stream, 0, p.length, p.stream_start, p.speech_start, p.speech_end)
        out.append(Window(audio, [single], window.split_pause_s))
    return out


def _split_by_piece(window: Window, segments: Sequence[dict[str, Any]]) -> list[RawSegment]:
    """A window's decoded segments → raw segments, each inside one piece (turn).

    Whisper's segment timestamps inside a packed window are coarse; its word timestamps
    (cross-attention alignment) put each word on the right turn. Words go to the piece
    their midpoint falls in; a run of words of one segment in one piece becomes one raw
    segment with the times of its words, except that a turn's first run starts and its
    last run ends where VAD heard the speech start and end (word times drift at the
    edges of a turn by half a second and more; VAD's do not).
    """
    runs: list[tuple[Piece, dict[str, Any], list[dict[str, Any]]]] = []
    out: list[RawSegment] = []
    for seg in segments:
        words = [w for w in seg.get("words") or () if str(w.get("word", "")).strip()]
        if not words:
            piece = window.piece_at(round(float(seg["start"]) * SAMPLE_RATE))
            start = window.to_stream_time(float(seg["start"]), is_end=False)
            end = window.to_stream_time(float(seg["end"]), is_end=True)
            out.append(_raw(piece.stream, seg, start, end, str(seg["text"]), None))
            continue
        for w in words:
            mid = round((float(w["start"]) + float(w["end"])) / 2 * SAMPLE_RATE)
            piece = window.piece_at(mid)
            paused = (
                window.split_pause_s is not None
                and bool(runs)
                and float(w["start"]) - float(runs[-1][2][-1]["end"]) >= window.split_pause_s
            )
            if runs and runs[-1][0] is piece and runs[-1][1] is seg and not paused:
                runs[-1][2].append(w)
            else:
                runs.append((piece, seg, [w]))
    for i, (piece, seg, ws) in enumerate(runs):
        lo = piece.stream_start / SAMPLE_RATE
        hi = (piece.stream_start + piece.length) / SAMPLE_RATE
        shift = (piece.stream_start - piece.window_start) / SAMPLE_RATE
        start = min(max(float(ws[0]["start"]) + shift, lo), hi)
        end = min(max(float(ws[-1]["end"]) + shift, start), hi)
        if i == 0 or runs[i - 1][0] is not piece:  # the turn's first words
            start = min(piece.speech_start / SAMPLE_RATE, end)
        if i == len(runs) - 1 or runs[i + 1][0] is not piece:  # the turn's last words
            end = max(piece.speech_end / SAMPLE_RATE, start)
        prob = float(np.mean([float(w.get("probability", 0.0)) for w in ws]))
        text = "".join(str(w["word"]) for w in ws)
        out.append(_raw(piece.stream, seg, start, end, text, prob))
    return out


def _raw(
    stream: int, seg: dict[str, Any], start: float, end: float, text: str, prob: float | None
) -> RawSegment:
    return RawSegment(
        stream=stream,
        start=round(start, 3),
        end=round(max(end, start), 3),
        text=text,
        avg_logprob=float(seg["avg_logprob"]),
        no_speech_prob=float(seg["no_speech_prob"]),
        compression_ratio=float(seg["compression_ratio"]),
        word_probability=prob,
    )
