"""`qa users add/list/disable` and `qa web` through the real entry point."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.review import UserStore
from qa_pipeline.store import Store


def test_users_add_list_disable(qa_env: Path) -> None:
    runner = CliRunner()
    add = runner.invoke(
        app, ["users", "add", "li", "--role", "inspector"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert add.exit_code == 0, add.output
    assert "added li (inspector)" in add.output
    agent = runner.invoke(
        app,
        [
            "users",
            "add",
            "a1",
            "--role",
            "agent",
            "--agent-id",
            "A1001",
            "--password",
            "pw-12345678",
        ],
    )
    assert agent.exit_code == 0, agent.output
    listed = runner.invoke(app, ["users", "list"])
    assert "li" in listed.output and "A1001" in listed.output and "active" in listed.output
    assert runner.invoke(app, ["users", "disable", "li"]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["users", "list"]).output
    with Store.open(f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}") as store:
        assert UserStore(store).authenticate("li", "s3cret-pass") is None
        assert UserStore(store).authenticate("a1", "pw-12345678") is not None


def test_users_enable_reset_password_and_role(qa_env: Path) -> None:
    runner = CliRunner()
    add = ["users", "add", "li", "--role", "inspector", "--password", "s3cret-pass"]
    assert runner.invoke(app, add).exit_code == 0
    assert runner.invoke(app, ["users", "disable", "li"]).exit_code == 0
    enabled = runner.invoke(app, ["users", "enable", "li"])
    assert enabled.exit_code == 0 and "enabled li" in enabled.output
    reset = runner.invoke(app, ["users", "reset-password", "li"], input="new-pass-123\n" * 2)
    assert reset.exit_code == 0 and "password of li reset" in reset.output
    role = runner.invoke(app, ["users", "role", "li", "agent", "--agent-id", "A1009"])
    assert role.exit_code == 0 and "li is now agent" in role.output
    bad = runner.invoke(app, ["users", "role", "li", "boss"])
    assert bad.exit_code != 0
    with Store.open(f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}") as store:
        users = UserStore(store)
        assert users.authenticate("li", "s3cret-pass") is None
        user = users.authenticate("li", "new-pass-123")
        assert user is not None and user.role == "agent" and user.agent_id == "A1009"
        assert not user.disabled


def test_users_email_and_teams(qa_env: Path) -> None:
    runner = CliRunner()
    add = ["users", "add", "li", "--role", "inspector", "--password", "s3cret-pass"]
    assert runner.invoke(app, add).exit_code == 0
    mail = runner.invoke(app, ["users", "email", "li", "li@example.org"])
    assert mail.exit_code == 0 and "e-mail of li: li@example.org" in mail.output
    assert runner.invoke(app, ["users", "email", "li", "not an address"]).exit_code != 0
    teams = runner.invoke(app, ["users", "teams", "li", "东区", "西区"])
    assert teams.exit_code == 0 and "li reviews: 东区, 西区" in teams.output
    with Store.open(f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}") as store:
        assert UserStore(store).teams() == {"li": ["东区", "西区"]}
    cleared = runner.invoke(app, ["users", "teams", "li"])
    assert cleared.exit_code == 0 and "(any team)" in cleared.output
    with Store.open(f"sqlite:///{qa_env / 'data' / 'qa.sqlite3'}") as store:
        assert UserStore(store).teams() == {}


def test_user_errors_are_one_clear_line(qa_env: Path) -> None:
    env = {**os.environ, "QA_DATA_DIR": str(qa_env / "data")}
    cmd = [sys.executable, "-m", "qa_pipeline.cli", "users", "add", "x", "--role"]
    bad = subprocess.run(
        [*cmd, "boss", "--password", "pw-12345678"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "unknown role 'boss'" in bad.stderr
    assert "Traceback" not in bad.stderr
    short = subprocess.run(
        [*cmd, "admin", "--password", "short"], env=env, capture_output=True, text=True, timeout=120
    )
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    gone = subprocess.run(
        [sys.executable, "-m", "qa_pipeline.cli", "users", "disable", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode == 1 and "no user named 'nobody'" in gone.stderr


def test_qa_web_serves_the_login_page(qa_env: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QA_DATA_DIR": str(qa_env / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa_pipeline.cli", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "qa web did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "质检工作台" in page.text
        assert re.search(r'name="csrf" value="[^"]+"', page.text)
        assert httpx.get(f"http://127.0.0.1:{port}/calls").status_code == 303
    finally:
        proc.terminate()
        proc.wait(timeout=30)
