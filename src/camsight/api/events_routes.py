"""``/api/events``: the alerts (stored events) of the cameras the caller may see, one by id, and feedback.

Every item has the same shape, here, in ``GET /api/events/{id}`` and in the live stream
(``GET /api/events/stream``): the stored event as JSON, the latest verdict and note, and where its
snapshot is served (``snapshot_url``, or null when it has none).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Reader, Writer
from camsight.api.params import MAX_OFFSET, EventId, Instant, Responses, event_clip_url, snapshot_url
from camsight.events.models import AnyEvent
from camsight.events.query import EVENT_KINDS, EventQuery
from camsight.services import events, feedback
from camsight.services.events import EventItem as StoredItem

router = APIRouter(prefix="/api/events", tags=["events"])

MAX_PAGE = 1000
"""Most events one page of the API may hold."""
_NOT_FOUND: Responses = {404: {"description": "No such event in the caller's cameras"}}


class EventFilters(BaseModel):
    """Which events to list (every filter optional), newest first."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(default=None, max_length=64, description=f"Event kind: {', '.join(EVENT_KINDS)}.")
    camera: str | None = Field(default=None, max_length=200, description="Camera id.")
    site: str | None = Field(default=None, max_length=64, description="Site (a hub holds many).")
    rule: str | None = Field(default=None, max_length=200, description="Rule name (standing queries: query:<name>).")
    status: Literal["open", "closed"] | None = Field(default=None, description="Only open or only closed events.")
    since: Instant | None = Field(default=None, description="Started at or after this time (ISO 8601 with zone).")
    until: Instant | None = Field(default=None, description="Started before this time (ISO 8601 with zone).")
    limit: int = Field(default=100, ge=1, le=MAX_PAGE, description="At most this many.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Skip this many first (paging).")

    def query(self) -> EventQuery:
        """The typed filter the use case takes."""
        return EventQuery(**self.model_dump())


class EventItem(BaseModel):
    """An event as stored, with the verdict it got and where its snapshot is."""

    event: AnyEvent = Field(description="The stored event (its fields depend on its kind).")
    verdict: Literal["confirmed", "false"] | None = Field(description="Latest operator verdict, if any.")
    note: str | None = Field(description="The note given with the verdict.")
    snapshot_url: str | None = Field(description="GET this for the snapshot (JPEG); null when there is none.")


class EventDetail(EventItem):
    """One event, with where its clip is served."""

    clip_url: str = Field(description="GET this for the event's clip (MP4, heads blurred).")


class FeedbackIn(BaseModel):
    """An operator's verdict on an alert; the latest counts."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["confirmed", "false"] = Field(description="confirmed: it was right; false: a false alarm.")
    note: str | None = Field(default=None, max_length=2000, description="Why, in a few words.")


def item_of(stored: StoredItem) -> EventItem:
    """The API's item for a stored event."""
    event = stored.event
    url = snapshot_url(event.id) if event.snapshot else None
    return EventItem(event=event, verdict=_verdict(stored.verdict), note=stored.note, snapshot_url=url)


def _verdict(value: str | None) -> Literal["confirmed", "false"] | None:
    return "confirmed" if value == "confirmed" else "false" if value == "false" else None


def _detail(stored: StoredItem) -> EventDetail:
    return EventDetail(**dict(item_of(stored)), clip_url=event_clip_url(stored.event.id))


@router.get("", responses={422: {"description": "Unknown kind, camera or rule (the closest names are given)"}})
def list_events(actor: Reader, conn: Conn, filters: Annotated[EventFilters, Query()]) -> list[EventItem]:
    """The events (alerts) of the caller's cameras, newest first; any role.

    Each item: ``{event, verdict, note, snapshot_url}``. An unknown kind, camera or rule is refused
    (422) with the closest known names rather than answered with an empty list.
    """
    rows = events.list_event_rows(conn, actor=actor, query=filters.query())
    return [item_of(StoredItem(r.event, r.verdict, r.note)) for r in rows]


@router.get("/{event_id}", responses=_NOT_FOUND)
def get_event(event_id: EventId, actor: Reader, conn: Conn) -> EventDetail:
    """One event by its full id, as in the list plus ``clip_url``; any role. Another camera's event is 404."""
    return _detail(events.get_item(conn, actor=actor, event_id=event_id))


@router.post("/{event_id}/feedback", responses={**_NOT_FOUND, 403: {"description": "Viewers may not"}})
def give_feedback(event_id: EventId, body: FeedbackIn, actor: Writer, conn: Conn) -> EventDetail:
    """Mark an alert ``confirmed`` or ``false`` (operators and admins; audited); returns the event as updated.

    With the session cookie, send the CSRF token in ``X-CSRF-Token``.
    """
    found = events.get_item(conn, actor=actor, event_id=event_id)  # exact id: nothing said of other ids
    feedback.give_verdict(
        conn, actor=actor, ref=found.event.id, verdict=body.verdict, note=body.note, now=datetime.now(UTC)
    )
    return _detail(StoredItem(found.event, body.verdict, body.note))
