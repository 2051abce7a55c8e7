"""Tests of qa_pipeline.audio on real files made with ffmpeg and espeak-ng, and numpy calls."""

from __future__ import annotations

import logging
import subprocess
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa_pipeline.audio import (
    SAMPLE_RATE,
    DecodedAudio,
    DiarizationResult,
    assign_roles,
    audio_content_hash,
    compute_metrics,
    decode_audio,
    diarize_spans,
    parse_channel_map,
    rms_dbfs,
    split_channels,
)
from qa_pipeline.errors import AudioDecodeError, ConfigError, UnsupportedAudioError
from qa_pipeline.models import AGENT, CALLER, UNKNOWN, Segment

SR = SAMPLE_RATE


# --------------------------------------------------------------------------- helpers


def run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=60)


def lavfi(ffmpeg: str, source: str, out: Path, *args: str) -> Path:
    """Render an ffmpeg lavfi ``source`` (e.g. ``sine=...``) to ``out`` with ``args``."""
    run(ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, *args, str(out))
    return out


@pytest.fixture
def make_tone(tmp_path: Path, ffmpeg: str) -> Callable[..., Path]:
    """``make_tone(name, *codec_args, rate=, channels=, seconds=, freq=)`` → a sine file."""

    def make(
        name: str,
        *codec_args: str,
        rate: int = 8000,
        channels: int = 1,
        seconds: float = 2.0,
        freq: float = 440.0,
    ) -> Path:
        source = f"sine=frequency={freq}:duration={seconds}:sample_rate={rate}"
        return lavfi(
            ffmpeg, source, tmp_path / name, "-ac", str(channels), "-ar", str(rate), *codec_args
        )

    return make


def write_wav(path: Path, samples: np.ndarray, rate: int = SR) -> Path:
    """Write float samples ``(n,)`` or ``(channels, n)`` as 16-bit PCM WAV."""
    data = np.atleast_2d(samples)
    pcm = (np.clip(data, -1.0, 1.0) * 32767).astype("<i2").T.copy()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def peak_hz(x: np.ndarray) -> float:
    """Frequency of the strongest FFT bin of the middle second of ``x`` (16 kHz)."""
    mid = x.size // 2
    seg = x[max(0, mid - SR // 2) : mid + SR // 2] * np.hanning(min(SR, x.size))
    spec = np.abs(np.fft.rfft(seg))
    return float(np.fft.rfftfreq(seg.size, 1 / SR)[int(np.argmax(spec))])


def voiced(f0: float, seconds: float, amp: float = 0.1, sr: int = SR) -> np.ndarray:
    """A voice-like buzz: ten harmonics of ``f0`` falling off as 1/k."""
    t = np.arange(int(seconds * sr)) / sr
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 11))
    x = np.asarray(x)
    return (amp * x / np.max(np.abs(x))).astype(np.float32)


def decoded(samples: np.ndarray, rate: int | None = SR) -> DecodedAudio:
    data = np.atleast_2d(samples).astype(np.float32)
    return DecodedAudio(data, rate, data.shape[0], data.shape[1] / SR, "pcm_s16le", "wav")


# --------------------------------------------------------------------------- decoding

FORMATS = [
    ("pcm16_8k.wav", ("-c:a", "pcm_s16le"), 8000, 1),
    ("pcm24.wav", ("-c:a", "pcm_s24le"), 16000, 1),
    ("pcm32.wav", ("-c:a", "pcm_s32le"), 22050, 1),
    ("mulaw.wav", ("-c:a", "pcm_mulaw"), 8000, 1),
    ("alaw.wav", ("-c:a", "pcm_alaw"), 8000, 1),
    ("call.mp3", ("-c:a", "libmp3lame", "-b:a", "64k"), 22050, 1),
    ("call.flac", ("-c:a", "flac"), 16000, 1),
    ("call.ogg", ("-c:a", "libopus", "-b:a", "32k"), 48000, 1),
    ("call.m4a", ("-c:a", "aac", "-b:a", "64k"), 16000, 1),
    ("stereo_44k.wav", ("-c:a", "pcm_s16le"), 44100, 2),
]


