"""Alerts: the live list, one alert with its clip, and the operator's verdict on it.

The list is rendered from :func:`camsight.services.events.list_event_rows` (the account's cameras
only) and kept live by ``static/js/alerts.js``: it listens to ``GET /api/events/stream`` and, for each
alert created or updated, fetches that alert's card from ``/alerts/{id}/card`` (rendered here, so an
alert looks the same whichever way it arrived) and puts it at the top. Snapshots and clips come from
the JSON API (``/api/media/snapshots/{id}``, ``/api/events/{id}/clip.mp4``), masked and blurred there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn
from camsight.events.models import AnyEvent, EventBase
from camsight.events.query import EventQuery
from camsight.services import events, feedback
from camsight.web.access import Page, PageUser, PageWriter
from camsight.web.errors import html_errors
from camsight.web.layout import fragment, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])

LIST_SIZE = 50
"""Alerts shown when the page opens (newer ones arrive live)."""
_BASE_FIELDS = frozenset(EventBase.model_fields) | {"kind"}


def details(event: AnyEvent) -> list[tuple[str, str]]:
    """What this kind of alert adds to the common fields, as label and text (``dwell s``, ``12.5``)."""
    shown: list[tuple[str, str]] = []
    for name, value in event.model_dump(mode="json").items():
        if name in _BASE_FIELDS or value in (None, "", []):
            continue
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        shown.append((name.replace("_", " "), text))
    return shown


def _row(conn: Conn, user: PageUser, ref: str) -> events.EventItem:
    """The alert with exactly this id (a visible one) with its verdict and note."""
    return events.get_item(conn, actor=user.actor, event_id=ref)


def _card_context(user: PageUser, row: events.EventItem) -> dict[str, Any]:
    return {"row": row, "may_judge": user.may("operator")}


@router.get("/alerts")
def alerts_page(user: Page, conn: Conn) -> HTMLResponse:
    """The newest alerts of the account's cameras; new ones arrive without reloading."""
    rows = events.list_event_rows(conn, actor=user.actor, query=EventQuery(limit=LIST_SIZE))
    return show(user, "alerts.html", active="/alerts", rows=rows, may_judge=user.may("operator"))


@router.get("/alerts/{ref}/card")
def alert_card(ref: str, user: Page, conn: Conn) -> HTMLResponse:
    """One alert's card (the live list fetches it when the stream announces the alert)."""
    return fragment(user, "_alert_card.html", **_card_context(user, _row(conn, user, ref)))


@router.get("/alerts/{ref}")
def alert_page(ref: str, user: Page, conn: Conn) -> HTMLResponse:
    """One alert: its snapshot, its clip (operators), what the rule saw, and the verdict buttons."""
    row = _row(conn, user, ref)
    return show(
        user,
        "alert.html",
        active="/alerts",
        row=row,
        details=details(row.event),
        may_judge=user.may("operator"),
        may_play=user.may("operator"),
    )


@router.post("/alerts/{ref}/feedback")
def give_feedback(
    ref: str,
    user: PageWriter,
    conn: Conn,
    verdict: Annotated[Literal["confirmed", "false"], Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    """Record a verdict (confirmed or false alarm) and show it at once."""
    event_id = feedback.give_verdict(
        conn, actor=user.actor, ref=ref, verdict=verdict, now=datetime.now(UTC), note=note.strip() or None
    )
    return fragment(user, "_verdict.html", row=_row(conn, user, event_id), may_judge=True)
