"""Retention of recordings: segments older than ``retain_days`` go, then the oldest while all take more than the budget.

:func:`plan_segments` decides (oldest first, sparing what open events need); :func:`enforce_segments`
is the pass ``camsight run`` makes every minute (files, then rows); :func:`camsight.store.retention.plan`
includes the same plan in the retention job of every kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store import recordings as rec

log = logging.getLogger(__name__)


def plan_segments(
    segments: list[rec.SegmentRow],
    open_starts: dict[str, datetime],
    *,
    now: datetime,
    retain_days: float,
    max_bytes: int,
    pre_s: float = 0.0,
) -> tuple[list[rec.SegmentRow], int]:
    """Which segments to delete, oldest first, and how many were kept only because an open event needs them.

    A segment is protected when its camera has an open event and the segment ends at or after that
    event's start minus ``pre_s``, or when it is still being written (started in the last 10 minutes
    and not complete).
    """

    def protected(seg: rec.SegmentRow) -> bool:
        start = open_starts.get(seg.camera)
        if start is not None and seg.end_at >= start - timedelta(seconds=pre_s):
            return True
        return not seg.complete and seg.start_at > now - timedelta(minutes=10)

    ordered = sorted(segments, key=lambda s: (s.start_at, s.id))
    cutoff = now - timedelta(days=retain_days)
    doomed: list[rec.SegmentRow] = []
    kept_for_events = 0
    total = sum(s.size_bytes for s in ordered)
    for seg in ordered:
        if not (seg.end_at < cutoff or total > max_bytes):
            continue
        if protected(seg):
            kept_for_events += int(seg.complete)
            continue
        doomed.append(seg)
        total -= seg.size_bytes
    return doomed, kept_for_events


@dataclass(frozen=True, slots=True)
class SegmentsDeleted:
    """What one pass of the recordings' retention did."""

    deleted: int
    freed_bytes: int
    kept_for_events: int
    total_bytes: int


def enforce_segments(
    engine: sa.Engine,
    *,
    now: datetime,
    folder: Path,
    retain_days: float,
    max_bytes: int,
    pre_s: float = 0.0,
    delete: Callable[[Path], None] | None = None,
) -> SegmentsDeleted:
    """Delete expired segments (files, then rows), oldest first, sparing those open events need.

    The recordings' retention of ``camsight run`` (every minute); the other kinds go in :func:`apply`.

    Raises:
        StoreError: A segment file exists but cannot be deleted.
    """
    with engine.begin() as conn:
        segments = rec.list_segments(conn)
        open_starts = rec.open_event_starts(conn)
    doomed, kept = plan_segments(
        segments, open_starts, now=now, retain_days=retain_days, max_bytes=max_bytes, pre_s=pre_s
    )
    remove = delete or unlink
    for seg in doomed:
        remove(folder / seg.path)
    with engine.begin() as conn:
        rec.delete_segments(conn, ids=[s.id for s in doomed])
        total = rec.segments_bytes(conn)
    freed = sum(s.size_bytes for s in doomed)
    if doomed:
        log.info("retention: deleted %d segment(s), %.1f MB; %d kept for open events", len(doomed), freed / 1e6, kept)
    return SegmentsDeleted(deleted=len(doomed), freed_bytes=freed, kept_for_events=kept, total_bytes=total)


def unlink(path: Path) -> None:
    """Delete a recording file (gone already is fine).

    Raises:
        StoreError: It exists but cannot be deleted.
    """
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot delete recording {path}: {exc.strerror or exc}; check permissions") from exc
