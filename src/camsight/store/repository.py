"""Keyword-only repository functions over a :class:`sqlalchemy.Connection`, one import away.

The caller owns the transaction::

    with engine.begin() as conn:
        start_source(conn, source_id=sid, camera="cam1", uri=path, kind="file", run_id=run, started_at=now)
        upsert_event(conn, event=event, source_id=sid, run_id=run)

The functions live in :mod:`.sources_repo`, :mod:`.events_repo` and :mod:`.tracks_repo`; they build
statements with SQLAlchemy Core only (never SQL text from input) and run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from camsight.store.events_repo import count_events, get_event, list_events, upsert_event, upsert_events
from camsight.store.sources_repo import (
    Purged,
    SourceBusy,
    SourceKind,
    SourceRow,
    SourceStatus,
    camera_sites,
    finish_source,
    get_source,
    heartbeat,
    lease_source,
    list_cameras,
    list_sources,
    resolve_source_id,
    source_id,
    start_source,
    upsert_camera,
)
from camsight.store.tracks_repo import count_tracks, get_track, list_tracks, upsert_track, upsert_tracks

__all__ = [
    "Purged",
    "SourceBusy",
    "SourceKind",
    "SourceRow",
    "SourceStatus",
    "count_events",
    "count_tracks",
    "finish_source",
    "get_event",
    "get_source",
    "get_track",
    "heartbeat",
    "lease_source",
    "camera_sites",
    "list_cameras",
    "list_events",
    "list_sources",
    "list_tracks",
    "resolve_source_id",
    "source_id",
    "start_source",
    "upsert_camera",
    "upsert_event",
    "upsert_events",
    "upsert_track",
    "upsert_tracks",
]
