"""Sites, one migrated schema: ``site`` on cameras, sources, tracks and events; the search index in the schema.

- ``cameras`` is keyed by ``(site, id)``: a hub holds the cameras of many sites, and two sites may both
  have a camera called ``gate``.
- ``sources``, ``tracks`` and ``events`` get a ``site`` (rows already stored get the store's site, and
  their stored messages, ``tracks.record`` and ``events.payload``, become version 2 with that site);
  ``sources`` also gets where its wall times come from (``wall_clock``) and who is analysing it
  (``owner_host``, ``owner_pid``, ``last_seen_at``).
- ``segments`` record their writer (``writer_pid``, ``writer_host``), so crash repair touches only
  segments whose writer is dead.
- The search index moves from ``search_features_v4``/``search_vectors_v4`` (created on first search by
  camsight 0.1) to ``search_features``/``search_vectors``, created here; the rows are rebuilt from
  ``tracks`` right after the upgrade (see :func:`camsight.store.upgrade.upgrade`).

Every row and every id is kept.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_DT = sa.DateTime(timezone=True)

#: The numeric columns of ``search_features`` at this revision (frozen: never edit, add a revision instead).
FEATURE_COLUMNS = (
    "head_black",
    "head_grey",
    "head_white",
    "head_red",
    "head_orange",
    "head_yellow",
    "head_green",
    "head_blue",
    "head_purple",
    "head_pink",
    "head_brown",
    "head_beige",
    "head_navy",
    "head_light_blue",
    "upper_black",
    "upper_grey",
    "upper_white",
    "upper_red",
    "upper_orange",
    "upper_yellow",
    "upper_green",
    "upper_blue",
    "upper_purple",
    "upper_pink",
    "upper_brown",
    "upper_beige",
    "upper_navy",
    "upper_light_blue",
    "lower_black",
    "lower_grey",
    "lower_white",
    "lower_red",
    "lower_orange",
    "lower_yellow",
    "lower_green",
    "lower_blue",
    "lower_purple",
    "lower_pink",
    "lower_brown",
    "lower_beige",
    "lower_navy",
    "lower_light_blue",
    "head_seen",
    "upper_seen",
    "lower_seen",
    "described",
    "headwear",
    "pattern",
    "carried_backpack",
    "carried_handbag",
    "carried_suitcase",
    "carried_umbrella",
    "posture_standing",
    "posture_sitting",
    "posture_lying",
    "posture_known",
    "motion_still",
    "motion_walking",
    "motion_running",
    "motion_moving",
    "motion_known",
    "speed",
    "riding_bicycle",
    "riding_motorcycle",
    "garment_vest",
    "garment_dress",
    "garment_hooded_jacket",
    "garment_jacket",
    "garment_coat",
    "garment_cardigan",
    "garment_shirt",
    "garment_t_shirt",
    "garment_top",
    "garment_sweater",
    "garment_uniform",
    "garment_overalls",
    "garment_suit",
    "garment_trousers",
    "garment_jeans",
    "garment_shorts",
    "garment_skirt",
    "near_others",
    "near_share",
    "quality",
    "duration",
)


def _site() -> str:
    config = op.get_context().config
    site = config.attributes.get("site") if config is not None else None
    if not site:
        raise RuntimeError("the store's site must be given to migrate to revision 0002")
    return str(site)


def _cameras(site: str) -> None:
    op.create_table(
        "cameras_v2",
        sa.Column("site", sa.String, primary_key=True),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source", sa.String, nullable=True),
        sa.Column("created_at", _DT, nullable=False),
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO cameras_v2 (site, id, source, created_at) SELECT :site, id, source, created_at FROM cameras"
        ),
        {"site": site},
    )
    op.drop_table("cameras")
    op.rename_table("cameras_v2", "cameras")


def _site_column(table: str, site: str) -> None:
    """A NOT NULL ``site`` column; rows already there get the store's site."""
    op.add_column(table, sa.Column("site", sa.String, nullable=False, server_default=site))
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot drop a default without copying the table
        op.alter_column(table, "site", server_default=None)


def _search_index() -> None:
    bind = op.get_bind()
    for name in sa.inspect(bind).get_table_names():
        if name.startswith(("search_features_v", "search_vectors_v")):
            op.drop_table(name)
    op.create_table(
        "search_features",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("source_id", sa.String, nullable=False),
        sa.Column("camera", sa.String, nullable=False),
        sa.Column("object_class", sa.String, nullable=False),
        sa.Column("started_at", _DT, nullable=False),
        sa.Column("ended_at", _DT, nullable=False),
        sa.Column("event_kinds", sa.String, nullable=False),
        sa.Column("zones", sa.String, nullable=False),
        sa.Column("started_ts", sa.Float, nullable=False),
        sa.Column("ended_ts", sa.Float, nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        *(sa.Column(name, sa.Float, nullable=False) for name in FEATURE_COLUMNS),
    )
    op.create_index("ix_search_features_class_started", "search_features", ["object_class", "started_at"])
    op.create_index("ix_search_features_camera_started", "search_features", ["camera", "started_at"])
    op.create_index("ix_search_features_source", "search_features", ["source_id"])
    op.create_index("ix_search_features_seq", "search_features", ["seq"])
    op.create_table(
        "search_vectors",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )


def _messages(site: str) -> None:
    """The stored messages (``tracks.record``, ``events.payload``) become version 2: with the site."""
    bind = op.get_bind()
    for table, column in (("tracks", "record"), ("events", "payload")):
        if bind.dialect.name == "sqlite":
            sql = f"UPDATE {table} SET {column} = json_set({column}, '$.site', :site, '$.schema_version', 2)"
        else:
            sql = (
                f"UPDATE {table} SET {column} = jsonb_set(jsonb_set({column}::jsonb, '{{site}}', "
                f"to_jsonb(CAST(:site AS text))), '{{schema_version}}', '2'::jsonb)::json"
            )
        bind.execute(sa.text(sql), {"site": site})


def upgrade() -> None:
    """Add sites, source ownership, segment writers and the search index tables; keep every row."""
    site = _site()
    _cameras(site)
    for table in ("sources", "tracks", "events"):
        _site_column(table, site)
    op.add_column("sources", sa.Column("wall_clock", sa.String, nullable=True))
    op.add_column("sources", sa.Column("owner_host", sa.String, nullable=True))
    op.add_column("sources", sa.Column("owner_pid", sa.Integer, nullable=True))
    op.add_column("sources", sa.Column("last_seen_at", _DT, nullable=True))
    op.create_index("ix_sources_uri", "sources", ["uri"])
    op.create_index("ix_tracks_site_started_at", "tracks", ["site", "started_at"])
    op.create_index("ix_events_site_started_at", "events", ["site", "started_at"])
    op.add_column("segments", sa.Column("writer_pid", sa.Integer, nullable=True))
    op.add_column("segments", sa.Column("writer_host", sa.String, nullable=True))
    _search_index()
    _messages(site)
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    bind.execute(sa.text("DELETE FROM meta WHERE key = 'site'"))
    bind.execute(sa.text("INSERT INTO meta (key, value) VALUES ('site', :site)"), {"site": site})


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
