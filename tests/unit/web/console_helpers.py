"""Helpers of the console's unit tests: the accounts, small factories, and reading a page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from camsight.config import Config
from camsight.core.records import Appearance, TrackRecord
from camsight.events.models import EVENT_ADAPTER, AnyEvent

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOSTILE_ZONE = '<script>alert("zone")</script>'
ACCOUNTS = {  # name: (role, cameras)
    "admin1": ("admin", None),
    "oper": ("operator", None),
    "view": ("viewer", None),
    "gateop": ("operator", ["gate"]),
}
CONFIG = Config.model_validate(
    {
        "site": "t",
        "cameras": [
            {"id": "gate", "zones": [{"name": "door", "polygon": [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]}]},
            {"id": "lobby"},
        ],
    }
)
Login = Callable[[str], TestClient]


def make_event(camera: str, n: int, **fields: Any) -> AnyEvent:
    data: dict[str, Any] = {
        "kind": "zone_intrusion",
        "id": f"{camera}-event-{n:02d}",
        "site": "t",
        "rule": "zone_intrusion:door",
        "camera": camera,
        "source": f"/videos/{camera}.mp4",
        "zone": "door",
        "track_ids": (n,),
        "start_s": 10.0 * n,
        "end_s": 10.0 * n + 3,
        "started_at": T0 + timedelta(minutes=n),
        "score": 0.9,
        "status": "closed",
        "object_class": "person",
        **fields,
    }
    return EVENT_ADAPTER.validate_python(data)


def make_track(camera: str, n: int) -> TrackRecord:
    start = T0 + timedelta(minutes=n)
    return TrackRecord(
        id=f"src-{camera}:{n}",
        site="t",
        camera=camera,
        source=f"/videos/{camera}.mp4",
        source_id=f"src-{camera}",
        tracker_id=n,
        object_class="person",
        start_s=10.0 * n,
        end_s=10.0 * n + 8,
        started_at=start,
        ended_at=start + timedelta(seconds=8),
        frames=20,
        confidence=0.8,
        thumbnail=f"{camera}/track-{n}.jpg",
        appearance=Appearance(upper={"grey": 0.7}, lower={"blue": 0.6}, posture="standing"),
    )


def csrf_of(client: TestClient) -> str:
    """The CSRF token a page of the console carries in its meta tag."""
    page = client.get("/alerts").text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, "no CSRF meta tag on the page"
    return found.group(1)
