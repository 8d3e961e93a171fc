"""Where a store keeps its files: one rule for every command.

A SQLite store ``DIR/NAME.db`` keeps its media (thumbnails, snapshots) in ``DIR/NAME-media/``, its
recordings in ``DIR/NAME-recordings/``, the live health in ``DIR/NAME-status.json`` and its live
runner's lock in ``DIR/NAME.db.run.lock``, all named after the store, so two stores in one folder
never share (or overwrite) a picture. The folder names are recorded in the store's ``meta`` table
when it is created; stores written by camsight 0.1 keep the shared ``DIR/media`` and
``DIR/recordings`` they always used. ``store.media`` and ``recording.folder`` in the config, when set,
win over both. A PostgreSQL store (the hub) has no folder of its own: the config's folders are used,
by default ``camsight-data/media`` and ``camsight-data/recordings``.

Example:
    >>> folder_names(Path("/srv/camsight/site.db"))
    ('site-media', 'site-recordings')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from camsight.config.models import Config
from camsight.store.db import get_meta

DEFAULT_MEDIA = Path("camsight-data/media")
DEFAULT_RECORDINGS = Path("camsight-data/recordings")


def folder_names(database: Path | None) -> tuple[str, str]:
    """The media and recordings folder names of a new store (beside its file, named after it)."""
    stem = database.stem if database is not None else "camsight"
    return f"{stem}-media", f"{stem}-recordings"


def snapshot_path(camera: str, source_id: str, event_id: str) -> str:
    """Where in the media folder an event's snapshot is saved (the hub derives it the same way)."""
    return f"{camera}/{source_id}/event-{event_id}.jpg"


def thumbnail_path(camera: str, source_id: str, tracker_id: int) -> str:
    """Where in the media folder a track's thumbnail is saved (the hub derives it the same way)."""
    return f"{camera}/{source_id}/track-{tracker_id}.jpg"


def sqlite_file(database: str) -> Path | None:
    """The file of a SQLite store given as a path, or None (a URL or ``:memory:``)."""
    if "://" in database or database == ":memory:":
        return None
    return Path(database).expanduser().absolute()


@dataclass(frozen=True, slots=True)
class StorePaths:
    """The database and the files that belong to it."""

    database: str
    media: Path
    recordings: Path
    status: Path
    run_lock: Path

    @classmethod
    def resolve(cls, config: Config, database: str, conn: sa.Connection | None = None) -> StorePaths:
        """The paths of a store, reading its recorded folder names from ``conn`` when given."""
        file = sqlite_file(database)
        if file is None:
            media = config.store.media or DEFAULT_MEDIA
            recordings = config.recording.folder or DEFAULT_RECORDINGS
            return cls(database, media, recordings, media.parent / "status.json", media.parent / "run.lock")
        media_name, recordings_name = folder_names(file)
        if conn is not None:
            media_name = get_meta(conn, "media_dir") or media_name
            recordings_name = get_meta(conn, "recordings_dir") or recordings_name
        base = file.parent
        return cls(
            database=str(file),
            media=config.store.media or base / media_name,
            recordings=config.recording.folder or base / recordings_name,
            status=base / f"{file.stem}-status.json",
            run_lock=file.with_name(file.name + ".run.lock"),
        )
