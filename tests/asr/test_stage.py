"""The speech-to-text stage on real audio with real models (base, tiny.en).

English speech comes from espeak-ng; Mandarin from ``../shared/asr_eval/zh`` (skipped
when absent). Nothing here is mocked: faster-whisper runs the shipped weights.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import transcribe_recordings
from qa_pipeline.errors import AudioDecodeError, UnsupportedAudioError
from qa_pipeline.evaluation.asr import cer, normalise
from qa_pipeline.models import AGENT, CALLER, CallMeta, Recording, Segment
from tests.asr.conftest import SR, read_mono16k

pytestmark = pytest.mark.slow

ZH = AsrOptions(model="base", device="cpu", compute_type="int8", cpu_threads=2, language="zh")
EN = AsrOptions(model="tiny.en", device="cpu", compute_type="int8", cpu_threads=2, language="en")


def rec(path: Path) -> Recording:
    return Recording(path, CallMeta(call_id=path.stem))


def _speech_extent(x: np.ndarray) -> tuple[float, float]:
    """First and last 20 ms frame within 20 dB of the clip's loudest frame (seconds).

    The clips have their own lead-in and tail of silence: the truth for timestamps is
    where the speech is, found here by energy, independently of the stage's VAD.
    """
    hop = SR // 50
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.flatnonzero(db > db.max() - 20.0)
    return loud[0] * hop / SR, (loud[-1] + 1) * hop / SR


def _stereo_call(
    rows: list[dict[str, str]], tmp: Path, a: int, b: int
) -> tuple[Path, dict[str, tuple[float, float, str]]]:
    """Agent clip ``a`` on the left from 0.8 s, caller clip ``b`` on the right 1.2 s after
    it ends; the truth is where each one's speech starts and ends in the call."""
    agent, caller = read_mono16k(rows[a]["path"]), read_mono16k(rows[b]["path"])
    a0 = 0.8
    c0 = a0 + len(agent) / SR + 1.2
    total = int((c0 + len(caller) / SR + 1.0) * SR)
    x = np.zeros((total, 2), dtype=np.float32)
    x[int(a0 * SR) : int(a0 * SR) + len(agent), 0] = agent
    x[int(c0 * SR) : int(c0 * SR) + len(caller), 1] = caller
    path = tmp / "call.wav"
    sf.write(path, x, SR, subtype="PCM_16")
    (as_, ae), (cs, ce) = _speech_extent(agent), _speech_extent(caller)
    truth = {
        AGENT: (a0 + as_, a0 + ae, rows[a]["reference"]),
        CALLER: (c0 + cs, c0 + ce, rows[b]["reference"]),
    }
    return path, truth


def test_english_speech_with_tiny_en(espeak_wav: Path, models_dir: Path) -> None:
    [res] = transcribe_recordings([rec(espeak_wav)], EN, models_dir=models_dir)
    assert res.ok, res.error
    tr = res.transcript
    assert tr is not None
    text = " ".join(s.text for s in tr.segments).lower()
    for word in ("thank", "calling", "help"):
        assert word in text, text
    assert tr.language == "en" and tr.asr_model == "tiny.en"
    for s in tr.segments:
        assert s.start is not None and s.end is not None
        assert 0.0 <= s.start < s.end <= tr.duration_s + 0.01
        assert s.confidence is not None and 0.0 < s.confidence <= 1.0
    assert tr.metrics is not None and tr.metrics.duration_s == pytest.approx(tr.duration_s)


def test_stereo_call_attribution_and_timestamps(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path
) -> None:
    path, truth = _stereo_call(zh_rows, tmp_path, 7, 11)
    [res] = transcribe_recordings([rec(path)], ZH, models_dir=models_dir)
    assert res.ok, res.error
    tr = res.transcript
    assert tr is not None
    for speaker, (start, end, reference) in truth.items():
        segs = [s for s in tr.segments if s.speaker == speaker]
        assert segs, f"no {speaker} segment: {tr.segments}"
        assert segs[0].start == pytest.approx(start, abs=0.5), (speaker, segs)
        assert segs[-1].end == pytest.approx(end, abs=0.5), (speaker, segs)
        hyp = "".join(s.text for s in segs)
        assert cer([reference], [hyp]) < 0.35, (reference, hyp)
    # the agent spoke first and the caller only after the agent finished
    first = tr.segments[0]
    assert first.speaker == AGENT
    assert all(s.speaker == CALLER for s in tr.segments if (s.start or 0) > truth[CALLER][0] - 0.5)
    m = tr.metrics
    assert m is not None and m.channels == 2
    talk = dict(m.talk_time_s)
    assert talk[AGENT] == pytest.approx(truth[AGENT][1] - truth[AGENT][0], abs=1.0)


