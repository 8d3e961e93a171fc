"""Search columns for motion and posture per moment: seconds spent in each, measured from the track's sightings.

New numeric columns of ``search_features`` (``0`` until the rows are rebuilt, which the upgrade does
since the feature version changes; ``*_timed_s`` = 0 means "not timed", and scoring then falls back to
the dominant motion label and the posture shares): ``motion_still_s``, ``motion_walking_s``,
``motion_running_s``, ``motion_timed_s``, ``posture_standing_s``, ``posture_sitting_s``,
``posture_lying_s``, ``posture_timed_s``.

Every row and every id is kept.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The columns added here (frozen: never edit, add a revision instead).
COLUMNS = (
    "motion_still_s",
    "motion_walking_s",
    "motion_running_s",
    "motion_timed_s",
    "posture_standing_s",
    "posture_sitting_s",
    "posture_lying_s",
    "posture_timed_s",
)


def upgrade() -> None:
    """Add the per-moment columns to ``search_features`` (``0``: not timed until the rows are rebuilt)."""
    for name in COLUMNS:
        op.add_column("search_features", sa.Column(name, sa.Float, nullable=False, server_default="0"))
    op.get_bind().execute(sa.text("UPDATE meta SET value = '8' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
