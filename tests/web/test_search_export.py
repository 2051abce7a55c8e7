"""Full-text search in the redacted transcripts, and CSV/Excel export (issue 19 item 6).

On SQLite and PostgreSQL: the search table follows the stored transcripts (new ones,
re-stored ones, scrubbed ones, and those stored before the migration); an agent finds
only their own calls; ``%``, ``_`` and quotes are plain characters; exports hold what
the calls list holds under the same filters, and no cell is a formula.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from qa_pipeline.models import Segment, Transcript
from qa_pipeline.review.export import safe_cell
from qa_pipeline.review.search import search_transcripts
from qa_pipeline.store import Store
from qa_pipeline.store.queries import Filters
from qa_pipeline.store.search import SHORT_WINDOW, search_turns
from qa_pipeline.web import WebOptions, create_app
from qa_pipeline.web.deps import COOKIE

from .conftest import Centre


def _client(centre: Centre, name: str) -> TestClient:
    app = create_app(centre.store, WebOptions(rubrics=(centre.rubric,)))
    token, _csrf = centre.accounts.start_session(centre.users[name])
    return TestClient(app, follow_redirects=False, cookies={COOKIE: token})


def _store_turns(centre: Centre, call_id: str, *texts: str) -> None:
    segs = tuple(
        Segment("caller" if i % 2 else "agent", 10.0 * i, 10.0 * i + 5, t)
        for i, t in enumerate(texts)
    )
    centre.store.save_transcript(Transcript(call_id, segs, language="zh"), None, None)


def _hits(centre: Centre, user: str, text: str) -> list[Any]:
    return list(search_transcripts(centre.store, centre.users[user], text).hits)


# ---------------------------------------------------------------------- search


def test_search_finds_turns_with_time_and_a_link_to_the_call_there(centre: Centre) -> None:
    call_id = centre.call(agent_id="A1001")["call_id"]
    _store_turns(centre, call_id, "您好，这里是热线", "楼下的烧烤摊油烟很大，晚上十点还在营业")
    resp = _client(centre, "li").get("/search", params={"q": "烧烤摊油烟"})
    assert resp.status_code == 200
    rows = re.findall(r'<tr data-call="([^"]+)" data-turn="(\d+)">(.*?)</tr>', resp.text, re.S)
    assert [(c, t) for c, t, _ in rows] == [(call_id, "1")]
    body = rows[0][2]
    assert f'href="/calls/{call_id}#t=10.00"' in body  # opens the call at that turn
    assert "00:10" in body and "<mark>烧烤摊油烟</mark>" in body


def test_a_new_transcript_of_a_call_replaces_its_turns(centre: Centre) -> None:
    call_id = centre.calls[0]["call_id"]
    _store_turns(centre, call_id, "第一次转写：窨井盖松动")
    assert [h.call_id for h in _hits(centre, "li", "窨井盖松动")] == [call_id]
    _store_turns(centre, call_id, "第二次转写：路灯不亮")
    assert _hits(centre, "li", "窨井盖松动") == []
    assert [h.call_id for h in _hits(centre, "li", "路灯不亮")] == [call_id]


def test_the_search_holds_only_redacted_text(centre: Centre) -> None:
    call_id = centre.calls[1]["call_id"]
    _store_turns(centre, call_id, "我的电话是13812345678，住在光华路77号院")
    assert _hits(centre, "li", "13812345678") == []
    assert _hits(centre, "li", "光华路77号院") == []
    with centre.store._read("t") as conn:
        texts = [r[0] for r in conn.execute(select(search_turns.c.text))]
    assert not any("13812345678" in t for t in texts)


def test_an_agent_finds_only_their_own_calls(centre: Centre) -> None:
    mine = centre.call(agent_id="A1001")["call_id"]
    other = centre.call(agent_id="A1002")["call_id"]
    _store_turns(centre, mine, "共享单车堆在小区门口")
    _store_turns(centre, other, "共享单车堆在学校门口")
    assert {h.call_id for h in _hits(centre, "li", "共享单车")} == {mine, other}
    assert {h.call_id for h in _hits(centre, "a1001", "共享单车")} == {mine}
    assert {h.call_id for h in _hits(centre, "a1002", "共享单车")} == {other}
    page = _client(centre, "a1001").get("/search", params={"q": "共享单车"}).text
    assert mine in page and other not in page
    # every call's greeting: an agent's short search still sees only their own
    agents = {h.agent_id for h in _hits(centre, "a1001", "您好")}
    assert agents == {"A1001"}


@pytest.mark.parametrize(
    ("text", "lookalike"),
    [("100%满意", "1000满意"), ("a_b", "axb"), ('说"好的"', "说好的"), ("_", "x"), ("%", "")],
)
def test_wildcards_and_quotes_are_plain_characters(
    centre: Centre, text: str, lookalike: str
) -> None:
    call_id, other = centre.calls[2]["call_id"], centre.calls[3]["call_id"]
    _store_turns(centre, call_id, f"内容{text}结束", "完全无关的一句话")
    _store_turns(centre, other, f"内容{lookalike}结束")
    hits = _hits(centre, "li", text)
    assert (call_id, 0) in [(h.call_id, h.turn) for h in hits], text
    assert all(text in h.text for h in hits), text  # a wildcard would match the lookalike


def test_latin_letters_match_in_either_case(centre: Centre) -> None:
    call_id = centre.calls[3]["call_id"]
    _store_turns(centre, call_id, "我用的是WiFi网络", "APP打不开")
    assert [h.call_id for h in _hits(centre, "li", "wifi网络")] == [call_id]
    assert [h.call_id for h in _hits(centre, "li", "app")] == [call_id]


def test_pages_follow_each_other_without_gaps(centre: Centre) -> None:
    # the greeting is in every call: page through it in pages of 5
    li = centre.users["li"]
    for text in ("您好", "热线，工号"):
        seen: list[int] = []
        before = None
        while True:
            page = search_transcripts(centre.store, li, text, before, per_page=5)
            seen += [h.id for h in page.hits]
            if page.next_before is None:
                break
            before = page.next_before
        with centre.store._read("t") as conn:
            rows = conn.execute(select(search_turns.c.id, search_turns.c.text)).all()
        assert seen == sorted((i for i, t in rows if text in t), reverse=True), text
        assert len(seen) > 5  # more than one page


def test_a_short_search_reads_a_window_then_offers_older_calls(
    centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa_pipeline.review.search as search

    assert SHORT_WINDOW >= 10_000
    monkeypatch.setattr(search, "SHORT_WINDOW", 5)
    first = centre.calls[0]["call_id"]
    _store_turns(centre, first, "这里有鲸鱼")
    for c in centre.calls[1:4]:  # newer turns on top of it
        _store_turns(centre, c["call_id"], "一", "二", "三")
    li = centre.users["li"]
    page = search_transcripts(centre.store, li, "鲸鱼")
    assert page.hits == () and page.window_done and page.next_before is not None
    found: list[str] = []
    while page.next_before is not None:
        page = search_transcripts(centre.store, li, "鲸鱼", page.next_before)
        found += [h.call_id for h in page.hits]
    assert found == [first]


def test_empty_and_overlong_searches_are_refused_in_chinese(centre: Centre) -> None:
    client = _client(centre, "li")
    assert "<table" not in client.get("/search").text  # the form alone
    resp = client.get("/search", params={"q": "长" * 101})
    assert resp.status_code == 422 and "最多 100 个字" in resp.text
    assert client.get("/search", params={"q": "您好", "before": "x"}).status_code == 422


def test_the_migration_indexes_transcripts_stored_before_it(centre: Centre) -> None:
    from alembic import command

    from qa_pipeline.store import migrations

    before = _hits(centre, "li", "社保卡")
    assert before
    with centre.store._write("downgrade") as conn:
        command.downgrade(migrations._config(conn), "0004")
    centre.store.upgrade()
    assert [h.call_id for h in _hits(centre, "li", "社保卡")] == [h.call_id for h in before]


def test_scrub_reindexes_the_calls_it_masks(db_url: str, tmp_path: Any) -> None:
    from qa_pipeline.store.scrub import scrub_store

    raw = Transcript("c-raw", (Segment("caller", 0.0, 2.0, "我叫欧阳振华，电话13812345678"),))
    with Store.open(db_url, redact=False) as old:  # as a version without redaction wrote
        old.save_transcript(raw, None, None)
        with old._read("t") as conn:
            assert "13812345678" in conn.execute(select(search_turns.c.text)).scalar_one()
    with Store.open(db_url) as store:
        changed = scrub_store(store, recordings_dir=tmp_path / "recordings")
        assert changed["search_turns"] == 1
        with store._read("t") as conn:
            text = conn.execute(select(search_turns.c.text)).scalar_one()
            n = conn.execute(select(func.count()).select_from(search_turns)).scalar_one()
    assert "13812345678" not in text and "欧阳振华" not in text and n == 1


# ---------------------------------------------------------------------- export


def _csv(resp: Any) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    text = resp.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the Chinese as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_evaluations_export_holds_what_the_calls_list_holds(centre: Centre) -> None:
    client = _client(centre, "boss")
    rows = _csv(client.get("/export/evaluations"))
    listed, _ = centre.bench.list_calls(centre.users["boss"], Filters(), per_page=1000)
    assert [r["call_id"] for r in rows] == [c.call_id for c in listed]
    team = listed[0].team
    rows = _csv(client.get("/export/evaluations", params={"team": team, "format": "csv"}))
    assert rows and {r["team"] for r in rows} == {team}
    assert len(rows) == len([c for c in listed if c.team == team])
    review = _csv(client.get("/export/evaluations", params={"review": "1"}))
    listed_review, _ = centre.bench.list_calls(
        centre.users["boss"], Filters(review=True), per_page=1000
    )
    assert [r["call_id"] for r in review] == [c.call_id for c in listed_review]
    assert float(rows[0]["machine_score"]) >= 0 and rows[0]["state"] == "machine"


def _decide(centre: Centre, call_id: str, note: str, status: str = "fail") -> None:
    rubric = centre.rubric
    item = next(i for i in rubric.items if not i.critical).id
    centre.bench.decide(
        centre.users["li"], call_id, rubric.id, rubric.version, item, status, note, 0
    )


def test_decisions_export_and_formula_injection(centre: Centre) -> None:
    a, b = centre.call(agent_id="A1001")["call_id"], centre.call(agent_id="A1002")["call_id"]
    _decide(centre, a, '=HYPERLINK("http://evil.example","点我")')
    _decide(centre, b, "@SUM(1+1)")
    client = _client(centre, "li")
    rows = _csv(client.get("/export/decisions"))
    assert [r["call_id"] for r in rows] == [a, b]
    assert rows[0]["note"].startswith("'=HYPERLINK(")
    assert rows[1]["note"] == "'@SUM(1+1)"
    assert rows[0]["reviewer"] == "li" and rows[0]["new_status"] == "fail"
    assert rows[0]["item_name"]  # the item's name, not only its id
    only_a = _csv(client.get("/export/decisions", params={"agent": "A1001"}))
    assert [r["call_id"] for r in only_a] == [a]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("正常文本", "正常文本"),
        ("a=b", "a=b"),
        (-2.5, -2.5),
        (None, None),
    ],
)
def test_safe_cell(value: Any, safe: Any) -> None:
    assert safe_cell(value) == safe


def test_excel_export_keeps_text_as_text(centre: Centre, tmp_path: Any) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    a = centre.call(agent_id="A1001")["call_id"]
    _decide(centre, a, "=1+1")
    client = _client(centre, "li")
    resp = client.get("/export/decisions", params={"format": "xlsx"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    path = tmp_path / "d.xlsx"
    path.write_bytes(resp.content)
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    note = ws.cell(row=2, column=header.index("note") + 1)
    assert note.value == "=1+1" and note.data_type == "s"  # text, never a formula
    resp = client.get("/export/evaluations", params={"format": "xlsx", "agent": "A1001"})
    path.write_bytes(resp.content)
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows and all(r[2] == "A1001" for r in rows)
    assert isinstance(rows[0][6], int | float)  # scores stay numbers


def test_exports_refuse_unknown_kinds_and_formats_and_agents(centre: Centre) -> None:
    client = _client(centre, "li")
    assert client.get("/export/everything").status_code == 404
    resp = client.get("/export/evaluations", params={"format": "pdf"})
    assert resp.status_code == 422 and "csv 或 xlsx" in resp.text
    assert _client(centre, "a1001").get("/export/evaluations").status_code == 403


def test_qa_export_on_the_command_line(centre: Centre, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from qa_pipeline.cli import app

    openpyxl = pytest.importorskip("openpyxl")
    _decide(centre, centre.call(agent_id="A1001")["call_id"], "-1 分：语速快")
    runner = CliRunner()
    out = tmp_path / "e.csv"
    res = runner.invoke(
        app, ["export", "evaluations", "--out", str(out), "--agent", "A1001", "--url", centre.url]
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    listed, _ = centre.bench.list_calls(centre.users["li"], Filters(agent_id="A1001"))
    assert [r["call_id"] for r in rows] == [c.call_id for c in listed]
    xlsx = tmp_path / "d.xlsx"
    res = runner.invoke(app, ["export", "decisions", "-o", str(xlsx), "--url", centre.url])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("note") + 1).value == "-1 分：语速快"
    bad = runner.invoke(app, ["export", "everything", "-o", str(out), "--url", centre.url])
    assert bad.exit_code == 2  # a usage error
