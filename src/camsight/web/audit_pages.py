"""The audit log (admins): every search, view, export, verdict, change and login, filtered; and its check.

Filters: action (exact), actor (exact, e.g. ``user:ana``), and a time range in this machine's local
time, all passed to :func:`camsight.services.audit.entries` (admins only); the newest :data:`SHOWN`
rows that match are shown, with a link to the older ones. The hash chain is checked with
:func:`camsight.services.audit.verify` and its one-line result shown on top.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn
from camsight.services import audit
from camsight.web.access import Page, require
from camsight.web.errors import PageError, html_errors
from camsight.web.layout import show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])

SHOWN = 200
"""Rows shown on one page."""


def local_input(text: str, what: str) -> datetime | None:
    """A ``datetime-local`` form value (``2026-12-01T09:30``, this machine's local time) as an aware time.

    Raises:
        PageError: The text is not such a time (422).
    """
    if not text.strip():
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PageError(422, f"{what} {text!r} is not a time like 2026-12-01T09:30") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


@router.get("/audit")
def audit_page(
    user: Page,
    conn: Conn,
    action: Annotated[str, Query(max_length=100)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """The newest audit rows matching the filters, and whether the log's chain is intact."""
    require(user, "admin", "read the audit log")
    start, end = local_input(since, "from"), local_input(until, "until")
    rows = audit.entries(
        conn,
        actor=user.actor,
        action=action.strip() or None,
        by=actor.strip() or None,
        since=start,
        until=end,
        limit=SHOWN + 1,
        offset=offset,
    )
    check = audit.verify(conn, actor=user.actor)
    return show(
        user,
        "audit.html",
        active="/audit",
        rows=rows[:SHOWN],
        older=offset + SHOWN if len(rows) > SHOWN else None,
        check=check,
        filters={"action": action, "actor": actor, "since": since, "until": until},
        zone=datetime.now().astimezone().strftime("%Z"),
    )
