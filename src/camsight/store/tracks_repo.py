"""Track records in the store: upsert by id, read back as :class:`~camsight.core.records.TrackRecord`.

The searchable fields have their own columns (camera, class, times, zones, appearance); the whole
record is kept in ``record`` so it reads back exactly as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.store.db import upsert
from camsight.store.schema import tracks as track_table


def _track_row(record: TrackRecord, *, run_id: str) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    return {
        "id": record.id,
        "site": record.site,
        "source_id": record.source_id,
        "camera": record.camera,
        "tracker_id": record.tracker_id,
        "object_class": record.object_class,
        "start_s": record.start_s,
        "end_s": record.end_s,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "frames": record.frames,
        "confidence": record.confidence,
        "thumbnail": record.thumbnail,
        "zones": data["zones"],
        "events": data["events"],
        "path": data["path"],
        "appearance": data["appearance"],
        "record": data,
        "run_id": run_id,
    }


def upsert_track(conn: sa.Connection, *, record: TrackRecord, run_id: str) -> None:
    """Insert a track record, or replace the stored one with the same id."""
    upsert_tracks(conn, records=[record], run_id=run_id)


def upsert_tracks(conn: sa.Connection, *, records: Iterable[TrackRecord], run_id: str) -> None:
    """Upsert many track records in one statement (see :func:`upsert_track`)."""
    upsert(conn, track_table, [_track_row(r, run_id=run_id) for r in records])


def _filters(
    *,
    camera: str | None,
    source_id: str | None,
    object_class: str | None,
    since: datetime | None,
    until: datetime | None,
    cameras: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if cameras is not None:
        conditions.append(track_table.c.camera.in_(list(cameras)))
    if sites is not None:
        conditions.append(track_table.c.site.in_(list(sites)))
    if camera is not None:
        conditions.append(track_table.c.camera == camera)
    if source_id is not None:
        conditions.append(track_table.c.source_id == source_id)
    if object_class is not None:
        conditions.append(track_table.c.object_class == object_class)
    if since is not None:
        conditions.append(track_table.c.started_at >= since)
    if until is not None:
        conditions.append(track_table.c.started_at < until)
    return conditions


def list_tracks(
    conn: sa.Connection,
    *,
    camera: str | None = None,
    source_id: str | None = None,
    object_class: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[TrackRecord]:
    """Track records matching every given filter, newest first (by ``started_at``).

    Args:
        conn: Connection.
        camera: Camera id.
        source_id: Source id.
        object_class: COCO class name (``person``, ``car``, ...).
        since: Only tracks first seen at or after this time.
        until: Only tracks first seen before this time.
        limit: At most this many records.
        offset: Skip this many first (for paging).

    Raises:
        ValueError: ``limit`` or ``offset`` is negative.
    """
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative, got limit={limit}, offset={offset}")
    conditions = _filters(camera=camera, source_id=source_id, object_class=object_class, since=since, until=until)
    stmt = (
        sa.select(track_table.c.record)
        .where(*conditions)
        .order_by(track_table.c.started_at.desc(), track_table.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [TrackRecord.model_validate(data) for data in conn.execute(stmt).scalars()]


def count_tracks(
    conn: sa.Connection,
    *,
    camera: str | None = None,
    source_id: str | None = None,
    object_class: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cameras: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
) -> int:
    """How many track records match the filters (as in :func:`list_tracks`; also of ``cameras`` and ``sites`` only)."""
    conditions = _filters(
        camera=camera,
        source_id=source_id,
        object_class=object_class,
        since=since,
        until=until,
        cameras=cameras,
        sites=sites,
    )
    stmt = sa.select(sa.func.count()).select_from(track_table).where(*conditions)
    return int(conn.execute(stmt).scalar_one())


def get_track(conn: sa.Connection, *, track_id: str) -> TrackRecord | None:
    """The track record with that id, or None."""
    data = conn.execute(sa.select(track_table.c.record).where(track_table.c.id == track_id)).scalar_one_or_none()
    return None if data is None else TrackRecord.model_validate(data)
