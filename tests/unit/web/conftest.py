"""A console over a small real store: two cameras' alerts and tracks, four accounts, one per kind of access."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_helpers import ACCOUNTS, CONFIG, HOSTILE_ZONE, PASSWORD, Login, make_event, make_track
from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.search.index_writer import store_tracks
from camsight.services import users
from camsight.services.actor import os_actor
from camsight.store import open_store, upsert_camera, upsert_events, upsert_tracks
from camsight.store.handle import Store


def _stock(store: Store) -> None:
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        for camera in ("gate", "lobby"):
            upsert_camera(conn, camera_id=camera, source=None, site="t")
        gate = [make_event("gate", 1, snapshot="gate/e1.jpg"), make_event("gate", 2, zone=HOSTILE_ZONE)]
        upsert_events(conn, events=gate, source_id="src-gate", run_id="r")
        upsert_events(conn, events=[make_event("lobby", 3)], source_id="src-lobby", run_id="r")
        tracks = [make_track("gate", 1), make_track("lobby", 2)]
        upsert_tracks(conn, records=tracks, run_id="r")
        store_tracks(conn, tracks)
        for name, (role, cameras) in ACCOUNTS.items():
            users.add(conn, actor=os_actor(), name=name, role=role, password=PASSWORD, now=now, cameras=cameras)


@pytest.fixture(scope="session")
def stocked_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stocked store, made once (hashing four passwords and migrating take seconds); each test copies it."""
    path = tmp_path_factory.mktemp("stocked") / "console.db"
    made = open_store(CONFIG, str(path))
    _stock(made)
    made.close()
    return path


@pytest.fixture
def store(stocked_file: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copy(stocked_file, tmp_path / "console.db")
    opened = open_store(CONFIG, str(tmp_path / "console.db"))
    yield opened
    opened.close()


@pytest.fixture
def anonymous(store: Store) -> TestClient:
    return TestClient(create_app(CONFIG, store, semantic=False))  # no sentence embedder (seconds to load)


@pytest.fixture
def login(store: Store) -> Login:
    """A client logged in (through the console's form) as one of :data:`ACCOUNTS`."""

    def logged_in(name: str) -> TestClient:
        client = TestClient(create_app(CONFIG, store, semantic=False))  # no sentence embedder (seconds to load)
        answer = client.post("/login", data={"username": name, "password": PASSWORD}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return client

    return logged_in
