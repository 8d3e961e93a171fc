"""Cameras and sources: what was analysed, by which run, and how it went.

A *source* is one file, image folder or run of a live stream. A file's id is a stable hash of the
site and its absolute path, so analysing it again reuses the id (:func:`resolve_source_id` also finds
the id an earlier camsight gave it) and replaces the earlier results, and two sites analysing the
same path never share ids.

Re-analysis replaces rows only when it has finished: the new run writes its rows as it goes, and
:func:`finish_source` deletes, in one transaction, the rows earlier runs left (keeping the verdicts an
operator gave on them, moved to the same alert of the new run). While a run is going the source is
*leased* to it (``status`` running, ``owner_host``/``owner_pid``, ``last_seen_at``): a second run of the
same source refuses to start (:class:`SourceBusy`) instead of both deleting each other's rows; a lease
whose process is gone (a crash) is taken over.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store.db import upsert
from camsight.store.schema import cameras, events, feedback, held_alerts, sources, track_embeddings, tracks

SourceKind = Literal["file", "folder", "stream"]
SourceStatus = Literal["running", "complete", "partial", "failed"]
WallClock = Literal["capture", "file_mtime"]
"""Where a source's wall times come from: ``capture`` (the box's clock when a live frame arrived) or
``file_mtime`` (a file's modification time, minus its duration for videos: the recording's end is
taken to be when the file was last written)."""

WALL_CLOCKS: dict[str, str] = {
    "capture": "the box's clock at capture",
    "file_mtime": "the file's modification time",
}
"""How each wall clock is described to the user."""

OTHER_HOST_ALIVE_S = 120.0
"""A lease held by another host counts as alive while its last sign of life is this recent."""


class SourceBusy(StoreError):
    """The source is being analysed by another process right now."""


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
    site: str = ""
    wall_clock: str | None = None
    owner_host: str | None = None
    owner_pid: int | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Purged:
    """Rows of an earlier run that :func:`finish_source` deleted, and the verdicts it moved to the new run."""

    tracks: int
    events: int
    verdicts_kept: int = 0


def source_key(uri: str) -> str:
    """What identifies a source: an absolute path (symlinks resolved), or a URL without its password."""
    if "://" in uri:
        parts = urlsplit(uri)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=netloc))
    return str(Path(uri).expanduser().resolve())


def source_id(uri: str, *, site: str | None = None) -> str:
    """A stable id for a file path, folder or stream URL, unique per site.

    Paths are made absolute (symlinks resolved) so ``clip.mp4`` and ``./clip.mp4`` agree; URLs
    are used as given, minus any ``user:password@`` part, so a changed password keeps the id. Without
    a site the id is the one camsight 0.1 gave (kept for sources stored by it).

    Example:
        >>> source_id("rtsp://admin:secret@cam1/live", site="a") == source_id("rtsp://cam1/live", site="a")
        True
        >>> source_id("clip.mp4", site="a") != source_id("clip.mp4", site="b")
        True
    """
    return key_id(source_key(uri), site=site)


def key_id(key: str, *, site: str | None = None) -> str:
    """The id of a source already in its stored form (:func:`source_key`'s), such as a record's ``source``."""
    if site:
        key = f"{site}|{key}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def resolve_source_id(conn: sa.Connection, *, uri: str, site: str) -> str:
    """The id of a file or folder source: the one already stored for this path and site, else a new one."""
    stmt = (
        sa.select(sources.c.id)
        .where(sources.c.uri == uri, sources.c.site == site, sources.c.kind != "stream")
        .order_by(sources.c.started_at)
        .limit(1)
    )
    found = conn.execute(stmt).scalar_one_or_none()
    return str(found) if found is not None else source_id(uri, site=site)


def upsert_camera(conn: sa.Connection, *, camera_id: str, source: str | None, site: str) -> None:
    """Add a camera, or update its source if it is already known."""
    now = datetime.now(UTC)
    row = {"site": site, "id": camera_id, "source": source, "created_at": now}
    upsert(conn, cameras, [row], keep=("created_at",))


def _alive(row: SourceRow, now: datetime) -> bool:
    """Whether the process that leased a running source is still there."""
    if row.status != "running" or row.owner_pid is None:
        return False
    if row.owner_host == socket.gethostname():
        try:
            os.kill(row.owner_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    seen = row.last_seen_at or row.started_at
    return now - seen < timedelta(seconds=OTHER_HOST_ALIVE_S)


def lease_source(
    conn: sa.Connection,
    *,
    source_id: str,
    site: str,
    camera: str,
    uri: str,
    kind: SourceKind,
    run_id: str,
    started_at: datetime,
    wall_clock: WallClock,
) -> None:
    """Start a run of a file or folder source, refusing while another live process runs it.

    Call it in a write transaction whose first statement was a write (e.g. :func:`upsert_camera`), so
    that on SQLite two runs check one after the other.

    Raises:
        SourceBusy: Another process (alive) is analysing the source now.
    """
    stmt = sa.select(sources).where(sources.c.id == source_id).with_for_update()
    found = conn.execute(stmt).mappings().one_or_none()
    if found is not None:
        row = SourceRow(**found)
        if _alive(row, started_at):
            since = row.started_at.astimezone().strftime("%H:%M:%S %Z")
            raise SourceBusy(
                f"{uri} is being analysed right now by process {row.owner_pid} on {row.owner_host} (since "
                f"{since}); wait for it to finish (or stop it), then run again"
            )
    start_source(
        conn,
        source_id=source_id,
        site=site,
        camera=camera,
        uri=uri,
        kind=kind,
        run_id=run_id,
        started_at=started_at,
        wall_clock=wall_clock,
    )


def heartbeat(conn: sa.Connection, *, source_id: str, run_id: str, at: datetime) -> None:
    """Record that the run of a source is still alive (``last_seen_at``)."""
    stmt = sa.update(sources).where(sources.c.id == source_id, sources.c.run_id == run_id)
    conn.execute(stmt.values(last_seen_at=at))


def start_source(
    conn: sa.Connection,
    *,
    source_id: str,
    camera: str,
    uri: str,
    kind: SourceKind,
    run_id: str,
    started_at: datetime,
    site: str,
    wall_clock: WallClock = "capture",
) -> None:
    """Record that a run started analysing a source (status ``running``, counters reset, leased to this process)."""
    row = {
        "id": source_id,
        "site": site,
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
        "wall_clock": wall_clock,
        "owner_host": socket.gethostname(),
        "owner_pid": os.getpid(),
        "last_seen_at": started_at,
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
    """Record how a run ended and drop what earlier runs of the same source left behind, in one go.

    Tracks, events and held alerts of this source whose ``run_id`` is not ``run_id`` are deleted (with their
    search index rows and embeddings), so analysing a file twice does not duplicate anything; the
    verdict an operator gave on a deleted alert moves to the new run's alert of the same rule, zone and
    start (within a second), if it has none. A ``failed`` run deletes nothing: it produced no complete
    result to replace the earlier one with. The lease ends either way.

    Returns:
        How many stale tracks and events were deleted, and how many verdicts were kept.

    Raises:
        StoreError: The source was never started (call :func:`start_source` first), or another run
            has taken it over meanwhile.
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
        "owner_pid": None,
        "last_seen_at": finished_at,
    }
    result = conn.execute(
        sa.update(sources).where(sources.c.id == source_id, sources.c.run_id == run_id).values(**values)
    )
    if result.rowcount == 0:
        if conn.execute(sa.select(sources.c.id).where(sources.c.id == source_id)).first() is None:
            raise StoreError(f"source {source_id} was never started; call start_source before finish_source")
        raise StoreError(f"source {source_id} was taken over by another run; this run's results were not kept")
    if status == "failed":
        return Purged(tracks=0, events=0)
    kept = _keep_verdicts(conn, source_id=source_id, run_id=run_id)
    stale_tracks = list(
        conn.execute(sa.select(tracks.c.id).where(tracks.c.source_id == source_id, tracks.c.run_id != run_id)).scalars()
    )
    if stale_tracks:
        from camsight.search.index_writer import drop_tracks

        drop_tracks(conn, stale_tracks)
        conn.execute(sa.delete(track_embeddings).where(track_embeddings.c.track_id.in_(stale_tracks)))
    _delete_stale(conn, held_alerts, source_id=source_id, run_id=run_id)  # the new run held its own
    return Purged(
        tracks=_delete_stale(conn, tracks, source_id=source_id, run_id=run_id),
        events=_delete_stale(conn, events, source_id=source_id, run_id=run_id),
        verdicts_kept=kept,
    )