@pytest.mark.parametrize(
    ("name", "codec", "rate", "channels"), FORMATS, ids=[f[0] for f in FORMATS]
)
def test_decode_formats(
    make_tone: Callable[..., Path], name: str, codec: tuple[str, ...], rate: int, channels: int
) -> None:
    path = make_tone(name, *codec, rate=rate, channels=channels, seconds=2.0)
    d = decode_audio(path)
    assert d.samples.dtype == np.float32
    assert d.samples.shape[0] == channels == d.source_channels
    assert d.source_sample_rate == rate
    assert d.duration_s == pytest.approx(2.0, abs=0.05)
    assert d.samples.shape[1] == pytest.approx(2.0 * SR, abs=0.05 * SR)
    assert d.duration_s == d.samples.shape[1] / SR
    assert d.source_codec and d.source_format
    for row in d.samples:
        assert peak_hz(row) == pytest.approx(440.0, abs=3.0)
        assert -25.0 < rms_dbfs(row) < -18.0  # lavfi sine: amplitude 1/8


def test_decode_max_duration(make_tone: Callable[..., Path]) -> None:
    path = make_tone("long.wav", rate=8000, seconds=2.0)
    with pytest.raises(UnsupportedAudioError, match="limit"):
        decode_audio(path, max_duration_s=1.0)
    assert decode_audio(path, max_duration_s=None).duration_s == pytest.approx(2.0, abs=0.01)


def test_decode_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.wav"
    with pytest.raises(AudioDecodeError, match="not found") as err:
        decode_audio(path)
    assert str(err.value).startswith(str(path))


def test_decode_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioDecodeError, match="empty") as err:
        decode_audio(path)
    assert str(err.value).startswith(str(path))


def test_decode_text_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("call 20261121-0007: caller asked about the deed tax\n" * 20, encoding="utf-8")
    with pytest.raises(AudioDecodeError, match="text file") as err:
        decode_audio(path)
    assert str(err.value).startswith(str(path))


def test_decode_zero_length_wav(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"")
    with pytest.raises(AudioDecodeError, match="zero-length") as err:
        decode_audio(path)
    assert str(err.value).startswith(str(path))


def test_decode_truncated_wav(
    make_tone: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    path = make_tone("full.wav", rate=8000, seconds=2.0)
    data = path.read_bytes()
    cut = path.with_name("cut.wav")
    cut.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="qa_pipeline.audio"):
        d = decode_audio(cut)  # the audio that is there, with a warning
    assert 0.8 < d.duration_s < 1.2
    assert "truncated" in caplog.text


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("cut.ogg", ("-c:a", "libopus")),
        ("cut.flac", ("-c:a", "flac")),
        ("cut.mp3", ("-c:a", "libmp3lame")),
        ("cut.m4a", ("-c:a", "aac")),
    ],
)
def test_decode_truncated_compressed(
    make_tone: Callable[..., Path], name: str, codec: tuple[str, ...]
) -> None:
    path = make_tone("whole_" + name, *codec, rate=16000, seconds=4.0)
    data = path.read_bytes()
    cut = path.with_name(name)
    cut.write_bytes(data[: int(len(data) * 0.6)])
    try:
        d = decode_audio(cut)
    except AudioDecodeError as exc:  # M4A keeps its index at the end: nothing to read
        assert str(exc).startswith(f"{cut}: ")
        assert "truncated or corrupt" in str(exc)
    else:
        assert 1.5 < d.duration_s < 3.0
        assert peak_hz(d.samples[0]) == pytest.approx(440.0, abs=3.0)


def test_decode_truncated_header_only(make_tone: Callable[..., Path]) -> None:
    path = make_tone("full2.wav", rate=8000, seconds=1.0)
    cut = path.with_name("header.wav")
    cut.write_bytes(path.read_bytes()[:44])
    with pytest.raises(AudioDecodeError, match="no audio samples") as err:
        decode_audio(cut)
    assert str(err.value).startswith(str(cut))


