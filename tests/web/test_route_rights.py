"""Every route of the app checks who calls it: walked as anonymous and as every role.

A new route must be added to ``RIGHTS`` (or to ``PUBLIC``), with the permission it
needs; the walk then fails if the route lets in someone the permission table leaves out,
or shuts out someone it lets in.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from qa_pipeline.review.permissions import ROLE_PERMISSIONS, ROLES, Permission, roles_with
from qa_pipeline.web import WebOptions, create_app
from qa_pipeline.web.deps import COOKIE, Allowed, current_user

from .conftest import Centre

P = Permission

#: Open to anyone: the login page and its form, the static files.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static")}

#: What every other route needs: a permission, or ``None`` for any signed-in user.
RIGHTS: dict[tuple[str, str], Permission | None] = {
    ("POST", "/logout"): None,
    ("GET", "/"): None,
    ("GET", "/nights"): P.VIEW_CALLS,
    ("GET", "/calls"): P.VIEW_CALLS,
    ("GET", "/calls/{call_id:path}"): P.VIEW_CALLS,
    ("GET", "/calls/{call_id:path}/audio"): P.VIEW_CALLS,
    ("GET", "/review"): P.VIEW_QUEUE,
    ("POST", "/review/fill"): P.FILL_QUEUE,
    ("POST", "/calls/{call_id:path}/decide"): P.DECIDE,
    ("GET", "/review/next"): P.VIEW_QUEUE,
    ("GET", "/review/items/{entry_id}"): P.VIEW_QUEUE,
    ("POST", "/review/items/{entry_id}/decide"): P.DECIDE,
    ("GET", "/review/bulk"): P.DECIDE,
    ("POST", "/review/bulk"): P.DECIDE,
    ("GET", "/appeals"): P.VIEW_CALLS,
    ("POST", "/calls/{call_id:path}/appeal"): P.APPEAL,
    ("POST", "/calls/{call_id:path}/acknowledge"): P.ACKNOWLEDGE,
    ("POST", "/appeals/{appeal_id}/resolve"): P.RESOLVE_APPEAL,
    ("GET", "/calibration"): P.VIEW_CALIBRATION,
    ("POST", "/calibration"): P.START_CALIBRATION,
    ("GET", "/calibration/{session_id}"): P.VIEW_CALIBRATION,
    ("POST", "/calibration/{session_id}/score"): P.SCORE_CALIBRATION,
    ("GET", "/calibration/{session_id}/calls/{call_id:path}"): P.VIEW_CALIBRATION,
    ("GET", "/agreement"): P.VIEW_AGREEMENT,
    ("POST", "/calls/{call_id:path}/reopen"): P.REOPEN,
    ("GET", "/notifications"): None,
    ("GET", "/search"): P.VIEW_CALLS,
    ("GET", "/export/{kind}"): P.EXPORT,
    ("GET", "/ledger"): P.VIEW_LEDGER,
    ("GET", "/ledger/calls"): P.VIEW_LEDGER,
    ("POST", "/ledger/switch"): P.SWITCH_LEDGER,
    ("GET", "/admin/users"): P.MANAGE_USERS,
    ("POST", "/admin/users"): P.MANAGE_USERS,
    ("POST", "/admin/users/{name:path}/state"): P.MANAGE_USERS,
    ("POST", "/admin/users/{name:path}/role"): P.MANAGE_USERS,
    ("POST", "/admin/users/{name:path}/password"): P.MANAGE_USERS,
}

#: An account of each role in the demo centre (``conftest.make_centre``).
ACCOUNTS = {"admin": "admin", "inspector": "li", "trainer": "zhao", "manager": "boss"}
ACCOUNTS["agent"] = "a1001"

#: Path parameters: ids nothing has, so a permitted call changes nothing (404 or 422).
PARAMS = {
    "call_id": "NOPE",
    "appeal_id": "0",
    "session_id": "0",
    "kind": "evaluations",
    "entry_id": "0",
    "name": "NOPE",
}


def _walk(app: FastAPI) -> list[tuple[Any, str]]:
    """Every route of ``app`` with its path, through included routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # a FastAPI that copies included routes into ``app.routes``
        return [(r, r.path) for r in app.routes]
    return [(c.original_route, str(c.path)) for c in iter_route_contexts(app.routes)]


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route, path in _walk(app):
        if isinstance(route, APIRoute):
            found |= {(m, path) for m in route.methods}
        elif isinstance(route, Mount):
            found.add(("GET", path))
        else:  # pragma: no cover - a route of a kind this walk does not know
            raise AssertionError(f"unexpected route {route!r}")
    return found


