"""Account administration in the workbench (/admin/users): the same as ``qa users``."""

from __future__ import annotations

import re

from .conftest import Centre, LiveServer, login


def _post(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf": client.csrf, **data})


def test_an_admin_adds_disables_enables_resets_and_changes_roles(
    centre: Centre, live: LiveServer
) -> None:
    admin = login(live.url, "admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "账号管理" in page.text
    assert 'data-user="li"' in page.text and 'href="/admin/users"' in page.text

    # a new inspector: the password is generated and shown once, then signs in
    added = _post(admin, "/admin/users", name="zhou", role="inspector")
    assert added.status_code == 200, added.text
    password = re.search(r'<code id="new-password">([^<]+)</code>', added.text).group(1)  # type: ignore[union-attr]
    assert len(password) >= 16 and password not in admin.get("/admin/users").text
    zhou = login(live.url, "zhou", password)
    assert zhou.get("/review").status_code == 200

    # disabled: the open session ends at once and no new one starts
    gone = _post(admin, "/admin/users/zhou/state", enabled="0")
    assert gone.status_code == 303 and "user_disabled" in gone.headers["location"]
    assert zhou.get("/review").status_code in (303, 401)
    assert centre.accounts.authenticate("zhou", password) is None
    _post(admin, "/admin/users/zhou/state", enabled="1")
    assert centre.accounts.authenticate("zhou", password) is not None

    # a reset password replaces the old one
    reset = _post(admin, "/admin/users/zhou/password")
    fresh = re.search(r'<code id="new-password">([^<]+)</code>', reset.text).group(1)  # type: ignore[union-attr]
    assert fresh != password
    assert centre.accounts.authenticate("zhou", password) is None
    assert centre.accounts.authenticate("zhou", fresh) is not None

    # roles: an agent needs an agent id (Chinese message), then gets its own calls only
    bad = _post(admin, "/admin/users/zhou/role", role="agent")
    assert bad.status_code == 422 and "话务员账号需要填写话务员工号" in bad.text
    ok = _post(admin, "/admin/users/zhou/role", role="agent", agent_id="A1001")
    assert ok.status_code == 303
    assert centre.accounts.authenticate("zhou", fresh).role == "agent"  # type: ignore[union-attr]


def test_an_admin_cannot_lock_themselves_out_and_others_cannot_administer(
    centre: Centre, live: LiveServer
) -> None:
    admin = login(live.url, "admin")
    assert _post(admin, "/admin/users/admin/state", enabled="0").status_code == 422
    assert _post(admin, "/admin/users/admin/role", role="agent", agent_id="X").status_code == 422
    assert centre.accounts.authenticate("admin", "correct horse battery") is not None
    dup = _post(admin, "/admin/users", name="li", role="inspector")
    assert dup.status_code == 422 and "已存在" in dup.text
    missing = _post(admin, "/admin/users/nobody/password")
    assert missing.status_code == 404 and "没有账号" in missing.text
    for name in ("li", "boss", "a1001"):
        other = login(live.url, name)
        assert other.get("/admin/users").status_code == 403
        assert _post(other, "/admin/users", name="evil", role="admin").status_code == 403
        assert 'href="/admin/users"' not in other.get("/calls").text
    assert all(u.name != "evil" for u in centre.accounts.list())
