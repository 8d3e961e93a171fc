"""Retention: what is older than the site keeps it, and deleting it so that the store stays consistent.

Five kinds of data, each with its own age (:class:`Cutoffs`; ``None`` keeps a kind forever):

- **recordings**: segment files and rows (:func:`camsight.store.segment_retention.plan_segments`: older
  than ``retain_days``, then the oldest while all take more than the disk budget);
- **tracks**: records that ended before the cutoff, with their search index rows, image embeddings and
  thumbnail file;
- **events**: closed events that ended before the cutoff, with their snapshot file and their verdict
  (the ``feedback`` row and what the alert was about go with it: rule statistics count the events kept);
  alerts a suppression held back that started before it, with their snapshot file (counted as events);
- **media**: thumbnails (by the track's end) and snapshots (by the event's start) older than their
  cutoff, whose track or event (or held alert) is kept: the file goes and the row (and the message it
  keeps) loses its reference; the search index and embeddings stay;
- **audit**: rows before the cutoff, only through :func:`camsight.store.audit.prune`, which keeps the
  chain verifiable (and never prunes the newest row).

Nothing an open event needs is deleted: its segments (from its start minus ``pre_s``), its snapshot,
its tracks and their thumbnails; a picture file still referenced by a row that is kept (a standing
query's alert shows its track's thumbnail) stays too. :func:`plan` lists what goes, oldest first, at
most ``limit`` rows of each kind; :func:`apply` deletes it in the caller's transaction: rows first,
files last, so a failure rolls the rows back (a file already deleted is simply missing from a row
the next pass deletes).

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     plan(conn, now=datetime.now(UTC), cutoffs=Cutoffs(tracks=datetime.now(UTC))).counts()["tracks"]
    0
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store import audit
from camsight.store import recordings as rec
from camsight.store.media import MediaStore
from camsight.store.schema import alert_subjects, audit_log, events, feedback, held_alerts, track_embeddings, tracks
from camsight.store.segment_retention import plan_segments, unlink

log = logging.getLogger(__name__)
KINDS = ("recordings", "media", "tracks", "events", "audit")
"""The kinds of data, in the order they are reported."""
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Delete what is older than these; ``None`` keeps that kind forever."""

    media: datetime | None = None
    tracks: datetime | None = None
    events: datetime | None = None
    audit: datetime | None = None


