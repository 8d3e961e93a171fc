"""Logging in over HTTP: the session cookie's flags, 401 for a wrong password, CSRF on state changes, tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.api.deps import COOKIE, CSRF_HEADER
from camsight.config import Config
from camsight.services import users
from camsight.services.actor import os_actor
from camsight.store import open_store

PASSWORD = "correct horse battery"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    config = Config(site="t")
    store = open_store(config, str(tmp_path / "s.db"))
    with store.engine.begin() as conn:
        users.add(conn, actor=os_actor(), name="ana", role="operator", password=PASSWORD, now=datetime.now(UTC))
    return TestClient(create_app(config, store))


def test_a_login_sets_an_httponly_samesite_cookie(client: TestClient) -> None:
    answer = client.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["role"] == "operator"
    cookie = answer.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert client.get("/api/auth/me").json()["name"] == "user:ana"


def test_a_wrong_password_is_401(client: TestClient) -> None:
    answer = client.post("/api/auth/login", json={"username": "ana", "password": "nope"})
    assert answer.status_code == 401
    assert client.get("/api/auth/me").status_code == 401


def test_state_changes_with_the_cookie_need_the_csrf_token(client: TestClient) -> None:
    csrf = client.post("/api/auth/login", json={"username": "ana", "password": PASSWORD}).json()["csrf"]
    assert client.post("/api/auth/logout").status_code == 403
    assert client.post("/api/auth/logout", headers={CSRF_HEADER: "forged"}).status_code == 403
    assert client.post("/api/auth/logout", headers={CSRF_HEADER: csrf}).status_code == 200
    assert client.get("/api/auth/me").status_code == 401


def test_a_bearer_token_needs_no_cookie_and_no_csrf(client: TestClient) -> None:
    store = client.app.state.camsight.store  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        token = users.make_token(conn, actor=os_actor(), name="ana", label="t", now=datetime.now(UTC))
    fresh = TestClient(client.app)
    assert fresh.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "user:ana"
    assert fresh.get("/api/auth/me", headers={"Authorization": "Bearer cst_wrong"}).status_code == 401


def test_repeated_failures_are_slowed_with_429(client: TestClient) -> None:
    for _ in range(3):
        assert client.post("/api/auth/login", json={"username": "ana", "password": "x"}).status_code == 401
    slowed = client.post("/api/auth/login", json={"username": "ana", "password": PASSWORD})
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1


def test_an_oversized_body_is_refused(client: TestClient) -> None:
    big = "x" * (70 * 1024)
    assert client.post("/api/auth/login", json={"username": "ana", "password": big}).status_code == 413
