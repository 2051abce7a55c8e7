"""Store fixtures: every store test runs against SQLite and, when available, PostgreSQL.

PostgreSQL comes from ``QA_TEST_POSTGRES_URL`` (``.ci/run`` starts a real server); each
test gets its own schema (via ``search_path``) so runs never collide. Without the URL the
PostgreSQL cases skip, unless ``QA_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

from qa_pipeline.store import Store

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
    """A URL of an empty database, once per backend."""
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


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store on a fresh database."""
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()
