"""Events in the store: upsert by id, read back as the typed models rules emitted.

An event is written when it opens, when it is updated and when it closes, always with the same
id, so :func:`upsert_event` inserts the first time and updates afterwards. The full message is
kept in ``payload`` and read back with :data:`camsight.events.models.EVENT_ADAPTER`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.store.db import upsert
from camsight.store.schema import events as event_table
from camsight.store.schema import feedback, sources


def _event_row(event: AnyEvent, *, source_id: str, run_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": event.id,
        "site": event.site,
        "kind": event.kind,
        "rule": event.rule,
        "camera": event.camera,
        "source": event.source,
        "source_id": source_id,
        "zone": event.zone,
        "start_s": event.start_s,
        "end_s": event.end_s,
        "started_at": event.started_at,
        "score": event.score,
        "status": event.status,
        "track_ids": list(event.track_ids),
        "snapshot": event.snapshot,
        "payload": event.model_dump(mode="json"),
        "run_id": run_id,
        "created_at": now,
        "updated_at": now,
    }


def upsert_event(conn: sa.Connection, *, event: AnyEvent, source_id: str, run_id: str) -> None:
    """Insert an event, or replace the stored one with the same id (its ``created_at`` is kept)."""
    upsert_events(conn, events=[event], source_id=source_id, run_id=run_id)


def upsert_events(conn: sa.Connection, *, events: Iterable[AnyEvent], source_id: str, run_id: str) -> None:
    """Upsert many events of one source in one statement (see :func:`upsert_event`)."""
    now = datetime.now(UTC)
    rows = [_event_row(e, source_id=source_id, run_id=run_id, now=now) for e in events]
    upsert(conn, event_table, rows, keep=("created_at",))


def upsert_newer_events(conn: sa.Connection, *, events: Iterable[AnyEvent], source_id: str, run_id: str) -> None:
    """Upsert events received out of order (a hub): a stored version is replaced only by one as new or newer.

    Newer: closed beats open, and a later end beats an earlier one. An edge sends an event's versions in
    order, but a re-sent old version, or two hub processes sharing the versions of one event, may deliver
    them out of order; the database decides, in the statement, so concurrent writers cannot undo it.
    """
    now = datetime.now(UTC)
    rows = [_event_row(e, source_id=source_id, run_id=run_id, now=now) for e in events]
    t = event_table

    def newer(incoming: Any) -> sa.ColumnElement[bool]:
        return sa.and_(
            sa.not_(sa.and_(t.c.status == "closed", incoming.status == "open")),
            sa.or_(t.c.status != incoming.status, incoming.end_s >= t.c.end_s),
        )

    upsert(conn, event_table, rows, keep=("created_at",), only_if=newer)


def _filters(
    *,
    kind: str | None = None,
    camera: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    site: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    cameras: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
) -> list[sa.ColumnElement[bool]]:
    t = event_table
    conditions: list[sa.ColumnElement[bool]] = []
    for column, value in (
        (t.c.kind, kind),
        (t.c.camera, camera),
        (t.c.source_id, source_id),
        (t.c.site, site),
        (t.c.rule, rule),
        (t.c.status, status),
    ):
        if value is not None:
            conditions.append(column == value)
    if cameras is not None:
        conditions.append(t.c.camera.in_(list(cameras)))
    if sites is not None:
        conditions.append(t.c.site.in_(list(sites)))
    if since is not None:
        conditions.append(t.c.started_at >= since)
    if until is not None:
        conditions.append(t.c.started_at < until)
    return conditions


def list_events(
    conn: sa.Connection,
    *,
    kind: str | None = None,
    camera: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    site: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    cameras: Sequence[str] | None = None,
    oldest_first: bool = False,
    sites: Sequence[str] | None = None,
) -> list[AnyEvent]:
    """Events matching every given filter, newest first (by ``started_at``).

    Args:
        conn: Connection.
        kind: Event kind (``zone_intrusion``, ``loitering``, ...).
        camera: Camera id.
        source_id: Source id (see :func:`camsight.store.sources_repo.source_id`).
        since: Only events that started at or after this time.
        until: Only events that started before this time.
        limit: At most this many events.
        offset: Skip this many first (for paging).
        site: Site.
        rule: Rule name.
        status: ``open`` or ``closed``.
        cameras: Only these cameras (an account's scope); an empty list matches nothing.
        oldest_first: Oldest first instead.
        sites: Only these sites (an account's scope at a hub).

    Raises:
        ValueError: ``limit`` or ``offset`` is negative.
    """
    rows = list_event_rows(
        conn,
        kind=kind,
        camera=camera,
        source_id=source_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        site=site,
        rule=rule,
        status=status,
        cameras=cameras,
        oldest_first=oldest_first,
        sites=sites,
    )
    return [row.event for row in rows]


@dataclass(frozen=True, slots=True)
class EventRow:
    """A stored event with what the store knows around it: its source, that source's clock, its verdict."""

    event: AnyEvent
    source_id: str
    wall_clock: str | None
    verdict: str | None
    note: str | None


def list_event_rows(conn: sa.Connection, **filters: Any) -> list[EventRow]:
    """Like :func:`list_events` (same filters), each event with its source id, wall clock and verdict."""
    limit, offset = int(filters.pop("limit", 100)), int(filters.pop("offset", 0))
    _check_page(limit, offset)
    oldest_first = bool(filters.pop("oldest_first", False))
    t = event_table
    when = t.c.started_at.asc() if oldest_first else t.c.started_at.desc()
    stmt = (
        sa.select(t.c.payload, t.c.source_id, sources.c.wall_clock, feedback.c.verdict, feedback.c.note)
        .select_from(
            t.outerjoin(sources, sources.c.id == t.c.source_id).outerjoin(feedback, feedback.c.event_id == t.c.id)
        )
        .where(*_filters(**filters))
        .order_by(when, t.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        EventRow(EVENT_ADAPTER.validate_python(r.payload), r.source_id, r.wall_clock, r.verdict, r.note)
        for r in conn.execute(stmt)
    ]


def count_events(
    conn: sa.Connection,
    *,
    kind: str | None = None,
    camera: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    site: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    cameras: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
) -> int:
    """How many events match the filters (same meaning as in :func:`list_events`)."""
    conditions = _filters(
        kind=kind,
        camera=camera,
        source_id=source_id,
        since=since,
        until=until,
        site=site,
        rule=rule,
        status=status,
        cameras=cameras,
        sites=sites,
    )
    stmt = sa.select(sa.func.count()).select_from(event_table).where(*conditions)
    return int(conn.execute(stmt).scalar_one())


def events_by_track(
    conn: sa.Connection, *, source_ids: Sequence[str], kinds: Sequence[str] | None = None
) -> dict[str, list[tuple[str, float]]]:
    """``{key: [(event kind, start_s), ...]}`` of the events of those sources (of ``kinds`` only, if given).

    Each event is listed under every track it names (``<source id>:<tracker id>``) and under its own id,
    so a track record's ``events`` find it too.
    """
    e = event_table.c
    stmt = sa.select(e.id, e.kind, e.source_id, e.start_s, e.track_ids).where(e.source_id.in_(source_ids))
    if kinds is not None:
        stmt = stmt.where(e.kind.in_(kinds))
    found: dict[str, list[tuple[str, float]]] = {}
    for event_id, kind, source_id, start_s, track_ids in conn.execute(stmt):
        seen = (kind, float(start_s))
        for key in (event_id, *(f"{source_id}:{n}" for n in track_ids or ())):
            found.setdefault(key, []).append(seen)
    return found


def get_event(conn: sa.Connection, *, event_id: str) -> AnyEvent | None:
    """The event with that id, or None."""
    payload = conn.execute(sa.select(event_table.c.payload).where(event_table.c.id == event_id)).scalar_one_or_none()
    return None if payload is None else EVENT_ADAPTER.validate_python(payload)


def distinct_values(conn: sa.Connection, column: str, *, sites: Sequence[str] | None = None) -> list[str]:
    """The distinct values of one text column of the events (``kind``, ``rule``, ``zone``, ``camera``), sorted.

    ``sites``: of the events of those sites only (None: every site's).
    """
    col = event_table.c[column]
    stmt = sa.select(col).where(col.is_not(None), *_filters(sites=sites)).distinct()
    return sorted(str(v) for v in conn.execute(stmt).scalars())


def _check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative, got limit={limit}, offset={offset}")
