"""Image embeddings of track thumbnails (optional open-vocabulary search), one row per track and model.

The vectors are float32, unit length, stored as bytes (portable: ``LargeBinary`` is ``BLOB`` on SQLite
and ``bytea`` on PostgreSQL); the table is in :mod:`camsight.store.schema`. Rows whose track is gone
are dropped by :func:`prune`.

Example:
    >>> import numpy as np
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     upsert_embedding(conn, track_id="s:1", model="clip-b32", vector=np.ones(4, np.float32))
    ...     sorted(get_embeddings(conn, track_ids=["s:1", "s:2"], model="clip-b32"))
    ['s:1']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.store.db import upsert
from camsight.store.schema import track_embeddings
from camsight.store.schema import tracks as track_table

_CHUNK = 500


def upsert_embedding(conn: sa.Connection, *, track_id: str, model: str, vector: NDArray[np.float32]) -> None:
    """Store (or replace) the embedding of one track's thumbnail under ``model``."""
    upsert_embeddings(conn, model=model, vectors={track_id: vector})


def upsert_embeddings(conn: sa.Connection, *, model: str, vectors: dict[str, NDArray[np.float32]]) -> None:
    """Store (or replace) many embeddings of one model."""
    rows = [
        {"track_id": tid, "model": model, "dim": int(v.size), "vector": np.ascontiguousarray(v, np.float32).tobytes()}
        for tid, v in vectors.items()
    ]
    for start in range(0, len(rows), _CHUNK):
        upsert(conn, track_embeddings, rows[start : start + _CHUNK])


def get_embeddings(conn: sa.Connection, *, track_ids: Sequence[str], model: str) -> dict[str, NDArray[np.float32]]:
    """``{track id: vector}`` for those of ``track_ids`` that have an embedding under ``model``."""
    out: dict[str, NDArray[np.float32]] = {}
    t = track_embeddings
    for start in range(0, len(track_ids), _CHUNK):
        chunk = list(track_ids[start : start + _CHUNK])
        stmt = sa.select(t.c.track_id, t.c.vector).where(t.c.model == model, t.c.track_id.in_(chunk))
        for track_id, blob in conn.execute(stmt):
            out[str(track_id)] = np.frombuffer(blob, dtype=np.float32)
    return out


def prune(conn: sa.Connection) -> int:
    """Delete embeddings whose track no longer exists; returns how many."""
    stmt = sa.delete(track_embeddings).where(~sa.exists().where(track_table.c.id == track_embeddings.c.track_id))
    return int(conn.execute(stmt).rowcount or 0)