@dataclass(frozen=True, slots=True)
class SegmentPolicy:
    """How long recordings are kept: ``recording.retain_days``, the disk budget, and ``pre_s`` before open events."""

    retain_days: float
    max_bytes: int
    pre_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Plan:
    """What one pass deletes, each kind oldest first.

    Attributes:
        segments: Recorded segments (files and rows).
        tracks: Ids of the track records deleted (with index rows, embeddings, thumbnails).
        events: Ids of the closed events deleted (with snapshots and verdicts).
        thumbnails: Ids of tracks kept whose thumbnail goes.
        snapshots: Ids of events kept whose snapshot goes.
        files: Media paths deleted (thumbnails and snapshots no row kept refers to).
        audit: Audit rows pruned.
        kept: Rows and files older than their cutoff kept because an open event needs them (or, for a
            picture, a row that is kept shows it too).
        more: A kind had more than the limit: another pass has more to delete.
    """

    segments: tuple[rec.SegmentRow, ...] = ()
    tracks: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    thumbnails: tuple[str, ...] = ()
    snapshots: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    audit: int = 0
    kept: int = 0
    more: bool = False
    held: tuple[str, ...] = ()
    held_snapshots: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Per kind (:data:`KINDS`), how many: segments, picture files, tracks, events (held ones too), audit rows."""
        events = len(self.events) + len(self.held)
        sizes = (len(self.segments), len(self.files), len(self.tracks), events, self.audit)
        return dict(zip(KINDS, sizes, strict=True))


@dataclass(frozen=True, slots=True)
class _OpenEvents:
    """What the open events need: their ids and the ids of their tracks."""

    ids: frozenset[str]
    tracks: frozenset[str]


def _open_events(conn: sa.Connection) -> _OpenEvents:
    rows = conn.execute(sa.select(events.c.id, events.c.source_id, events.c.track_ids).where(events.c.status == "open"))
    ids: set[str] = set()
    track_ids: set[str] = set()
    for event_id, source_id, members in rows:
        ids.add(str(event_id))
        track_ids.update(f"{source_id}:{tid}" for tid in members or ())
    return _OpenEvents(frozenset(ids), frozenset(track_ids))


def _first(rows: Iterable[Any], keep: Callable[[Any], bool], limit: int | None) -> tuple[list[Any], bool]:
    """The first ``limit`` rows that ``keep`` accepts, and whether there were more."""
    taken: list[Any] = []
    for row in rows:
        if not keep(row):
            continue
        if limit is not None and len(taken) >= limit:
            return taken, True
        taken.append(row)
    return taken, False


@dataclass
class _Planner:
    """Collects a plan kind by kind (see :func:`plan`)."""

    conn: sa.Connection
    needed: _OpenEvents
    limit: int | None
    kept: int = 0
    more: bool = False
    pictures: dict[str, None] = field(default_factory=dict)  # ordered set of media paths
    dropped_tracks: set[str] = field(default_factory=set)
    dropped_events: set[str] = field(default_factory=set)
    dropped_held: set[str] = field(default_factory=set)

    def take(self, stmt: sa.Select[Any], keep: Callable[[Any], bool], *, protected: frozenset[str]) -> list[Any]:
        """The first rows of ``stmt`` (oldest first) that ``keep`` accepts and no open event needs."""

        def wanted(row: Any) -> bool:
            if not keep(row):
                return False
            if row.id in protected:
                self.kept += 1
                return False
            return True

        result = self.conn.execute(stmt)
        try:
            taken, more = _first(result, wanted, self.limit)
        finally:
            result.close()  # read no further: the rows left are the next pass's
        self.more |= more
        self.pictures.update((row.path, None) for row in taken if row.path)
        return taken

    def tracks(self, before: datetime) -> list[str]:
        t = tracks
        stmt = sa.select(t.c.id, t.c.thumbnail.label("path")).where(t.c.ended_at < before)
        rows = self.take(stmt.order_by(t.c.ended_at, t.c.id), bool, protected=self.needed.tracks)
        self.dropped_tracks.update(r.id for r in rows)
        return [r.id for r in rows]

    def events(self, before: datetime) -> list[str]:
        e = events
        stmt = sa.select(e.c.id, e.c.snapshot.label("path"), e.c.started_at, e.c.start_s, e.c.end_s).where(
            e.c.started_at < before
        )

        def ended(row: Any) -> bool:
            return bool(row.started_at + timedelta(seconds=max(0.0, row.end_s - row.start_s)) < before)

        rows = self.take(stmt.order_by(e.c.started_at, e.c.id), ended, protected=self.needed.ids)
        self.dropped_events.update(r.id for r in rows)
        return [r.id for r in rows]

    def thumbnails(self, before: datetime) -> list[str]:
        t = tracks
        stmt = sa.select(t.c.id, t.c.thumbnail.label("path")).where(t.c.ended_at < before, t.c.thumbnail.is_not(None))
        rows = self.take(
            stmt.order_by(t.c.ended_at, t.c.id), lambda r: r.id not in self.dropped_tracks, protected=self.needed.tracks
        )
        return [r.id for r in rows]

    def snapshots(self, before: datetime) -> list[str]:
        e = events
        stmt = sa.select(e.c.id, e.c.snapshot.label("path")).where(e.c.started_at < before, e.c.snapshot.is_not(None))
        rows = self.take(
            stmt.order_by(e.c.started_at, e.c.id), lambda r: r.id not in self.dropped_events, protected=self.needed.ids
        )
        return [r.id for r in rows]

    def held(self, before: datetime, *, pictures_too: bool = False) -> list[str]:
        """Held alerts that started before ``before`` (with their snapshot; ``pictures_too``: only those with one)."""
        t = held_alerts
        stmt = sa.select(t.c.id, t.c.payload).where(t.c.started_at < before).order_by(t.c.started_at, t.c.id)
        rows = [r for r in self.conn.execute(stmt) if not pictures_too or r.payload.get("snapshot")]
        if pictures_too:
            rows = [r for r in rows if r.id not in self.dropped_held]
        taken = rows if self.limit is None else rows[: self.limit]
        self.more |= len(taken) < len(rows)
        self.pictures.update((r.payload["snapshot"], None) for r in taken if r.payload.get("snapshot"))
        if not pictures_too:
            self.dropped_held.update(r.id for r in taken)
        return [r.id for r in taken]

    def files(self, *, thumbnails: Sequence[str], snapshots: Sequence[str]) -> list[str]:
        """The pictures no row that keeps its picture refers to."""
        tracks_gone = self.dropped_tracks | set(thumbnails)
        events_gone = self.dropped_events | set(snapshots)
        used = _referenced(self.conn, list(self.pictures), tracks_gone=tracks_gone, events_gone=events_gone)
        self.kept += len(used)
        return [p for p in self.pictures if p not in used]


def _referenced(
    conn: sa.Connection,
    paths: Sequence[str],
    *,
    tracks_gone: AbstractSet[str] = frozenset(),
    events_gone: AbstractSet[str] = frozenset(),
) -> set[str]:
    """Which of ``paths`` a track (thumbnail) or event (snapshot) refers to, not counting rows that lose theirs."""
    used: set[str] = set()
    for start in range(0, len(paths), _CHUNK):
        chunk = list(paths[start : start + _CHUNK])
        for table, column, gone in (
            (tracks, tracks.c.thumbnail, tracks_gone),
            (events, events.c.snapshot, events_gone),
        ):
            for row_id, path in conn.execute(sa.select(table.c.id, column).where(column.in_(chunk))):
                if row_id not in gone:
                    used.add(str(path))
    return used


def _audit_rows(conn: sa.Connection, before: datetime) -> int:
    """How many rows :func:`camsight.store.audit.prune` would delete (none if all are older: the newest stays)."""
    first_kept = conn.execute(sa.select(sa.func.min(audit_log.c.id)).where(audit_log.c.at >= before)).scalar()
    if first_kept is None:
        return 0
    return int(conn.execute(sa.select(sa.func.count()).where(audit_log.c.id < first_kept)).scalar_one())


def plan(
    conn: sa.Connection,
    *,
    now: datetime,
    cutoffs: Cutoffs,
    segments: SegmentPolicy | None = None,
    limit: int | None = None,
) -> Plan:
    """What a pass deletes: every kind older than its cutoff, oldest first, at most ``limit`` rows of each.

    Args:
        conn: Connection (only read).
        now: The time the ages count from (recordings).
        cutoffs: Per kind, what is older goes.
        segments: Recordings' retention; None leaves recordings alone.
        limit: At most this many tracks, events, thumbnails and snapshots (``Plan.more`` says when there
            were more); None: all.
    """
    planner = _Planner(conn, _open_events(conn), limit)
    doomed_segments: list[rec.SegmentRow] = []
    if segments is not None:
        doomed_segments, planner.kept = plan_segments(
            rec.list_segments(conn),
            rec.open_event_starts(conn),
            now=now,
            retain_days=segments.retain_days,
            max_bytes=segments.max_bytes,
            pre_s=segments.pre_s,
        )
    doomed_tracks = planner.tracks(cutoffs.tracks) if cutoffs.tracks else []
    doomed_events = planner.events(cutoffs.events) if cutoffs.events else []
    thumbnails = planner.thumbnails(cutoffs.media) if cutoffs.media else []
    snapshots = planner.snapshots(cutoffs.media) if cutoffs.media else []
    held = planner.held(cutoffs.events) if cutoffs.events else []
    held_snapshots = planner.held(cutoffs.media, pictures_too=True) if cutoffs.media else []
    files = planner.files(thumbnails=thumbnails, snapshots=snapshots)
    return Plan(
        segments=tuple(doomed_segments),
        tracks=tuple(doomed_tracks),
        events=tuple(doomed_events),
        thumbnails=tuple(thumbnails),
        snapshots=tuple(snapshots),
        files=tuple(files),
        audit=_audit_rows(conn, cutoffs.audit) if cutoffs.audit else 0,
        kept=planner.kept,
        more=planner.more,
        held=tuple(held),
        held_snapshots=tuple(held_snapshots),
    )


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _delete_tracks(conn: sa.Connection, ids: Sequence[str]) -> int:
    from camsight.search.index_writer import drop_tracks

    done = 0
    for chunk in _chunks(ids):
        drop_tracks(conn, chunk)
        conn.execute(sa.delete(track_embeddings).where(track_embeddings.c.track_id.in_(chunk)))
        done += conn.execute(sa.delete(tracks).where(tracks.c.id.in_(chunk))).rowcount
    return done


def _delete_events(conn: sa.Connection, ids: Sequence[str]) -> int:
    done = 0
    for chunk in _chunks(ids):
        conn.execute(sa.delete(feedback).where(feedback.c.event_id.in_(chunk)))
        done += conn.execute(sa.delete(events).where(events.c.id.in_(chunk), events.c.status != "open")).rowcount
        still = sa.union(  # an open event kept, or a held alert released into an event, keeps what it was about
            sa.select(events.c.id).where(events.c.id.in_(chunk)),
            sa.select(held_alerts.c.id).where(held_alerts.c.id.in_(chunk)),
        )
        conn.execute(
            sa.delete(alert_subjects).where(alert_subjects.c.event_id.in_(chunk), ~alert_subjects.c.event_id.in_(still))
        )
    return done


def _delete_held(conn: sa.Connection, ids: Sequence[str]) -> int:
    done = 0
    for chunk in _chunks(ids):
        conn.execute(sa.delete(alert_subjects).where(alert_subjects.c.event_id.in_(chunk)))
        done += conn.execute(sa.delete(held_alerts).where(held_alerts.c.id.in_(chunk))).rowcount
    return done


def _forget_held_snapshots(conn: sa.Connection, ids: Sequence[str]) -> None:
    """Held alerts kept lose their snapshot (in the alert they keep)."""
    for chunk in _chunks(ids):
        for held_id, payload in conn.execute(
            sa.select(held_alerts.c.id, held_alerts.c.payload).where(held_alerts.c.id.in_(chunk))
        ).all():
            update = sa.update(held_alerts).where(held_alerts.c.id == held_id)
            conn.execute(update.values(payload={**payload, "snapshot": None}))


def _forget_thumbnails(conn: sa.Connection, ids: Sequence[str]) -> None:
    """Tracks kept lose their thumbnail: the column and the record it keeps."""
    for chunk in _chunks(ids):
        rows = conn.execute(sa.select(tracks.c.id, tracks.c.record).where(tracks.c.id.in_(chunk))).all()
        for track_id, record in rows:
            stmt = sa.update(tracks).where(tracks.c.id == track_id)
            conn.execute(stmt.values(thumbnail=None, record={**record, "thumbnail": None}))


def _forget_snapshots(conn: sa.Connection, ids: Sequence[str]) -> None:
    """Events kept lose their snapshot: the column and the event message it keeps."""
    for chunk in _chunks(ids):
        stmt = sa.select(events.c.id, events.c.payload).where(events.c.id.in_(chunk), events.c.status != "open")
        for event_id, payload in conn.execute(stmt).all():
            update = sa.update(events).where(events.c.id == event_id)
            conn.execute(update.values(snapshot=None, payload={**payload, "snapshot": None}))


def apply(
    conn: sa.Connection, *, plan: Plan, cutoffs: Cutoffs, media: MediaStore, recordings: Path, actor: str
) -> dict[str, int]:
    """Delete what ``plan`` lists, in the caller's transaction: rows, then the audit rows, then the files.

    Args:
        conn: Connection inside the caller's write transaction.
        plan: From :func:`plan` (in this transaction or just before it).
        cutoffs: The cutoffs the plan was made with (the audit log is pruned before ``cutoffs.audit``).
        media: The media folder (thumbnails and snapshots).
        recordings: The recordings folder.
        actor: Who prunes the audit log (as written in it).

    Returns:
        Per kind (:data:`KINDS`), how many were deleted.

    Raises:
        StoreError: A file exists but cannot be deleted (the transaction should be rolled back).
    """
    deleted = {kind: 0 for kind in KINDS}
    deleted["tracks"] = _delete_tracks(conn, plan.tracks)
    deleted["events"] = _delete_events(conn, plan.events)
    _forget_thumbnails(conn, plan.thumbnails)
    _forget_snapshots(conn, plan.snapshots)
    deleted["events"] += _delete_held(conn, plan.held)
    _forget_held_snapshots(conn, plan.held_snapshots)
    rec.delete_segments(conn, ids=[s.id for s in plan.segments])
    if cutoffs.audit is not None and plan.audit:
        deleted["audit"] = audit.prune(conn, before=cutoffs.audit, actor=actor)
    used = _referenced(conn, plan.files)  # rows written meanwhile keep their picture
    deleted["media"] = sum(_delete_picture(media, path) for path in plan.files if path not in used)
    for seg in plan.segments:
        unlink(recordings / seg.path)
    deleted["recordings"] = len(plan.segments)
    return deleted


def _delete_picture(media: MediaStore, path: str) -> int:
    """Delete one media file; 1 if it was there. A path leading outside the media folder is left alone."""
    try:
        return int(media.delete(path))
    except ValueError as exc:
        log.warning("retention: %s; not deleted", exc)
    except OSError as exc:
        raise StoreError(f"cannot delete media file {path}: {exc.strerror or exc}; check permissions") from exc
    return 0
