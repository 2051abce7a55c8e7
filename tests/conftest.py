"""Shared fixtures: where the shared data lives, isolated settings for each test, and the
optional components some tests need (command-line tools, PostgreSQL, Chromium).

A test whose component is missing skips and says which; with ``QA_REQUIRE_<COMPONENT>=1``
(``QA_REQUIRE_FFMPEG``, ``QA_REQUIRE_SOX``, ``QA_REQUIRE_ESPEAK_NG``, ``QA_REQUIRE_POSTGRES``,
``QA_REQUIRE_CHROMIUM``; ``make test`` sets them all) it fails instead. The session's header
and summary name the missing components.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
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


#: command-line tools that tests run; each is also the name of its Debian package
TOOLS = ("ffmpeg", "sox", "espeak-ng")


def missing(component: str, reason: str) -> NoReturn:
    """Skip the test for ``reason``, or fail it when ``QA_REQUIRE_<COMPONENT>=1``."""
    var = "QA_REQUIRE_" + component.upper().replace("-", "_")
    if os.environ.get(var) == "1":
        pytest.fail(f"{var}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def tool(name: str) -> str:
    """The path of command-line tool ``name``, or skip (fail) with how to install it."""
    exe = shutil.which(name)
    if exe is None:
        missing(name, f"{name} not installed (apt-get install {name}; `make test` installs it)")
    return exe


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    """The path of ffmpeg (QA_REQUIRE_FFMPEG)."""
    return tool("ffmpeg")


@pytest.fixture(scope="session")
def sox() -> str:
    """The path of sox (QA_REQUIRE_SOX)."""
    return tool("sox")


@pytest.fixture(scope="session")
def espeak_ng() -> str:
    """The path of espeak-ng (QA_REQUIRE_ESPEAK_NG)."""
    return tool("espeak-ng")


def missing_components() -> list[str]:
    """The optional components this machine lacks, each with how to get it (no import of
    the package here: a broken import fails its tests, not the session's header)."""
    gone = [f"{t} (apt-get install {t})" for t in TOOLS if shutil.which(t) is None]
    # the names qa_pipeline.reports.render.chromium_binary looks for
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        gone.append("chromium (apt-get install chromium)")
    if not os.environ.get("QA_TEST_POSTGRES_URL"):
        gone.append("PostgreSQL (QA_TEST_POSTGRES_URL: scripts/start_postgres.sh)")
    if not SHARED.is_dir():
        gone.append(f"shared data ({SHARED}, or QA_SHARED_DIR)")
    return gone


def pytest_report_header(config: pytest.Config) -> str:
    gone = missing_components()
    return "optional components: " + ("all present" if not gone else "missing " + "; ".join(gone))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    gone = missing_components()
    if gone:
        terminalreporter.write_line(
            f"optional components missing here: {'; '.join(gone)}. Tests that need them skip "
            "(reasons below), or fail where QA_REQUIRE_<COMPONENT>=1.",
            yellow=True,
        )


def postgres_base_url() -> str:
    url = os.environ.get("QA_TEST_POSTGRES_URL")
    if not url:
        missing("postgres", "QA_TEST_POSTGRES_URL not set (run scripts/start_postgres.sh)")
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