def test_decode_corrupt_middle_keeps_audio(make_tone: Callable[..., Path]) -> None:
    path = make_tone("ok.mp3", "-c:a", "libmp3lame", rate=16000, seconds=3.0)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 400] = np.random.default_rng(1).integers(0, 256, 400, dtype=np.uint8).tobytes()
    bad = path.with_name("bad.mp3")
    bad.write_bytes(bytes(data))
    d = decode_audio(bad)
    assert d.duration_s > 1.5


class _FailingDemux:
    """A real PyAV container whose demuxer raises after ``after`` packets."""

    def __init__(self, container: Any, after: int) -> None:
        self._c, self._after = container, after
        self.format, self.streams, self.duration = (
            container.format,
            container.streams,
            container.duration,
        )

    def demux(self, stream: Any) -> Iterator[Any]:
        import av

        for i, packet in enumerate(self._c.demux(stream)):
            if i == self._after:
                raise av.error.InvalidDataError(-1094995529, "Invalid data found")
            yield packet


@pytest.mark.parametrize("after", [0, 40])
def test_decode_error_mid_stream(
    make_tone: Callable[..., Path], caplog: pytest.LogCaptureFixture, after: int
) -> None:
    import av

    from qa_pipeline.audio.decode import _decode_container

    path = make_tone("mid.mp3", "-c:a", "libmp3lame", rate=16000, seconds=3.0)
    with av.open(str(path)) as container:
        failing = _FailingDemux(container, after)
        if after == 0:  # nothing decoded: a clear error
            with pytest.raises(AudioDecodeError, match="truncated or corrupt") as err:
                _decode_container(path, failing, None)
            assert str(err.value).startswith(str(path))
            return
        with caplog.at_level(logging.WARNING, logger="qa_pipeline.audio"):
            d = _decode_container(path, failing, None)
    assert 0.5 < d.duration_s < 2.0  # the frames before the error are kept
    assert "reading stopped" in caplog.text


def test_decode_three_channels(make_tone: Callable[..., Path]) -> None:
    path = make_tone("three.wav", rate=8000, channels=3, seconds=0.5)
    with pytest.raises(UnsupportedAudioError, match="3 channels; only mono or stereo") as err:
        decode_audio(path)
    assert str(err.value).startswith(str(path))


def test_decode_no_audio_stream(tmp_path: Path, ffmpeg: str) -> None:
    path = lavfi(ffmpeg, "testsrc=d=0.2:s=32x32", tmp_path / "video.mkv", "-c:v", "ffv1")
    with pytest.raises(UnsupportedAudioError, match="no audio stream"):
        decode_audio(path)


