"""Alert volume and precision per rule (and per standing query), and suppression suggestions from feedback.

Precision is ``confirmed / (confirmed + false)`` over the alerts that have feedback. Standing-query
alerts have the rule name ``query:<name>``, so they are counted per query. Summary alerts of the
hourly budget (kind ``alert_budget``) are not alerts of the rule and are left out.

A suggestion is made where at least ``min_false`` alerts of the same rule, camera, zone and object
class were marked false with their track standing within ``radius`` (normalised) of each other: a
small rectangle around them, stored *disabled* (see :mod:`camsight.store.alerts_repo`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from camsight.core.geometry import Polygon
from camsight.events.alerts import cluster_points, region_around
from camsight.store.alerts_repo import SuppressionRow, add_suppression, list_suppressions
from camsight.store.schema import events, feedback, tracks


@dataclass(frozen=True)
class RuleStats:
    """Volume and feedback of one rule (or standing query), overall or on one day (UTC)."""

    rule: str
    day: date | None
    alerts: int
    confirmed: int
    false: int

    @property
    def precision(self) -> float | None:
        """``confirmed / (confirmed + false)``, or None without feedback."""
        judged = self.confirmed + self.false
        return None if judged == 0 else self.confirmed / judged


def alert_stats(conn: sa.Connection, *, per_day: bool = False, since: datetime | None = None) -> list[RuleStats]:
    """Alerts, confirmed and false counts per rule (and per UTC day when ``per_day``), sorted."""
    stmt = (
        sa.select(events.c.rule, events.c.started_at, feedback.c.verdict)
        .select_from(events.outerjoin(feedback, feedback.c.event_id == events.c.id))
        .where(events.c.kind != "alert_budget")
    )
    if since is not None:
        stmt = stmt.where(events.c.started_at >= since)
    counts: dict[tuple[str, date | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for rule, started_at, verdict in conn.execute(stmt):
        c = counts[(rule, started_at.date() if per_day else None)]
        c[0] += 1
        c[1] += verdict == "confirmed"
        c[2] += verdict == "false"
    return [
        RuleStats(rule, day, *c)
        for (rule, day), c in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or date.min))
    ]


@dataclass(frozen=True)
class FalseAlert:
    """An alert marked false, placed where its first track stood when it started (normalised)."""

    event_id: str
    rule: str
    camera: str
    zone: str | None
    object_class: str
    x: float
    y: float


def false_alert_places(conn: sa.Connection) -> list[FalseAlert]:
    """Alerts marked false whose first track is in the store, with the track's position at the start."""
    stmt = (
        sa.select(
            events.c.id,
            events.c.rule,
            events.c.camera,
            events.c.zone,
            events.c.source_id,
            events.c.track_ids,
            events.c.start_s,
            tracks.c.path,
            tracks.c.object_class,
            tracks.c.tracker_id,
        )
        .select_from(
            events.join(feedback, feedback.c.event_id == events.c.id).join(
                tracks, tracks.c.source_id == events.c.source_id
            )
        )
        .where(feedback.c.verdict == "false", events.c.kind != "alert_budget")
        .order_by(events.c.id)
    )
    out = []
    for r in conn.execute(stmt):
        if not r.track_ids or int(r.track_ids[0]) != r.tracker_id or not r.path:
            continue
        _, x, y = min(r.path, key=lambda p: abs(p[0] - r.start_s))
        out.append(FalseAlert(r.id, r.rule, r.camera, r.zone, r.object_class, float(x), float(y)))
    return out


def suggest_suppressions(
    conn: sa.Connection, *, now: datetime, radius: float = 0.1, min_false: int = 3
) -> list[SuppressionRow]:
    """Store (disabled) suggested regions for clusters of false alerts not already covered; returns the new ones."""
    groups: dict[tuple[str, str, str | None, str], list[FalseAlert]] = defaultdict(list)
    for alert in false_alert_places(conn):
        groups[(alert.rule, alert.camera, alert.zone, alert.object_class)].append(alert)
    existing = [s.region for s in list_suppressions(conn)]
    new_ids = []
    for (rule, camera, zone, cls), alerts in groups.items():
        points = [(a.x, a.y) for a in alerts]
        for members in cluster_points(points, radius=radius, min_count=min_false):
            cx = sum(points[i][0] for i in members) / len(members)
            cy = sum(points[i][1] for i in members) / len(members)
            if any(
                (s.rule, s.camera, s.zone, s.object_class) == (rule, camera, zone, cls)
                and bool(Polygon(s.polygon).contains([(cx, cy)])[0])
                for s in existing
            ):
                continue
            reason = f"{len(members)} false alerts of {cls} near ({cx:.2f}, {cy:.2f})"
            polygon = region_around([points[i] for i in members])
            new_ids.append(
                add_suppression(
                    conn, rule=rule, camera=camera, zone=zone, object_class=cls, polygon=polygon, reason=reason, now=now
                )
            )
    return [s for s in list_suppressions(conn) if s.region.id in new_ids]
