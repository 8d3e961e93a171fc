"""Factories for search tests: track records with an appearance, stored in a real store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from camsight.core.records import Appearance, TrackRecord
from camsight.search import index_writer
from camsight.store import upsert_tracks

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def make_record(
    n: int, *, source_id: str = "src1", appearance: Appearance | dict[str, Any] | None = None, **fields: Any
) -> TrackRecord:
    """Track ``n`` of ``source_id``: a person seen for 10 s, ``n`` minutes after T0."""
    start = fields.pop("started_at", T0 + timedelta(minutes=n))
    app = Appearance(**appearance) if isinstance(appearance, dict) else appearance
    data: dict[str, Any] = {
        "id": f"{source_id}:{n}",
        "site": "test",
        "camera": "cam1",
        "source": f"/videos/{source_id}.mp4",
        "source_id": source_id,
        "tracker_id": n,
        "object_class": "person",
        "start_s": 10.0 * n,
        "end_s": 10.0 * n + 10,
        "started_at": start,
        "ended_at": start + timedelta(seconds=10),
        "frames": 20,
        "confidence": 0.8,
        "thumbnail": f"cam1/{source_id}/track-{n}.jpg",
        "appearance": app,
        **fields,
    }
    return TrackRecord.model_validate(data)


def store_records(engine: sa.Engine, records: Iterable[TrackRecord], *, run_id: str = "run1") -> None:
    """Write records to the store as the store's sink does: the tracks and their search index rows."""
    records = list(records)
    with engine.begin() as conn:
        upsert_tracks(conn, records=records, run_id=run_id)
        index_writer.store_tracks(conn, records)