def test_content_hash(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav", voiced(150, 0.5))
    b = tmp_path / "b.wav"
    b.write_bytes(a.read_bytes())
    c = write_wav(tmp_path / "c.wav", voiced(151, 0.5))
    assert audio_content_hash(a) == audio_content_hash(b)
    assert audio_content_hash(a) != audio_content_hash(c)
    assert len(audio_content_hash(a)) == 64
    with pytest.raises(AudioDecodeError):
        audio_content_hash(tmp_path / "missing.wav")


# --------------------------------------------------------------------------- channels


def test_parse_channel_map() -> None:
    assert parse_channel_map("left=agent,right=caller") == {0: AGENT, 1: CALLER}
    assert parse_channel_map("right=agent,left=caller") == {1: AGENT, 0: CALLER}
    assert parse_channel_map(" Left = Caller , Right = Agent ") == {0: CALLER, 1: AGENT}
    assert parse_channel_map("mono") is None


@pytest.mark.parametrize(
    "spec",
    ["", "left=agent", "left=agent,right=agent", "up=agent,down=caller", "agent,caller", "x"],
)
def test_parse_channel_map_bad(spec: str) -> None:
    with pytest.raises(ConfigError, match="left=agent,right=caller"):
        parse_channel_map(spec)


def test_split_real_stereo() -> None:
    left, right = voiced(120, 1.0), np.roll(voiced(230, 1.0), 300)
    d = decoded(np.stack([left, right]))
    out = split_channels(d, "left=agent,right=caller")
    assert set(out) == {AGENT, CALLER}
    np.testing.assert_array_equal(out[AGENT], left)
    swapped = split_channels(d, "right=agent,left=caller")
    np.testing.assert_array_equal(swapped[AGENT], right)
    assert set(split_channels(d, None)) == {UNKNOWN}
    assert set(split_channels(d, {0: CALLER, 1: AGENT})) == {AGENT, CALLER}


def test_split_mono_file(make_tone: Callable[..., Path]) -> None:
    d = decode_audio(make_tone("mono.wav", rate=8000, seconds=0.5))
    out = split_channels(d, "left=agent,right=caller")
    assert list(out) == [UNKNOWN]
    assert out[UNKNOWN].ndim == 1 and out[UNKNOWN].dtype == np.float32


def test_split_identical_stereo_falls_back(make_tone: Callable[..., Path]) -> None:
    d = decode_audio(make_tone("dup.wav", rate=44100, channels=2, seconds=0.5))
    assert list(split_channels(d, "left=agent,right=caller")) == [UNKNOWN]


def test_split_nearly_identical_stereo_falls_back() -> None:
    x = voiced(140, 1.0)
    noise = np.random.default_rng(2).normal(0, 1e-3, x.size).astype(np.float32)
    out = split_channels(decoded(np.stack([x, 0.97 * x + noise])), "left=agent,right=caller")
    assert list(out) == [UNKNOWN]
    assert out[UNKNOWN].shape == x.shape


def test_split_silent_channel_falls_back() -> None:
    x = voiced(140, 1.0)
    out = split_channels(decoded(np.stack([np.zeros_like(x), x])), "left=agent,right=caller")
    assert list(out) == [UNKNOWN]
    np.testing.assert_array_equal(out[UNKNOWN], x)


# --------------------------------------------------------------------------- metrics

AGENT_TEXT_1 = "您好，12345热线，工号1023，很高兴为您服务。"
AGENT_TEXT_2 = "好的，契税按面积和套数确定。"


def synthetic_call() -> tuple[dict[str, np.ndarray], list[Segment], DecodedAudio]:
    """A 20 s stereo call: agent 0.5–4 and 10–14 s, caller 4.5–7 and 13–16 s."""
    n = 20 * SR
    rng = np.random.default_rng(7)
    agent = rng.normal(0, 1e-4, n).astype(np.float32)
    caller = rng.normal(0, 1e-4, n).astype(np.float32)
    for a, b in [(0.5, 4.0), (10.0, 14.0)]:
        agent[int(a * SR) : int(b * SR)] += voiced(150, b - a)
    for a, b in [(4.5, 7.0), (13.0, 16.0)]:
        caller[int(a * SR) : int(b * SR)] += voiced(220, b - a)
    segments = [
        Segment(AGENT, 0.5, 4.0, AGENT_TEXT_1),
        Segment(CALLER, 4.5, 7.0, "你好，我想问一下契税。"),
        Segment(AGENT, 10.0, 14.0, AGENT_TEXT_2),
        Segment(CALLER, 13.0, 16.0, "那我要交多少？"),
    ]
    source = DecodedAudio(np.stack([agent, caller]), 8000, 2, 20.0, "pcm_mulaw", "wav")
    return {AGENT: agent, CALLER: caller}, segments, source


def test_metrics_synthetic_stereo_call() -> None:
    channels, segments, source = synthetic_call()
    m = compute_metrics(channels, segments, source)
    assert m.duration_s == 20.0
    assert (m.sample_rate, m.channels) == (8000, 2)
    assert dict(m.talk_time_s) == {AGENT: 7.5, CALLER: 5.5}
    assert m.silent_gaps == ((7.0, 10.0),)
    assert len(m.overlaps) == 1
    ov = m.overlaps[0]
    assert (ov.start, ov.end, ov.by, ov.over) == (13.0, 14.0, CALLER, AGENT)
    chars = sum(ch.isalnum() for ch in AGENT_TEXT_1 + AGENT_TEXT_2)
    assert m.agent_speech_rate_cpm == pytest.approx(chars / (7.5 / 60), abs=0.01)
    assert len(m.turns) == 4
    assert [t.speaker for t in m.turns] == [AGENT, CALLER, AGENT, CALLER]
    agent_turn, caller_turn = m.turns[0], m.turns[1]
    assert agent_turn.pitch_hz_mean == pytest.approx(150, abs=8)
    assert caller_turn.pitch_hz_mean == pytest.approx(220, abs=10)
    assert -30 < agent_turn.rms_db < -15
    assert m.clipping_ratio == 0.0
    assert m.quality_flags == ()
    assert m.to_dict()["overlaps"][0]["by"] == CALLER


def test_metrics_pitch_200hz() -> None:
    x = voiced(200, 1.5, amp=0.3)
    m = compute_metrics({UNKNOWN: x}, [Segment(UNKNOWN, 0.0, 1.5, "喂")])
    (turn,) = m.turns
    assert turn.pitch_hz_mean == pytest.approx(200, abs=10)
    assert turn.pitch_hz_std is not None and turn.pitch_hz_std < 10
    assert "mono_fallback" in m.quality_flags


def test_metrics_clipping_flag() -> None:
    t = np.arange(2 * SR) / SR
    x = np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1).astype(np.float32)
    m = compute_metrics({AGENT: x, CALLER: np.zeros_like(x)}, [Segment(AGENT, 0, 2, "您好")])
    assert m.clipping_ratio > 0.1
    assert "clipping" in m.quality_flags
    assert "low_level" not in m.quality_flags


