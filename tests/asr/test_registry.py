"""Model registry: embedded base (sha256), tiny.en, local dirs, offline hub names."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.asr.registry import (
    BASE_SHA256,
    assemble_base,
    fetch_model,
    list_models,
    resolve_model,
    verify_base,
)
from qa_pipeline.errors import ModelNotAvailableError


def test_base_assembled_and_sha256_verified(models_dir: Path) -> None:
    path = assemble_base(models_dir)
    assert (path / "model.bin").is_file() and (path / "tokenizer.json").is_file()
    assert verify_base(models_dir)
    info = fetch_model("base", models_dir)  # re-verifies the hash
    assert info.present and info.source == "embedded" and info.size_bytes == 145217532
    assert len(BASE_SHA256) == 64


def test_corrupt_base_is_reassembled(tmp_path: Path, models_dir: Path) -> None:
    assemble_base(tmp_path)
    model_bin = tmp_path / "faster-whisper-base" / "model.bin"
    with model_bin.open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00corrupt\x00")
    assert not verify_base(tmp_path)
    fetch_model("base", tmp_path)
    assert verify_base(tmp_path)
    assert not list(model_bin.parent.glob("*.tmp"))


def test_tiny_en_from_package(models_dir: Path) -> None:
    info = resolve_model("tiny.en", models_dir)
    assert info.present and (info.path / "model.bin").is_file()


def test_missing_hub_model_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError) as exc:
        resolve_model("large-v3", tmp_path)
    msg = str(exc.value)
    assert str(tmp_path / "faster-whisper-large-v3") in msg and "downloaded" in msg


def test_local_directory_by_path(tmp_path: Path, models_dir: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="not a CTranslate2"):
        resolve_model(str(tmp_path / "nothing"), models_dir)
    base = assemble_base(models_dir)
    info = resolve_model(str(base), models_dir)
    assert info.source == "local" and info.present


def test_list_shows_presence(tmp_path: Path) -> None:
    rows = {m.name: m for m in list_models(tmp_path)}
    assert not rows["base"].present and not rows["large-v3"].present
    assert rows["tiny.en"].present