def _delete_stale(conn: sa.Connection, table: sa.Table, *, source_id: str, run_id: str) -> int:
    stmt = sa.delete(table).where(table.c.source_id == source_id, table.c.run_id != run_id)
    return conn.execute(stmt).rowcount


def _keep_verdicts(conn: sa.Connection, *, source_id: str, run_id: str) -> int:
    """Move verdicts on alerts about to be deleted to the new run's same alert (same rule, zone, start ± 1 s)."""
    e = events
    judged = conn.execute(
        sa.select(e.c.id, e.c.rule, e.c.zone, e.c.start_s)
        .select_from(e.join(feedback, feedback.c.event_id == e.c.id))
        .where(e.c.source_id == source_id, e.c.run_id != run_id)
    ).all()
    if not judged:
        return 0
    fresh = conn.execute(
        sa.select(e.c.id, e.c.rule, e.c.zone, e.c.start_s).where(e.c.source_id == source_id, e.c.run_id == run_id)
    ).all()
    have = set(
        conn.execute(sa.select(feedback.c.event_id).where(feedback.c.event_id.in_([f.id for f in fresh]))).scalars()
    )
    moved = 0
    for old in judged:
        twins = [f for f in fresh if (f.rule, f.zone) == (old.rule, old.zone) and abs(f.start_s - old.start_s) <= 1.0]
        twin = min(twins, key=lambda f: abs(f.start_s - old.start_s), default=None)
        if twin is None or twin.id == old.id or twin.id in have:
            continue
        conn.execute(sa.update(feedback).where(feedback.c.event_id == old.id).values(event_id=twin.id))
        have.add(twin.id)
        moved += 1
    return moved


