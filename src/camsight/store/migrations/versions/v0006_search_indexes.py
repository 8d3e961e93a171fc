"""The search index keyed by each track's end time too, per object class and per camera.

A search limited in time ("after 5pm", "yesterday", "in the last 2 hours") filters on ``ended_at >=
since`` and ``started_at < until``; the indexes so far lead with ``started_at``, whose bound (``until``,
often now) selects nearly every row, so PostgreSQL scanned the whole table. Over 1,000,000 tracks
(``bench/hub_search_pg.py``) the statement of "person near the gate after 5pm" took 290 ms and takes
1.3 ms with these; building both took about 6 s.

Every row and every id is kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index ``search_features`` by (object class, end time) and (camera, end time)."""
    op.create_index("ix_search_features_class_ended", "search_features", ["object_class", "ended_at"])
    op.create_index("ix_search_features_camera_ended", "search_features", ["camera", "ended_at"])
    op.get_bind().execute(sa.text("UPDATE meta SET value = '6' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
