"""Workbench fixtures: a scored demo centre on SQLite and, when available, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine

from qa_pipeline.review import User, UserStore, Workbench
from qa_pipeline.review.sample_data import seed_centre
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.store import Store

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PASSWORD = "correct horse battery"


def postgres_base_url() -> str:
    url = os.environ.get("QA_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("QA_REQUIRE_POSTGRES") == "1":
            pytest.fail("QA_REQUIRE_POSTGRES=1 but QA_TEST_POSTGRES_URL is not set")
        pytest.skip("QA_TEST_POSTGRES_URL not set (run scripts/start_postgres.sh)")
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, once per backend (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qa.sqlite3'}"
        return
    base = postgres_base_url()
    schema = f"qa_web_{uuid.uuid4().hex[:12]}"
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


@dataclass
class Centre:
    store: Store
    url: str
    root: Path
    rubric: Any
    calls: list[dict[str, Any]]
    users: dict[str, User]
    accounts: UserStore
    bench: Workbench

    def call(self, **where: Any) -> dict[str, Any]:
        return next(c for c in self.calls if all(c[k] == v for k, v in where.items()))


def make_centre(url: str, root: Path, n_calls: int = 16) -> Centre:
    store = Store.open(url)
    rubric, calls = seed_centre(store, root, n_calls)
    accounts = UserStore(store)
    users = {
        "admin": accounts.add("admin", PASSWORD, "admin"),
        "li": accounts.add("li", PASSWORD, "inspector"),
        "wang": accounts.add("wang", PASSWORD, "inspector"),
        "zhao": accounts.add("zhao", PASSWORD, "trainer"),
        "boss": accounts.add("boss", PASSWORD, "manager"),
        "a1001": accounts.add("a1001", PASSWORD, "agent", agent_id="A1001"),
        "a1002": accounts.add("a1002", PASSWORD, "agent", agent_id="A1002"),
    }
    bench = Workbench(store, {(rubric.id, rubric.version): Grading.from_rubric(rubric)})
    return Centre(store, url, root, rubric, calls, users, accounts, bench)


@pytest.fixture()
def centre(db_url: str, tmp_path: Path) -> Iterator[Centre]:
    c = make_centre(db_url, tmp_path)
    try:
        yield c
    finally:
        c.store.close()
