"""A real store behind the API for the route tests: two cameras, events with snapshots, tracks with
thumbnails and their search index, a standing query, a suppression region with an alert it held back
per camera, and an account (with an API token) for every role, once on every camera and once limited
to camera A. The fixtures are in conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.config import Config
from camsight.config.models import CameraConfig
from camsight.core.records import Appearance, TrackRecord
from camsight.events.alerts import Held
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.search.index_writer import store_tracks
from camsight.services import queries, users
from camsight.services.actor import os_actor
from camsight.store import open_store, upsert_camera, upsert_events, upsert_tracks
from camsight.store.alerts_repo import add_suppression
from camsight.store.handle import Store
from camsight.store.held_repo import store_held

CAM_A, CAM_B = "gate", "lobby"
PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ROLES = ("viewer", "operator", "admin")
CALLERS: dict[str, tuple[str, list[str] | None]] = {
    **{role: (role, None) for role in ROLES},
    **{f"{role}_a": (role, [CAM_A]) for role in ROLES},
}
"""Account name → (role, cameras): each role on every camera, and limited to camera A."""


def make_event(camera: str, n: int = 0, **fields: Any) -> AnyEvent:
    """A zone intrusion on ``camera``, ``n`` minutes after T0."""
    data: dict[str, Any] = {
        "kind": "zone_intrusion",
        "id": f"ev-{camera}-{n}",
        "site": "t",
        "rule": "door",
        "camera": camera,
        "source": f"/videos/{camera}.mp4",
        "zone": "door",
        "track_ids": (n,),
        "start_s": 60.0 * n,
        "end_s": 60.0 * n,
        "started_at": T0 + timedelta(minutes=n),
        "score": 0.8,
        "object_class": "person",
        **fields,
    }
    return EVENT_ADAPTER.validate_python(data)


def make_track(camera: str, n: int = 0, **fields: Any) -> TrackRecord:
    """A person in a red top on ``camera``, ``n`` minutes after T0."""
    start = T0 + timedelta(minutes=n)
    data: dict[str, Any] = {
        "id": f"src-{camera}:{n}",
        "site": "t",
        "camera": camera,
        "source": f"/videos/{camera}.mp4",
        "source_id": f"src-{camera}",
        "tracker_id": n,
        "object_class": "person",
        "start_s": 60.0 * n,
        "end_s": 60.0 * n + 10,
        "started_at": start,
        "ended_at": start + timedelta(seconds=10),
        "frames": 20,
        "confidence": 0.8,
        "appearance": Appearance(upper={"red": 0.8}, posture="standing"),
        **fields,
    }
    return TrackRecord.model_validate(data)


def jpeg(store: Store, relpath: str, value: int = 128) -> str:
    """A small real JPEG in the store's media folder; returns its relative path."""
    return store.media.save_jpeg(relpath, np.full((16, 16, 3), value, np.uint8))


def store_event(store: Store, event: AnyEvent, *, snapshot: bool = True) -> AnyEvent:
    """Store an event as the sink does (its snapshot saved first)."""
    if snapshot:
        event = event.model_copy(update={"snapshot": jpeg(store, f"{event.camera}/src/event-{event.id}.jpg")})
    with store.engine.begin() as conn:
        upsert_events(conn, events=[event], source_id=f"src-{event.camera}", run_id="r")
    return event


def store_track(store: Store, record: TrackRecord) -> TrackRecord:
    """Store a track record with its thumbnail and its search index row."""
    thumb = jpeg(store, f"{record.camera}/{record.source_id}/track-{record.tracker_id}.jpg")
    record = record.model_copy(update={"thumbnail": thumb})
    with store.engine.begin() as conn:
        upsert_tracks(conn, records=[record], run_id="r")
        store_tracks(conn, [record])
    return record


def open_test_store(path: Path, cameras: tuple[str, ...] = (CAM_A, CAM_B)) -> tuple[Config, Store]:
    """A new store with ``cameras`` known to the config and the store."""
    config = Config(site="t", cameras=tuple(CameraConfig(id=c) for c in cameras))
    store = open_store(config, str(path / "site.db"))
    with store.engine.begin() as conn:
        for camera in cameras:
            upsert_camera(conn, camera_id=camera, source=None, site="t")
    return config, store


def add_account(store: Store, name: str, role: str, cameras: list[str] | None = None) -> str:
    """Add an account; returns an API token for it."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        users.add(conn, actor=os_actor(), name=name, role=role, password=PASSWORD, cameras=cameras, now=now)
        return users.make_token(conn, actor=os_actor(), name=name, label="tests", now=now)


@dataclass
class Site:
    """The app over a stocked store, and what the tests address in it."""

    client: TestClient
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)
    events: dict[str, AnyEvent] = field(default_factory=dict)
    tracks: dict[str, TrackRecord] = field(default_factory=dict)
    suppression_id: int = 0
    held: dict[str, AnyEvent] = field(default_factory=dict)
    """Per camera, an alert the suppression held back (not in ``events``)."""
    query_name: str = "vests"

    def auth(self, caller: str | None) -> dict[str, str]:
        """The headers of a caller (None: nobody logged in)."""
        return {} if caller is None else {"Authorization": f"Bearer {self.tokens[caller]}"}


def stock(path: Path, callers: tuple[str, ...] = tuple(CALLERS), *, victims: bool = False) -> Site:
    """Build the store and the app: ``callers`` (names of :data:`CALLERS`), each with a victim account
    of its own to change when ``victims``."""
    config, store = open_test_store(path)
    site = Site(TestClient(create_app(config, store, semantic=False)), store)
    for camera in (CAM_A, CAM_B):
        site.events[camera] = store_event(store, make_event(camera))
        site.tracks[camera] = store_track(store, make_track(camera))
    for name in callers:
        role, cameras = CALLERS[name]
        site.tokens[name] = add_account(store, name, role, cameras)
        if victims:
            add_account(store, f"victim-{name}", "viewer")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        queries.add(conn, actor=os_actor(), name=site.query_name, text="person in an orange vest", now=now)
        site.suppression_id = add_suppression(
            conn, rule="door", camera=CAM_A, polygon=[(0.1, 0.1), (0.2, 0.1), (0.2, 0.2)], reason="test", now=now
        )
        for camera in (CAM_A, CAM_B):
            held = make_event(camera, 30, id=f"held-{camera}")
            store_held(conn, held=[Held(held, site.suppression_id)], source_id=f"src-{camera}", run_id="r", now=now)
            site.held[camera] = held
    return site
