"""Shared fixtures: where the shared data lives, isolated settings for each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QA_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture()
def qa_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every QA_* directory at a fresh temporary folder."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QA_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    # the model cache is shared across tests on purpose: assembling base costs seconds
    monkeypatch.setenv("QA_MODELS_DIR", os.environ.get("QA_MODELS_DIR", str(REPO / "models")))
    return tmp_path