def _calls(dependant: Any) -> list[Any]:
    out = []
    for dep in dependant.dependencies:
        out.append(dep.call)
        out += _calls(dep)
    return out


def test_every_route_is_listed_and_declares_its_check() -> None:
    app = create_app(None)
    assert _routes(app) == set(RIGHTS) | PUBLIC
    for route, path in _walk(app):
        if not isinstance(route, APIRoute):
            continue
        calls = _calls(route.dependant)
        for method in route.methods:
            key = (method, path)
            if key in PUBLIC:
                assert current_user not in calls, key
            elif RIGHTS[key] is None:
                assert current_user in calls, key
            else:
                assert Allowed(RIGHTS[key]) in calls, key  # type: ignore[arg-type]


def test_the_table_keeps_each_roles_rights() -> None:
    staff = ("admin", "inspector", "trainer", "manager")
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    assert roles_with(P.VIEW_CALLS) == (*staff, "agent")
    for p in (P.VIEW_ALL_CALLS, P.VIEW_QUEUE, P.VIEW_CALIBRATION, P.VIEW_AGREEMENT, P.EXPORT):
        assert roles_with(p) == staff, p
    assert roles_with(P.DECIDE) == roles_with(P.RESOLVE_APPEAL) == ("inspector",)
    assert roles_with(P.APPEAL) == roles_with(P.ACKNOWLEDGE) == ("agent",)
    assert roles_with(P.FILL_QUEUE) == ("admin", "inspector")
    assert roles_with(P.START_CALIBRATION) == ("admin", "inspector", "trainer")
    assert roles_with(P.SCORE_CALIBRATION) == ("inspector", "trainer")
    assert roles_with(P.SEE_CALIBRATION_RESULTS) == ("admin", "trainer", "manager")
    assert roles_with(P.REOPEN) == ("admin",)
    assert roles_with(P.VIEW_LEDGER) == ("admin", "inspector", "manager")
    assert roles_with(P.SWITCH_LEDGER) == ("admin",)


def _probe(app: FastAPI, centre: Centre, key: tuple[str, str], role: str | None) -> Any:
    method, path = key
    url = path.replace(":path}", "}").format(**PARAMS)
    if role is None:
        client = TestClient(app, follow_redirects=False)
        return client.request(method, url)
    token, csrf = centre.accounts.start_session(centre.users[ACCOUNTS[role]])
    client = TestClient(app, follow_redirects=False, cookies={COOKIE: token})
    # a valid CSRF token: a refusal is the role's, not the form's
    return client.request(method, url, data={"csrf": csrf} if method == "POST" else None)


def _wrong(key: tuple[str, str], who: str, resp: Any) -> str | None:
    """Why ``resp`` is not what ``who`` (a role, or ``anonymous``) should get, if it is not."""
    status, location = resp.status_code, resp.headers.get("location", "")
    need = RIGHTS[key]
    if who == "anonymous":
        # a page sends the browser to the login form; an action is refused
        login = status == 303 and location.startswith("/login")
        ok = login if key[0] == "GET" else status == 401
    elif need is not None and need not in ROLE_PERMISSIONS[who]:
        ok = status == 403
    else:
        # (only a page could send a signed-in user to log in; logging out ends there)
        ok = status not in (401, 403) and not (key[0] == "GET" and location.startswith("/login"))
    return None if ok else f"{' '.join(key)} as {who}: {status} {location}"


def test_each_route_lets_in_exactly_the_roles_the_table_names(centre: Centre) -> None:
    app = create_app(centre.store, WebOptions(rubrics=(centre.rubric,)))
    wrong = []
    for key in sorted(RIGHTS):
        wrong.append(_wrong(key, "anonymous", _probe(app, centre, key, None)))
        for role in ROLE_PERMISSIONS:
            wrong.append(_wrong(key, role, _probe(app, centre, key, role)))
    assert [w for w in wrong if w] == []
