"""The decoded audio a night holds at once is bounded by QA_NIGHT_MAX_AUDIO_MB, whatever
the headers claim (issue 20): a recording that alone needs more is refused in one line
before its buffer is allocated; the others wait for room; decoding never holds more than
was reserved."""

from __future__ import annotations

import struct
import threading
import time
import tracemalloc
import wave
from pathlib import Path

import pytest

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.audio import decode_audio
from qa_pipeline.audio.budget import AudioBudget, night_budget
from qa_pipeline.config import load_settings
from qa_pipeline.errors import UnsupportedAudioError
from qa_pipeline.night.config import stage_config

MB = 1_000_000


def _wav(path: Path, rate: int, frames: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * channels * frames)
    return path


def _lying_wav(path: Path, rate: int, claimed_bytes: int, real_frames: int) -> Path:
    """A WAV whose RIFF and data sizes claim ``claimed_bytes`` of samples (a crafted header)."""
    data = b"\x01\x00" * real_frames
    fmt = struct.pack("<HHIIHH", 1, 2, rate, rate * 4, 4, 16)  # PCM, stereo, 16-bit
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data"
    body += struct.pack("<I", claimed_bytes) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", min(claimed_bytes + 36, 2**32 - 1)) + body)
    return path


def test_a_header_claiming_more_than_the_file_holds_decodes_no_more(tmp_path: Path) -> None:
    # 2 KB on disk; its header claims 4 GB of samples: the demuxer reads what is there
    path = _lying_wav(tmp_path / "claims.wav", 16000, 2**32 - 100, real_frames=500)
    budget = AudioBudget(1 * MB)
    decoded = decode_audio(path, max_duration_s=None, budget=budget)
    assert decoded.reserved_bytes <= 1 * MB and budget.held == decoded.reserved_bytes


def test_a_small_file_that_decodes_large_is_refused_before_allocation(tmp_path: Path) -> None:
    # 4.8 MB on disk at 4 kHz mono, 600 s: 38 MB as 16 kHz float32; no duration limit
    path = _wav(tmp_path / "amplifies.wav", rate=4000, frames=4000 * 600)
    budget = AudioBudget(16 * MB)
    tracemalloc.start()
    try:
        with pytest.raises(UnsupportedAudioError) as err:
            decode_audio(path, max_duration_s=None, budget=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(err.value)
    assert "\n" not in message and "QA_NIGHT_MAX_AUDIO_MB" in message, message
    assert "over the night's limit of 16 MB" in message
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MiB allocated before refusing"
    assert budget.held == 0 and budget.peak == 0


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_a_recording_alone_over_the_budget_is_refused_in_one_line(
    tmp_path: Path, rate: int
) -> None:
    path = _wav(tmp_path / "long.wav", rate=rate, frames=rate * 40, channels=2)  # 40 s
    budget = AudioBudget(4 * MB)  # 40 s of 16 kHz stereo float32 is 5.1 MB
    with pytest.raises(UnsupportedAudioError, match=r"needs [5-6] MB of decoded audio"):
        decode_audio(path, budget=budget)
    assert budget.held == 0
    assert decode_audio(path, budget=AudioBudget(7 * MB)).duration_s == pytest.approx(40, abs=0.1)


def test_a_failed_decode_hands_its_reservation_back(tmp_path: Path) -> None:
    path = _lying_wav(tmp_path / "cut.wav", 16000, 16000 * 4 * 30, real_frames=0)  # no samples
    budget = AudioBudget(64 * MB)
    with pytest.raises(Exception):  # noqa: B017 - whichever decode error: it must release
        decode_audio(path, budget=budget)
    assert budget.held == 0


def test_concurrent_decodes_never_hold_more_than_the_budget(tmp_path: Path) -> None:
    paths = [_wav(tmp_path / f"c{k}.wav", 8000, 8000 * 10, channels=2) for k in range(8)]
    one = 10 * 16000 * 2 * 4  # 10 s of 16 kHz stereo float32: 1.28 MB
    budget = AudioBudget(int(2.5 * one) + 200_000)  # room for two at once
    errors: list[BaseException] = []

    def work(path: Path) -> None:
        try:
            decoded = decode_audio(path, budget=budget)
            time.sleep(0.05)  # held while "transcribed"
            assert decoded.reserved_bytes >= decoded.samples.nbytes
            budget.release(decoded.reserved_bytes)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert budget.held == 0
    assert one <= budget.peak <= budget.max_bytes  # type: ignore[operator]


def test_the_setting_reaches_the_transcriber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_pipeline.night.stages import _asr_options

    monkeypatch.setenv("QA_NIGHT_MAX_AUDIO_MB", "300")
    config = stage_config(load_settings(data_dir=tmp_path), None)
    options = _asr_options(config, "zh")
    assert options.max_audio_mb == 300.0
    assert "max_audio_mb" not in options.identity()  # the cache key does not change
    assert AsrOptions().max_audio_mb is None
    assert night_budget(300.0) is night_budget(300.0)  # one budget per process
    assert night_budget(300.0).max_bytes == 300 * MB
    assert night_budget(0).max_bytes is None


class _HeldBatch:
    """A batch's side of the protocol: what it holds, handed back when it transcribes."""

    def __init__(self, budget: AudioBudget) -> None:
        self.budget, self.held, self.flushed = budget, [], 0

    def flush(self) -> None:
        for n in self.held:
            self.budget.release(n)
        self.held.clear()
        self.flushed += 1


def test_a_batch_hands_its_audio_back_before_it_waits() -> None:
    from qa_pipeline.asr.stage import _BatchBudget

    budget = AudioBudget(100)
    batch = _HeldBatch(budget)
    door = _BatchBudget(budget, batch)  # type: ignore[arg-type]
    door.reserve(60, "a")
    batch.held.append(60)
    done = threading.Event()

    def second() -> None:
        door.reserve(60, "b")  # waits for ever if the batch kept its 60 while waiting
        done.set()

    threading.Thread(target=second, daemon=True).start()
    assert done.wait(10), "deadlock: the batch waited while holding audio"
    assert batch.flushed == 1 and budget.held == 60 and budget.peak == 60
    with pytest.raises(UnsupportedAudioError, match="over the night's limit"):
        door.reserve(101, "c")


def test_others_wait_until_audio_is_handed_back() -> None:
    budget = AudioBudget(100)
    budget.reserve(80, "held by another chunk")
    got = threading.Event()
    threading.Thread(target=lambda: (budget.reserve(50, "w"), got.set()), daemon=True).start()
    assert not got.wait(0.3)  # no room: it waits
    budget.release(80)
    assert got.wait(10) and budget.held == 50
