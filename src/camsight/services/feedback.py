"""Operators' verdicts on alerts, what they add up to per rule, the suppressions they suggest, and held alerts.

A verdict (confirmed or false) is kept per alert; the latest counts. Rule statistics give each rule's
(and standing query's) volume, precision and how many alerts suppressions held back. The verdicts
suggest suppressions of four kinds (a place, the same object again, a time window, a threshold:
:mod:`camsight.events.suggest`), stored disabled; each is shown with its preview on the judged history
("would have suppressed 41 of 48 false alarms and 0 of 12 confirmed") and, once enabled, what it has held
back since. A suppression never deletes: what it held back is kept and listed, and can be released.
Every verdict, change to a suppression and release is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.events.suggest import Preview, preview
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.events import EventNotFound, find_event
from camsight.store.alert_stats import RuleStats, alert_stats, judged_alerts, suggest_suppressions
from camsight.store.alerts_repo import (
    SuppressionRow,
    Verdict,
    list_suppressions,
    set_feedback,
    set_suppression_enabled,
)
from camsight.store.held_repo import HeldCount, HeldRow, get_held, held_counts, list_held, release_held
from camsight.store.sink import BatchWriter

__all__ = [
    "HeldCount",
    "HeldRow",
    "Preview",
    "RuleReport",
    "RuleStats",
    "SuppressionReport",
    "SuppressionRow",
    "Verdict",
    "give_verdict",
    "held_alert",
    "held_alerts",
    "release_alert",
    "rule_report",
    "set_suppression",
    "suggestions",
]


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
    detail = {"event_id": event.id, "verdict": verdict, "note": note}
    audit.record(conn, actor=actor, action="alert.feedback", detail=detail, site=event.site)
    return event.id


@dataclass(frozen=True, slots=True)
class SuppressionReport:
    """A suppression, what it would have done to the judged history, and what it held back.

    Attributes:
        row: The stored suppression.
        preview: Its effect on the alerts with a verdict, had it been enabled all along.
        held: What it held back (in all, since it was last enabled, and later confirmed).
    """

    row: SuppressionRow
    preview: Preview
    held: HeldCount

    @property
    def warning(self) -> str | None:
        """Why an operator should look again: it hides (or would hide) confirmed alerts; None if not."""
        if self.held.confirmed:
            return f"hid {self.held.confirmed} alert(s) later confirmed"
        if self.preview.confirmed_hit:
            return f"would hide {self.preview.confirmed_hit} confirmed alert(s)"
        return None


@dataclass(frozen=True, slots=True)
class RuleReport:
    """Per-rule statistics and every suppression (suggested or enabled) with its preview and effect."""

    stats: list[RuleStats]
    regions: list[SuppressionRow]
    suppressions: list[SuppressionReport]


def _reports(conn: sa.Connection, actor: Actor, rows: Sequence[SuppressionRow]) -> list[SuppressionReport]:
    judged = judged_alerts(conn)
    counts = held_counts(conn, enabled_at={r.region.id: r.enabled_at for r in rows})
    return [
        SuppressionReport(r, preview(r.region, judged), counts.get(r.region.id, HeldCount()))
        for r in rows
        if actor.may_see(r.region.camera)
    ]


def rule_report(
    conn: sa.Connection, *, actor: Actor, now: datetime, per_day: bool = False, since: datetime | None = None
) -> RuleReport:
    """Volume, precision and held-back counts per rule; stores new suggestions from the verdicts."""
    stats = alert_stats(conn, per_day=per_day, since=since)
    suggest_suppressions(conn, now=now)
    rows = list_suppressions(conn)
    return RuleReport(stats, rows, _reports(conn, actor, rows))


def suggestions(conn: sa.Connection, *, actor: Actor, now: datetime) -> list[SuppressionReport]:
    """Every suppression (new suggestions from the verdicts stored first, disabled), previewed.

    Raises:
        Forbidden: The actor is a viewer.
    """
    actor.require("operator", "read suppression suggestions")
    suggest_suppressions(conn, now=now)
    return _reports(conn, actor, list_suppressions(conn))


def set_suppression(
    conn: sa.Connection, *, actor: Actor, suppression_id: int, enabled: bool, now: datetime | None = None
) -> SuppressionRow:
    """Enable (or disable) a suppression; enabling restarts what 'since enabled' counts.

    Raises:
        Forbidden: The actor is not an admin.
        StoreError: No suppression has that id.
    """
    actor.require("admin", "change suppressions")
    row = set_suppression_enabled(conn, suppression_id=suppression_id, enabled=enabled, now=now)
    audit.record(conn, actor=actor, action="rule.suppression", detail={"id": suppression_id, "enabled": enabled})
    return row


def held_alerts(
    conn: sa.Connection,
    *,
    actor: Actor,
    suppression_id: int | None = None,
    since: datetime | None = None,
    kind: str | None = None,
    camera: str | None = None,
    limit: int = 100,
) -> list[HeldRow]:
    """Alerts suppressions held back (and whether released), newest first, on the cameras (and sites) the actor sees."""
    return list_held(
        conn,
        suppression_id=suppression_id,
        since=since,
        kind=kind,
        camera=camera,
        cameras=actor.scope(),
        sites=actor.site_scope(),
        limit=limit,
    )


def held_alert(conn: sa.Connection, *, actor: Actor, event_id: str) -> HeldRow:
    """The held alert with exactly this id, on a camera the actor sees.

    Raises:
        EventNotFound: There is none.
    """
    found = get_held(conn, ref=event_id)
    if found is None or found.event.id != event_id or not actor.may_see(found.event.camera, found.event.site):
        raise EventNotFound(f"no held alert {event_id!r} in your cameras; see 'camsight alerts list --suppressed'")
    return found


def release_alert(
    conn: sa.Connection, *, actor: Actor, ref: str, now: datetime, also: Sequence[BatchWriter] = ()
) -> HeldRow:
    """Raise a held alert after all (by id or a unique start of it): it becomes a stored alert.

    ``also`` get the raised alert in the same transaction (an edge's outbox to its hub,
    :func:`camsight.apps.wiring.hub_writers`), as every other stored alert does.

    Raises:
        Forbidden: The actor is a viewer.
        StoreError: No visible held alert matches ``ref``, or it was released already.
    """
    actor.require("operator", "release held alerts")
    found = get_held(conn, ref=ref) if ref else None
    if found is None or not actor.may_see(found.event.camera, found.event.site):
        raise StoreError(f"no held alert (or several) matches {ref!r}; see 'camsight alerts list --suppressed'")
    row = release_held(conn, ref=found.event.id, by=actor.name, now=now)
    for writer in also:
        writer.write(conn, [row.event], [])
    audit.record(
        conn,
        actor=actor,
        action="alert.release",
        detail={"event_id": row.event.id, "suppression_id": row.suppression_id},
        site=row.event.site,
    )
    return row
