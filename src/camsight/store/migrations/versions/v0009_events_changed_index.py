"""The events table keyed by when each row was last written, for the live alert feeds.

The console's live alerts (``GET /api/stream``, :func:`camsight.services.events.changed_since`) read
every second the events written after the last one they sent, ordered by ``(updated_at, id)``; without
an index that is a scan of the whole table. Over 300,000 events in PostgreSQL (a hub's) one read of an
account limited to one site took 79-83 ms, and takes 2-3 ms with this index (``bench/live_feed_pg.py``).

Every row and every id is kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index ``events`` by (updated_at, id)."""
    op.create_index("ix_events_updated_at_id", "events", ["updated_at", "id"])
    op.get_bind().execute(sa.text("UPDATE meta SET value = '9' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
