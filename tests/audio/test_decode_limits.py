"""Decoding refuses memory amplification before it allocates (issue 20).

A 43 KB WAV declaring 1 Hz held three hours of "audio" at 16 kHz (1.4 GB of float32);
audio far longer than the manifest says is refused as ``longer_than_manifest``.
"""

from __future__ import annotations

import tracemalloc
import wave
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.audio import decode_audio
from qa_pipeline.config import load_settings
from qa_pipeline.errors import LongerThanManifestError, UnsupportedAudioError
from qa_pipeline.night.config import stage_config


def _wav(path: Path, rate: int, frames: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * channels * frames)
    return path


def test_one_hertz_wav_is_refused_before_its_samples_are_allocated(tmp_path: Path) -> None:
    path = _wav(tmp_path / "one_hz.wav", rate=1, frames=10_750, channels=2)  # 43 KB: 3 h
    assert path.stat().st_size < 44_000
    tracemalloc.start()
    try:
        with pytest.raises(UnsupportedAudioError, match=r"sample rate 1 Hz is below .* 4000 Hz"):
            decode_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB allocated before refusing"


def test_min_sample_rate_is_a_parameter(tmp_path: Path) -> None:
    path = _wav(tmp_path / "low.wav", rate=2000, frames=2000)
    with pytest.raises(UnsupportedAudioError, match="2000 Hz"):
        decode_audio(path)
    assert decode_audio(path, min_sample_rate=1000).duration_s == pytest.approx(1.0, abs=0.01)


def test_audio_far_longer_than_the_manifest_is_refused_up_front(tmp_path: Path) -> None:
    path = _wav(tmp_path / "long.wav", rate=8000, frames=8000 * 200)  # 200 s
    with pytest.raises(LongerThanManifestError, match="longer_than_manifest") as err:
        decode_audio(path, expected_duration_s=30.0)  # over 2 × 30 + 60 s
    assert err.value.kind == "longer_than_manifest"
    assert "200 s" in str(err.value) and "manifest says 30 s" in str(err.value)
    assert decode_audio(path, expected_duration_s=90.0).duration_s == pytest.approx(200, abs=0.1)
    with pytest.raises(UnsupportedAudioError, match="limit is 100 s"):
        decode_audio(path, max_duration_s=100.0, expected_duration_s=90.0)


def test_limits_are_settings_that_reach_the_decoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_pipeline.asr import stage
    from qa_pipeline.models import CallMeta, Recording
    from qa_pipeline.night.stages import _asr_options

    monkeypatch.setenv("QA_MIN_SAMPLE_RATE", "8000")
    monkeypatch.setenv("QA_MAX_AUDIO_DURATION_S", "600")
    config = stage_config(load_settings(data_dir=tmp_path), None)
    options = _asr_options(config, "zh")
    assert (options.min_sample_rate, options.max_audio_duration_s) == (8000, 600.0)
    assert "min_sample_rate" not in options.identity()  # the cache key does not change
    seen = {}

    def decode(path: Path, **kwargs: object) -> None:
        seen.update(kwargs)
        raise UnsupportedAudioError("stop")

    monkeypatch.setattr(stage.audio, "decode_audio", decode)
    rec = Recording(path=tmp_path / "a.wav", meta=CallMeta(call_id="c", duration_s=42.0))
    with pytest.raises(UnsupportedAudioError):
        stage._prepare(SimpleNamespace(options=AsrOptions(min_sample_rate=8000)), 0, rec, "k")  # type: ignore[arg-type]
    assert seen == {
        "max_duration_s": 14400.0,
        "min_sample_rate": 8000,
        "expected_duration_s": 42.0,
        "budget": None,  # AsrOptions.max_audio_mb unset: no night budget
    }
