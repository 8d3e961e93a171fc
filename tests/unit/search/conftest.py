"""Fixtures of the search tests: a store holding the real edge stores of tests/data/stores, indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.events.models import AnyEvent
from camsight.search import features, index_writer
from camsight.store import connect, list_events, list_tracks, upsert_events, upsert_tracks
from camsight.store.schema import track_embeddings

STORES = Path(__file__).resolve().parents[2] / "data" / "stores"


def _read(tmp_path: Path) -> list[tuple[list[TrackRecord], list[AnyEvent]]]:
    out = []
    for name in ("edge-north.db", "edge-south.db"):
        copy = tmp_path / name  # SQLite in WAL mode leaves files beside the store it opens
        shutil.copyfile(STORES / name, copy)
        engine = connect(str(copy))
        with engine.connect() as conn:
            out.append((list_tracks(conn, limit=10**6), list_events(conn, limit=10**6)))
        engine.dispose()
    return out


@pytest.fixture
def real(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """The store holding both edges' tracks and events, indexed as a hub indexes them."""
    with engine.begin() as conn:
        for table in (features.track_features, features.feature_vectors, track_embeddings):
            conn.execute(table.delete())
        for records, events in _read(tmp_path):
            for source_id in sorted({e.source_id for e in events}):
                mine = [e for e in events if e.source_id == source_id]
                upsert_events(conn, events=mine, source_id=source_id, run_id=f"hub:{mine[0].site}")
            upsert_tracks(conn, records=records, run_id=f"hub:{records[0].site}")
            index_writer.store_tracks(conn, records)
    return engine
