"""The audio chain with the real model: line echo, hotwords, bad channels, ``qa eval e2e``."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import (
    FLAG_ECHO,
    FLAG_SHORT,
    FLAG_SWAPPED,
    FLAG_SWAPPED_FIXED,
    transcribe_recordings,
)
from qa_pipeline.asr.vocabulary import hotwords_for_rubric
from qa_pipeline.audio import FALLBACK_IDENTICAL, FALLBACK_SILENT
from qa_pipeline.errors import AudioDecodeError
from qa_pipeline.evaluation.asr import cer
from qa_pipeline.evaluation.e2e import duplicated_turns
from qa_pipeline.models import AGENT, CALLER, CallMeta, Recording
from qa_pipeline.scoring import load_rubric
from tests.asr.conftest import REPO, SR, read_mono16k

pytestmark = pytest.mark.slow

ZH = AsrOptions(model="base", device="cpu", compute_type="int8", cpu_threads=2, language="zh")
#: The shortest labelled recording of ``corpus/dev_audio`` with an opening and topic.
DEV_CALL = "20261120-0005"


def _rec(path: Path, duration_s: float | None = None) -> Recording:
    return Recording(path, CallMeta(call_id=path.stem, duration_s=duration_s))


def _leaky_call(rows: list[dict[str, str]], tmp: Path, leak_db: float) -> tuple[Path, dict]:
    """Agent alone, caller alone, then both talking at once; each side leaks at ``leak_db``."""
    a, b, c, d = (read_mono16k(rows[i]["path"]) for i in (7, 11, 9, 10))
    t_a = 0.8
    t_b = t_a + len(a) / SR + 1.0
    t_c = t_b + len(b) / SR + 1.0
    t_d = t_c + 1.0  # the caller starts a second into the agent's turn
    total = int((max(t_c + len(c) / SR, t_d + len(d) / SR) + 1.0) * SR)
    agent, caller = np.zeros(total, np.float32), np.zeros(total, np.float32)
    for x, t, clip in ((agent, t_a, a), (caller, t_b, b), (agent, t_c, c), (caller, t_d, d)):
        x[int(t * SR) : int(t * SR) + len(clip)] += clip
    g = np.float32(10 ** (leak_db / 20))
    rng = np.random.default_rng(5)
    noise = rng.standard_normal((total, 2)).astype(np.float32) * 2e-4
    x = np.stack([agent + g * caller, caller + g * agent], axis=1) + noise
    path = tmp / f"leak{int(-leak_db)}.wav"
    sf.write(path, x, SR, subtype="PCM_16")
    regions = {
        "caller_alone": (t_b, t_b + len(b) / SR),
        "agent_alone": (t_a, t_a + len(a) / SR),
        "overlap": (t_d, min(t_c + len(c) / SR, t_d + len(d) / SR)),
    }
    return path, regions


def test_leaked_turns_are_not_transcribed_twice_and_overlaps_stay(
    zh_rows: list[dict[str, str]], tmp_path: Path, models_dir: Path
) -> None:
    calls = {db: _leaky_call(zh_rows, tmp_path, db) for db in (-20.0, -30.0, -40.0)}
    results = transcribe_recordings([_rec(p) for p, _ in calls.values()], ZH, models_dir=models_dir)
    for (db, (_, regions)), res in zip(calls.items(), results, strict=True):
        tr = res.transcript
        assert tr is not None, res.error
        segs = tr.segments
        assert duplicated_turns(segs) == 0, (db, segs)

        def inside(s: object, region: tuple[float, float]) -> bool:
            start, end = getattr(s, "start", 0.0) or 0.0, getattr(s, "end", 0.0) or 0.0
            return min(end, region[1]) - max(start, region[0]) > 0.5 * (end - start)

        # a lone turn is only ever its own speaker's
        assert not [s for s in segs if s.speaker == AGENT and inside(s, regions["caller_alone"])]
        assert not [s for s in segs if s.speaker == CALLER and inside(s, regions["agent_alone"])]
        # both sides of the real overlap are transcribed
        lo, hi = regions["overlap"]
        for speaker in (AGENT, CALLER):
            assert any(
                s.speaker == speaker and (s.start or 0) < hi and (s.end or 0) > lo for s in segs
            ), (db, speaker, segs)
        ref = zh_rows[11]["reference"]
        hyp = "".join(s.text for s in segs if s.speaker == CALLER and inside(s, (0, lo - 0.5)))
        assert cer([ref], [hyp]) < 0.35, (db, ref, hyp)
        if db >= -30.0:
            assert FLAG_ECHO in tr.flags


def test_hotwords_never_reach_the_output_on_silence_or_noise(
    tmp_path: Path, models_dir: Path
) -> None:
    rng = np.random.default_rng(11)
    t = np.arange(8000 * 10) / 8000
    signals = {
        "zero": np.zeros(SR * 8, np.float32),
        "white_low": rng.standard_normal(SR * 10).astype(np.float32) * 0.01,
        "white_loud": rng.standard_normal(SR * 10).astype(np.float32) * 0.2,
        "line_tone": (0.1 * np.sin(2 * np.pi * 425 * t)).astype(np.float32),
        "hum": (0.05 * np.sin(2 * np.pi * 50 * np.arange(SR * 10) / SR)).astype(np.float32),
        "stereo_noise": rng.standard_normal((SR * 10, 2)).astype(np.float32) * 0.05,
    }
    paths = []
    for name, x in signals.items():
        p = tmp_path / f"{name}.wav"
        sf.write(p, x, 8000 if name == "line_tone" else SR, subtype="PCM_16")
        paths.append(p)
    rubric = load_rubric(REPO / "rubrics" / "hotline_12345.yaml")
    opts = replace(ZH, hotwords=hotwords_for_rubric(rubric))
    results = transcribe_recordings([_rec(p) for p in paths], opts, models_dir=models_dir)
    texts = {}
    for r in results:
        assert r.transcript is not None, r.error
        texts[r.recording.call_id] = "".join(s.text for s in r.transcript.segments)
    assert sum(len(x) for x in texts.values()) == 0, texts


def _ffmpeg(exe: str, src: Path, dst: Path, *args: str) -> Path:
    cmd = [exe, "-nostdin", "-loglevel", "error", "-y", "-i", str(src), *args, str(dst)]
    subprocess.run(cmd, check=True)
    return dst


@pytest.fixture()
def dev_call(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "dev_audio" / f"{DEV_CALL}.wav"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_bad_channels_and_files_get_specific_reasons(
    dev_call: Path, tmp_path: Path, models_dir: Path, ffmpeg: str
) -> None:
    cut = ["-t", "20", "-ar", "8000", "-c:a", "pcm_mulaw"]

    def cut_to(name: str, *args: str) -> Path:
        return _ffmpeg(ffmpeg, dev_call, tmp_path / name, *args, *cut)

    silent = cut_to("silent.wav", "-af", "pan=stereo|c0=c0|c1=0*c1")
    same = cut_to("same.wav", "-af", "pan=stereo|c0=c0|c1=c0")
    swapped = cut_to("swapped.wav", "-af", "pan=stereo|c0=c1|c1=c0")
    short = cut_to("short.wav")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    recs = [_rec(silent), _rec(same), _rec(swapped), _rec(short, 120.0), _rec(empty)]
    results = {
        r.recording.call_id: r for r in transcribe_recordings(recs, ZH, models_dir=models_dir)
    }
    flags = {k: set(r.transcript.flags) for k, r in results.items() if r.transcript is not None}
    assert FALLBACK_SILENT in flags["silent"]
    assert FALLBACK_IDENTICAL in flags["same"]
    assert FLAG_SWAPPED in flags["swapped"]
    assert FLAG_SHORT in flags["short"] and FLAG_SWAPPED not in flags["short"]
    assert isinstance(results["empty"].error, AudioDecodeError)
    # a channel map of "auto" swaps the labels back
    opts = replace(ZH, channels="auto")
    [fixed] = transcribe_recordings([_rec(swapped)], opts, models_dir=models_dir)
    assert fixed.transcript is not None
    assert FLAG_SWAPPED_FIXED in fixed.transcript.flags
    assert fixed.transcript.segments[0].speaker == AGENT
    assert "12345" in fixed.transcript.segments[0].text  # the agent's greeting


def test_eval_e2e_on_one_call_with_line_echo(
    dev_call: Path, tmp_path: Path, qa_env: Path, ffmpeg: str
) -> None:
    """``--crosstalk-db`` mixes the echo in with ffmpeg (found on PATH by ``qa eval e2e``)."""
    from qa_pipeline.cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(dev_call, corpus / dev_call.name)
    shutil.copy(dev_call.with_suffix(".json"), corpus / f"{DEV_CALL}.json")
    out = CliRunner().invoke(
        app,
        [
            "eval",
            "e2e",
            "--corpus",
            str(corpus),
            "--crosstalk-db",
            "-30",
            "--json",
            "--rubric",
            str(REPO / "rubrics" / "hotline_12345.yaml"),
        ],
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert summary["calls"] == 1 and summary["failed"] == 0
    assert summary["duplicated_turns"] == 0
    assert summary["segments"] <= summary["ref_turns"] + 3
    assert summary["cer"] < 0.3
    assert summary["accuracy"] >= 0.8
    assert summary["flags"].get(FLAG_ECHO) == 1
    assert "+hotwords" in summary["variant"]
