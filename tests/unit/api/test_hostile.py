"""Hostile input: oversized bodies, path traversal in ids, script in texts and names, forged state changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_site import CAM_A, PASSWORD, Site, add_account, make_event, open_test_store, store_event
from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.api.deps import CSRF_HEADER

TRAVERSALS = [
    "..",
    "%2e%2e",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "....%2F%2F",
    "%252e%252e%252f",
    "%00",
    "ev-gate-0%00.jpg",
    "ev-gate-0%2F..%2F..%2Fsecret",
    ".hidden",
    "%5C..%5C..%5Cwindows",
]


@pytest.mark.parametrize(
    "route", ["/api/media/snapshots/", "/api/media/thumbnails/", "/api/media/moments/", "/api/tracks/", "/api/events/"]
)
@pytest.mark.parametrize("bad", TRAVERSALS)
def test_path_traversal_in_an_id_finds_nothing(site: Site, route: str, bad: str) -> None:
    answer = site.client.get(route + bad, headers=site.auth("admin"))
    assert answer.status_code in (404, 422), answer.text
    assert answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/queries"),
        ("POST", "/api/users"),
        ("POST", "/api/events/ev-gate-0/feedback"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/users/admin/password"),
    ],
)
def test_an_oversized_body_is_refused_before_anything_reads_it(site: Site, method: str, path: str) -> None:
    big = {"name": "x", "text": "red " * 20_000, "password": "p" * 70_000, "verdict": "false", "note": "n" * 70_000}
    answer = site.client.request(method, path, headers=site.auth("admin"), json=big)
    assert answer.status_code == 413


def test_a_chunked_body_without_a_length_is_refused(site: Site) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"verdict": '
        yield b'"false"}'

    headers = {**site.auth("admin"), "content-type": "application/json"}
    answer = site.client.post("/api/events/ev-gate-0/feedback", headers=headers, content=chunks())
    assert answer.status_code == 411


@pytest.mark.parametrize("ref", ["¹", "²³", "99999999999999999999999"])
def test_a_digit_int_cannot_read_in_a_query_ref_is_a_name_not_a_server_error(site: Site, ref: str) -> None:
    """'¹' is a digit to str.isdigit() but not to int(); a number past 64 bits is no row id either."""
    headers = {**site.auth("admin"), CSRF_HEADER: "1"}
    answer = site.client.post(f"/api/queries/{ref}/enable", headers=headers)
    assert answer.status_code in (403, 404), answer.text


SCRIPT = "<script>alert(document.cookie)</script>"


def test_script_in_a_search_text_comes_back_as_inert_json(site: Site) -> None:
    answer = site.client.get("/api/search", params={"q": f"person {SCRIPT}"}, headers=site.auth("operator"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    understood = answer.json()["query"]
    assert SCRIPT in understood["describe"] or any("script" in w for w in understood["unknown_words"])


def test_script_in_an_error_message_comes_back_as_json(site: Site) -> None:
    answer = site.client.get("/api/events", params={"camera": SCRIPT}, headers=site.auth("viewer"))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/json"
    assert SCRIPT in answer.json()["detail"]


def test_script_in_a_camera_name_comes_back_as_json_text(tmp_path: Path) -> None:
    config, store = open_test_store(tmp_path, cameras=(CAM_A,))
    hostile = store_event(store, make_event(SCRIPT, 1, zone=SCRIPT, id="ev-hostile"), snapshot=False)
    token = add_account(store, "ana", "viewer")
    with TestClient(create_app(config, store, semantic=False)) as client:
        answer = client.get(f"/api/events/{hostile.id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["event"]["camera"] == SCRIPT
    assert answer.json()["event"]["zone"] == SCRIPT
    store.close()


@pytest.fixture
def logged_in(fresh: Site) -> tuple[TestClient, str]:
    """A client with the operator's session cookie (no bearer token), and the session's CSRF token."""
    client = TestClient(fresh.client.app)
    answer = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert answer.status_code == 200
    return client, answer.json()["csrf"]


@pytest.mark.parametrize("sent", [None, "", "forged", "x" * 32])
def test_a_state_change_with_the_cookie_needs_the_right_csrf_token(
    fresh: Site, logged_in: tuple[TestClient, str], sent: str | None
) -> None:
    client, _csrf = logged_in
    headers = {} if sent is None else {CSRF_HEADER: sent}
    event = fresh.events[CAM_A]
    answer = client.post(f"/api/events/{event.id}/feedback", headers=headers, json={"verdict": "false"})
    assert answer.status_code == 403
    assert client.get(f"/api/events/{event.id}").json()["verdict"] is None


def test_every_state_change_refuses_the_cookie_without_the_csrf_token(fresh: Site) -> None:
    client = TestClient(fresh.client.app)
    assert client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
    spec = client.get("/openapi.json").json()
    posts = [p for p, ops in spec["paths"].items() if "post" in ops and p != "/api/auth/login"]
    filled = {"{event_id}": fresh.events[CAM_A].id, "{ref}": fresh.query_name, "{name}": "viewer"}
    filled["{suppression_id}"] = str(fresh.suppression_id)
    answers = {}
    for path in posts:
        for key, value in filled.items():
            path = path.replace(key, value)
        answers[path] = client.post(path, json={}).status_code
    assert set(answers.values()) == {403}, answers
    assert client.get("/api/auth/me").status_code == 200  # still logged in: logout was refused too


def test_with_the_right_csrf_token_the_change_is_made(fresh: Site, logged_in: tuple[TestClient, str]) -> None:
    client, csrf = logged_in
    event = fresh.events[CAM_A]
    answer = client.post(f"/api/events/{event.id}/feedback", headers={CSRF_HEADER: csrf}, json={"verdict": "false"})
    assert answer.status_code == 200
    assert client.get(f"/api/events/{event.id}").json()["verdict"] == "false"


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-05-01T12:00:00"},  # no zone
        {"since": "0001-01-01T00:00:00+14:00"},  # before year 1 in UTC
        {"until": "9999-12-31T23:59:59-14:00"},  # after year 9999 in UTC
        {"limit": 0},
        {"limit": 10**9},
        {"offset": -1},
        {"offset": 10**30},
        {"status": "<b>open</b>"},
        {"unknown": "x"},
    ],
)
def test_odd_filters_are_422_not_a_server_error(site: Site, query: dict[str, object]) -> None:
    answer = site.client.get("/api/events", params=query, headers=site.auth("viewer"))
    assert answer.status_code == 422, answer.text
