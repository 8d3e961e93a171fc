"""Recordings of live cameras in the store: the segment index, outage gaps, and live-source bookkeeping.

Tables (on the shared :data:`camsight.store.schema.metadata`, so :func:`camsight.store.create_schema`
creates them once this module is imported; :func:`create_recording_tables` does it explicitly):

- ``segments``: one row per recorded file, with its wall-clock span. A row is added when the file is
  opened (``complete`` false, ``end_at == start_at``) and completed when it is closed, so a crash
  leaves a row that :func:`incomplete_segments` finds for repair.
- ``camera_gaps``: one row per outage of a live camera (stream down from ``start_at`` to ``end_at``).

Per-camera *health* is not a table: it changes every second, so ``camsight run`` keeps it in a
JSON status file next to the database (see :mod:`camsight.apps.health`).

Example:
    >>> from camsight.store import connect, create_schema
    >>> engine = connect(":memory:")
    >>> create_schema(engine)
    >>> with engine.begin() as conn:
    ...     list_segments(conn, camera="gate")
    []
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from camsight.events.models import EVENT_ADAPTER
from camsight.store.events_repo import upsert_event
from camsight.store.schema import UTCDateTime, events, metadata, sources

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("path", sa.String, nullable=False, unique=True),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False, default=0),
    sa.Column("frames", sa.Integer, nullable=False, default=0),
    sa.Column("codec", sa.String, nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("complete", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_segments_camera_start_at", "camera", "start_at"),
    sa.Index("ix_segments_start_at", "start_at"),
)
"""Recorded segment files; ``path`` is relative to the recording folder."""

camera_gaps = sa.Table(
    "camera_gaps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Index("ix_camera_gaps_camera_start_at", "camera", "start_at"),
)
"""Outages of live cameras: no stream between ``start_at`` and ``end_at``."""


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One row of the ``segments`` table."""

    id: int
    camera: str
    path: str
    start_at: datetime
    end_at: datetime
    size_bytes: int
    frames: int
    codec: str | None
    width: int | None
    height: int | None
    complete: bool


@dataclass(frozen=True, slots=True)
class GapRow:
    """One row of the ``camera_gaps`` table."""

    id: int
    camera: str
    start_at: datetime
    end_at: datetime
    reason: str
    run_id: str


def create_recording_tables(engine: sa.Engine) -> None:
    """Create the ``segments`` and ``camera_gaps`` tables if they are missing."""
    metadata.create_all(engine, tables=[segments, camera_gaps])


