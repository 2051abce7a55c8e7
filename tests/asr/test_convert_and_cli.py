"""`qa models convert` on a tiny random Whisper made here, and the `qa transcribe` /
`qa eval asr` commands end to end on real audio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.registry import assemble_base, resolve_model
from qa_pipeline.asr.stage import transcribe_recordings
from qa_pipeline.errors import ConfigError
from qa_pipeline.models import CallMeta, Recording

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def _tiny_whisper(out: Path, models_dir: Path) -> Path:
    """A randomly initialised multilingual-vocabulary Whisper saved by transformers."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    config = transformers.WhisperConfig(
        vocab_size=51865,
        num_mel_bins=80,
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
        max_source_positions=1500,
        max_target_positions=448,
        decoder_start_token_id=50258,
        pad_token_id=50257,
        bos_token_id=50257,
        eos_token_id=50257,
    )
    model = transformers.WhisperForConditionalGeneration(config)
    model.save_pretrained(out)
    base = assemble_base(models_dir)
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    return out


def test_convert_round_trip_runs_in_the_stage(tmp_path: Path, models_dir: Path) -> None:
    hf = _tiny_whisper(tmp_path / "hf", models_dir)
    out = tmp_path / "ct2"
    env = {**os.environ, "QA_MODELS_DIR": str(models_dir), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "qa_pipeline.cli", "models", "convert", str(hf), "--out"]
    res = subprocess.run([*cmd, str(out)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert (out / "model.bin").is_file() and (out / "tokenizer.json").is_file()
    info = resolve_model(str(out), models_dir)
    assert info.source == "local" and info.present
    # the converted model loads and runs through the stage (its text is noise: random weights)
    wav = tmp_path / "tone.wav"
    t = np.arange(16000 * 3) / 16000
    sf.write(wav, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    opts = AsrOptions(model=str(out), device="cpu", compute_type="int8", vad=False)
    [r] = transcribe_recordings([Recording(wav, CallMeta("t"))], opts, models_dir=models_dir)
    assert r.ok, r.error
    # converting again into the same folder needs --force
    again = subprocess.run([*cmd, str(out)], capture_output=True, text=True, env=env)
    assert again.returncode == 1 and "--force" in again.stderr
    assert "Traceback" not in again.stderr


def test_convert_rejects_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    from qa_pipeline.asr.registry import convert_model

    with pytest.raises(ConfigError, match=r"no config\.json"):
        convert_model(tmp_path, tmp_path / "out")


def _qa(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "qa_pipeline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_qa_transcribe_writes_json_and_reports_failures(
    espeak_wav: Path, tmp_path: Path, models_dir: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(espeak_wav, inbox / "good.wav")
    (inbox / "broken.wav").write_text("not audio", encoding="utf-8")
    out = tmp_path / "out"
    env = {"QA_MODELS_DIR": str(models_dir), "QA_DATA_DIR": str(tmp_path / "data")}
    args = ["transcribe", str(inbox), "--out", str(out), "--model", "tiny.en"]
    res = _qa([*args, "--language", "en", "--device", "cpu"], env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "1 transcribed" in res.stdout and "1 failed" in res.stdout
    assert "broken.wav" in res.stderr and "Traceback" not in res.stderr
    data = json.loads((out / "good.json").read_text(encoding="utf-8"))
    assert data["call_id"] == "good" and data["segments"]
    assert "thank" in " ".join(s["text"] for s in data["segments"]).lower()
    assert data["audio_metrics"]["duration_s"] > 1.0
    assert not (out / "broken.json").exists()
    # the second run finds the good call in the transcript cache
    again = _qa([*args, "--language", "en", "--device", "cpu"], env)
    assert "(1 from cache)" in again.stdout


def test_qa_eval_asr_last_line_is_json(shared_dir: Path, models_dir: Path) -> None:
    refs = shared_dir / "asr_eval" / "zh" / "refs.tsv"
    if not refs.is_file():
        pytest.skip(f"{refs} not found")
    res = _qa(
        ["eval", "asr", "--refs", str(refs), "--limit", "3", "--device", "cpu"],
        {"QA_MODELS_DIR": str(models_dir)},
    )
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(summary) == {"cer", "audio_s", "wall_s", "x_realtime"}
    assert 0.0 <= summary["cer"] < 0.5 and summary["audio_s"] > 3
