"""Alert volume and precision per rule (and per standing query), and suppression suggestions from feedback.

Precision is ``confirmed / (confirmed + false)`` over the alerts that have feedback. Standing-query
alerts have the rule name ``query:<name>``, so they are counted per query. Summary alerts of the
hourly budget (kind ``alert_budget``) are not alerts of the rule and are left out.

Suggestions are built from the judged alerts (:func:`judged_alerts`: each alert with a verdict, and
what it was about — the subject the gate recorded, or for an alert stored before that, its first track's
position in ``tracks``) by :func:`camsight.events.suggest.candidates`, and stored *disabled* (see
:mod:`camsight.store.alerts_repo`) unless an equal one is stored already.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from camsight.core.geometry import Polygon
from camsight.events.models import EVENT_ADAPTER
from camsight.events.suggest import Candidate, Judged, candidates
from camsight.events.suppress import Placement, Suppression, same_object
from camsight.store.alerts_repo import SuppressionRow, add_suppression_of, list_suppressions
from camsight.store.held_repo import subjects_of
from camsight.store.schema import events, feedback, held_alerts, tracks


@dataclass(frozen=True)
class RuleStats:
    """Volume and feedback of one rule (or standing query), overall or on one day (UTC)."""

    rule: str
    day: date | None
    alerts: int
    confirmed: int
    false: int
    suppressed: int = 0
    """Alerts a suppression held back (and not released)."""

    @property
    def precision(self) -> float | None:
        """``confirmed / (confirmed + false)``, or None without feedback."""
        judged = self.confirmed + self.false
        return None if judged == 0 else self.confirmed / judged


def alert_stats(conn: sa.Connection, *, per_day: bool = False, since: datetime | None = None) -> list[RuleStats]:
    """Alerts, confirmed, false and held-back counts per rule (and per UTC day when ``per_day``), sorted."""
    stmt = (
        sa.select(events.c.rule, events.c.started_at, feedback.c.verdict)
        .select_from(events.outerjoin(feedback, feedback.c.event_id == events.c.id))
        .where(events.c.kind != "alert_budget")
    )
    if since is not None:
        stmt = stmt.where(events.c.started_at >= since)
    counts: dict[tuple[str, date | None], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for rule, started_at, verdict in conn.execute(stmt):
        c = counts[(rule, started_at.date() if per_day else None)]
        c[0] += 1
        c[1] += verdict == "confirmed"
        c[2] += verdict == "false"
    held = sa.select(held_alerts.c.rule, held_alerts.c.started_at).where(held_alerts.c.released_at.is_(None))
    if since is not None:
        held = held.where(held_alerts.c.started_at >= since)
    for rule, started_at in conn.execute(held):
        counts[(rule, started_at.date() if per_day else None)][3] += 1
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


def false_alert_places(conn: sa.Connection, *, verdicts: tuple[str, ...] = ("false",)) -> list[FalseAlert]:
    """Alerts marked false (or given one of ``verdicts``) whose first track is stored, placed at the start."""
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
        .where(feedback.c.verdict.in_(verdicts), events.c.kind != "alert_budget")
        .order_by(events.c.id)
    )
    out = []
    for r in conn.execute(stmt):
        if not r.track_ids or int(r.track_ids[0]) != r.tracker_id or not r.path:
            continue
        _, x, y = min(r.path, key=lambda p: abs(p[0] - r.start_s))
        out.append(FalseAlert(r.id, r.rule, r.camera, r.zone, r.object_class, float(x), float(y)))
    return out


def judged_alerts(conn: sa.Connection, *, since: datetime | None = None) -> list[Judged]:
    """Every alert with a verdict (budget summaries left out), with what it was about when known."""
    stmt = (
        sa.select(events.c.id, events.c.payload, feedback.c.verdict)
        .select_from(events.join(feedback, feedback.c.event_id == events.c.id))
        .where(events.c.kind != "alert_budget")
        .order_by(events.c.started_at, events.c.id)
    )
    if since is not None:
        stmt = stmt.where(events.c.started_at >= since)
    rows = conn.execute(stmt).all()
    about = subjects_of(conn, event_ids=[r.id for r in rows])
    if len(about) < len(rows):  # alerts stored before subjects were kept: where their track stood
        for old in false_alert_places(conn, verdicts=("false", "confirmed")):
            about.setdefault(old.event_id, Placement(old.x, old.y, old.object_class))
    judged = [EVENT_ADAPTER.validate_python(r.payload) for r in rows]
    paths = _paths(conn, {(e.source_id, e.track_ids[0]) for e in judged if e.track_ids})
    return [
        Judged(e, r.verdict, about.get(e.id), paths.get((e.source_id, e.track_ids[0]), ()) if e.track_ids else ())
        for e, r in zip(judged, rows, strict=True)
    ]


def _paths(conn: sa.Connection, keys: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[tuple[float, float], ...]]:
    """The stored paths (normalised points) of these tracks, by ``(source id, tracker id)``."""
    out: dict[tuple[str, int], tuple[tuple[float, float], ...]] = {}
    sources = sorted({s for s, _ in keys})
    for start in range(0, len(sources), 100):
        stmt = sa.select(tracks.c.source_id, tracks.c.tracker_id, tracks.c.path).where(
            tracks.c.source_id.in_(sources[start : start + 100])
        )
        for source_id, tracker_id, path in conn.execute(stmt):
            if (source_id, tracker_id) in keys:
                out[(source_id, tracker_id)] = tuple((float(x), float(y)) for _, x, y in path)
    return out


def _same(a: Suppression, b: Suppression) -> bool:
    """Whether two suppressions hold back the same thing (a stored one makes a new suggestion redundant)."""
    if (a.kind, a.rule, a.camera, a.zone, a.object_class) != (b.kind, b.rule, b.camera, b.zone, b.object_class):
        return False
    if a.kind == "place":
        xs, ys = [p[0] for p in a.polygon], [p[1] for p in a.polygon]
        return bool(Polygon(b.polygon).contains([((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)])[0])
    if a.kind == "appearance":
        return a.like is not None and b.like is not None and same_object(b.like, a.like)
    if a.kind == "time":
        return a.window == b.window
    return a.measure == b.measure and a.minimum == b.minimum


def suggest_suppressions(conn: sa.Connection, *, now: datetime, min_false: int = 3) -> list[SuppressionRow]:
    """Store (disabled) the candidates the verdicts suggest that no stored suppression equals; returns the new ones."""
    existing = [s.region for s in list_suppressions(conn)]
    new_ids = []
    for c in candidates(judged_alerts(conn), min_false=min_false):
        if any(_same(c.suppression, s) for s in existing):
            continue
        existing.append(c.suppression)
        new_ids.append(add_suppression_of(conn, region=c.suppression, reason=c.reason, now=now))
    return [s for s in list_suppressions(conn) if s.region.id in new_ids]


__all__ = ["Candidate", "FalseAlert", "RuleStats", "alert_stats", "judged_alerts", "suggest_suppressions"]
