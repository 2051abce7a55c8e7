"""Options of the speech-to-text stage (one frozen dataclass, documented defaults)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qa_pipeline.errors import ConfigError

_DEVICES = ("auto", "cpu", "cuda")
_COMPUTE_TYPES = ("auto", "int8", "int8_float16", "int8_float32", "float16", "float32", "bfloat16")


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """Knobs of speech-to-text.

    Attributes:
        model: Registry name (``base``, ``tiny.en``, ``large-v3``...) or a CTranslate2
            model directory.
        device: ``auto`` (GPU if CTranslate2 sees one, else CPU), ``cpu`` or ``cuda``.
        compute_type: ``auto`` (float16 on GPU, int8 on CPU) or a CTranslate2 type.
        language: Spoken language (``zh``); ``None`` lets Whisper detect it per window.
        beam_size: Beam width of the decoder (5, as Whisper's reference decoding).
        batch_size: Windows (up to 30 s of speech each) decoded together; windows from
            many calls and both channels share a batch.
        vad: Silero VAD (inside faster-whisper) keeps only speech; off transcribes every
            30 s of the channel.
        condition_on_previous_text: Kept ``False``: windows are decoded independently,
            which stops one hallucination from feeding the next.
        cpu_threads: CTranslate2 intra-op threads on CPU (0: its default).
        initial_prompt: Text given to the decoder as context. ``None`` by default: the
            prompt 「以下是普通话的句子。」 measured worse and leaked into output.
        hotwords: Domain terms given to the decoder as context (faster-whisper
            ``hotwords``), e.g. :func:`qa_pipeline.asr.vocabulary.hotwords_for_rubric`;
            ``None`` (default) gives none. Segments that copy the hint are dropped.
        correct_terms: Domain terms joined with 、 (e.g.
            ``correct.correction_text(correct.correction_terms(rubric))``) put back
            where the output sounds like them (汽水 → 契税, 欢误员 → 话务员); ``None``
            (default): no correction.
        echo_gate: In stereo calls, silence the stretches of each channel where it
            only carries the other side's voice leaking through (line echo,
            crosstalk), so a leaked turn never becomes a segment; real overlaps stay
            (``qa_pipeline.audio.echo``).
        channels: Channel map, ``left=agent,right=caller`` (stereo) or ``mono``.
        group_size: Recordings decoded and held in memory at once (bounds memory).
        max_window_s: Longest window of speech (Whisper's 30 s).
        pack_turns: Pack the turns of a call's channels, in time order, into windows of
            up to ``max_window_s`` (far fewer encoder passes); word timestamps put each
            word back on its turn. Off: one window per turn (see ``whisper.pack_windows``).
        min_sample_rate: Refuse audio whose header declares a lower rate (``QA_MIN_SAMPLE_RATE``).
        max_audio_duration_s: Refuse audio longer than this (``QA_MAX_AUDIO_DURATION_S``);
            audio much longer than the manifest's ``duration_s`` is refused too.
        max_audio_mb: Decoded audio held at once in this process, in MB
            (``QA_NIGHT_MAX_AUDIO_MB``; :mod:`qa_pipeline.audio.budget`); ``None`` or 0:
            no limit but ``group_size``.
    """

    model: str = "base"
    device: str = "auto"
    compute_type: str = "auto"
    language: str | None = "zh"
    beam_size: int = 5
    batch_size: int = 8
    vad: bool = True
    condition_on_previous_text: bool = False
    cpu_threads: int = 0
    initial_prompt: str | None = None
    hotwords: str | None = None
    correct_terms: str | None = None
    echo_gate: bool = True
    channels: str = "left=agent,right=caller"
    group_size: int = 16
    max_window_s: float = 30.0
    pack_turns: bool = True
    min_sample_rate: int = 4000
    max_audio_duration_s: float | None = 4 * 3600.0
    max_audio_mb: float | None = None

    def __post_init__(self) -> None:
        if self.device not in _DEVICES:
            raise ConfigError(f"ASR device must be one of {', '.join(_DEVICES)}: {self.device!r}")
        if self.compute_type not in _COMPUTE_TYPES:
            raise ConfigError(
                f"ASR compute type must be one of {', '.join(_COMPUTE_TYPES)}: "
                f"{self.compute_type!r}"
            )
        if self.beam_size < 1 or self.batch_size < 1 or self.group_size < 1:
            raise ConfigError("ASR beam_size, batch_size and group_size must be at least 1")
        if not 1.0 <= self.max_window_s <= 30.0:
            raise ConfigError("ASR max_window_s must be between 1 and 30 seconds")
        if self.cpu_threads < 0:
            raise ConfigError("ASR cpu_threads must be 0 (default) or more")

    def identity(self) -> dict[str, str]:
        """Options that change the text (for the cache key and ``Transcript.asr_options``).

        Batch and group sizes and threads do not change the result, so they are left out.
        """
        data = asdict(self)
        for key in (
            "batch_size",
            "group_size",
            "cpu_threads",
            "model",
            "device",
            "min_sample_rate",
            "max_audio_duration_s",
            "max_audio_mb",
        ):
            data.pop(key)
        return {k: str(v) for k, v in sorted(data.items())}
