"""``/api/cameras`` over HTTP: the list, a geometry read and saved, refused with the config's words, 403/404/409."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.api.deps import CSRF_HEADER
from camsight.config import parse_config
from camsight.services import audit, users
from camsight.services.actor import os_actor
from camsight.store import open_store

PASSWORD = "correct horse battery"
CONFIG = """
site: depot
cameras:
  - id: gate
    source: rtsp://admin:secret@10.0.0.21:554/stream2
    zones:
      - name: door
        polygon: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.6]]
    masks:
      - [[0.8, 0.0], [1.0, 0.0], [1.0, 0.2], [0.8, 0.2]]
    rules:
      - kind: zone_intrusion
        zone: door
  - id: lobby
"""
MASK = [[0.8, 0.0], [1.0, 0.0], [1.0, 0.2], [0.8, 0.2]]
DOOR = {"name": "door", "polygon": [[0.1, 0.1], [0.6, 0.1], [0.6, 0.8], [0.1, 0.8]]}

Login = Callable[..., TestClient]


@pytest.fixture
def login(tmp_path: Path) -> Login:
    """Log in as a new account of that role (and scope); the client sends its CSRF token."""
    config = parse_config(CONFIG)
    store = open_store(config, str(tmp_path / "site.db"))
    app = create_app(config, store)

    def as_(role: str, cameras: list[str] | None = None) -> TestClient:
        name = f"{role}{len(cameras or [])}"
        now = datetime.now(UTC)
        with store.engine.begin() as conn:
            users.add(conn, actor=os_actor(), name=name, role=role, password=PASSWORD, now=now, cameras=cameras)
        client = TestClient(app)
        csrf = client.post("/api/auth/login", json={"username": name, "password": PASSWORD}).json()["csrf"]
        client.headers[CSRF_HEADER] = csrf
        return client

    return as_


def _body(version: int, **changes: object) -> dict[str, object]:
    return {"zones": [DOOR], "lines": [], "masks": [MASK], "version": version} | changes


def test_the_list_has_every_camera_without_credentials(login: Login) -> None:
    listed = login("viewer").get("/api/cameras")
    assert listed.status_code == 200
    gate, lobby = listed.json()
    assert (gate["id"], gate["site"], gate["source"]) == ("gate", "depot", "rtsp://10.0.0.21:554/stream2")
    assert "secret" not in listed.text
    assert gate["geometry"]["zones"] == [{"name": "door", "polygon": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.6]]}]
    assert gate["geometry"]["masks"] == [MASK]
    assert (gate["snapshot"], gate["live"]) == (None, None)
    assert lobby["geometry"] == {
        "camera": "lobby",
        "zones": [],
        "lines": [],
        "masks": [],
        "version": 0,
        "origin": "config",
        "updated_at": None,
        "updated_by": None,
    }


def test_an_admin_saves_a_geometry_that_everyone_then_reads(login: Login) -> None:
    admin = login("admin")
    assert admin.get("/api/cameras/gate/geometry").json()["origin"] == "config"
    saved = admin.put("/api/cameras/gate/geometry", json=_body(0))
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["origin"], saved.json()["updated_by"]) == (1, "store", "user:admin0")
    read = login("viewer").get("/api/cameras/gate/geometry").json()
    assert read["zones"] == [DOOR]
    assert read["version"] == 1
    store = admin.app.state.camsight.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        (entry,) = audit.entries(conn, actor=os_actor(), action="camera.geometry")
    assert entry.actor == "user:admin0"
    assert entry.detail == {"camera": "gate", "version": 1, "zones": 1, "lines": 0, "masks": 1}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"zones": [{"name": "door", "polygon": [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]}]},
            "zones.0.polygon: zone 'door': its outline crosses itself: the edge from [0.1, 0.1] to [0.9, 0.9] "
            "meets the edge from [0.9, 0.1] to [0.1, 0.9]",
        ),
        ({"zones": []}, "rules.0: refers to unknown zone 'door' (this camera has no zones)"),
        ({"zones": [DOOR, DOOR]}, "zones.1.name: zone name 'door' is already used by zones.0"),
        (
            {"lines": [{"name": "sill", "a": [0.5, 0.5], "b": [0.5, 0.5]}]},
            "line 'sill' has both ends at the same point",
        ),
        ({"masks": [MASK, [[0.1, 0.1], [0.2, 0.2]]]}, "masks.1: a polygon needs at least 3 points"),
    ],
)
def test_a_geometry_the_config_refuses_is_422_with_its_message(
    login: Login, changes: dict[str, object], message: str
) -> None:
    answer = login("admin").put("/api/cameras/gate/geometry", json=_body(0, **changes))
    assert answer.status_code == 422
    assert message in answer.json()["detail"].splitlines()[1].strip()


def test_removing_a_mask_needs_a_reason(login: Login) -> None:
    admin = login("admin")
    refused = admin.put("/api/cameras/gate/geometry", json=_body(0, masks=[]))
    assert refused.status_code == 422
    assert "removes or shrinks a privacy mask; give a reason" in refused.json()["detail"]
    assert admin.put("/api/cameras/gate/geometry", json=_body(0, masks=[], reason="  ")).status_code == 422
    done = admin.put("/api/cameras/gate/geometry", json=_body(0, masks=[], reason="camera turned away"))
    assert done.status_code == 200
    assert done.json()["masks"] == []


def test_a_stale_version_is_409(login: Login) -> None:
    admin = login("admin")
    assert admin.put("/api/cameras/gate/geometry", json=_body(0)).status_code == 200
    stale = admin.put("/api/cameras/gate/geometry", json=_body(0))
    assert stale.status_code == 409
    assert "reload it and draw again" in stale.json()["detail"]
    assert admin.put("/api/cameras/gate/geometry", json=_body(1)).json()["version"] == 2


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_an_admin_may_save(login: Login, role: str) -> None:
    answer = login(role).put("/api/cameras/gate/geometry", json=_body(0))
    assert answer.status_code == 403
    assert "needs the admin role" in answer.json()["detail"]


def test_a_scoped_account_sees_only_its_cameras(login: Login) -> None:
    scoped = login("admin", ["lobby"])
    assert [c["id"] for c in scoped.get("/api/cameras").json()] == ["lobby"]
    assert scoped.get("/api/cameras/gate/geometry").status_code == 404
    assert scoped.put("/api/cameras/gate/geometry", json=_body(0)).status_code == 404
    hidden = scoped.get("/api/cameras/gate/geometry").json()["detail"]
    unknown = scoped.get("/api/cameras/nowhere/geometry").json()["detail"]
    assert hidden.replace("gate", "?") == unknown.replace("nowhere", "?")  # a hidden camera reads as no camera


def test_a_save_without_the_csrf_token_is_refused(login: Login) -> None:
    admin = login("admin")
    del admin.headers[CSRF_HEADER]
    assert admin.put("/api/cameras/gate/geometry", json=_body(0)).status_code == 403
