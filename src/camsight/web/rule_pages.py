"""Standing queries with their precision, rule statistics, the suppressions feedback suggests, and held alerts.

Both pages are for admins: the statistics count the alerts of every camera
(:func:`camsight.services.events.rule_stats` and :func:`camsight.services.feedback.rule_report`, which
also stores new suggestions, are not limited to an account's cameras), and only an admin may enable a
suggested suppression (``POST /rules/suppressions/{id}``, with the CSRF header; the card is swapped in
place with its new state). The alerts suppressions held back are listed with a **Release** button
(``POST /rules/held/{id}/release``), which raises one as a stored alert (audited).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn, Context
from camsight.apps.wiring import hub_writers
from camsight.services import events, feedback, queries
from camsight.services.feedback import RuleStats
from camsight.web.access import Page, PageWriter, require
from camsight.web.errors import html_errors
from camsight.web.layout import fragment, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])

QUERY_RULE = "query:"
"""Standing-query alerts carry the rule name ``query:<name>``."""


def _by_rule(stats: list[RuleStats]) -> dict[str, RuleStats]:
    return {s.rule: s for s in stats}


@router.get("/queries")
def queries_page(user: Page, conn: Conn) -> HTMLResponse:
    """Every standing query, whether it is on, and how many of its alerts were confirmed."""
    require(user, "admin", "see the standing queries")
    rows = queries.list_all(conn, actor=user.actor)
    stats = _by_rule(events.rule_stats(conn, actor=user.actor))
    listed = [(row, stats.get(QUERY_RULE + row.name)) for row in rows]
    return show(user, "queries.html", active="/queries", listed=listed)


HELD_SHOWN = 100
"""Most held alerts the rules page lists (newest first; ``camsight alerts list --suppressed`` has them all)."""


@router.get("/rules")
def rules_page(user: Page, conn: Conn) -> HTMLResponse:
    """Alerts, confirmed, false and precision per rule; suggested and enabled suppressions; held alerts."""
    require(user, "admin", "see the rule statistics")
    report = feedback.rule_report(conn, actor=user.actor, now=datetime.now(UTC))
    rules = [s for s in report.stats if not s.rule.startswith(QUERY_RULE)]
    held = feedback.held_alerts(conn, actor=user.actor, limit=HELD_SHOWN)
    return show(user, "rules.html", active="/rules", stats=rules, suppressions=report.suppressions, held=held)


@router.post("/rules/suppressions/{suppression_id}")
def set_suppression(
    suppression_id: int, user: PageWriter, conn: Conn, enabled: Annotated[bool, Form()]
) -> HTMLResponse:
    """Enable or disable a suppression; returns its card."""
    feedback.set_suppression(conn, actor=user.actor, suppression_id=suppression_id, enabled=enabled)
    reports = feedback.suggestions(conn, actor=user.actor, now=datetime.now(UTC))
    item = next(r for r in reports if r.row.region.id == suppression_id)
    return fragment(user, "_suppression.html", item=item)


@router.post("/rules/held/{event_id}/release")
def release_held(event_id: str, user: PageWriter, conn: Conn, ctx: Context) -> HTMLResponse:
    """Raise a held alert after all (operators and admins; audited; sent on to a hub); returns its row."""
    feedback.held_alert(conn, actor=user.actor, event_id=event_id)
    also = hub_writers(ctx.config, ctx.store)
    row = feedback.release_alert(conn, actor=user.actor, ref=event_id, now=datetime.now(UTC), also=also)
    return fragment(user, "_held.html", held=row)
