"""Writing the search index (:mod:`camsight.search.features`) as tracks are stored: a search only reads.

The store's sink calls :func:`store_tracks` in the transaction that writes the track records, and
:func:`drop_tracks` in the one that deletes them (a re-analysis replacing an earlier run), so the
index never lags behind ``tracks``. :func:`rebuild` recomputes every row; the store's upgrade runs it
when the way rows are computed changed.

Indexing a track also re-indexes the tracks of the same source that overlap it in time: how many
people were near each of them (:func:`~camsight.search.features.nearness`) may have changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.search.features import feature_row, feature_vectors, nearness, track_features, vector
from camsight.store.db import upsert
from camsight.store.events_repo import events_by_track
from camsight.store.schema import tracks as track_table

log = logging.getLogger(__name__)

_CHUNK = 500


def _event_kinds(conn: sa.Connection, source_ids: Sequence[str]) -> dict[str, set[str]]:
    """``{track id or event id: event kinds}`` for the tracks of those sources, from the events' track ids."""
    return {key: {kind for kind, _ in seen} for key, seen in events_by_track(conn, source_ids=source_ids).items()}


def index_tracks(conn: sa.Connection, records: Sequence[TrackRecord], *, run_ids: dict[str, str]) -> int:
    """Write the feature rows of ``records`` (all tracks of their sources should be given, for nearness).

    Args:
        conn: Connection, inside the caller's transaction.
        records: Track records.
        run_ids: ``{track id: tracks.run_id}``.

    Returns:
        Number of rows written.
    """
    if not records:
        return 0
    kinds = _event_kinds(conn, sorted({r.source_id for r in records}))
    near = nearness(records)
    seq = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(track_features.c.seq), 0))).scalar_one()) + 1
    rows = [
        feature_row(
            r,
            run_id=run_ids.get(r.id, ""),
            near=near[r.id],
            event_kinds=kinds.get(r.id, set()).union(*(kinds.get(e, set()) for e in r.events)),
        )
        for r in records
    ]
    for row in rows:
        row["seq"] = seq
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        upsert(conn, track_features, chunk)
        upsert(conn, feature_vectors, [{"id": row["id"], "vector": vector(row)} for row in chunk])
    return len(rows)


def reindex(conn: sa.Connection, windows: dict[str, tuple[float, float]]) -> int:
    """Rebuild the feature rows of the tracks of each source that overlap its ``(start_s, end_s)`` window.

    Returns:
        Rows written.
    """
    written = 0
    t = track_table
    for sid, (lo, hi) in windows.items():
        rows = conn.execute(
            sa.select(t.c.id, t.c.run_id, t.c.record).where(
                t.c.source_id == sid, t.c.start_s <= hi + 0.5, t.c.end_s >= lo - 0.5
            )
        ).all()
        records = [TrackRecord.model_validate(r.record) for r in rows]
        written += index_tracks(conn, records, run_ids={r.id: r.run_id for r in rows})
    return written


def windows_of(records: Sequence[TrackRecord]) -> dict[str, tuple[float, float]]:
    """``{source id: (first start_s, last end_s)}`` of some records (what :func:`reindex` takes)."""
    out: dict[str, tuple[float, float]] = {}
    for r in records:
        lo, hi = out.get(r.source_id, (r.start_s, r.end_s))
        out[r.source_id] = (min(lo, r.start_s), max(hi, r.end_s))
    return out


def store_tracks(conn: sa.Connection, records: Sequence[TrackRecord]) -> int:
    """Index records just written to ``tracks`` (and their neighbours in time); returns rows written."""
    return reindex(conn, windows_of(records))


def drop_tracks(conn: sa.Connection, track_ids: Sequence[str]) -> int:
    """Delete the index rows of tracks that are being deleted; returns how many."""
    dropped = 0
    for start in range(0, len(track_ids), _CHUNK):
        chunk = list(track_ids[start : start + _CHUNK])
        dropped += conn.execute(sa.delete(track_features).where(track_features.c.id.in_(chunk))).rowcount
        conn.execute(sa.delete(feature_vectors).where(feature_vectors.c.id.in_(chunk)))
    return dropped


def rebuild(conn: sa.Connection) -> int:
    """Recompute every index row from ``tracks`` (one source at a time); returns rows written."""
    conn.execute(sa.delete(track_features))
    conn.execute(sa.delete(feature_vectors))
    t = track_table
    spans = conn.execute(
        sa.select(t.c.source_id, sa.func.min(t.c.start_s), sa.func.max(t.c.end_s)).group_by(t.c.source_id)
    ).all()
    written = reindex(conn, {str(sid): (float(lo), float(hi)) for sid, lo, hi in spans})
    if written:
        log.info("search index: rebuilt %d track feature rows", written)
    return written
