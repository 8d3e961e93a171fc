"""A hub receives an event's versions out of order: the stored version is never replaced by an older one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.store.events_repo import upsert_newer_events
from camsight.store.schema import events


def _version(status: str, end_s: float, **fields: Any) -> AnyEvent:
    return EVENT_ADAPTER.validate_python(
        {
            "kind": "loitering",
            "id": "ev-north-1",
            "site": "north",
            "rule": "stay",
            "camera": "gate",
            "source": "rtsp://gate",
            "zone": "door",
            "track_ids": (3,),
            "start_s": 10.0,
            "end_s": end_s,
            "started_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "score": 0.7,
            "status": status,
            "dwell_s": max(1.0, end_s - 10.0),
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("arrivals", "kept"),
    [
        ([("open", 10.0), ("closed", 31.0)], ("closed", 31.0)),  # in order
        ([("closed", 31.0), ("open", 10.0)], ("closed", 31.0)),  # an old open version re-sent after the close
        ([("closed", 31.0), ("closed", 20.0)], ("closed", 31.0)),  # an earlier closed version arrives late
        ([("open", 10.0), ("open", 18.0), ("open", 12.0)], ("open", 18.0)),
        ([("closed", 20.0), ("closed", 31.0)], ("closed", 31.0)),
    ],
)
def test_the_newest_version_stays_whatever_the_order(
    engine: sa.Engine, arrivals: list[tuple[str, float]], kept: tuple[str, float]
) -> None:
    for status, end_s in arrivals:
        with engine.begin() as conn:
            upsert_newer_events(conn, events=[_version(status, end_s)], source_id="north:gate", run_id="hub:north")
    with engine.connect() as conn:
        row = conn.execute(sa.select(events.c.status, events.c.end_s, events.c.payload)).one()
    assert (row.status, row.end_s) == kept
    assert (row.payload["status"], row.payload["end_s"]) == kept
