"""The workbench over HTTP: rights on every route, CSRF, sessions, audio, bad input."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import PASSWORD, Centre, LiveServer, login


def _form(client: httpx.Client, **data: str) -> dict[str, str]:
    return {"csrf": client.csrf, **data}  # type: ignore[attr-defined]


def _fail(c: Centre, agent: str | None = None) -> tuple[str, str]:
    items = c.store.items_frame()
    rows = items[items["status"] == "fail"]
    if agent:
        rows = rows[rows["agent_id"] == agent]
    return str(rows.iloc[0]["call_id"]), str(rows.iloc[0]["item_id"])


def test_pages_need_a_login_and_agents_see_only_their_calls(
    centre: Centre, live: LiveServer
) -> None:
    anon = httpx.Client(base_url=live.url)
    assert anon.get("/calls").status_code == 303
    assert anon.get("/calls/C0000/audio").status_code == 303
    assert anon.post("/calls/C0000/decide", data={}).status_code == 401
    agent = login(live.url, "a1001")
    mine = centre.call(agent_id="A1001")["call_id"]
    other = centre.call(agent_id="A1002")["call_id"]
    listing = agent.get("/calls").text
    assert mine in listing and other not in listing
    assert agent.get(f"/calls/{mine}").status_code == 200
    for path in (
        f"/calls/{other}",
        f"/calls/{other}/audio",
        "/review",
        "/agreement",
        "/calibration",
    ):
        assert agent.get(path).status_code == 403, path
    assert "A1002" not in agent.get("/nights").text
    staff = login(live.url, "boss")
    assert staff.get(f"/calls/{other}").status_code == 200
    assert staff.get("/calls/NOPE").status_code == 404


def test_forms_without_their_csrf_token_are_refused(centre: Centre, live: LiveServer) -> None:
    li = login(live.url, "li")
    call_id, item_id = _fail(centre)
    data = {
        "rubric_id": centre.rubric.id,
        "rubric_version": centre.rubric.version,
        "item_id": item_id,
        "status": "pass",
        "reason": "x",
        "expected_last": "0",
    }
    for bad in ({}, {"csrf": "forged"}):
        resp = li.post(f"/calls/{call_id}/decide", data={**data, **bad})
        assert resp.status_code == 403 and "CSRF" in resp.text
    assert centre.store.reviews_frame().empty
    ok = li.post(f"/calls/{call_id}/decide", data=_form(li, **data))
    assert ok.status_code == 303
    assert len(centre.store.reviews_frame()) == 1
    # the login form carries its own token too
    anon = httpx.Client(base_url=live.url)
    assert anon.post("/login", data={"name": "li", "password": PASSWORD}).status_code == 403


def test_only_inspectors_decide_and_bad_decisions_get_clear_errors(
    centre: Centre, live: LiveServer
) -> None:
    call_id, item_id = _fail(centre)
    base = {
        "rubric_id": centre.rubric.id,
        "rubric_version": centre.rubric.version,
        "item_id": item_id,
        "status": "pass",
        "reason": "x",
        "expected_last": "0",
    }
    for who in ("admin", "zhao", "boss"):
        c = login(live.url, who)
        assert c.post(f"/calls/{call_id}/decide", data=_form(c, **base)).status_code == 403
    li = login(live.url, "li")
    r = li.post(f"/calls/{call_id}/decide", data=_form(li, **{**base, "item_id": "made_up"}))
    assert r.status_code == 422 and "没有评分项" in r.text
    r = li.post("/calls/NOPE/decide", data=_form(li, **base))
    assert r.status_code == 404
    r = li.post(f"/calls/{call_id}/decide", data=_form(li, **{**base, "expected_last": "x"}))
    assert r.status_code == 422
    assert li.post(f"/calls/{call_id}/decide", data=_form(li, **base)).status_code == 303
    wang = login(live.url, "wang")
    late = wang.post(f"/calls/{call_id}/decide", data=_form(wang, **{**base, "status": "na"}))
    assert late.status_code == 409 and "li 已先" in late.text
    assert centre.store.reviews_frame()["new_status"].tolist() == ["pass"]
    assert li.get("/calls?score_min=abc").status_code == 422
    assert li.get("/calls?night=yesterday").status_code == 422


def test_audio_streams_with_range_and_never_leaves_the_store(
    centre: Centre, live: LiveServer
) -> None:
    li = login(live.url, "li")
    call_id = centre.call(audio=True)["call_id"]
    size = (centre.root / "audio" / f"{call_id}.wav").stat().st_size
    whole = li.get(f"/calls/{call_id}/audio")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert len(whole.content) == size and whole.headers["content-type"] == "audio/wav"
    part = li.get(f"/calls/{call_id}/audio", headers={"Range": "bytes=44-1043"})
    assert part.status_code == 206 and len(part.content) == 1000
    assert part.headers["content-range"] == f"bytes 44-1043/{size}"
    assert part.content == whole.content[44:1044]
    tail = li.get(f"/calls/{call_id}/audio", headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    assert li.get(f"/calls/{call_id}/audio", headers={"Range": f"bytes={size}-"}).status_code == 416
    for path in (
        "/calls/..%2F..%2F..%2Fetc%2Fpasswd/audio",
        "/calls/%2Fetc%2Fpasswd/audio",
        "/calls/../../etc/passwd/audio",
        "/calls/C0000%2F..%2F..%2Fetc/audio",
    ):
        r = li.get(path)
        assert r.status_code == 404 and b"root:" not in r.content, path
    # a query naming a file is ignored: the store's path is the only one used
    r = li.get(f"/calls/{call_id}/audio?path=/etc/passwd", headers={"Range": "bytes=0-3"})
    assert r.content == b"RIFF"
    vendor = centre.call(audio=False)["call_id"]
    assert li.get(f"/calls/{vendor}/audio").status_code == 404
    page = li.get(f"/calls/{vendor}").text
    assert "<audio" not in page and 'id="no-audio"' in page


def test_a_deleted_recording_is_said_and_the_verdicts_stay(
    centre: Centre, live: LiveServer
) -> None:
    li = login(live.url, "li")
    call_id = centre.call(audio=True)["call_id"]
    (centre.root / "audio" / f"{call_id}.wav").unlink()
    page = li.get(f"/calls/{call_id}")
    assert page.status_code == 200 and "<audio" not in page.text
    assert "录音文件已不存在" in page.text and 'class="item"' in page.text
    r = li.get(f"/calls/{call_id}/audio")
    assert r.status_code == 404 and "已不存在" in r.text


def test_a_disabled_users_session_ends_at_once(centre: Centre, live: LiveServer) -> None:
    li = login(live.url, "li")
    assert li.get("/calls").status_code == 200
    centre.accounts.disable("li")
    r = li.get("/calls")
    assert r.status_code == 401 and "账号已停用" in r.text
    call_id, item_id = _fail(centre)
    r = li.post(f"/calls/{call_id}/decide", data=_form(li, item_id=item_id, status="pass"))
    assert r.status_code == 401 and centre.store.reviews_frame().empty


def _login_token(client: httpx.Client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def test_logins_are_throttled_and_cookies_are_httponly(live: LiveServer) -> None:
    from dataclasses import replace

    from qa_pipeline.web.security import LoginThrottle

    state = live.app.state.web
    live.app.state.web = replace(state, throttle=LoginThrottle(per_name=5, per_address=8))
    client = httpx.Client(base_url=live.url)
    token = _login_token(client)
    for _ in range(5):
        r = client.post("/login", data={"name": "wang", "password": "nope", "csrf": token})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = client.post("/login", data={"name": "wang", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429  # even the right password waits now
    # another account from the same address still gets in (no lock-out of a whole office)
    fresh = httpx.Client(base_url=live.url)
    t2 = _login_token(fresh)
    ok = fresh.post(
        "/login", data={"name": "li", "password": PASSWORD, "csrf": t2, "next": "//evil.example"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    # guessing across many names makes the address wait, for accounts new to it only
    for k in range(3):
        client.post("/login", data={"name": f"guess{k}", "password": "x", "csrf": token})
    r = client.post("/login", data={"name": "zhao", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    again = httpx.Client(base_url=live.url)
    t3 = _login_token(again)
    ok = again.post("/login", data={"name": "li", "password": PASSWORD, "csrf": t3})
    assert ok.status_code == 303  # li signed in from this address before: not shut out


def test_login_back_off_doubles_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa_pipeline.web import security

    now = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: now[0])
    t = security.LoginThrottle(per_name=2, per_address=3, base_s=10, max_s=40, window_s=900)
    for _ in range(2):
        t.failed("wang", "10.0.0.1")
    assert t.wait("wang", "10.0.0.9") == 10  # the account waits, from any address
    now[0] += 11
    assert t.wait("wang", "10.0.0.9") == 0
    t.failed("wang", "10.0.0.1")
    assert t.wait("wang", "10.0.0.9") == 20  # doubled
    for _ in range(5):
        t.failed("wang", "10.0.0.1")
    assert t.wait("wang", "10.0.0.9") == 40  # capped
    # the address (3 failures and more) waits for accounts new to it, not for known ones
    t.succeeded("li", "10.0.0.1")
    assert t.wait("li", "10.0.0.1") == 0
    assert t.wait("zhao", "10.0.0.1") > 0
    assert t.wait("zhao", "10.0.0.2") == 0
    now[0] += 901  # the failures leave the window
    assert t.wait("wang", "10.0.0.9") == 0 and t.wait("zhao", "10.0.0.1") == 0


def test_pages_show_only_redacted_text(centre: Centre, live: LiveServer) -> None:
    from qa_pipeline.pii.redact import find_pii, redact_text

    li = login(live.url, "li")
    leaked, checked = [], 0
    for call in centre.calls:
        raw = [
            seg["text"][m.start : m.end]
            for seg in call["raw"]["segments"]
            for m in find_pii(seg["text"])
        ]
        if raw:
            checked += 1
            page = li.get(f"/calls/{call['call_id']}").text
            leaked += [t for t in raw if t in page]
            labels = {
                label
                for seg in call["raw"]["segments"]
                for label in re.findall(r"\[[^\]\s]+\]", redact_text(seg["text"]))
            }
            assert any(label in page for label in labels)  # the masked text is shown
    assert checked >= 3 and leaked == []
