"""The outbox to the hub; at a hub, its edges and model releases; accounts limited to sites.

The search index also learns each track's site (a hub searches many).

Every row and every id is kept.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the outbox, edges and model releases; give accounts an optional site scope."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "edges",
        sa.Column("site", sa.String, primary_key=True),
        sa.Column("url", sa.String, nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("last_seen_at", _DT, nullable=False),
        sa.Column("model_version", sa.String, nullable=True),
        sa.Column("model_sha256", sa.String, nullable=True),
        sa.Column("info", sa.JSON, nullable=False),
    )
    op.create_table(
        "model_releases",
        sa.Column("version", sa.String, primary_key=True),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sites", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("updated_at", _DT, nullable=False),
    )
    op.add_column("users", sa.Column("sites", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("search_features", sa.Column("site", sa.String, nullable=False, server_default=""))
    op.get_bind().execute(
        sa.text(
            "UPDATE search_features SET site = (SELECT site FROM tracks WHERE tracks.id = "
            "search_features.id) WHERE EXISTS (SELECT 1 FROM tracks WHERE tracks.id = "
            "search_features.id)"
        )
    )
    op.get_bind().execute(sa.text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