def add_segment(
    conn: sa.Connection,
    *,
    camera: str,
    path: str,
    start_at: datetime,
    codec: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> int:
    """Index a segment file that has just been opened; returns its id."""
    values = {
        "camera": camera,
        "path": path,
        "start_at": start_at,
        "end_at": start_at,
        "size_bytes": 0,
        "frames": 0,
        "codec": codec,
        "width": width,
        "height": height,
        "complete": False,
    }
    result = conn.execute(sa.insert(segments).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def complete_segment(
    conn: sa.Connection,
    *,
    segment_id: int,
    end_at: datetime,
    size_bytes: int,
    frames: int,
    start_at: datetime | None = None,
) -> None:
    """Record that a segment file was closed: its end time, size and frame count.

    ``start_at`` corrects the start given when it was opened (the stream's clock settles after the
    first packets, which often arrive in a burst).
    """
    values: dict[str, object] = {"end_at": end_at, "size_bytes": size_bytes, "frames": frames, "complete": True}
    if start_at is not None:
        values["start_at"] = start_at
    conn.execute(sa.update(segments).where(segments.c.id == segment_id).values(**values))


def list_segments(
    conn: sa.Connection, *, camera: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[SegmentRow]:
    """Segments (of one camera, or all) overlapping ``[since, until]``, oldest first."""
    stmt = sa.select(segments).order_by(segments.c.start_at, segments.c.id)
    if camera is not None:
        stmt = stmt.where(segments.c.camera == camera)
    if since is not None:
        stmt = stmt.where(segments.c.end_at >= since)
    if until is not None:
        stmt = stmt.where(segments.c.start_at <= until)
    return [SegmentRow(**row) for row in conn.execute(stmt).mappings()]


def incomplete_segments(conn: sa.Connection, *, camera: str) -> list[SegmentRow]:
    """Segments of a camera that were opened but never closed (the writer crashed)."""
    stmt = sa.select(segments).where(segments.c.camera == camera, sa.not_(segments.c.complete))
    return [SegmentRow(**row) for row in conn.execute(stmt.order_by(segments.c.start_at)).mappings()]


def delete_segments(conn: sa.Connection, *, ids: list[int]) -> int:
    """Delete segment rows (not files); returns how many were deleted."""
    if not ids:
        return 0
    return conn.execute(sa.delete(segments).where(segments.c.id.in_(ids))).rowcount


def segments_bytes(conn: sa.Connection) -> int:
    """Total size of the indexed segment files."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(segments.c.size_bytes), 0))).scalar_one())


def open_event_starts(conn: sa.Connection) -> dict[str, datetime]:
    """Per camera, the start of its earliest event that is still open (recordings it needs are kept)."""
    stmt = sa.select(events.c.camera, events.c.started_at).where(events.c.status == "open")
    result: dict[str, datetime] = {}
    for camera, start in conn.execute(stmt):
        if camera not in result or start < result[camera]:
            result[camera] = start
    return result


def close_stale_events(conn: sa.Connection, *, camera: str, keep_source_id: str) -> int:
    """Close the events a camera's earlier runs left open (a worker that crashed could not close them).

    Returns how many were closed; the events of ``keep_source_id`` (the current run) are left alone.
    """
    stmt = sa.select(events.c.payload, events.c.source_id, events.c.run_id).where(
        events.c.camera == camera, events.c.status == "open", events.c.source_id != keep_source_id
    )
    rows = conn.execute(stmt).all()
    for payload, source_id, run_id in rows:
        event = EVENT_ADAPTER.validate_python(payload).model_copy(update={"status": "closed"})
        upsert_event(conn, event=event, source_id=source_id, run_id=run_id)
    return len(rows)


def add_gap(
    conn: sa.Connection, *, camera: str, start_at: datetime, end_at: datetime, reason: str, run_id: str
) -> None:
    """Record an outage of a live camera."""
    values = {"camera": camera, "start_at": start_at, "end_at": end_at, "reason": reason, "run_id": run_id}
    conn.execute(sa.insert(camera_gaps).values(**values))


def list_gaps(conn: sa.Connection, *, camera: str | None = None, since: datetime | None = None) -> list[GapRow]:
    """Outages (of one camera, or all) ending at or after ``since``, oldest first."""
    stmt = sa.select(camera_gaps).order_by(camera_gaps.c.start_at, camera_gaps.c.id)
    if camera is not None:
        stmt = stmt.where(camera_gaps.c.camera == camera)
    if since is not None:
        stmt = stmt.where(camera_gaps.c.end_at >= since)
    return [GapRow(**row) for row in conn.execute(stmt).mappings()]


def finish_stream(
    conn: sa.Connection,
    *,
    source_id: str,
    status: str,
    error: str | None,
    frames_decoded: int,
    frames_analysed: int,
    frames_skipped: int,
    duration_s: float,
    finished_at: datetime,
) -> None:
    """Record how a live run of a camera ended.

    Unlike :func:`camsight.store.finish_source`, nothing earlier is purged: every run of a live camera
    has its own source id and its events stay.
    """
    values = {
        "status": status,
        "error": error,
        "frames_decoded": frames_decoded,
        "frames_analysed": frames_analysed,
        "frames_skipped": frames_skipped,
        "duration_s": duration_s,
        "finished_at": finished_at,
    }
    conn.execute(sa.update(sources).where(sources.c.id == source_id).values(**values))
