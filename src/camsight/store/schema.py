"""Every table of the store, as SQLAlchemy Core on one :data:`metadata`, portable to SQLite and PostgreSQL.

This module is the current layout; the migrations in :mod:`camsight.store.migrations` build it (a
test compares what they build with this module), and nothing else creates a table. Only portable
column types are used (``String``, ``Integer``, ``Float``, ``JSON``, ``LargeBinary`` and a UTC
``DateTime``), so the edge (SQLite) and the hub (PostgreSQL) share one schema and one set of
repository functions. Every full message is kept too (``tracks.record``, ``events.payload``), so a
row reads back as exactly the model that was written.

Tables, by what they hold:

- the store itself: ``meta`` (schema version, site, media folders), ``alembic_version`` (Alembic's);
- what was seen: ``cameras``, ``sources`` (a file, folder or run of a live stream), ``tracks``,
  ``events`` (alerts and rule events), ``search_features`` / ``search_vectors`` (the search index,
  derived from ``tracks``), ``track_embeddings`` (optional image embeddings);
- what operators did: ``standing_queries`` (with ``standing_query_versions``), ``feedback``,
  ``suppressions`` (with ``held_alerts``, what they held back, and ``alert_subjects``, what each alert was
  raised on), ``audit_log`` (append-only, hash-chained), ``camera_geometry`` (zones, lines and
  masks drawn in the console);
- who may: ``users``, ``api_tokens``, ``sessions``, ``login_attempts``;
- many sites: ``outbox`` (an edge's messages to the hub, deleted when the broker acknowledged them),
  ``edges`` and ``model_releases`` (at a hub);
- live cameras: ``segments`` (recorded files), ``camera_gaps`` (outages).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from camsight.search.columns import NUMERIC_COLUMNS

SCHEMA_VERSION = 9
"""Version of this table layout, also stored in the ``meta`` table under ``schema_version``.

1: the layout of camsight 0.1 (no migrations); 2: sites, one migrated schema (Alembic revision 0002);
3: accounts, sessions, a hash-chained audit log, camera geometry edited in the console (revision 0003);
4: the outbox to the hub, the hub's edges and model releases, accounts limited to sites (revision 0004);
5: suppressions of four kinds, the subject of each alert, alerts held back by a suppression (revision 0005);
6: the search index keyed by end time too, for searches limited in time (revision 0006);
7: search columns for body parts from pose: pattern per garment, lightness per region, sleeves (revision 0007);
8: search columns for motion and posture per moment: seconds in each motion and posture (revision 0008);
9: the events table keyed by when each row was last written, for the live alert feeds (revision 0009)."""

FEATURE_VERSION = 7
"""Version of how ``search_features`` rows are computed; a store whose rows are older rebuilds them on upgrade."""


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
"""The one MetaData of the store."""

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)
"""Facts about the store: ``schema_version``, ``site``, ``media_dir``, ``recordings_dir``, ``created_at`` and
``search_features_version``."""

cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("site", sa.String, primary_key=True),
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("source", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("site", sa.String, nullable=False),
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
    sa.Column("wall_clock", sa.String, nullable=True),
    sa.Column("owner_host", sa.String, nullable=True),
    sa.Column("owner_pid", sa.Integer, nullable=True),
    sa.Column("last_seen_at", UTCDateTime, nullable=True),
    sa.Index("ix_sources_uri", "uri"),
)
"""``wall_clock`` says where the wall times of a source come from (see :data:`camsight.store.sources_repo.WALL_CLOCKS`);
``owner_host``/``owner_pid`` name the process analysing it while ``status`` is ``running``; ``last_seen_at`` is
that process's last sign of life."""

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("site", sa.String, nullable=False),
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
    sa.Index("ix_tracks_site_started_at", "site", "started_at"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("site", sa.String, nullable=False),
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
    sa.Index("ix_events_site_started_at", "site", "started_at"),
    sa.Index("ix_events_updated_at_id", "updated_at", "id"),
)

