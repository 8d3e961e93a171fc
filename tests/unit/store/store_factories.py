"""Small factories for store tests: events and track records with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from camsight.core.records import Appearance, TrackRecord
from camsight.events.models import (
    EVENT_ADAPTER,
    AnyEvent,
    event_id,
)

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
SOURCE = "/videos/gate.mp4"
SOURCE_ID = "src0000000000001"

_KIND_FIELDS: dict[str, dict[str, Any]] = {
    "zone_intrusion": {"object_class": "person"},
    "line_crossing": {"object_class": "car", "direction": "left_to_right"},
    "loitering": {"dwell_s": 31.5},
    "crowd": {"count": 6, "min_people": 5},
}


def make_event(kind: str = "zone_intrusion", *, n: int = 0, **fields: Any) -> AnyEvent:
    """An event of ``kind`` starting ``n`` minutes after T0."""
    data: dict[str, Any] = {
        "kind": kind,
        "id": event_id("cam1", SOURCE, kind, n),
        "site": "test",
        "rule": f"{kind}-rule",
        "camera": "cam1",
        "source": SOURCE,
        "zone": "north gate",
        "track_ids": (n, n + 1),
        "start_s": 60.0 * n,
        "end_s": 60.0 * n,
        "started_at": T0 + timedelta(minutes=n),
        "score": 0.8,
        **_KIND_FIELDS[kind],
        **fields,
    }
    return EVENT_ADAPTER.validate_python(data)


def make_track(tracker_id: int = 1, *, source_id: str = SOURCE_ID, **fields: Any) -> TrackRecord:
    """A person track ``tracker_id`` minutes after T0, lasting 10 s."""
    start = T0 + timedelta(minutes=tracker_id)
    data: dict[str, Any] = {
        "id": f"{source_id}:{tracker_id}",
        "site": "test",
        "camera": "cam1",
        "source": SOURCE,
        "source_id": source_id,
        "tracker_id": tracker_id,
        "object_class": "person",
        "start_s": 60.0 * tracker_id,
        "end_s": 60.0 * tracker_id + 10,
        "started_at": start,
        "ended_at": start + timedelta(seconds=10),
        "frames": 42,
        "confidence": 0.77,
        "path": ((0.0, 0.1, 0.9), (5.0, 0.5, 0.8)),
        "zones": ("north gate",),
        "events": ("e1",),
        "thumbnail": f"cam1/{source_id}/track-{tracker_id}.jpg",
        "appearance": Appearance(upper={"red": 0.71}, carried={"backpack": 0.5}, posture="standing"),
        **fields,
    }
    return TrackRecord(**data)
