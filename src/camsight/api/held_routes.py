"""``/api/alerts/held``: the alerts suppressions held back, and raising one after all.

A suppression never deletes: what it held back is kept (:mod:`camsight.store.held_repo`) and listed
here for operators, newest first, on the cameras the caller may see; ``POST .../release`` raises one
as a stored alert with the same id (audited), as ``camsight alerts release`` does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from camsight.api.deps import Conn, Context, Reader, Writer
from camsight.api.params import EventId, Instant
from camsight.apps.wiring import hub_writers
from camsight.events.models import AnyEvent
from camsight.events.query import EVENT_KINDS
from camsight.services import feedback
from camsight.store.held_repo import HeldRow

router = APIRouter(prefix="/api/alerts/held", tags=["rules"])

MAX_PAGE = 1000
"""Most held alerts one page holds."""


class HeldOut(BaseModel):
    """An alert as it would have been raised, the suppression that held it, and whether it was released."""

    event: AnyEvent = Field(description="The alert as it would have been raised (its fields depend on its kind).")
    suppression_id: int = Field(description="The suppression that held it back.")
    status: Literal["suppressed", "released"]
    held_at: datetime = Field(description="When it was first held back.")
    released_at: datetime | None = Field(description="When it was raised after all; null while held.")
    released_by: str | None = Field(description="Who (or which threshold) released it.")


def _held(row: HeldRow) -> HeldOut:
    status: Literal["suppressed", "released"] = "suppressed" if row.released_at is None else "released"
    return HeldOut(
        event=row.event,
        suppression_id=row.suppression_id,
        status=status,
        held_at=row.created_at,
        released_at=row.released_at,
        released_by=row.released_by,
    )


@router.get("", responses={403: {"description": "Viewers may not"}})
def list_held(
    actor: Reader,
    conn: Conn,
    suppression_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Held by this suppression.")] = None,
    kind: Annotated[str | None, Query(max_length=64, description=f"Event kind: {', '.join(EVENT_KINDS)}.")] = None,
    camera: Annotated[str | None, Query(max_length=200, description="Camera id.")] = None,
    since: Annotated[Instant | None, Query(description="Started at or after this time (ISO 8601 with zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="At most this many.")] = 100,
) -> list[HeldOut]:
    """Alerts held back by suppressions (and whether released), newest first (operators and admins)."""
    actor.require("operator", "read held alerts")
    rows = feedback.held_alerts(
        conn, actor=actor, suppression_id=suppression_id, since=since, kind=kind, camera=camera, limit=limit
    )
    return [_held(r) for r in rows]


@router.post(
    "/{event_id}/release",
    responses={
        403: {"description": "Viewers may not"},
        404: {"description": "No such held alert in the caller's cameras"},
        409: {"description": "Released already"},
    },
)
def release(event_id: EventId, actor: Writer, conn: Conn, ctx: Context) -> HeldOut:
    """Raise a held alert after all: it becomes a stored alert with the same id (operators; audited).

    An edge with a hub sends it on, as any other alert.
    """
    feedback.held_alert(conn, actor=actor, event_id=event_id)  # 404 (before 403) unless the caller sees it
    also = hub_writers(ctx.config, ctx.store)
    return _held(feedback.release_alert(conn, actor=actor, ref=event_id, now=datetime.now(UTC), also=also))
