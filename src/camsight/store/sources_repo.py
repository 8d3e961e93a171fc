"""Cameras and sources: what was analysed, by which run, and how it went.

A *source* is one file, image folder or stream. Its id is a stable hash of its absolute path or
URL, so analysing the same file again reuses the id and replaces the earlier results
(:func:`finish_source` deletes the rows a previous run left behind).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store.db import upsert
from camsight.store.schema import cameras, events, sources, tracks

SourceKind = Literal["file", "folder", "stream"]
SourceStatus = Literal["running", "complete", "partial", "failed"]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of the ``sources`` table."""

    id: str
    camera: str
    uri: str
    kind: str
    run_id: str
    status: str
    error: str | None
    frames_decoded: int
    frames_analysed: int
    frames_skipped: int
    duration_s: float | None
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Purged:
    """Rows of an earlier run that :func:`finish_source` deleted."""

    tracks: int
    events: int


def source_id(uri: str) -> str:
    """A stable id for a file path, folder or stream URL.

    Paths are made absolute (symlinks resolved) so ``clip.mp4`` and ``./clip.mp4`` agree; URLs
    are used as given, minus any ``user:password@`` part, so a changed password keeps the id.

    Example:
        >>> source_id("rtsp://admin:secret@cam1/live") == source_id("rtsp://cam1/live")
        True
    """
    if "://" in uri:
        parts = urlsplit(uri)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        key = urlunsplit(parts._replace(netloc=netloc))
    else:
        key = str(Path(uri).expanduser().resolve())
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def upsert_camera(conn: sa.Connection, *, camera_id: str, source: str | None) -> None:
    """Add a camera, or update its source if it is already known."""
    now = datetime.now(UTC)
    upsert(conn, cameras, [{"id": camera_id, "source": source, "created_at": now}], keep=("created_at",))


def start_source(
    conn: sa.Connection,
    *,
    source_id: str,
    camera: str,
    uri: str,
    kind: SourceKind,
    run_id: str,
    started_at: datetime,
) -> None:
    """Record that a run started analysing a source (status ``running``, counters reset)."""
    row = {
        "id": source_id,
        "camera": camera,
        "uri": uri,
        "kind": kind,
        "run_id": run_id,
        "status": "running",
        "error": None,
        "frames_decoded": 0,
        "frames_analysed": 0,
        "frames_skipped": 0,
        "duration_s": None,
        "started_at": started_at,
        "finished_at": None,
    }
    upsert(conn, sources, [row])


def finish_source(
    conn: sa.Connection,
    *,
    source_id: str,
    run_id: str,
    status: SourceStatus,
    error: str | None,
    frames_decoded: int,
    frames_analysed: int,
    frames_skipped: int,
    duration_s: float | None,
    finished_at: datetime,
) -> Purged:
    """Record how a run ended and drop what earlier runs of the same source left behind.

    Tracks and events of this source whose ``run_id`` is not ``run_id`` are deleted, so analysing
    a file twice does not duplicate anything. A ``failed`` run deletes nothing: it produced no
    complete result to replace the earlier one with.

    Returns:
        How many stale tracks and events were deleted.

    Raises:
        StoreError: The source was never started (call :func:`start_source` first).
    """
    values = {
        "run_id": run_id,
        "status": status,
        "error": error,
        "frames_decoded": frames_decoded,
        "frames_analysed": frames_analysed,
        "frames_skipped": frames_skipped,
        "duration_s": duration_s,
        "finished_at": finished_at,
    }
    result = conn.execute(sa.update(sources).where(sources.c.id == source_id).values(**values))
    if result.rowcount == 0:
        raise StoreError(f"source {source_id} was never started; call start_source before finish_source")
    if status == "failed":
        return Purged(tracks=0, events=0)
    return Purged(
        tracks=_delete_stale(conn, tracks, source_id=source_id, run_id=run_id),
        events=_delete_stale(conn, events, source_id=source_id, run_id=run_id),
    )


def _delete_stale(conn: sa.Connection, table: sa.Table, *, source_id: str, run_id: str) -> int:
    stmt = sa.delete(table).where(table.c.source_id == source_id, table.c.run_id != run_id)
    return conn.execute(stmt).rowcount


def get_source(conn: sa.Connection, *, source_id: str) -> SourceRow | None:
    """The source with that id, or None."""
    row = conn.execute(sa.select(sources).where(sources.c.id == source_id)).mappings().one_or_none()
    return None if row is None else SourceRow(**row)


def list_sources(conn: sa.Connection, *, camera: str | None = None) -> list[SourceRow]:
    """All sources (or one camera's), most recently started first."""
    stmt = sa.select(sources).order_by(sources.c.started_at.desc(), sources.c.id)
    if camera is not None:
        stmt = stmt.where(sources.c.camera == camera)
    return [SourceRow(**row) for row in conn.execute(stmt).mappings()]


def list_cameras(conn: sa.Connection) -> dict[str, str | None]:
    """Known cameras and their configured sources, by camera id."""
    rows = conn.execute(sa.select(cameras.c.id, cameras.c.source).order_by(cameras.c.id))
    return {camera_id: source for camera_id, source in rows}
