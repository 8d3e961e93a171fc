"""Suppressions of four kinds (place, appearance, time, threshold); what each alert was raised on; held alerts.

``suppressions`` gains ``kind`` (every existing row is a ``place``), ``params`` (what a kind other than a
place matches) and ``enabled_at``; ``alert_subjects`` keeps the object each new alert was raised on (its
box and colours), ``held_alerts`` every alert a suppression held back, with the suppression's id.

Every row and every id is kept.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the suppression kinds, alert subjects and held alerts."""
    op.add_column("suppressions", sa.Column("kind", sa.String, nullable=False, server_default="place"))
    op.add_column("suppressions", sa.Column("params", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("suppressions", sa.Column("enabled_at", _DT, nullable=True))
    op.create_table(
        "alert_subjects",
        sa.Column("event_id", sa.String, primary_key=True),
        sa.Column("object_class", sa.String, nullable=False),
        sa.Column("x", sa.Float, nullable=False),
        sa.Column("y", sa.Float, nullable=False),
        sa.Column("w", sa.Float, nullable=False),
        sa.Column("h", sa.Float, nullable=False),
        sa.Column("colours", sa.JSON(none_as_null=True), nullable=True),
    )
    op.create_table(
        "held_alerts",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("suppression_id", sa.Integer, nullable=False),
        sa.Column("site", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("rule", sa.String, nullable=False),
        sa.Column("camera", sa.String, nullable=False),
        sa.Column("source_id", sa.String, nullable=False),
        sa.Column("started_at", _DT, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("updated_at", _DT, nullable=False),
        sa.Column("released_at", _DT, nullable=True),
        sa.Column("released_by", sa.String, nullable=True),
    )
    op.create_index("ix_held_alerts_suppression_id", "held_alerts", ["suppression_id"])
    op.create_index("ix_held_alerts_started_at", "held_alerts", ["started_at"])
    op.create_index("ix_held_alerts_source_id", "held_alerts", ["source_id"])
    op.get_bind().execute(sa.text("UPDATE meta SET value = '5' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