def test_channel_map_override_swaps_roles(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path
) -> None:
    path, truth = _stereo_call(zh_rows, tmp_path, 9, 10)
    opts = AsrOptions(**{**_kw(ZH), "channels": "left=caller,right=agent"})
    [res] = transcribe_recordings([rec(path)], opts, models_dir=models_dir)
    assert res.transcript is not None
    first = res.transcript.segments[0]
    assert first.speaker == CALLER and first.start == pytest.approx(truth[AGENT][0], abs=0.5)


def _kw(options: AsrOptions) -> dict[str, object]:
    return {f: getattr(options, f) for f in options.__dataclass_fields__}


def _no_speech_files(tmp: Path) -> list[Path]:
    """Ten recordings with no speech: silences, hum, noises, clicks, at telephone rates."""
    rng = np.random.default_rng(7)
    t8 = np.arange(8000 * 12) / 8000
    t16 = np.arange(SR * 12) / SR
    signals: dict[str, tuple[np.ndarray, int]] = {
        "digital_zero": (np.zeros(SR * 10, dtype=np.float32), SR),
        "dither": ((rng.standard_normal(SR * 10) * 1e-4).astype(np.float32), SR),
        "hum50": ((0.05 * np.sin(2 * np.pi * 50 * t16)).astype(np.float32), SR),
        "white_low": ((rng.standard_normal(8000 * 12) * 0.01).astype(np.float32), 8000),
        "white_loud": ((rng.standard_normal(SR * 12) * 0.2).astype(np.float32), SR),
        "brown": (_brown(rng, SR * 15), SR),
        "pink_8k": (_pink(rng, 8000 * 15), 8000),
        "line_tone": ((0.1 * np.sin(2 * np.pi * 425 * t8)).astype(np.float32), 8000),
        "clicks": (_clicks(rng, SR * 12), SR),
        "stereo_noise": (
            (rng.standard_normal((SR * 10, 2)) * 0.05).astype(np.float32),
            SR,
        ),
    }
    out = []
    for name, (x, rate) in signals.items():
        p = tmp / f"{name}.wav"
        sf.write(p, x, rate, subtype="PCM_16")
        out.append(p)
    return out


def _brown(rng: np.random.Generator, n: int) -> np.ndarray:
    x = np.cumsum(rng.standard_normal(n))
    x -= np.convolve(x, np.ones(801) / 801, mode="same")
    return (0.1 * x / np.max(np.abs(x))).astype(np.float32)


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    spec /= np.sqrt(np.arange(1, spec.shape[0] + 1))
    x = np.fft.irfft(spec, n)
    return (0.1 * x / np.max(np.abs(x))).astype(np.float32)


def _clicks(rng: np.random.Generator, n: int) -> np.ndarray:
    x = np.zeros(n, dtype=np.float32)
    for pos in rng.integers(0, n - 40, size=30):
        x[pos : pos + 40] = rng.uniform(-0.5, 0.5, size=40)
    return x


def test_silence_and_noise_give_no_text(tmp_path: Path, models_dir: Path) -> None:
    files = _no_speech_files(tmp_path)
    results = transcribe_recordings([rec(p) for p in files], ZH, models_dir=models_dir)
    assert len(results) == 10
    texts = {}
    for r in results:
        assert r.ok, r.error
        assert r.transcript is not None
        texts[r.recording.call_id] = "".join(s.text for s in r.transcript.segments)
    assert sum(len(t) for t in texts.values()) == 0, texts


