"""The store: events, track records and sources in SQLite (edge) or PostgreSQL (hub), media on disk.

Example:
    >>> from camsight.store import connect, create_schema, list_events
    >>> engine = connect(":memory:")
    >>> create_schema(engine)
    >>> with engine.begin() as conn:
    ...     list_events(conn, kind="loitering")
    []
"""

from __future__ import annotations

from camsight.store import audit as audit  # registers the audit_log table on the shared metadata
from camsight.store.db import connect, create_schema, schema_version
from camsight.store.media import MediaStore
from camsight.store.repository import (
    Purged,
    SourceKind,
    SourceRow,
    SourceStatus,
    count_events,
    count_tracks,
    finish_source,
    get_event,
    get_source,
    get_track,
    list_cameras,
    list_events,
    list_sources,
    list_tracks,
    source_id,
    start_source,
    upsert_camera,
    upsert_event,
    upsert_events,
    upsert_track,
    upsert_tracks,
)
from camsight.store.schema import SCHEMA_VERSION, metadata

__all__ = [
    "SCHEMA_VERSION",
    "MediaStore",
    "Purged",
    "SourceKind",
    "SourceRow",
    "SourceStatus",
    "connect",
    "count_events",
    "count_tracks",
    "create_schema",
    "finish_source",
    "get_event",
    "get_source",
    "get_track",
    "list_cameras",
    "list_events",
    "list_sources",
    "list_tracks",
    "metadata",
    "schema_version",
    "source_id",
    "start_source",
    "upsert_camera",
    "upsert_event",
    "upsert_events",
    "upsert_track",
    "upsert_tracks",
]
