"""A planted night (issue 20 item 2): one string of every kind of personal data planted in
transcript text, in vendor fields other than the text, in manifest columns off the
allow-list and in call ids; after `qa run`, `qa report agent` and `qa report team`, and
the workbench's pages fetched over HTTP, none of them is anywhere raw.

Searched: a dump of the database (SQLite ``iterdump``; every row of every table of the
PostgreSQL schema as text), every file (and file name) under the data dir, the reports
dir and the Prefect home of the run, the commands' stdout and stderr, and the call pages,
the calls list and the review queue. The strings are written for this test.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.slow

NIGHT = "2026-11-20"
# each kind once, in the form a caller says it (digits for the needles beside)
SAID = {
    "mobile": ("幺三九 洞二八六 七七五幺", "13902867751"),
    "landline": ("零二幺 六二八七杠三九零四", "62873904"),
    "id_card": ("320106198507223313", "320106198507223313"),
    "bank_card": ("6217 0012 3456 7893", "6217001234567893"),
    "account": ("110093827461", "110093827461"),
    "email": ("tangxq88 艾特 qq 点 com", "tangxq88"),
    "name": ("唐晓青", "唐晓青"),
    "address": ("甲18号院4号楼2单元603", "2单元603"),
    "plate": ("苏E 7Y3K9", "7Y3K9"),
    "passport": ("C60918273", "C60918273"),
    "wechat": ("tang_xq_2024", "tang_xq_2024"),
}
CALLER_TURN = (
    f"我叫{SAID['name'][0]}，手机{SAID['mobile'][0]}，座机{SAID['landline'][0]}，"
    f"身份证号{SAID['id_card'][0]}，卡号{SAID['bank_card'][0]}，"
    f"个人公积金账号{SAID['account'][0]}，邮箱是{SAID['email'][0]}，"
    f"住在丰台区南苑路{SAID['address'][0]}，车牌是{SAID['plate'][0]}，"
    f"港澳通行证号码{SAID['passport'][0]}，微信号是 {SAID['wechat'][0]}"
)
# fields of the vendor JSON other than the text
VENDOR_FIELDS = {
    "speaker": "邵雨桐",
    "segment_flag": "wx_shao_0917",
    "transcript_flag": "EK7730215",
    "option_value": "15877342190",
    "option_key": "管春来",
    "quality_flag": "浙B·3M8Q6",
    "extra": "欧阳绍华",
}
# manifest columns off the allow-list
MANIFEST = {
    "户主": "龚德旺",
    "诉求人": "聂小满",
    "contact": "18655023341",
    "门牌": "9-1-1102",
    "工单内容": "联系人冼玉兰，电话13366017729",
    "备注": "冉冬梅",
}
CALL_IDS = ("卓子健_1120", "15190423357-1120")


def needles() -> set[str]:
    out = {digits for _said, digits in SAID.values()} | {said for said, _ in SAID.values()}
    out |= set(VENDOR_FIELDS.values()) | set(MANIFEST.values()) | set(CALL_IDS)
    out |= {"冼玉兰", "13366017729", "卓子健", "15190423357", "3M8Q6"}
    out.discard("甲18号院4号楼2单元603")  # its tail "2单元603" is the needle
    out |= {json.dumps(n)[1:-1] for n in list(out)}  # as an ASCII-only JSON writer keeps it
    return out


def _plant_vendor(path: Path) -> None:
    call = json.loads(path.read_text(encoding="utf-8"))
    segs = call["segments"]
    last = max(float(s.get("end") or 0) for s in segs)
    segs.append({"speaker": "caller", "start": last + 1, "end": last + 9, "text": CALLER_TURN})
    segs.append(
        {
            "speaker": VENDOR_FIELDS["speaker"],
            "start": last + 10,
            "end": last + 11,
            "text": "嗯",
            "flags": [VENDOR_FIELDS["segment_flag"]],
        }
    )
    call["flags"] = [VENDOR_FIELDS["transcript_flag"]]
    call["asr"] = {
        "model": "vendor",
        "options": {"hotline": VENDOR_FIELDS["option_value"], VENDOR_FIELDS["option_key"]: "1"},
    }
    call["audio_metrics"] = {
        "duration_s": last + 11,
        "quality_flags": [VENDOR_FIELDS["quality_flag"]],
    }
    call["vendor_notes"] = {"customer": VENDOR_FIELDS["extra"]}
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")


def _plant(inbox: Path) -> list[dict[str, str]]:
    manifest = inbox / "manifest.csv"
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        _plant_vendor(inbox / row["file"])
        row.update(MANIFEST)
    rows[0]["call_id"], rows[1]["call_id"] = CALL_IDS
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _hits(blob: bytes | str, where: str, found: list[str], raw: set[str]) -> None:
    text = blob if isinstance(blob, str) else blob.decode("utf-8", errors="replace")
    found += [f"{where}: {n!r}" for n in sorted(raw) if n in text]


def _scan_tree(root: Path, found: list[str], raw: set[str]) -> int:
    files = 0
    for path in sorted(root.rglob("*")):
        rel = f"{root.name}/{path.relative_to(root)}"
        _hits(rel, f"file name {rel}", found, raw)
        if path.is_file() and not path.is_symlink():
            files += 1
            _hits(path.read_bytes(), rel, found, raw)
    return files


def _run(cmd: list[str], env: dict[str, str], cwd: Path, found: list[str], raw: set[str]) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=cwd)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    _hits(proc.stdout, f"stdout of {cmd[1:3]}", found, raw)
    _hits(proc.stderr, f"stderr of {cmd[1:3]}", found, raw)
    return proc.stdout


def _dump(url: str, schema: str) -> str:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).scalars()
            return "\n".join(
                str(row[0])
                for table in list(tables)
                for row in conn.exec_driver_sql(f'SELECT t::text FROM "{schema}"."{table}" t')
            )
    finally:
        engine.dispose()


def _pages(url: str, repo: Path) -> dict[str, str]:
    """The calls list, every call page and the review queue, as an inspector sees them."""
    import httpx
    import uvicorn

    from qa_pipeline.commands.web import load_rubrics
    from qa_pipeline.review import UserStore
    from qa_pipeline.store import Store
    from qa_pipeline.web import WebOptions, create_app

    store = Store.open(url)
    UserStore(store).add("insp", "correct horse battery", "inspector")
    app = create_app(store, WebOptions(rubrics=load_rubrics(repo / "rubrics")))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "workbench did not start"
            time.sleep(0.05)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        form = {"name": "insp", "password": "correct horse battery", "csrf": token[1], "next": "/"}
        assert client.post("/login", data=form).status_code == 303
        pages = {"/calls": client.get("/calls", params={"night": NIGHT}).text}
        pages["/review"] = client.get("/review").text
        for call_id in store.recording_identity(_stored_ids(store)):
            path = f"/calls/{quote(call_id, safe='')}"
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.text[:500])
            pages[path] = resp.text
        return pages
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _stored_ids(store: Any) -> list[str]:
    from sqlalchemy import select

    from qa_pipeline.store.schema import recordings

    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(select(recordings.c.call_id))]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_planted_night_leaves_no_raw_string_anywhere(
    tmp_path: Path, h: Any, backend: str
) -> None:
    import os

    inbox = h.vendor_inbox(tmp_path / "centre", n=4, night=NIGHT)
    rows = _plant(inbox)
    extra: dict[str, str] = {"PREFECT_LOGGING_LEVEL": "INFO"}
    schema = ""
    url = f"sqlite:///{tmp_path / 'data' / 'qa.sqlite3'}"
    if backend == "postgres":
        base = os.environ.get("QA_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("QA_TEST_POSTGRES_URL not set")
        from sqlalchemy import create_engine

        schema = f"qa_planted_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    extra["QA_DATABASE_URL"] = url
    env = h.qa_env(tmp_path, **extra)
    raw = needles()
    found: list[str] = []
    try:
        qa = str(h.qa)
        out = _run(
            [qa, "-v", "run", "--inbox", str(inbox), "--date", NIGHT, "--chunk-size", "2"],
            env,
            h.repo,
            found,
            raw,
        )
        assert '"failed"' not in out or "scored" in out
        period = f"day:{NIGHT}"
        _run(
            [qa, "report", "agent", rows[0]["agent_id"], "--period", period],
            env,
            h.repo,
            found,
            raw,
        )
        _run([qa, "report", "team", rows[0]["team"], "--period", period], env, h.repo, found, raw)
        pages = _pages(url, h.repo)
        for where, html in pages.items():
            _hits(html, f"page {where}", found, raw)
        dump = _dump(url, schema)
        _hits(dump, f"{backend} dump", found, raw)
        n_files = sum(_scan_tree(tmp_path / d, found, raw) for d in ("data", "reports", "prefect"))
    finally:
        if schema:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
    assert found == [], "\n".join(found[:60])
    # the night did its work and the searches saw it
    assert len(pages) >= 2 + len(rows), sorted(pages)
    assert "[手机号]" in dump or "\\u624b\\u673a\\u53f7" in dump
    assert "[姓名]" in "".join(pages.values())
    assert n_files >= len(rows) + 3
    assert list((tmp_path / "reports").rglob("*.html"))