def test_bad_inputs_are_recorded_and_the_batch_goes_on(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path, ffmpeg: str
) -> None:
    good, _ = _stereo_call(zh_rows, tmp_path, 4, 5)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 50, encoding="utf-8")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    header_only = tmp_path / "header_only.wav"
    sf.write(header_only, np.zeros((0, 1), dtype=np.float32), SR, subtype="PCM_16")
    three = tmp_path / "three_channels.wav"
    sf.write(three, np.zeros((SR, 3), dtype=np.float32), SR, subtype="PCM_16")
    missing = tmp_path / "missing.wav"
    ulaw = tmp_path / "ulaw_8k_mono.wav"
    to_ulaw = ["-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw", str(ulaw)]
    subprocess.run([ffmpeg, "-loglevel", "error", "-i", zh_rows[11]["path"], *to_ulaw], check=True)
    files = [empty, text, good, truncated, header_only, three, missing, ulaw]
    results = {
        r.recording.path.name: r
        for r in transcribe_recordings([rec(p) for p in files], ZH, models_dir=models_dir)
    }
    assert len(results) == len(files)
    assert results["call.wav"].ok and results["call.wav"].transcript is not None
    assert results["call.wav"].transcript.segments
    for name in ("empty.wav", "notes.wav", "truncated.wav", "header_only.wav", "missing.wav"):
        err = results[name].error
        assert isinstance(err, AudioDecodeError), (name, err)
        assert name in str(err)
    assert isinstance(results["three_channels.wav"].error, UnsupportedAudioError)
    assert "3 channels" in str(results["three_channels.wav"].error)
    r = results["ulaw_8k_mono.wav"]
    assert r.ok and r.transcript is not None, r.error
    hyp = "".join(s.text for s in r.transcript.segments)
    assert cer([zh_rows[11]["reference"]], [hyp]) < 0.5, hyp
    assert r.transcript.metrics is not None and r.transcript.metrics.sample_rate == 8000


def test_cache_skips_finished_calls(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path
) -> None:
    path, _ = _stereo_call(zh_rows, tmp_path, 12, 13)
    cache = tmp_path / "cache"
    [first] = transcribe_recordings([rec(path)], ZH, models_dir=models_dir, cache_dir=cache)
    assert first.ok and not first.cached
    entries = list(cache.rglob("*.json"))
    assert len(entries) == 1
    other_meta = Recording(path, CallMeta(call_id="renamed", agent_id="A7"))
    [again] = transcribe_recordings([other_meta], ZH, models_dir=models_dir, cache_dir=cache)
    assert again.cached and again.transcript is not None and first.transcript is not None
    assert again.transcript.segments == first.transcript.segments
    assert again.transcript.call_id == "renamed" and again.transcript.agent_id == "A7"
    # options that change the text miss the cache
    beam1 = AsrOptions(**{**_kw(ZH), "beam_size": 1})
    [third] = transcribe_recordings([rec(path)], beam1, models_dir=models_dir, cache_dir=cache)
    assert not third.cached and len(list(cache.rglob("*.json"))) == 2


def test_zh_cer_no_worse_than_plain_faster_whisper(
    zh_rows: list[dict[str, str]], models_dir: Path
) -> None:
    from qa_pipeline.asr.registry import resolve_model
    from qa_pipeline.asr.whisper import load_model
    from qa_pipeline.evaluation.asr import RefUtterance, evaluate

    rows = zh_rows[:12]
    utts = [RefUtterance(Path(r["path"]), r["reference"]) for r in rows]
    result = evaluate(utts, AsrOptions(**{**_kw(ZH), "channels": "mono"}), models_dir=models_dir)
    model = load_model(resolve_model("base", models_dir).path, "cpu", "int8", 2)
    plain = []
    for r in rows:
        segments, _ = model.transcribe(r["path"], language="zh", beam_size=5, vad_filter=False)
        plain.append("".join(s.text for s in segments))
    plain_cer = cer([r["reference"] for r in rows], plain)
    assert result.failed == 0
    # 12 clips move a few points between CPUs (int8 kernels, thread timing): assert what
    # holds everywhere, that the stage is not grossly worse (a broken VAD, language or
    # clean-up step doubles the CER); the close comparison on the whole set is the
    # benchmark's figure (benchmarks/asr_cer.py, docs/asr.md).
    assert result.cer <= max(1.5 * plain_cer, plain_cer + 0.05), (result.cer, plain_cer)
    assert all(normalise(h) for h in result.hypotheses)


