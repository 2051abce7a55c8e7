"""Store fixtures: every store test runs against SQLite and, when available, PostgreSQL.

PostgreSQL comes from ``QA_TEST_POSTGRES_URL`` (``.ci/run`` starts a real server); each
test gets its own schema (via ``search_path``) so runs never collide. Without the URL the
PostgreSQL cases skip, unless ``QA_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa_pipeline.store import Store


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store on a fresh database."""
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()
