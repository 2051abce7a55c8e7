"""Fixtures of the speech-to-text tests: model cache, real speech, assembled calls."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
SR = 16000


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The shared model cache (assembling base once costs seconds)."""
    return Path(os.environ.get("QA_MODELS_DIR", REPO / "models"))


@pytest.fixture(scope="session")
def zh_rows(shared_dir: Path) -> list[dict[str, str]]:
    """Rows of ``asr_eval/zh/refs.tsv`` with absolute paths (skip when absent)."""
    tsv = shared_dir / "asr_eval" / "zh" / "refs.tsv"
    if not tsv.is_file():
        pytest.skip(f"{tsv} not found")
    with tsv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for r in rows:
        r["path"] = str(tsv.parent / r["file"])
    return rows


def read_mono16k(path: str | Path) -> np.ndarray:
    """A 16 kHz mono float32 clip (the zh set is 16 kHz mono already)."""
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    assert sr == SR
    return np.asarray(data.mean(axis=1), dtype=np.float32)


@pytest.fixture(scope="session")
def espeak_wav(tmp_path_factory: pytest.TempPathFactory, espeak_ng: str) -> Path:
    """English speech made with espeak-ng (the ``espeak_ng`` fixture skips without it)."""
    out = tmp_path_factory.mktemp("espeak") / "hello.wav"
    text = "Hello, thank you for calling the city service hotline. How can I help you today?"
    subprocess.run([espeak_ng, "-s", "150", "-w", str(out), text], check=True, capture_output=True)
    return out
