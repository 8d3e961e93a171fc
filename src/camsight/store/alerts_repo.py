"""Standing queries (with version history), operator feedback and suppression regions in the store.

The tables are in :mod:`camsight.store.schema`. Functions are keyword-only over a caller-owned
connection and run on SQLite and PostgreSQL.

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     row = add_standing_query(conn, name="vests", text="person in an orange vest", query={},
    ...                              now=datetime(2024, 1, 1, tzinfo=UTC))
    ...     (row.id, row.version)
    (1, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.events.alerts import Point, Suppression
from camsight.store.db import upsert
from camsight.store.schema import events as event_table
from camsight.store.schema import feedback, standing_queries, standing_query_versions, suppressions

Verdict = Literal["confirmed", "false"]


@dataclass(frozen=True)
class StandingQueryRow:
    """A stored standing query (the parsed query kept as JSON)."""

    id: int
    name: str
    text: str
    query: dict[str, Any]
    cameras: tuple[str, ...]
    zones: tuple[str, ...]
    schedule: dict[str, str] | None
    min_score: float
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime
    notify: tuple[str, ...] = ()

    def snapshot(self) -> dict[str, Any]:
        """The editable fields, as JSON, for the version history (notification URLs are not: they hold secrets)."""
        return {
            "name": self.name,
            "text": self.text,
            "query": self.query,
            "cameras": list(self.cameras),
            "zones": list(self.zones),
            "schedule": self.schedule,
            "min_score": self.min_score,
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class QueryVersion:
    """One entry of a standing query's history."""

    query_id: int
    version: int
    text: str
    min_score: float
    enabled: bool
    changed_at: datetime
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class SuppressionRow:
    """A stored suppression region (see :class:`camsight.events.alerts.Suppression`)."""

    region: Suppression
    created_at: datetime
    reason: str


