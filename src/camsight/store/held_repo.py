"""Alerts held back by a suppression, and what each alert was raised on, in the store.

A suppression never deletes anything: every version of an alert it holds back is kept in ``held_alerts``
with the suppression's id, can be listed and counted, and can be *released* into ``events`` (then it is an
alert like any other, with the same id). What each new alert (or held one) was about — the object of its
first track — is kept in ``alert_subjects``; that is what a verdict on the alert teaches
(:mod:`camsight.store.suggestions`). Functions are keyword-only over a caller-owned connection.

Example:
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.connect() as conn:
    ...     held_counts(conn)
    {}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.events.alerts import Held
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.events.suppress import Placement
from camsight.store.db import upsert
from camsight.store.events_repo import upsert_events
from camsight.store.schema import alert_subjects, feedback, held_alerts


@dataclass(frozen=True)
class HeldRow:
    """A held alert: the alert as it would have been raised, who held it, and whether it was released."""

    event: AnyEvent
    suppression_id: int
    created_at: datetime
    released_at: datetime | None
    released_by: str | None

    @property
    def status(self) -> str:
        """``suppressed`` or ``released``."""
        return "suppressed" if self.released_at is None else "released"


def store_held(conn: sa.Connection, *, held: Sequence[Held], source_id: str, run_id: str, now: datetime) -> None:
    """Keep these versions of held alerts (a later version replaces an earlier one of the same alert).

    A ``released`` version (a threshold was reached and the alert raised) marks the row released by it.
    """
    rows = []
    for h in held:
        e = h.event
        rows.append(
            {
                "id": e.id,
                "suppression_id": h.suppression_id,
                "site": e.site,
                "kind": e.kind,
                "rule": e.rule,
                "camera": e.camera,
                "source_id": source_id,
                "started_at": e.started_at,
                "payload": e.model_dump(mode="json"),
                "run_id": run_id,
                "created_at": now,
                "updated_at": now,
                "released_at": now if h.released else None,
                "released_by": f"suppression {h.suppression_id}: threshold reached" if h.released else None,
            }
        )
    if rows:
        upsert(conn, held_alerts, rows, keep=("created_at",))


def store_subjects(conn: sa.Connection, *, subjects: Mapping[str, Placement]) -> None:
    """Keep what each alert was about (the gate says so once per alert; a re-analysis says it again)."""
    rows = [
        {
            "event_id": event_id,
            "object_class": p.object_class,
            "x": p.x,
            "y": p.y,
            "w": p.w,
            "h": p.h,
            "colours": dict(p.colours) if p.colours else None,
        }
        for event_id, p in subjects.items()
    ]
    if rows:
        upsert(conn, alert_subjects, rows)


def subjects_of(conn: sa.Connection, *, event_ids: Sequence[str]) -> dict[str, Placement]:
    """What these alerts were about, by id (alerts without a stored subject are left out)."""
    t = alert_subjects
    out: dict[str, Placement] = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 500):
        for r in conn.execute(sa.select(t).where(t.c.event_id.in_(ids[start : start + 500]))):
            out[r.event_id] = Placement(r.x, r.y, r.object_class, r.w, r.h, r.colours or None)
    return out


def _held_row(m: sa.RowMapping) -> HeldRow:
    return HeldRow(
        event=EVENT_ADAPTER.validate_python(m["payload"]),
        suppression_id=int(m["suppression_id"]),
        created_at=m["created_at"],
        released_at=m["released_at"],
        released_by=m["released_by"],
    )


def list_held(
    conn: sa.Connection,
    *,
    suppression_id: int | None = None,
    since: datetime | None = None,
    cameras: Sequence[str] | None = None,
    released: bool | None = None,
    kind: str | None = None,
    camera: str | None = None,
    limit: int = 100,
    sites: Sequence[str] | None = None,
) -> list[HeldRow]:
    """Held alerts, newest first; of one suppression, kind or camera, since a time, released or not.

    ``cameras`` and ``sites``: of those only (None: no limit).
    """
    t = held_alerts
    stmt = sa.select(t).order_by(t.c.started_at.desc(), t.c.id).limit(limit)
    for column, value in ((t.c.kind, kind), (t.c.camera, camera)):
        if value is not None:
            stmt = stmt.where(column == value)
    if suppression_id is not None:
        stmt = stmt.where(t.c.suppression_id == suppression_id)
    if since is not None:
        stmt = stmt.where(t.c.started_at >= since)
    if cameras is not None:
        stmt = stmt.where(t.c.camera.in_(list(cameras)))
    if sites is not None:
        stmt = stmt.where(t.c.site.in_(list(sites)))
    if released is not None:
        stmt = stmt.where(t.c.released_at.is_not(None) if released else t.c.released_at.is_(None))
    return [_held_row(r) for r in conn.execute(stmt).mappings()]


def get_held(conn: sa.Connection, *, ref: str) -> HeldRow | None:
    """The held alert with that id (or the only one whose id starts with ``ref``), or None."""
    t = held_alerts
    exact = conn.execute(sa.select(t).where(t.c.id == ref)).mappings().first()
    if exact is not None:
        return _held_row(exact)
    found = conn.execute(sa.select(t).where(t.c.id.startswith(ref, autoescape=True)).limit(2)).mappings().all()
    return _held_row(found[0]) if len(found) == 1 else None


def release_held(conn: sa.Connection, *, ref: str, by: str, now: datetime) -> HeldRow:
    """Raise a held alert after all: it is written to ``events`` (same id) and marked released.

    Raises:
        StoreError: No held alert (or several) matches ``ref``, or it was released already.
    """
    row = get_held(conn, ref=ref)
    if row is None:
        raise StoreError(f"no held alert matches {ref!r}; see 'camsight alerts list --suppressed'")
    if row.released_at is not None:
        raise StoreError(f"held alert {row.event.id[:10]} was released already ({row.released_by})")
    t = held_alerts
    source_id, run_id = conn.execute(sa.select(t.c.source_id, t.c.run_id).where(t.c.id == row.event.id)).one()
    upsert_events(conn, events=[row.event], source_id=source_id, run_id=run_id)
    conn.execute(sa.update(t).where(t.c.id == row.event.id).values(released_at=now, released_by=by))
    released = get_held(conn, ref=row.event.id)
    assert released is not None
    return released


@dataclass(frozen=True)
class HeldCount:
    """What one suppression held back: in all, since it was last enabled, and how many were then confirmed."""

    total: int = 0
    since_enabled: int = 0
    confirmed: int = 0


def held_counts(
    conn: sa.Connection, *, enabled_at: Mapping[int, datetime | None] | None = None
) -> dict[int, HeldCount]:
    """Held alerts per suppression id; ``since_enabled`` counts those held from ``enabled_at[id]`` on.

    ``confirmed`` counts held alerts an operator released and then marked confirmed: a suppression that
    hides real alerts.
    """
    t = held_alerts
    stmt = sa.select(t.c.suppression_id, t.c.created_at, feedback.c.verdict).select_from(
        t.outerjoin(feedback, feedback.c.event_id == t.c.id)
    )
    tally: dict[int, list[int]] = {}
    for sid, created_at, verdict in conn.execute(stmt):
        c = tally.setdefault(int(sid), [0, 0, 0])
        c[0] += 1
        since = (enabled_at or {}).get(int(sid))
        c[1] += since is None or created_at >= since
        c[2] += verdict == "confirmed"
    return {sid: HeldCount(*c) for sid, c in tally.items()}
