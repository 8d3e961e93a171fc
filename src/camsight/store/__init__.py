"""The store: events, track records and sources in SQLite (edge) or PostgreSQL (hub), media on disk.

Commands open a store with :func:`open_store` (connect, upgrade an older store, resolve its files);
code that has an engine already brings it up to date with :func:`upgrade`.

Example:
    >>> from camsight.store import connect, list_events, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     list_events(conn, kind="loitering")
    []
"""

from __future__ import annotations

from camsight.store.db import connect, schema_version
from camsight.store.handle import Store, open_store
from camsight.store.media import MediaStore
from camsight.store.paths import StorePaths
from camsight.store.repository import (
    Purged,
    SourceBusy,
    SourceKind,
    SourceRow,
    SourceStatus,
    camera_sites,
    count_events,
    count_tracks,
    finish_source,
    get_event,
    get_source,
    get_track,
    lease_source,
    list_cameras,
    list_events,
    list_sources,
    list_tracks,
    resolve_source_id,
    source_id,
    start_source,
    upsert_camera,
    upsert_event,
    upsert_events,
    upsert_track,
    upsert_tracks,
)
from camsight.store.schema import SCHEMA_VERSION, metadata
from camsight.store.upgrade import Upgraded, upgrade

__all__ = [
    "SCHEMA_VERSION",
    "MediaStore",
    "Purged",
    "SourceBusy",
    "SourceKind",
    "SourceRow",
    "SourceStatus",
    "Store",
    "StorePaths",
    "Upgraded",
    "connect",
    "count_events",
    "count_tracks",
    "finish_source",
    "get_event",
    "get_source",
    "get_track",
    "lease_source",
    "camera_sites",
    "list_cameras",
    "list_events",
    "list_sources",
    "list_tracks",
    "resolve_source_id",
    "metadata",
    "open_store",
    "schema_version",
    "source_id",
    "start_source",
    "upgrade",
    "upsert_camera",
    "upsert_event",
    "upsert_events",
    "upsert_track",
    "upsert_tracks",
]
