"""Search columns for body parts from pose: the texture pattern of each garment, lightness per region, sleeves.

New numeric columns of ``search_features`` (``-1`` = unknown, the value old rows get until they are
rebuilt, which the upgrade does since the feature version changes): ``upper_patterned``,
``lower_patterned`` (``1 - plain`` from the garment's texture), ``head_lightness``, ``upper_lightness``,
``lower_lightness`` (mean ``L / 100``: "dark red", "light grey"), ``garment_short_sleeves`` and
``garment_long_sleeves`` (the forearms' skin share, from pose).

Every row and every id is kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The columns added here (frozen: never edit, add a revision instead).
COLUMNS = (
    "upper_patterned",
    "lower_patterned",
    "head_lightness",
    "upper_lightness",
    "lower_lightness",
    "garment_short_sleeves",
    "garment_long_sleeves",
)


def upgrade() -> None:
    """Add the pose columns to ``search_features`` (``-1``: unknown until the rows are rebuilt)."""
    for name in COLUMNS:
        op.add_column("search_features", sa.Column(name, sa.Float, nullable=False, server_default="-1"))
    op.get_bind().execute(sa.text("UPDATE meta SET value = '7' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