def test_metrics_low_level_flag() -> None:
    x = voiced(180, 2.0, amp=0.004)
    m = compute_metrics({AGENT: x, CALLER: np.zeros_like(x)}, [Segment(AGENT, 0, 2, "您好")])
    assert "low_level" in m.quality_flags
    assert m.turns[0].rms_db < -45


def test_metrics_robust_to_odd_segments() -> None:
    x = voiced(180, 3.0)
    segs = [
        Segment(AGENT, None, None, "没有时间戳"),
        Segment(AGENT, 0.0, 0.01, "嗯"),
        Segment(CALLER, 2.5, 9.0, "超出音频"),
        Segment(CALLER, 5.0, 6.0, "完全在音频之后"),
        Segment(AGENT, 2.0, 1.0, "倒序"),
    ]
    m = compute_metrics({AGENT: x, CALLER: x.copy()}, segs)
    assert m.duration_s == 3.0
    assert dict(m.talk_time_s) == {AGENT: 0.01, CALLER: 0.5}
    assert m.turns[0].pitch_hz_mean is None  # 10 ms is too short for pitch
    empty = compute_metrics({UNKNOWN: np.zeros(SR, dtype=np.float32)}, [])
    assert empty.talk_time_s == () and empty.turns == ()
    assert "no_speech" in empty.quality_flags and empty.agent_speech_rate_cpm is None
    nothing = compute_metrics({}, [])
    assert nothing.duration_s == 0.0
    broken = x.copy()
    broken[100:200] = np.nan
    m = compute_metrics({AGENT: broken}, [Segment(AGENT, 0.0, 3.0, "您好")])
    assert m.turns[0].pitch_hz_mean == pytest.approx(180, abs=9)


# --------------------------------------------------------------------------- diarization

