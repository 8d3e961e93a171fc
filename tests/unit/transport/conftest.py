"""What the transport tests share: the outbox rows of a real edge store (``tests/data/stores/edge-north.db``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.store import connect
from camsight.store.schema import outbox

STORE = Path(__file__).resolve().parents[2] / "data" / "stores" / "edge-north.db"


@pytest.fixture(scope="module")
def rows() -> list[tuple[int, str, str]]:
    """Every outbox row of the store, as (id, topic, payload), in id order."""
    engine = connect(str(STORE))
    with engine.connect() as conn:
        taken = [
            (int(r.id), str(r.topic), str(r.payload)) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id))
        ]
    engine.dispose()
    return taken
