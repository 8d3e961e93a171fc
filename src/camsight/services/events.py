"""Events and alerts: listing them (typed filters, the actor's cameras only), finding one by id, what changed.

Names are checked before anything is listed: an unknown kind or camera is refused with the closest
known names (``--kind loitring`` → "did you mean 'loitering'?") instead of silently listing nothing.
Beside the listing: one event with its verdict (:func:`get_item`, exact ids only, for the HTTP API),
the events written since a moment (:func:`changed_since`, for live alert streams), a track record in
the actor's scope (:func:`get_track`, audited as ``view.track``) and the rules' volume and precision
(:func:`rule_stats`, read only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.errors import CamsightError
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.events.query import EVENT_KINDS, EventQuery
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.names import check_name
from camsight.store import events_repo
from camsight.store import repository as repo
from camsight.store.alert_stats import RuleStats, alert_stats
from camsight.store.alerts_repo import find_event_ids, get_feedback
from camsight.store.events_repo import EventRow
from camsight.store.schema import events as event_table
from camsight.store.schema import feedback as feedback_table

__all__ = [
    "Change",
    "EventItem",
    "EventRow",
    "RuleStats",
    "TrackNotFound",
    "changed_since",
    "find_event",
    "get_item",
    "get_track",
    "known_cameras",
    "list_event_rows",
    "list_events",
    "rule_stats",
]


class EventNotFound(CamsightError):
    """No event (visible to the actor) has that id."""


class TrackNotFound(CamsightError):
    """No track record (visible to the actor) has that id."""


def known_cameras(conn: sa.Connection, *, actor: Actor) -> list[str]:
    """The cameras the store knows that the actor may see (at a hub: at a site in its scope), by id."""
    return [c for c, sites in repo.camera_sites(conn).items() if actor.may_see_any(c, sites)]


def _check(conn: sa.Connection, actor: Actor, query: EventQuery) -> None:
    if query.kind is not None:
        check_name(query.kind, EVENT_KINDS, what="event kind")
    if query.camera is not None:
        stored = events_repo.distinct_values(conn, "camera", sites=actor.site_scope())  # also those not in cameras
        cameras = set(known_cameras(conn, actor=actor)) | {c for c in stored if actor.may_see(c)}
        check_name(query.camera, sorted(cameras), what="camera")
    if query.rule is not None:
        check_name(query.rule, events_repo.distinct_values(conn, "rule"), what="rule")


def list_event_rows(conn: sa.Connection, *, actor: Actor, query: EventQuery) -> list[EventRow]:
    """Stored events matching ``query`` (newest first by default) with their source's clock and verdict.

    Raises:
        UnknownName: The query names a kind, camera or rule that does not exist.
    """
    _check(conn, actor, query)
    return events_repo.list_event_rows(conn, **query.filters(), cameras=actor.scope(), sites=actor.site_scope())


def list_events(conn: sa.Connection, *, actor: Actor, query: EventQuery) -> list[AnyEvent]:
    """Stored events matching ``query`` (see :func:`list_event_rows`)."""
    return [row.event for row in list_event_rows(conn, actor=actor, query=query)]


def find_event(conn: sa.Connection, *, actor: Actor, ref: str) -> AnyEvent:
    """The event with this id, or the only one whose id starts with it (tables show shortened ids).

    Raises:
        EventNotFound: No visible event matches, or several do.
    """
    event = repo.get_event(conn, event_id=ref)
    if event is None:
        found = find_event_ids(conn, prefix=ref, limit=2) if ref else []
        if len(found) > 1:
            raise EventNotFound(
                f"{ref!r} matches several events ({', '.join(i[:12] for i in found)}, ...); give more of the id"
            )
        event = repo.get_event(conn, event_id=found[0]) if found else None
    if event is None or not actor.may_see(event.camera, event.site):
        raise EventNotFound(f"no event {ref!r} in the store; list them with `camsight events`")
    return event


@dataclass(frozen=True, slots=True)
class EventItem:
    """One event with the verdict an operator gave it (latest counts) and its note."""

    event: AnyEvent
    verdict: str | None
    note: str | None


def get_item(conn: sa.Connection, *, actor: Actor, event_id: str) -> EventItem:
    """The event with exactly this id, with its verdict (no prefix matching: nothing about other ids is said).

    Raises:
        EventNotFound: No event has that id, or it is of a camera the actor may not see (the same answer).
    """
    event = repo.get_event(conn, event_id=event_id)
    if event is None or not actor.may_see(event.camera, event.site):
        raise EventNotFound(f"no event {event_id!r}")
    verdict, note = get_feedback(conn, event_id=event.id) or (None, None)
    return EventItem(event, verdict, note)


@dataclass(frozen=True, slots=True)
class Change:
    """An event as last written, and when that write was (the row's ``updated_at``, UTC)."""

    item: EventItem
    updated_at: datetime


def changed_since(
    conn: sa.Connection, *, actor: Actor, after: datetime, after_id: str = "", limit: int = 200
) -> list[Change]:
    """Events of the actor's cameras written after ``(after, after_id)``, oldest write first (one page).

    Events are upserted by the processes that raise them (``camsight analyze``, ``camsight run``), each
    write stamping ``updated_at``; a caller that follows the table pages on with the last change's
    ``(updated_at, id)``. Read only, so it may run in short transactions of its own.

    Args:
        conn: Connection.
        actor: Who follows (only events of cameras in its scope are returned).
        after: Only rows written at or after this time (aware) ...
        after_id: ... and, for rows written exactly then, with an id after this one.
        limit: Page size.
    """
    return [
        Change(EventItem(EVENT_ADAPTER.validate_python(r.payload), r.verdict, r.note), r.updated_at)
        for r in _changed_rows(
            conn, after=after, after_id=after_id, limit=limit, cameras=actor.scope(), sites=actor.site_scope()
        )
    ]


def _changed_rows(
    conn: sa.Connection,
    *,
    after: datetime,
    after_id: str,
    limit: int,
    cameras: list[str] | None,
    sites: list[str] | None = None,
) -> Sequence[sa.Row[Any, Any, Any, Any, Any]]:
    # Belongs in store/events_repo.py beside list_event_rows (a repository function); kept here until
    # that module's owner moves it. Read by ix_events_updated_at_id (revision 0009).
    t = event_table
    later = sa.or_(t.c.updated_at > after, sa.and_(t.c.updated_at == after, t.c.id > after_id))
    scope = [] if cameras is None else [t.c.camera.in_(cameras)]
    if sites is not None:
        scope.append(t.c.site.in_(sites))
    stmt = (
        sa.select(t.c.id, t.c.payload, t.c.updated_at, feedback_table.c.verdict, feedback_table.c.note)
        .select_from(t.outerjoin(feedback_table, feedback_table.c.event_id == t.c.id))
        .where(later, *scope)
        .order_by(t.c.updated_at, t.c.id)
        .limit(limit)
    )
    return conn.execute(stmt).all()


def get_track(conn: sa.Connection, *, actor: Actor, track_id: str) -> TrackRecord:
    """The track record with this id (operators and admins), its view audited as ``view.track``.

    The scope is checked before the role, so a track of a camera the actor may not see is "not found"
    for everyone without that camera.

    Raises:
        TrackNotFound: No track has that id, or it is of a camera the actor may not see.
        Forbidden: The actor is a viewer.
    """
    record = repo.get_track(conn, track_id=track_id)
    if record is None or not actor.may_see(record.camera, record.site):
        raise TrackNotFound(f"no track {track_id!r}")
    actor.require("operator", "look at track records")
    detail = {"track_id": record.id, "camera": record.camera}
    audit.record(conn, actor=actor, action="view.track", detail=detail, site=record.site)
    return record


def rule_stats(
    conn: sa.Connection, *, actor: Actor, per_day: bool = False, since: datetime | None = None
) -> list[RuleStats]:
    """Alerts, confirmed and false per rule (standing queries: ``query:<name>``), read only (operators).

    Raises:
        Forbidden: The actor is a viewer.
    """
    actor.require("operator", "read rule statistics")
    return alert_stats(conn, per_day=per_day, since=since)