def get_source(conn: sa.Connection, *, source_id: str) -> SourceRow | None:
    """The source with that id, or None."""
    row = conn.execute(sa.select(sources).where(sources.c.id == source_id)).mappings().one_or_none()
    return None if row is None else SourceRow(**row)


def uri_of(conn: sa.Connection, *, site: str, source_id: str) -> str | None:
    """The uri of a site's source as any stored row of it says (its source, an event, a track), or None.

    A hub holds no sources of its own: it reads the uri of an edge's source from what it stored of it
    (:mod:`camsight.transport.compact`, form 3: a source the hub holds goes by its id alone).
    """
    for stmt in (
        sa.select(sources.c.uri).where(sources.c.site == site, sources.c.id == source_id),
        sa.select(events.c.source).where(events.c.site == site, events.c.source_id == source_id),
    ):
        found = conn.execute(stmt.limit(1)).scalar_one_or_none()
        if isinstance(found, str):
            return found
    record = conn.execute(
        sa.select(tracks.c.record).where(tracks.c.site == site, tracks.c.source_id == source_id).limit(1)
    ).scalar_one_or_none()
    uri = record.get("source") if isinstance(record, dict) else None
    return uri if isinstance(uri, str) else None


def list_sources(conn: sa.Connection, *, camera: str | None = None) -> list[SourceRow]:
    """All sources (or one camera's), most recently started first."""
    stmt = sa.select(sources).order_by(sources.c.started_at.desc(), sources.c.id)
    if camera is not None:
        stmt = stmt.where(sources.c.camera == camera)
    return [SourceRow(**row) for row in conn.execute(stmt).mappings()]


def camera_sites(conn: sa.Connection) -> dict[str, frozenset[str]]:
    """Known cameras by id, with the sites that have a camera of that id (at a hub, several may)."""
    found: dict[str, set[str]] = {}
    for camera_id, site in conn.execute(sa.select(cameras.c.id, cameras.c.site)):
        found.setdefault(camera_id, set()).add(site)
    return {camera_id: frozenset(sites) for camera_id, sites in sorted(found.items())}


def list_cameras(conn: sa.Connection, *, site: str | None = None) -> dict[str, str | None]:
    """Known cameras (of one site, or all) and their configured sources, by camera id."""
    stmt = sa.select(cameras.c.id, cameras.c.source).order_by(cameras.c.id, cameras.c.site)
    if site is not None:
        stmt = stmt.where(cameras.c.site == site)
    return {camera_id: source for camera_id, source in conn.execute(stmt)}
