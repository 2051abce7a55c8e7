"""Workbench fixtures: a scored demo centre on SQLite and, when available, PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qa_pipeline.demo.workbench import seed_centre
from qa_pipeline.review import User, UserStore, Workbench
from qa_pipeline.review.verdicts import Grading
from qa_pipeline.store import Store

PASSWORD = "correct horse battery"


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


# ---------------------------------------------------------------------- a live server


class LiveServer:
    """The workbench served by uvicorn in a thread on 127.0.0.1 and a free port."""

    def __init__(self, centre: Centre, **opts: Any) -> None:
        import socket

        import uvicorn

        from qa_pipeline.web import WebOptions, create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(centre.store, WebOptions(rubrics=(centre.rubric,), **opts))
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def live(centre: Centre) -> Iterator[LiveServer]:
    with LiveServer(centre) as server:
        yield server


def login(base: str, name: str, password: str = PASSWORD) -> Any:
    """An httpx client signed in as ``name`` (``client.csrf`` holds the session's token)."""
    import re

    import httpx

    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    resp = client.post(
        "/login", data={"name": name, "password": password, "csrf": token.group(1), "next": "/"}
    )
    assert resp.status_code == 303, resp.text
    calls = client.get("/calls")
    found = re.search(r'name="csrf" value="([^"]+)"', calls.text)
    client.csrf = found.group(1) if found else ""  # type: ignore[attr-defined]
    return client


# ---------------------------------------------------------------------- headless Chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skips without it, unless required)."""
    import os
    import shutil

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("QA_REQUIRE_CHROMIUM") == "1":
            pytest.fail("QA_REQUIRE_CHROMIUM=1 but no chromium binary on PATH")
        pytest.skip("chromium not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=binary,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
        )
        try:
            yield b
        finally:
            b.close()
