"""Recordings of live cameras in the store: the segment index, outage gaps, and live-source bookkeeping.

Tables (in :mod:`camsight.store.schema`):

- ``segments``: one row per recorded file, with its wall-clock span. A row is added when the file is
  opened (``complete`` false, ``end_at == start_at``) and completed when it is closed, so a crash
  leaves a row that :func:`incomplete_segments` finds for repair. ``writer_pid`` and ``writer_host``
  name the process writing it, so a repair can leave a segment alone while its writer is alive
  (NULL, as in rows written before these columns existed, counts as a dead writer).
- ``camera_gaps``: one row per outage of a live camera (stream down from ``start_at`` to ``end_at``).

A live run's source row is kept up to date while it runs: :func:`heartbeat_stream` sets its
``finished_at`` (the run's latest sign of life, while ``status`` is ``running``) and ``duration_s``
every few seconds, so :func:`close_dead_runs` can close a crashed run at the time it was last alive.

Per-camera *health* is not a table: it changes every second, so ``camsight run`` keeps it in a
JSON status file next to the database (see :mod:`camsight.apps.health`).

Example:
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
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
from camsight.store.schema import camera_gaps, events, segments, sources


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
    writer_pid: int | None = None
    writer_host: str | None = None


@dataclass(frozen=True, slots=True)
class GapRow:
    """One row of the ``camera_gaps`` table."""

    id: int
    camera: str
    start_at: datetime
    end_at: datetime
    reason: str
    run_id: str


def add_segment(
    conn: sa.Connection,
    *,
    camera: str,
    path: str,
    start_at: datetime,
    codec: str | None = None,
    width: int | None = None,
    height: int | None = None,
    writer_pid: int | None = None,
    writer_host: str | None = None,
) -> int:
    """Index a segment file that has just been opened by process ``writer_pid`` on ``writer_host``; returns its id."""
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
        "writer_pid": writer_pid,
        "writer_host": writer_host,
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


def heartbeat_stream(
    conn: sa.Connection,
    *,
    source_id: str,
    seen_at: datetime,
    duration_s: float,
    frames_decoded: int,
    frames_analysed: int,
    frames_skipped: int,
) -> None:
    """Record that a live run is alive at ``seen_at`` (``duration_s`` after it started), with its counters.

    While the run is ``running``, ``last_seen_at`` is this latest sign of life; a run that has ended
    is left as it is.
    """
    values = {
        "last_seen_at": seen_at,
        "duration_s": duration_s,
        "frames_decoded": frames_decoded,
        "frames_analysed": frames_analysed,
        "frames_skipped": frames_skipped,
    }
    stmt = sa.update(sources).where(sources.c.id == source_id, sources.c.status == "running")
    conn.execute(stmt.values(**values))


@dataclass(frozen=True, slots=True)
class DeadRun:
    """A live run whose worker died, as :func:`close_dead_runs` closed it."""

    source_id: str
    last_seen_at: datetime
    duration_s: float
    events_closed: int


def close_dead_runs(conn: sa.Connection, *, camera: str, error: str) -> list[DeadRun]:
    """Close the live runs of a camera still marked ``running``: their worker died without closing them.

    Call it only when no worker of the camera is running (the supervisor does, once a worker has
    exited, and at start while it holds the store lock). Each run ends at its last sign of life, its
    latest :func:`heartbeat_stream` (its start when it never sent one): its open events are closed
    with that end time (never before their own), and its source row becomes ``failed`` with
    ``error`` and ``finished_at`` at that time.
    """
    stmt = sa.select(sources.c.id, sources.c.started_at, sources.c.last_seen_at, sources.c.duration_s).where(
        sources.c.camera == camera, sources.c.kind == "stream", sources.c.status == "running"
    )
    dead = []
    for source_id, started_at, seen_at, seen_s in conn.execute(stmt).all():
        last_seen_at, duration_s = seen_at or started_at, seen_s or 0.0
        closed = _close_open_events(conn, source_id=source_id, end_s=duration_s)
        values = {
            "status": "failed",
            "error": error,
            "finished_at": last_seen_at,
            "duration_s": duration_s,
            "owner_pid": None,
        }
        conn.execute(sa.update(sources).where(sources.c.id == source_id).values(**values))
        dead.append(DeadRun(source_id, last_seen_at, duration_s, closed))
    return dead


def _close_open_events(conn: sa.Connection, *, source_id: str, end_s: float) -> int:
    """Close a source's open events at ``end_s`` (seconds of the source's time); returns how many."""
    stmt = sa.select(events.c.payload, events.c.run_id).where(
        events.c.source_id == source_id, events.c.status == "open"
    )
    rows = conn.execute(stmt).all()
    for payload, run_id in rows:
        event = EVENT_ADAPTER.validate_python(payload)
        closed = event.model_copy(update={"status": "closed", "end_s": max(event.end_s, end_s)})
        upsert_event(conn, event=closed, source_id=source_id, run_id=run_id)
    return len(rows)
