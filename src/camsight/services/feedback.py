"""Operators' verdicts on alerts, what they add up to per rule, and the suppression regions they suggest.

A verdict (confirmed or false) is kept per alert; the latest counts. Rule statistics give each rule's
(and standing query's) volume and precision; clusters of false alerts become suggested suppression
regions, stored disabled until an admin enables one. Every verdict and every change to a region is
written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.events import find_event
from camsight.store.alert_stats import RuleStats, alert_stats, suggest_suppressions
from camsight.store.alerts_repo import SuppressionRow, Verdict, list_suppressions, set_feedback, set_suppression_enabled

__all__ = ["RuleReport", "RuleStats", "SuppressionRow", "Verdict", "give_verdict", "rule_report", "set_suppression"]


def give_verdict(
    conn: sa.Connection, *, actor: Actor, ref: str, verdict: Verdict, now: datetime, note: str | None = None
) -> str:
    """Record a verdict on an alert (by id or a unique start of it); returns the alert's full id.

    Raises:
        Forbidden: The actor is a viewer.
        EventNotFound: No visible alert matches ``ref`` (or several do).
    """
    actor.require("operator", "give feedback on alerts")
    event = find_event(conn, actor=actor, ref=ref)
    set_feedback(conn, event_id=event.id, verdict=verdict, note=note, now=now)
    audit.record(
        conn, actor=actor, action="alert.feedback", detail={"event_id": event.id, "verdict": verdict, "note": note}
    )
    return event.id


@dataclass(frozen=True, slots=True)
class RuleReport:
    """Per-rule statistics and every suppression region (suggested or enabled)."""

    stats: list[RuleStats]
    regions: list[SuppressionRow]


def rule_report(
    conn: sa.Connection, *, actor: Actor, now: datetime, per_day: bool = False, since: datetime | None = None
) -> RuleReport:
    """Volume and precision per rule; stores new suppression suggestions from the false alerts."""
    stats = alert_stats(conn, per_day=per_day, since=since)
    suggest_suppressions(conn, now=now)
    return RuleReport(stats, list_suppressions(conn))


def set_suppression(conn: sa.Connection, *, actor: Actor, suppression_id: int, enabled: bool) -> SuppressionRow:
    """Enable (or disable) a suppression region.

    Raises:
        Forbidden: The actor is not an admin.
        StoreError: No region has that id.
    """
    actor.require("admin", "change suppression regions")
    row = set_suppression_enabled(conn, suppression_id=suppression_id, enabled=enabled)
    audit.record(conn, actor=actor, action="rule.suppression", detail={"id": suppression_id, "enabled": enabled})
    return row
