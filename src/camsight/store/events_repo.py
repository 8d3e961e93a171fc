"""Events in the store: upsert by id, read back as the typed models rules emitted.

An event is written when it opens, when it is updated and when it closes, always with the same
id, so :func:`upsert_event` inserts the first time and updates afterwards. The full message is
kept in ``payload`` and read back with :data:`camsight.events.models.EVENT_ADAPTER`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.store.db import upsert
from camsight.store.schema import events as event_table


def _event_row(event: AnyEvent, *, source_id: str, run_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": event.id,
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


def _filters(
    *,
    kind: str | None,
    camera: str | None,
    source_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(event_table.c.kind == kind)
    if camera is not None:
        conditions.append(event_table.c.camera == camera)
    if source_id is not None:
        conditions.append(event_table.c.source_id == source_id)
    if since is not None:
        conditions.append(event_table.c.started_at >= since)
    if until is not None:
        conditions.append(event_table.c.started_at < until)
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

    Raises:
        ValueError: ``limit`` or ``offset`` is negative.
    """
    _check_page(limit, offset)
    conditions = _filters(kind=kind, camera=camera, source_id=source_id, since=since, until=until)
    stmt = (
        sa.select(event_table.c.payload)
        .where(*conditions)
        .order_by(event_table.c.started_at.desc(), event_table.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [EVENT_ADAPTER.validate_python(payload) for payload in conn.execute(stmt).scalars()]


def count_events(
    conn: sa.Connection,
    *,
    kind: str | None = None,
    camera: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many events match the filters (same meaning as in :func:`list_events`)."""
    conditions = _filters(kind=kind, camera=camera, source_id=source_id, since=since, until=until)
    stmt = sa.select(sa.func.count()).select_from(event_table).where(*conditions)
    return int(conn.execute(stmt).scalar_one())


def get_event(conn: sa.Connection, *, event_id: str) -> AnyEvent | None:
    """The event with that id, or None."""
    payload = conn.execute(sa.select(event_table.c.payload).where(event_table.c.id == event_id)).scalar_one_or_none()
    return None if payload is None else EVENT_ADAPTER.validate_python(payload)


def _check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative, got limit={limit}, offset={offset}")
