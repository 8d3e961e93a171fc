"""Keeping the search index (:mod:`camsight.search.features`) in step with the ``tracks`` table.

:func:`sync` runs before every search: it compares the row counts of the two tables (a few
milliseconds) and only when they differ looks for tracks whose feature row is missing or stale
(another ``run_id`` or ``ended_at``), rebuilds those, and drops rows of tracks that are gone. So a
database written by any camsight, edge or hub, is searchable without a separate indexing step;
:func:`index_hook` indexes tracks as the analyzer stores them, so that searches find nothing to do.

Rebuilding a track also rebuilds the tracks of the same source that overlap it in time: how many
people were near each of them (:func:`~camsight.search.features.nearness`) may have changed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.search.features import ensure_tables, feature_row, feature_vectors, nearness, track_features, vector
from camsight.store.db import upsert
from camsight.store.schema import events as event_table
from camsight.store.schema import tracks as track_table

log = logging.getLogger(__name__)

_CHUNK = 500


def _event_kinds(conn: sa.Connection, source_ids: Sequence[str]) -> dict[str, set[str]]:
    """``{track id: event kinds}`` for the tracks of those sources, from the events' track ids."""
    kinds: dict[str, set[str]] = defaultdict(set)
    stmt = sa.select(event_table.c.id, event_table.c.kind, event_table.c.source_id, event_table.c.track_ids).where(
        event_table.c.source_id.in_(source_ids)
    )
    for event_id, kind, sid, track_ids in conn.execute(stmt):
        kinds[event_id].add(kind)
        for tid in track_ids or ():
            kinds[f"{sid}:{tid}"].add(kind)
    return kinds


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
    ensure_tables(conn)
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


def _counts(conn: sa.Connection) -> tuple[int, int]:
    n_tracks = conn.execute(sa.select(sa.func.count()).select_from(track_table)).scalar_one()
    n_features = conn.execute(sa.select(sa.func.count()).select_from(track_features)).scalar_one()
    return int(n_tracks), int(n_features)


def stale_tracks(conn: sa.Connection) -> dict[str, tuple[float, float]]:
    """``{source id: (first start_s, last end_s)}`` of the tracks whose feature row is missing or stale.

    Stale: written for another ``run_id`` (the source was analysed again) or another ``ended_at`` (the
    record was replaced by a longer one).
    """
    f, t = track_features, track_table
    stmt = (
        sa.select(t.c.source_id, sa.func.min(t.c.start_s), sa.func.max(t.c.end_s))
        .select_from(t.outerjoin(f, f.c.id == t.c.id))
        .where(sa.or_(f.c.id.is_(None), f.c.run_id != t.c.run_id, f.c.ended_at != t.c.ended_at))
        .group_by(t.c.source_id)
    )
    return {str(sid): (float(lo), float(hi)) for sid, lo, hi in conn.execute(stmt)}


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


def sync(conn: sa.Connection, *, force: bool = False) -> int:
    """Bring the feature rows up to date with ``tracks``; returns the number of rows rebuilt.

    Cheap when nothing changed: the two tables' row counts are compared first (unless ``force``), and
    only when they differ are stale tracks looked for, rebuilt (with their neighbours in time), and rows
    of deleted tracks dropped.
    """
    ensure_tables(conn)
    n_tracks, n_features = _counts(conn)
    if n_tracks == n_features and not force:
        return 0
    written = reindex(conn, stale_tracks(conn))
    for table in (track_features, feature_vectors):
        conn.execute(sa.delete(table).where(~sa.exists().where(track_table.c.id == table.c.id)))
    if written:
        log.info("search index: rebuilt %d track feature rows", written)
    return written


def index_hook(engine: sa.Engine) -> Callable[[TrackRecord], list[Any]]:
    """An ``Analyzer(on_track=...)`` hook that indexes each track as it is stored; raises no events."""

    def hook(record: TrackRecord) -> list[Any]:
        with engine.begin() as conn:
            reindex(conn, windows_of([record]))
        return []

    return hook