def _query_row(row: sa.Row[Any]) -> StandingQueryRow:
    m = row._mapping
    return StandingQueryRow(
        id=int(m["id"]),
        name=m["name"],
        text=m["text"],
        query=dict(m["query"]),
        cameras=tuple(m["cameras"]),
        zones=tuple(m["zones"]),
        schedule=m["schedule"],
        min_score=float(m["min_score"]),
        enabled=bool(m["enabled"]),
        version=int(m["version"]),
        notify=tuple(m["notify"] or ()),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _record_version(conn: sa.Connection, row: StandingQueryRow, now: datetime) -> None:
    conn.execute(
        sa.insert(standing_query_versions).values(
            query_id=row.id,
            version=row.version,
            text=row.text,
            min_score=row.min_score,
            enabled=row.enabled,
            changed_at=now,
            snapshot=row.snapshot(),
        )
    )


def add_standing_query(
    conn: sa.Connection,
    *,
    name: str,
    text: str,
    query: dict[str, Any],
    now: datetime,
    cameras: Sequence[str] = (),
    zones: Sequence[str] = (),
    schedule: dict[str, str] | None = None,
    min_score: float = 0.5,
    enabled: bool = True,
    notify: Sequence[str] = (),
) -> StandingQueryRow:
    """Save a new standing query as version 1.

    Raises:
        StoreError: A standing query with that name exists already.
    """
    if get_standing_query(conn, ref=name) is not None:
        raise StoreError(f"a standing query named {name!r} exists already; choose another name or edit that one")
    values = {
        "name": name,
        "text": text,
        "query": query,
        "cameras": list(cameras),
        "zones": list(zones),
        "schedule": schedule,
        "min_score": min_score,
        "enabled": enabled,
        "notify": list(notify),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    new_id = conn.execute(sa.insert(standing_queries).values(**values)).inserted_primary_key
    row = get_standing_query(conn, ref=str(new_id[0]) if new_id else name)
    assert row is not None
    _record_version(conn, row, now)
    return row


def get_standing_query(conn: sa.Connection, *, ref: str | int) -> StandingQueryRow | None:
    """The standing query with that id (a number) or name, or None."""
    t = standing_queries
    text = str(ref)
    cond = t.c.id == int(text) if text.isdigit() else t.c.name == text
    found = conn.execute(sa.select(t).where(cond)).first()
    return None if found is None else _query_row(found)


def list_standing_queries(conn: sa.Connection, *, enabled: bool | None = None) -> list[StandingQueryRow]:
    """Standing queries by id; only enabled (or disabled) ones when ``enabled`` is given."""
    t = standing_queries
    stmt = sa.select(t).order_by(t.c.id)
    if enabled is not None:
        stmt = stmt.where(t.c.enabled == enabled)
    return [_query_row(r) for r in conn.execute(stmt)]


def update_standing_query(conn: sa.Connection, *, query_id: int, now: datetime, **changes: Any) -> StandingQueryRow:
    """Change fields of a standing query (text, query, cameras, zones, schedule, min_score, enabled).

    Every change that alters something bumps the version and adds a history entry.

    Raises:
        StoreError: No standing query has that id, or a field name is unknown.
    """
    row = get_standing_query(conn, ref=query_id)
    if row is None:
        raise StoreError(f"no standing query with id {query_id}; see 'camsight queries list'")
    allowed = {"text", "query", "cameras", "zones", "schedule", "min_score", "enabled", "notify"}
    if unknown := set(changes) - allowed:
        raise StoreError(f"cannot change {sorted(unknown)} of a standing query; allowed: {sorted(allowed)}")
    fixed = {k: list(v) if k in ("cameras", "zones", "notify") else v for k, v in changes.items()}
    current = {**row.snapshot(), "notify": list(row.notify)}
    if all(current[k] == v for k, v in fixed.items()):
        return row
    t = standing_queries
    conn.execute(sa.update(t).where(t.c.id == query_id).values(**fixed, version=row.version + 1, updated_at=now))
    new = get_standing_query(conn, ref=query_id)
    assert new is not None
    _record_version(conn, new, now)
    return new


def query_history(conn: sa.Connection, *, query_id: int) -> list[QueryVersion]:
    """Every version of a standing query, oldest first."""
    t = standing_query_versions
    rows = conn.execute(sa.select(t).where(t.c.query_id == query_id).order_by(t.c.version))
    return [QueryVersion(**{k: r._mapping[k] for k in r._mapping}) for r in rows]


def set_feedback(
    conn: sa.Connection, *, event_id: str, verdict: Verdict, now: datetime, note: str | None = None
) -> None:
    """Record an operator's verdict on an event; a later verdict replaces the earlier one.

    Raises:
        StoreError: ``verdict`` is not 'confirmed' or 'false'.
    """
    if verdict not in ("confirmed", "false"):
        raise StoreError(f"feedback must be 'confirmed' or 'false', got {verdict!r}")
    upsert(conn, feedback, [{"event_id": event_id, "verdict": verdict, "note": note, "created_at": now}])


def get_feedback(conn: sa.Connection, *, event_id: str) -> tuple[Verdict, str | None] | None:
    """``(verdict, note)`` of an event, or None without feedback."""
    found = conn.execute(sa.select(feedback.c.verdict, feedback.c.note).where(feedback.c.event_id == event_id)).first()
    return None if found is None else (found.verdict, found.note)


def add_suppression(
    conn: sa.Connection,
    *,
    rule: str,
    camera: str,
    polygon: Sequence[Point],
    reason: str,
    now: datetime,
    zone: str | None = None,
    object_class: str | None = None,
    enabled: bool = False,
) -> int:
    """Store a suppression region (disabled unless ``enabled``); returns its id."""
    values = {
        "rule": rule,
        "camera": camera,
        "zone": zone,
        "polygon": [list(p) for p in polygon],
        "object_class": object_class,
        "enabled": enabled,
        "created_at": now,
        "reason": reason,
    }
    key = conn.execute(sa.insert(suppressions).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def set_suppression_enabled(conn: sa.Connection, *, suppression_id: int, enabled: bool) -> SuppressionRow:
    """Enable or disable a suppression region.

    Raises:
        StoreError: No region has that id.
    """
    t = suppressions
    done = conn.execute(sa.update(t).where(t.c.id == suppression_id).values(enabled=enabled))
    if done.rowcount == 0:
        raise StoreError(f"no suppression suggestion with id {suppression_id}; see 'camsight rules stats'")
    (row,) = [r for r in list_suppressions(conn) if r.region.id == suppression_id]
    return replace(row)


def list_suppressions(conn: sa.Connection, *, enabled: bool | None = None) -> list[SuppressionRow]:
    """Suppression regions by id; only enabled (or disabled) ones when ``enabled`` is given."""
    t = suppressions
    stmt = sa.select(t).order_by(t.c.id)
    if enabled is not None:
        stmt = stmt.where(t.c.enabled == enabled)
    out = []
    for r in conn.execute(stmt):
        region = Suppression(
            id=int(r.id),
            rule=r.rule,
            camera=r.camera,
            zone=r.zone,
            polygon=tuple((float(x), float(y)) for x, y in r.polygon),
            object_class=r.object_class,
            enabled=bool(r.enabled),
        )
        out.append(SuppressionRow(region=region, created_at=r.created_at, reason=r.reason))
    return out


def find_event_ids(conn: sa.Connection, *, prefix: str, limit: int = 2) -> list[str]:
    """Ids of stored events that start with ``prefix`` (tables show shortened ids), at most ``limit``."""
    t = event_table
    stmt = sa.select(t.c.id).where(t.c.id.startswith(prefix, autoescape=True)).order_by(t.c.id)
    return list(conn.execute(stmt.limit(limit)).scalars())