LINES = [
    "Thank you for calling the city hotline, my name is Anna, job number 123.",
    "Hello, I would like to ask about the deed tax for a second hand flat.",
    "Of course. Is this the first home your family is buying in the city?",
    "Yes, it is our first home, and the flat is about ninety square meters.",
    "Then the deed tax rate is one percent of the price on the contract.",
    "Thank you very much, that is all I needed to know today, goodbye.",
]


@pytest.fixture(scope="module")
def espeak_call(
    tmp_path_factory: pytest.TempPathFactory, espeak_ng: str
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A mono call of six alternating turns by two espeak-ng voices (low and high)."""
    folder = tmp_path_factory.mktemp("espeak")
    voices = [("en-us", "20"), ("en-us+f3", "80")]
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    pos = 0
    gap = np.zeros(int(0.4 * SR), dtype=np.float32)
    for i, text in enumerate(LINES):
        voice, pitch = voices[i % 2]
        wav = folder / f"turn{i}.wav"
        run(espeak_ng, "-v", voice, "-p", pitch, "-s", "170", "-w", str(wav), text)
        y = decode_audio(wav).samples[0]
        pieces += [y, gap]
        spans.append((pos / SR, (pos + y.size) / SR))
        pos += y.size + gap.size
    return np.concatenate(pieces), spans


def test_diarize_two_voices(espeak_call: tuple[np.ndarray, list[tuple[float, float]]]) -> None:
    samples, spans = espeak_call
    result = diarize_spans(samples, spans)
    truth = [i % 2 for i in range(len(spans))]
    got = [int(s[-1]) for s in result.speakers]
    correct = max(
        sum(a == b for a, b in zip(got, truth, strict=True)),
        sum(a != b for a, b in zip(got, truth, strict=True)),
    )
    assert correct >= 5
    assert result.speakers[0] == "spk0"
    assert result.confident and 0.25 <= result.confidence <= 1.0

    roles = assign_roles(result, LINES)
    assert roles.speakers[0] == AGENT
    assert roles.speakers[1] == CALLER
    assert roles.confident
    # The agent is whoever says the agent phrases, not simply whoever speaks first.
    swapped = [LINES[1], LINES[0], LINES[3], LINES[2], LINES[5], LINES[4]]
    roles2 = assign_roles(result, swapped)
    assert roles2.speakers[:2] == [CALLER, AGENT]


def test_diarize_degenerate_inputs() -> None:
    x = voiced(150, 2.0)
    assert diarize_spans(x, []).speakers == []
    one = diarize_spans(x, [(0.0, 2.0)])
    assert one.speakers == ["spk0"] and not one.confident
    short = diarize_spans(x, [(0.0, 0.05), (0.1, 0.15), (0.2, 0.22)])
    assert short.speakers == ["spk0"] * 3 and not short.confident


def test_assign_roles_without_cues_is_not_confident() -> None:
    result = DiarizationResult(["spk0", "spk1", "spk0"], 0.8, True)
    roles = assign_roles(result, ["喂", "嗯", "好的"])
    assert roles.speakers == [AGENT, CALLER, AGENT]
    assert not roles.confident
    one = assign_roles(DiarizationResult(["spk0", "spk0"], 0.0, False), ["您好，工号1023", "嗯"])
    assert one.speakers == [AGENT, AGENT] and not one.confident


def test_role_cues_come_from_the_data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mono role cues are data (role_cues.yaml); a malformed file names itself."""
    from qa_pipeline.audio import diarize

    assert "工号" in diarize.AGENT_CUES and "我要投诉" in diarize.CALLER_CUES
    bad = tmp_path / "role_cues.yaml"
    bad.write_text("agent: [工号]\ncaller: 7\n", encoding="utf-8")
    monkeypatch.setattr(diarize, "_ROLE_CUES_FILE", bad)
    diarize.role_cues.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"role_cues\.yaml.*'caller'"):
            diarize.role_cues()
    finally:
        monkeypatch.undo()
        diarize.role_cues.cache_clear()
    assert diarize.role_cues() == (diarize.AGENT_CUES, diarize.CALLER_CUES)
