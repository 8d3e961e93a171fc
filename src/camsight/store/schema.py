"""The database tables, as SQLAlchemy Core: one :data:`metadata`, portable to SQLite and PostgreSQL.

Only portable column types are used (``String``, ``Integer``, ``Float``, ``JSON`` and a UTC
``DateTime``), so the edge (SQLite) and the hub (PostgreSQL) share one schema and one set of
repository functions. Every full message is kept too (``tracks.record``, ``events.payload``), so a
row reads back as exactly the model that was written.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

SCHEMA_VERSION = 1
"""Version of this table layout, stored in the ``meta`` table under ``schema_version``."""


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware datetime that is always stored and read back in UTC.

    SQLite has no time zone type: SQLAlchemy writes the wall-clock digits and drops the offset,
    and reads naive datetimes back. Converting to UTC before writing and attaching UTC after
    reading makes both backends behave like PostgreSQL's ``timestamptz``. A naive datetime given
    to the store is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Convert to UTC before writing (naive values are taken as UTC)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return a UTC-aware datetime whatever the backend gave back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _json(*, nullable: bool = False) -> sa.JSON:
    # none_as_null: a Python None is stored as SQL NULL, not as the JSON literal 'null'.
    return sa.JSON(none_as_null=nullable)


metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)

cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("source", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("uri", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("error", sa.String, nullable=True),
    sa.Column("frames_decoded", sa.Integer, nullable=False, default=0),
    sa.Column("frames_analysed", sa.Integer, nullable=False, default=0),
    sa.Column("frames_skipped", sa.Integer, nullable=False, default=0),
    sa.Column("duration_s", sa.Float, nullable=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
)

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("tracker_id", sa.Integer, nullable=False),
    sa.Column("object_class", sa.String, nullable=False),
    sa.Column("start_s", sa.Float, nullable=False),
    sa.Column("end_s", sa.Float, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=False),
    sa.Column("frames", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("thumbnail", sa.String, nullable=True),
    sa.Column("zones", _json(), nullable=False),
    sa.Column("events", _json(), nullable=False),
    sa.Column("path", _json(), nullable=False),
    sa.Column("appearance", _json(nullable=True), nullable=True),
    sa.Column("record", _json(), nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Index("ix_tracks_camera_started_at", "camera", "started_at"),
    sa.Index("ix_tracks_object_class", "object_class"),
    sa.Index("ix_tracks_source_id", "source_id"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("rule", sa.String, nullable=False),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("zone", sa.String, nullable=True),
    sa.Column("start_s", sa.Float, nullable=False),
    sa.Column("end_s", sa.Float, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("track_ids", _json(), nullable=False),
    sa.Column("snapshot", sa.String, nullable=True),
    sa.Column("payload", _json(), nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_events_kind_started_at", "kind", "started_at"),
    sa.Index("ix_events_camera_started_at", "camera", "started_at"),
    sa.Index("ix_events_source_id", "source_id"),
)
