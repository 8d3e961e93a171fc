"""The layout of camsight 0.1, before migrations existed (schema_version 1).

camsight 0.1 created its tables as they were first used, so a store it wrote may lack some of them.
This revision creates the missing ones exactly as 0.1 defined them and leaves existing tables alone:
it takes both an empty database and any store written by 0.1 to the same starting point.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_DT = sa.DateTime(timezone=True)


def _v1_tables() -> list[sa.Table]:
    """The 0.1 tables, on a metadata of their own (frozen: never edit, add a revision instead)."""
    md = sa.MetaData()
    json = sa.JSON(none_as_null=False)
    return [
        sa.Table(
            "meta", md, sa.Column("key", sa.String, primary_key=True), sa.Column("value", sa.String, nullable=False)
        ),
        sa.Table(
            "cameras",
            md,
            sa.Column("id", sa.String, primary_key=True),
            sa.Column("source", sa.String, nullable=True),
            sa.Column("created_at", _DT, nullable=False),
        ),
        sa.Table(
            "sources",
            md,
            sa.Column("id", sa.String, primary_key=True),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("uri", sa.String, nullable=False),
            sa.Column("kind", sa.String, nullable=False),
            sa.Column("run_id", sa.String, nullable=False),
            sa.Column("status", sa.String, nullable=False),
            sa.Column("error", sa.String, nullable=True),
            sa.Column("frames_decoded", sa.Integer, nullable=False),
            sa.Column("frames_analysed", sa.Integer, nullable=False),
            sa.Column("frames_skipped", sa.Integer, nullable=False),
            sa.Column("duration_s", sa.Float, nullable=True),
            sa.Column("started_at", _DT, nullable=False),
            sa.Column("finished_at", _DT, nullable=True),
        ),
        sa.Table(
            "tracks",
            md,
            sa.Column("id", sa.String, primary_key=True),
            sa.Column("source_id", sa.String, nullable=False),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("tracker_id", sa.Integer, nullable=False),
            sa.Column("object_class", sa.String, nullable=False),
            sa.Column("start_s", sa.Float, nullable=False),
            sa.Column("end_s", sa.Float, nullable=False),
            sa.Column("started_at", _DT, nullable=False),
            sa.Column("ended_at", _DT, nullable=False),
            sa.Column("frames", sa.Integer, nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("thumbnail", sa.String, nullable=True),
            sa.Column("zones", json, nullable=False),
            sa.Column("events", json, nullable=False),
            sa.Column("path", json, nullable=False),
            sa.Column("appearance", sa.JSON(none_as_null=True), nullable=True),
            sa.Column("record", json, nullable=False),
            sa.Column("run_id", sa.String, nullable=False),
            sa.Index("ix_tracks_camera_started_at", "camera", "started_at"),
            sa.Index("ix_tracks_object_class", "object_class"),
            sa.Index("ix_tracks_source_id", "source_id"),
        ),
        sa.Table(
            "events",
            md,
            sa.Column("id", sa.String, primary_key=True),
            sa.Column("kind", sa.String, nullable=False),
            sa.Column("rule", sa.String, nullable=False),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("source", sa.String, nullable=False),
            sa.Column("source_id", sa.String, nullable=False),
            sa.Column("zone", sa.String, nullable=True),
            sa.Column("start_s", sa.Float, nullable=False),
            sa.Column("end_s", sa.Float, nullable=False),
            sa.Column("started_at", _DT, nullable=False),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("status", sa.String, nullable=False),
            sa.Column("track_ids", json, nullable=False),
            sa.Column("snapshot", sa.String, nullable=True),
            sa.Column("payload", json, nullable=False),
            sa.Column("run_id", sa.String, nullable=False),
            sa.Column("created_at", _DT, nullable=False),
            sa.Column("updated_at", _DT, nullable=False),
            sa.Index("ix_events_kind_started_at", "kind", "started_at"),
            sa.Index("ix_events_camera_started_at", "camera", "started_at"),
            sa.Index("ix_events_source_id", "source_id"),
        ),
        sa.Table(
            "standing_queries",
            md,
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
            sa.Column("created_at", _DT, nullable=False),
            sa.Column("updated_at", _DT, nullable=False),
        ),
        sa.Table(
            "standing_query_versions",
            md,
            sa.Column("query_id", sa.Integer, primary_key=True),
            sa.Column("version", sa.Integer, primary_key=True),
            sa.Column("text", sa.String, nullable=False),
            sa.Column("min_score", sa.Float, nullable=False),
            sa.Column("enabled", sa.Boolean, nullable=False),
            sa.Column("changed_at", _DT, nullable=False),
            sa.Column("snapshot", sa.JSON, nullable=False),
        ),
        sa.Table(
            "feedback",
            md,
            sa.Column("event_id", sa.String, primary_key=True),
            sa.Column("verdict", sa.String, nullable=False),
            sa.Column("note", sa.String, nullable=True),
            sa.Column("created_at", _DT, nullable=False),
        ),
        sa.Table(
            "suppressions",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("rule", sa.String, nullable=False),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("zone", sa.String, nullable=True),
            sa.Column("polygon", sa.JSON, nullable=False),
            sa.Column("object_class", sa.String, nullable=True),
            sa.Column("enabled", sa.Boolean, nullable=False),
            sa.Column("created_at", _DT, nullable=False),
            sa.Column("reason", sa.String, nullable=False),
        ),
        sa.Table(
            "audit_log",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", _DT, nullable=False),
            sa.Column("actor", sa.String, nullable=False),
            sa.Column("action", sa.String, nullable=False),
            sa.Column("detail", sa.JSON, nullable=False),
            sa.Index("ix_audit_log_at", "at"),
            sa.Index("ix_audit_log_action", "action"),
        ),
        sa.Table(
            "segments",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("path", sa.String, nullable=False, unique=True),
            sa.Column("start_at", _DT, nullable=False),
            sa.Column("end_at", _DT, nullable=False),
            sa.Column("size_bytes", sa.BigInteger, nullable=False),
            sa.Column("frames", sa.Integer, nullable=False),
            sa.Column("codec", sa.String, nullable=True),
            sa.Column("width", sa.Integer, nullable=True),
            sa.Column("height", sa.Integer, nullable=True),
            sa.Column("complete", sa.Boolean, nullable=False),
            sa.Index("ix_segments_camera_start_at", "camera", "start_at"),
            sa.Index("ix_segments_start_at", "start_at"),
        ),
        sa.Table(
            "camera_gaps",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("camera", sa.String, nullable=False),
            sa.Column("start_at", _DT, nullable=False),
            sa.Column("end_at", _DT, nullable=False),
            sa.Column("reason", sa.String, nullable=False),
            sa.Column("run_id", sa.String, nullable=False),
            sa.Index("ix_camera_gaps_camera_start_at", "camera", "start_at"),
        ),
        sa.Table(
            "track_embeddings",
            md,
            sa.Column("track_id", sa.String, primary_key=True),
            sa.Column("model", sa.String, primary_key=True),
            sa.Column("dim", sa.Integer, nullable=False),
            sa.Column("vector", sa.LargeBinary, nullable=False),
        ),
    ]


def upgrade() -> None:
    """Create the 0.1 tables that are missing (a table 0.1 wrote is kept as it is)."""
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table in _v1_tables():
        if table.name not in existing:
            table.create(bind)
    has_version = bind.execute(sa.text("SELECT count(*) FROM meta WHERE key = 'schema_version'")).scalar_one()
    if not has_version:
        bind.execute(sa.text("INSERT INTO meta (key, value) VALUES ('schema_version', '1')"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
