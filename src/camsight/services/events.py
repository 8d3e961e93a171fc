"""Events and alerts: listing them (typed filters, the actor's cameras only) and finding one by id.

Names are checked before anything is listed: an unknown kind or camera is refused with the closest
known names (``--kind loitring`` → "did you mean 'loitering'?") instead of silently listing nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.events.query import EVENT_KINDS, EventQuery
from camsight.services.actor import Actor
from camsight.services.names import check_name
from camsight.store import events_repo
from camsight.store import repository as repo
from camsight.store.alerts_repo import find_event_ids
from camsight.store.events_repo import EventRow

__all__ = ["EventRow", "find_event", "known_cameras", "list_events", "list_event_rows"]


class EventNotFound(CamsightError):
    """No event (visible to the actor) has that id."""


def known_cameras(conn: sa.Connection, *, actor: Actor) -> list[str]:
    """The cameras the store knows (that the actor may see), by id."""
    return [c for c in repo.list_cameras(conn) if actor.may_see(c)]


def _check(conn: sa.Connection, actor: Actor, query: EventQuery) -> None:
    if query.kind is not None:
        check_name(query.kind, EVENT_KINDS, what="event kind")
    if query.camera is not None:
        cameras = set(known_cameras(conn, actor=actor)) | set(events_repo.distinct_values(conn, "camera"))
        check_name(query.camera, [c for c in cameras if actor.may_see(c)], what="camera")
    if query.rule is not None:
        check_name(query.rule, events_repo.distinct_values(conn, "rule"), what="rule")


def list_event_rows(conn: sa.Connection, *, actor: Actor, query: EventQuery) -> list[EventRow]:
    """Stored events matching ``query`` (newest first by default) with their source's clock and verdict.

    Raises:
        UnknownName: The query names a kind, camera or rule that does not exist.
    """
    _check(conn, actor, query)
    return events_repo.list_event_rows(conn, **query.filters(), cameras=actor.scope())


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
    if event is None or not actor.may_see(event.camera):
        raise EventNotFound(f"no event {ref!r} in the store; list them with `camsight events`")
    return event