standing_queries = sa.Table(
    "standing_queries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("text", sa.String, nullable=False),
    sa.Column("query", sa.JSON, nullable=False),
    sa.Column("cameras", sa.JSON, nullable=False),
    sa.Column("zones", sa.JSON, nullable=False),
    sa.Column("schedule", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("min_score", sa.Float, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("notify", sa.JSON, nullable=False, server_default="[]"),
)
"""Saved searches that alert; ``notify`` lists the Apprise URLs their alerts are sent to."""

standing_query_versions = sa.Table(
    "standing_query_versions",
    metadata,
    sa.Column("query_id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("text", sa.String, nullable=False),
    sa.Column("min_score", sa.Float, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("event_id", sa.String, primary_key=True),
    sa.Column("verdict", sa.String, nullable=False),
    sa.Column("note", sa.String, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String, nullable=False),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("zone", sa.String, nullable=True),
    sa.Column("polygon", sa.JSON, nullable=False),
    sa.Column("object_class", sa.String, nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False, server_default="place"),
    sa.Column("params", _json(nullable=True), nullable=True),
    sa.Column("enabled_at", UTCDateTime, nullable=True),
)
"""What alerts are not raised (see :mod:`camsight.events.suppress`): ``kind`` is ``place`` (``polygon``),
``appearance``, ``time`` or ``threshold`` (``params`` says what those match); ``enabled_at`` is when it was
last enabled."""

alert_subjects = sa.Table(
    "alert_subjects",
    metadata,
    sa.Column("event_id", sa.String, primary_key=True),
    sa.Column("object_class", sa.String, nullable=False),
    sa.Column("x", sa.Float, nullable=False),
    sa.Column("y", sa.Float, nullable=False),
    sa.Column("w", sa.Float, nullable=False),
    sa.Column("h", sa.Float, nullable=False),
    sa.Column("colours", _json(nullable=True), nullable=True),
)
"""The object a new alert (or held alert) was raised on, when its first track was seen: class, bottom-centre
``x, y`` and box size ``w, h`` (normalised) and its colours; what a verdict on the alert teaches."""

held_alerts = sa.Table(
    "held_alerts",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("suppression_id", sa.Integer, nullable=False),
    sa.Column("site", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("rule", sa.String, nullable=False),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("released_at", UTCDateTime, nullable=True),
    sa.Column("released_by", sa.String, nullable=True),
    sa.Index("ix_held_alerts_suppression_id", "suppression_id"),
    sa.Index("ix_held_alerts_started_at", "started_at"),
    sa.Index("ix_held_alerts_source_id", "source_id"),
)
"""Alerts a suppression held back (never deleted by it): the alert as it would have been raised, the id of the
suppression that held it, and, once an operator released it into ``events``, when and by whom."""

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.String, nullable=False, server_default=""),
    sa.Column("hash", sa.String, nullable=False, server_default=""),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_action", "action"),
)
"""One row per audited action, never changed once written (see :mod:`camsight.store.audit`): each row
carries the hash of the previous one and its own, so an edited or deleted row breaks the chain."""

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False, unique=True),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("cameras", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("sites", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
"""Console accounts: role viewer, operator or admin; ``cameras`` and ``sites`` limit one to those (NULL: all);
argon2 hashes."""

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("token_hash", sa.String, nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False),
)
"""Tokens for scripts (``Authorization: Bearer``); only their SHA-256 is kept."""

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("csrf", sa.String, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("ip", sa.String, nullable=True),
    sa.Index("ix_sessions_user_id", "user_id"),
)
"""Console sessions; ``id`` is the SHA-256 of the cookie's value, ``csrf`` the token state changes must send."""

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String, nullable=False),
    sa.Column("ip", sa.String, nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_username_at", "username", "at"),
    sa.Index("ix_login_attempts_ip_at", "ip", "at"),
)
"""Every login attempt, for slowing down repeated failures."""

camera_geometry = sa.Table(
    "camera_geometry",
    metadata,
    sa.Column("site", sa.String, primary_key=True),
    sa.Column("camera", sa.String, primary_key=True),
    sa.Column("geometry", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)
"""Zones, lines and masks of a camera as drawn in the console (validated by the config models); they
replace the config file's for that camera."""

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
    sa.Column("writer_pid", sa.Integer, nullable=True),
    sa.Column("writer_host", sa.String, nullable=True),
    sa.Index("ix_segments_camera_start_at", "camera", "start_at"),
    sa.Index("ix_segments_start_at", "start_at"),
)
"""Recorded segment files; ``path`` is relative to the recording folder; the writer is the process writing it."""

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

track_embeddings = sa.Table(
    "track_embeddings",
    metadata,
    sa.Column("track_id", sa.String, primary_key=True),
    sa.Column("model", sa.String, primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
"""Image embeddings of track thumbnails (float32, unit length, as bytes), one row per track and model."""

track_features = sa.Table(
    "search_features",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("site", sa.String, nullable=False, server_default=""),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("object_class", sa.String, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=False),
    sa.Column("event_kinds", sa.String, nullable=False),
    sa.Column("zones", sa.String, nullable=False),
    sa.Column("started_ts", sa.Float, nullable=False),
    sa.Column("ended_ts", sa.Float, nullable=False),
    sa.Column("start_s", sa.Float, nullable=False),
    sa.Column("end_s", sa.Float, nullable=False),
    *(sa.Column(name, sa.Float, nullable=False) for name in NUMERIC_COLUMNS),
    sa.Index("ix_search_features_class_started", "object_class", "started_at"),
    sa.Index("ix_search_features_camera_started", "camera", "started_at"),
    sa.Index("ix_search_features_class_ended", "object_class", "ended_at"),
    sa.Index("ix_search_features_camera_ended", "camera", "ended_at"),
    sa.Index("ix_search_features_source", "source_id"),
    sa.Index("ix_search_features_seq", "seq"),
)
"""The search index: one row of numbers per track (see :mod:`camsight.search.features`).

``seq`` grows with every write (all rows of one write share one value), so a process-local copy
(:mod:`camsight.search.cache`) can fetch just what changed; ``started_ts`` and ``ended_ts`` are the
times as UNIX seconds, for that copy; ``start_s``/``end_s`` the track's span in its source's own time. A search
limited in time filters on ``ended_at >= since``: the ``*_ended`` indexes serve it."""

feature_vectors = sa.Table(
    "search_vectors",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
"""The numeric columns again, as float32 bytes in :data:`~camsight.search.columns.NUMERIC_COLUMNS` order:
the process-local copy loads 100,000 rows of these in well under a second."""

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
)
"""Messages for the hub, written in the same transaction as the rows they describe and deleted only when the
broker acknowledged them (QoS 1): a broker or hub outage loses nothing (see :mod:`camsight.transport`)."""

edges = sa.Table(
    "edges",
    metadata,
    sa.Column("site", sa.String, primary_key=True),
    sa.Column("url", sa.String, nullable=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("model_version", sa.String, nullable=True),
    sa.Column("model_sha256", sa.String, nullable=True),
    sa.Column("info", sa.JSON, nullable=False),
)
"""At a hub: each edge site as its heartbeats describe it (its API URL, online or offline, its model)."""

model_releases = sa.Table(
    "model_releases",
    metadata,
    sa.Column("version", sa.String, primary_key=True),
    sa.Column("sha256", sa.String, nullable=False),
    sa.Column("path", sa.String, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sites", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
"""At a hub: detector models published to the edges; ``sites`` are the canaries (NULL: every site)."""
