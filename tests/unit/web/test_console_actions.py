"""State changes from the console: the CSRF header, the use cases' rules, and the results shown at once."""

from __future__ import annotations

from datetime import UTC, datetime

from console_helpers import PASSWORD, Login, csrf_of, make_event
from fastapi.testclient import TestClient

from camsight.events.alerts import Held
from camsight.events.query import EventQuery
from camsight.services import events, users
from camsight.services.actor import os_actor
from camsight.store.alerts_repo import add_suppression
from camsight.store.handle import Store
from camsight.store.held_repo import store_held


def _verdict(store: Store, event_id: str) -> str | None:
    with store.engine.connect() as conn:
        rows = events.list_event_rows(conn, actor=os_actor(), query=EventQuery(camera="gate"))
    return next(r.verdict for r in rows if r.event.id == event_id)


def test_a_verdict_needs_the_csrf_header_and_is_stored_and_shown(store: Store, login: Login) -> None:
    client = login("oper")
    path = "/alerts/gate-event-01/feedback"
    assert client.post(path, data={"verdict": "false"}).status_code == 403
    assert client.post(path, data={"verdict": "false"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert _verdict(store, "gate-event-01") is None
    answer = client.post(path, data={"verdict": "false", "note": "a shadow"}, headers={"X-CSRF-Token": csrf_of(client)})
    assert answer.status_code == 200
    assert "false alarm" in answer.text
    assert "a shadow" in answer.text
    assert _verdict(store, "gate-event-01") == "false"


def test_a_viewer_may_not_give_a_verdict(store: Store, login: Login) -> None:
    client = login("view")
    answer = client.post(
        "/alerts/gate-event-01/feedback", data={"verdict": "confirmed"}, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert answer.status_code == 403
    assert _verdict(store, "gate-event-01") is None


def test_a_scoped_operator_sees_only_its_cameras_everywhere(login: Login) -> None:
    client = login("gateop")
    alerts = client.get("/alerts").text
    assert "gate-event-01" in alerts
    assert "lobby-event-03" not in alerts
    assert client.get("/alerts/lobby-event-03").status_code == 404
    assert client.get("/alerts/lobby-event-03/card").status_code == 404
    assert client.get("/cameras/lobby").status_code == 404
    assert client.get("/cameras/gate").status_code == 200
    assert 'href="/cameras/lobby"' not in client.get("/cameras").text
    found = client.get("/search", params={"q": "person"}).text
    assert 'data-track="src-gate:1"' in found
    assert "src-lobby" not in found
    verdict = client.post(
        "/alerts/lobby-event-03/feedback", data={"verdict": "false"}, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert verdict.status_code == 404


def test_a_wrong_password_shows_the_message_and_sets_no_cookie(anonymous: TestClient) -> None:
    answer = anonymous.post("/login", data={"username": "oper", "password": "not it at all"})
    assert answer.status_code == 401
    assert "wrong name or password" in answer.text
    assert "set-cookie" not in answer.headers
    assert anonymous.get("/alerts", follow_redirects=False).status_code == 303


def test_there_is_no_default_account(anonymous: TestClient) -> None:
    for name, password in (("admin", "admin"), ("admin", "password"), ("root", "root")):
        assert anonymous.post("/login", data={"username": name, "password": password}).status_code in (401, 429)
    assert "no default account" in anonymous.get("/login").text


def test_a_login_sets_the_same_session_cookie_as_the_api_and_goes_back(anonymous: TestClient) -> None:
    answer = anonymous.post(
        "/login", data={"username": "oper", "password": PASSWORD, "next": "/search?q=red"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/search?q=red"
    cookie = answer.headers["set-cookie"]
    assert "camsight_session=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert anonymous.get("/api/auth/me").json()["name"] == "user:oper"


def test_a_login_never_redirects_to_another_site(anonymous: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = anonymous.post(
            "/login", data={"username": "oper", "password": PASSWORD, "next": target}, follow_redirects=False
        )
        assert answer.headers["location"] == "/alerts", target


def test_a_login_form_posted_from_another_site_is_refused(anonymous: TestClient) -> None:
    answer = anonymous.post(
        "/login", data={"username": "oper", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_logging_out_ends_the_session(login: Login) -> None:
    client = login("oper")
    assert client.post("/logout").status_code == 403  # no CSRF header
    answer = client.post("/logout", headers={"X-CSRF-Token": csrf_of(client)})
    assert answer.headers["hx-redirect"] == "/login"
    assert client.get("/alerts", follow_redirects=False).status_code == 303


def test_an_admin_adds_disables_and_issues_tokens(store: Store, login: Login) -> None:
    client = login("admin1")
    headers = {"X-CSRF-Token": csrf_of(client)}
    added = client.post(
        "/users", data={"name": "dee", "role": "viewer", "cameras": "gate", "password": PASSWORD}, headers=headers
    )
    assert "account dee added (viewer)" in added.text
    short = client.post("/users", data={"name": "eve", "role": "viewer", "password": "short"}, headers=headers)
    assert "too short" in short.text
    token = client.post("/users/dee/token", data={"label": "backup"}, headers=headers).text
    assert "cst_" in token
    client.post("/users/dee/disable", headers=headers)
    with store.engine.connect() as conn:
        dee = next(u for u in users.list_all(conn, actor=os_actor()) if u.name == "dee")
    assert dee.disabled
    assert dee.cameras == ("gate",)


def test_an_operator_may_not_add_accounts(store: Store, login: Login) -> None:
    client = login("oper")
    answer = client.post(
        "/users", data={"name": "mal", "role": "admin", "password": PASSWORD}, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert answer.status_code == 403
    with store.engine.connect() as conn:
        assert "mal" not in [u.name for u in users.list_all(conn, actor=os_actor())]


def test_an_admin_enables_a_suggested_suppression(store: Store, login: Login) -> None:
    with store.engine.begin() as conn:
        region = add_suppression(
            conn,
            rule="zone_intrusion:door",
            camera="gate",
            zone="door",
            polygon=[(0.1, 0.1), (0.2, 0.1), (0.2, 0.2)],
            object_class="person",
            reason="3 false alerts of person",
            now=datetime.now(UTC),
        )
    client = login("admin1")
    assert "Enable" in client.get("/rules").text
    answer = client.post(
        f"/rules/suppressions/{region}", data={"enabled": "true"}, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert answer.status_code == 200
    assert "enabled" in answer.text
    assert "Disable" in answer.text


def test_an_admin_sees_what_a_suppression_held_back_and_releases_it(store: Store, login: Login) -> None:
    held = make_event("gate", 77, id="gate-held-77")
    with store.engine.begin() as conn:
        region = add_suppression(
            conn, rule=held.rule, camera="gate", polygon=[], reason="2 false alerts", now=datetime.now(UTC)
        )
        store_held(conn, held=[Held(held, region)], source_id="src", run_id="r", now=datetime.now(UTC))
    client = login("admin1")
    page = client.get("/rules").text
    assert 'id="held-gate-held-77"' in page
    assert "held back 1 (1 since enabled, 0 later confirmed)" in page
    answer = client.post("/rules/held/gate-held-77/release", headers={"X-CSRF-Token": csrf_of(client)})
    assert answer.status_code == 200
    assert "released" in answer.text
    assert "Release</button>" not in answer.text
    with store.engine.connect() as conn:
        assert events.find_event(conn, actor=os_actor(), ref="gate-held-77").id == "gate-held-77"
    assert client.post("/rules/held/gate-held-77/release", headers={"X-CSRF-Token": csrf_of(client)}).status_code == 409


def test_the_audit_page_filters_by_action_and_actor_and_shows_the_check(login: Login) -> None:
    login("oper")  # a login row by user:oper
    page = login("admin1").get("/audit", params={"action": "login", "actor": "user:oper"}).text
    assert "audit log intact" in page
    assert "<td>user:oper</td>" in page
    assert "<td>user:admin1</td>" not in page
    refused = login("admin1").get("/audit", params={"since": "yesterday"})
    assert refused.status_code == 422


def test_a_session_of_a_disabled_account_no_longer_opens_pages(store: Store, login: Login) -> None:
    client = login("oper")
    admin = login("admin1")
    admin.post("/users/oper/disable", headers={"X-CSRF-Token": csrf_of(admin)})
    assert client.get("/alerts", follow_redirects=False).status_code == 303
