"""``GET /api/events/stream``: alerts as Server-Sent Events while they are raised, in the caller's cameras.

Events are written by other processes (``camsight analyze``, ``camsight run``), so the stream follows
the events table: every :data:`POLL_S` seconds it reads, in a short transaction of its own, the rows
written since the last look (:func:`camsight.services.events.changed_since`) and sends each as one
``alert`` message whose data is the item of ``GET /api/events``. Nothing holds a transaction or a
connection between looks. Rows are re-read :data:`LOOKBACK` back, because a write stamped earlier
may commit later; what was already sent is not sent again. A comment line is sent every
:data:`PING_S` seconds to keep proxies from closing the connection, the caller is authenticated again
every :data:`REAUTH_S` seconds (a disabled account or an ended session ends its stream), and the
stream stops when the client goes away.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from camsight.api.deps import ApiContext, Context
from camsight.api.deps import _caller as authenticate  # one way to tell who asks; here in a brief transaction
from camsight.api.events_routes import item_of
from camsight.services import events
from camsight.services.actor import Actor
from camsight.services.events import Change

router = APIRouter(prefix="/api/events", tags=["events"])

POLL_S = 1.0
"""Seconds between two looks at the events table."""
PING_S = 15
"""Seconds between two keep-alive comments."""
REAUTH_S = 60.0
"""Seconds between two checks that the caller's session or token is still valid."""
LOOKBACK = timedelta(seconds=30)
"""How far back each look re-reads, for writes that commit after later ones."""
PAGE = 200
"""Rows read per query (a look reads pages until one is not full)."""


def _brief_caller(request: Request, ctx: Context) -> Actor:
    """Who asks, decided in a transaction that ends before the stream starts."""
    with ctx.store.engine.begin() as conn:
        return authenticate(request, conn).actor


StreamReader = Annotated[Actor, Depends(_brief_caller)]


@dataclass
class Follower:
    """What one stream has seen: when it started, the newest write read, and the writes already sent."""

    start: datetime
    newest: datetime = field(init=False)
    sent: dict[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.newest = self.start

    def since(self) -> datetime:
        """From when the next look reads."""
        return max(self.start, self.newest - LOOKBACK)

    def unsent(self, page: list[Change]) -> list[Change]:
        """The changes of a page not sent yet, remembered as sent."""
        out = []
        for change in page:
            if self.sent.get(change.item.event.id) != change.updated_at:
                self.sent[change.item.event.id] = change.updated_at
                out.append(change)
            self.newest = max(self.newest, change.updated_at)
        return out

    def forget_old(self) -> None:
        """Drop what the next look cannot read again (memory stays bounded by what LOOKBACK holds)."""
        horizon = self.since()
        self.sent = {k: v for k, v in self.sent.items() if v >= horizon}


def look(engine: sa.Engine, actor: Actor, follower: Follower) -> list[Change]:
    """One look: the changes not sent yet, page by page, each page in its own short transaction."""
    after, after_id, out = follower.since(), "", []
    while True:
        with engine.begin() as conn:
            page = events.changed_since(conn, actor=actor, after=after, after_id=after_id, limit=PAGE)
        out += follower.unsent(page)
        if len(page) < PAGE:
            follower.forget_old()
            return out
        after, after_id = page[-1].updated_at, page[-1].item.event.id


def _still_allowed(request: Request, ctx: ApiContext) -> Actor | None:
    try:
        with ctx.store.engine.begin() as conn:
            return authenticate(request, conn).actor
    except HTTPException:
        return None


async def _alerts(
    request: Request, ctx: ApiContext, actor: Actor, follower: Follower
) -> AsyncIterator[ServerSentEvent]:
    checked = time.monotonic()
    while not await request.is_disconnected():
        if time.monotonic() - checked > REAUTH_S:
            allowed = await anyio.to_thread.run_sync(_still_allowed, request, ctx)
            if allowed is None:
                return
            actor, checked = allowed, time.monotonic()
        for change in await anyio.to_thread.run_sync(look, ctx.store.engine, actor, follower):
            yield ServerSentEvent(data=item_of(change.item).model_dump_json(), event="alert")
        await anyio.sleep(POLL_S)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`alert` messages, pings as comments"}},
)
async def stream(request: Request, ctx: Context, actor: StreamReader) -> EventSourceResponse:
    """Live alerts as Server-Sent Events (any role; only the caller's cameras).

    Every alert stored or updated after the stream starts arrives as one message of type ``alert``
    whose data is the item of ``GET /api/events`` (``{event, verdict, note, snapshot_url}``); a
    comment is sent every 15 s. In a browser: ``new EventSource("/api/events/stream")`` (the session
    cookie is sent); from a script, send ``Authorization: Bearer <token>``.
    """
    follower = Follower(datetime.now(UTC))
    return EventSourceResponse(_alerts(request, ctx, actor, follower), ping=PING_S)