_LONG_CALL = """
import json, resource, sys
from pathlib import Path
from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import transcribe_recordings
from qa_pipeline.models import CallMeta, Recording
options = AsrOptions(device="cpu", compute_type="int8", cpu_threads=2)
[r] = transcribe_recordings(
    [Recording(Path(sys.argv[1]), CallMeta("long"))], options, models_dir=Path(sys.argv[2])
)
# VmHWM is this program's own peak: ru_maxrss also counts the parent's peak before exec
# (Linux keeps the larger across execve), i.e. whatever the test session had grown to
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
hwm = [ln for ln in lines if ln.startswith("VmHWM:")]
peak_kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "error": str(r.error) if r.error else None,
    "segments": [[s.start, s.text] for s in r.transcript.segments] if r.transcript else [],
    "max_rss_mb": peak_kb / 1024,
}))
"""


def test_two_hour_8khz_recording_in_bounded_memory(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path
) -> None:
    """Two hours of 8 kHz mono line noise with speech at the start, the middle and the
    end: all three found at the right time; the process stays under 2 GB (the
    decoded audio alone is 460 MB at 16 kHz float32; VAD runs in 10-minute blocks)."""
    import librosa

    rate = 8000
    clips = [
        librosa.resample(read_mono16k(zh_rows[i]["path"]), orig_sr=SR, target_sr=rate)
        for i in (7, 11, 13)
    ]
    at = {0: 1.0, 3600: 3601.0, 6600: 7190.0}
    path = tmp_path / "two_hours.wav"
    rng = np.random.default_rng(3)
    with sf.SoundFile(path, "w", rate, 1, "PCM_16") as fh:
        for n, block_start in enumerate(range(0, 7200, 600)):
            block = (rng.standard_normal(600 * rate) * 0.002).astype(np.float32)
            if block_start in at:
                clip = clips[list(at).index(block_start)]
                i = int((at[block_start] - block_start) * rate)
                block[i : i + len(clip)] += clip
            fh.write(block)
            assert n < 12
    out = subprocess.run(
        [sys.executable, "-c", _LONG_CALL, str(path), str(models_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["error"] is None
    starts = [s for s, _ in result["segments"]]
    for t in at.values():
        assert any(abs(s - t) < 1.5 for s in starts), (t, result["segments"])
    assert result["max_rss_mb"] < 2048, result["max_rss_mb"]


@pytest.mark.parametrize("name", ["en_01", "en_02", "en_05"])
def test_mono_call_split_at_pauses_and_never_confidently_wrong(
    name: str, tmp_path: Path, models_dir: Path
) -> None:
    """The demo's stereo English calls mixed to mono: segments end at pauses (about one
    per turn), and speakers are either labelled as the stereo channels say (≥ 80% of
    segments) or all ``unknown`` with the ``speaker_unknown`` flag."""
    from tests.conftest import REPO

    stereo = REPO / "demo" / "audio" / f"{name}.flac"
    x, rate = sf.read(str(stereo), dtype="float32")
    mono = tmp_path / f"{name}_mono.wav"
    sf.write(mono, 0.7 * x.sum(axis=1), rate)
    st, mo = transcribe_recordings([rec(stereo), rec(mono)], EN, models_dir=models_dir)
    assert st.transcript is not None and mo.transcript is not None
    assert "mono_diarized" in mo.transcript.flags
    turns = st.transcript.segments
    assert len(mo.transcript.segments) >= len(turns) - 1, mo.transcript.segments

    def truth(s: Segment) -> str:
        start, end = s.start or 0.0, s.end or 0.0
        return max(turns, key=lambda t: min(t.end or 0, end) - max(t.start or 0, start)).speaker

    speakers = [s.speaker for s in mo.transcript.segments]
    if "speaker_unknown" in mo.transcript.flags:
        assert set(speakers) == {"unknown"}
    else:
        right = sum(s.speaker == truth(s) for s in mo.transcript.segments)
        pairs = [(s.speaker, truth(s)) for s in mo.transcript.segments]
        assert right >= 0.8 * len(speakers), pairs
