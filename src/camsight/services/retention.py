"""Retention as a use case: delete what is older than the config keeps each kind of data, and audit it.

:func:`run_pass` plans and deletes one batch (at most ``limit`` rows of each kind, oldest first; see
:mod:`camsight.store.retention` for what each kind takes with it and what open events keep) in the
caller's transaction, and writes one ``retention.run`` audit row with the counts per kind, the cutoffs
and whether it was a dry run. :func:`run` repeats passes, each in its own short transaction (live
cameras keep writing meanwhile), until nothing more is due. A dry run deletes nothing and counts
everything in one pass. ``camsight retention run`` and, every hour, ``camsight run`` call :func:`run`.

Example:
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> report = run(store.engine, actor=os_actor(), config=Config(), media=store.media,
    ...              recordings=store.paths.recordings, now=datetime.now(UTC), dry_run=True)
    >>> report.counts
    {'recordings': 0, 'media': 0, 'tracks': 0, 'events': 0, 'audit': 0}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from camsight.config.models import Config
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.store import retention as store_retention
from camsight.store.errors import writing
from camsight.store.media import MediaStore
from camsight.store.retention import KINDS, Cutoffs, SegmentPolicy

__all__ = ["BATCH", "KINDS", "SYSTEM", "RetentionReport", "cutoffs", "run", "run_pass"]

SYSTEM = Actor("system:retention")
"""Who runs the hourly retention of ``camsight run``, as the audit log names it."""
BATCH = 2000
"""Rows of each kind one pass deletes at most: each pass is one short write transaction."""
MAX_PASSES = 100
"""Passes one :func:`run` makes at most (a backlog goes on at the next run)."""


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What a retention run deleted (or, a dry run, would delete).

    Attributes:
        dry_run: Nothing was deleted.
        counts: Per kind (:data:`KINDS`): segments, picture files, tracks, events, audit rows.
        cutoffs: Per kind but recordings, what is older goes (None: kept forever).
        kept: Older than their cutoff but kept: an open event needs them (or a kept row shows the picture).
        passes: Passes made (each audited as one ``retention.run`` row).
        more: The last pass hit the batch limit and :data:`MAX_PASSES` were made: more is due.
    """

    dry_run: bool
    counts: dict[str, int]
    cutoffs: dict[str, datetime | None]
    kept: int = 0
    passes: int = 1
    more: bool = False


def _before(now: datetime, days: float | None) -> datetime | None:
    return None if not days else now - timedelta(days=days)


def cutoffs(config: Config, *, now: datetime) -> Cutoffs:
    """The cutoffs of ``config.retention`` at ``now`` (0 or None days: that kind is kept forever)."""
    keep = config.retention
    return Cutoffs(
        media=_before(now, keep.media_days),
        tracks=_before(now, keep.tracks_days),
        events=_before(now, keep.events_days),
        audit=_before(now, keep.audit_days),
    )


def _segments(config: Config) -> SegmentPolicy:
    recording = config.recording
    return SegmentPolicy(recording.retain_days, int(recording.max_disk_gb * 1e9), recording.pre_s)


def run_pass(
    conn: sa.Connection,
    *,
    actor: Actor,
    config: Config,
    media: MediaStore,
    recordings: Path,
    now: datetime,
    dry_run: bool = False,
    limit: int | None = BATCH,
) -> RetentionReport:
    """One pass of retention in the caller's transaction, audited as ``retention.run``.

    Args:
        conn: Connection in a write transaction.
        actor: Who runs it (admins; :data:`SYSTEM` for ``camsight run``).
        config: ``retention`` and ``recording`` settings.
        media: The media folder.
        recordings: The recordings folder.
        now: The time ages count from.
        dry_run: Count, delete nothing (every row, whatever ``limit``).
        limit: At most this many rows of each kind.

    Raises:
        Forbidden: The actor is not an admin.
        StoreError: A file cannot be deleted (roll the transaction back: nothing of this pass is lost).
    """
    actor.require("admin", "run retention")
    cut = cutoffs(config, now=now)
    plan = store_retention.plan(
        conn, now=now, cutoffs=cut, segments=_segments(config), limit=None if dry_run else limit
    )
    counts = plan.counts()
    if not dry_run:
        counts = store_retention.apply(
            conn, plan=plan, cutoffs=cut, media=media, recordings=recordings, actor=actor.name
        )
    report = RetentionReport(
        dry_run,
        counts,
        {"media": cut.media, "tracks": cut.tracks, "events": cut.events, "audit": cut.audit},
        kept=plan.kept,
        more=plan.more and not dry_run,
    )
    detail = {
        "dry_run": dry_run,
        "counts": counts,
        "kept": plan.kept,
        "more": report.more,
        "cutoffs": {kind: at.isoformat() if at else None for kind, at in report.cutoffs.items()},
    }
    audit.record(conn, actor=actor, action="retention.run", detail=detail)
    return report


def run(
    engine: sa.Engine,
    *,
    actor: Actor,
    config: Config,
    media: MediaStore,
    recordings: Path,
    now: datetime | None = None,
    dry_run: bool = False,
    limit: int = BATCH,
    max_passes: int = MAX_PASSES,
    keep_going: Callable[[], bool] | None = None,
) -> RetentionReport:
    """Retention passes, each its own transaction, until nothing more is due (a dry run: one pass).

    Args:
        engine: The store.
        actor: Who runs it (admins).
        config: ``retention`` and ``recording`` settings.
        media: The media folder.
        recordings: The recordings folder.
        now: The time ages count from (default: now, once for every pass).
        dry_run: Count what would go, delete nothing.
        limit: Rows of each kind per pass.
        max_passes: Passes at most.
        keep_going: Asked before each pass after the first; False stops (``camsight run`` is stopping).

    Raises:
        Forbidden: The actor is not an admin.
        StoreError: The store cannot be written or a file deleted (earlier passes stay done).
    """
    at = now or datetime.now(UTC)
    total = dict.fromkeys(KINDS, 0)
    kept, passes, report = 0, 0, None
    while report is None or (report.more and passes < max_passes and (keep_going is None or keep_going())):
        with writing(engine) as conn:
            report = run_pass(
                conn,
                actor=actor,
                config=config,
                media=media,
                recordings=recordings,
                now=at,
                dry_run=dry_run,
                limit=limit,
            )
        passes += 1
        total = {kind: total[kind] + report.counts[kind] for kind in KINDS}
        kept = report.kept if passes == 1 else kept  # later passes find again what the first one kept
    return RetentionReport(dry_run, total, report.cutoffs, kept=kept, passes=passes, more=report.more)
