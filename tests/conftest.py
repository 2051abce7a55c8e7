"""Shared fixtures: where the shared data lives, isolated settings for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_base_url() -> str:
    url = os.environ.get("QA_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("QA_REQUIRE_POSTGRES") == "1":
            pytest.fail("QA_REQUIRE_POSTGRES=1 but QA_TEST_POSTGRES_URL is not set")
        pytest.skip("QA_TEST_POSTGRES_URL not set (run scripts/start_postgres.sh)")
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, once per backend (a fresh schema on PostgreSQL;
    used by the store and workbench tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qa.sqlite3'}"
        return
    base = postgres_base_url()
    schema = f"qa_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
