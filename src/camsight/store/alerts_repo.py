"""Standing queries (with version history), operator feedback and suppressions in the store.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.events.suppress import Placement, Point, Suppression, SuppressionKind
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
    """A stored suppression (see :class:`camsight.events.suppress.Suppression`) and when it was last enabled."""

    region: Suppression
    created_at: datetime
    reason: str
    enabled_at: datetime | None = None


def suppression_params(s: Suppression) -> dict[str, Any] | None:
    """What a suppression of a kind other than a place matches, as stored in ``suppressions.params``."""
    if s.kind == "appearance" and s.like is not None:
        like = s.like
        return {"like": {"x": like.x, "y": like.y, "w": like.w, "h": like.h, "colours": dict(like.colours or {})}}
    if s.kind == "time" and s.window is not None:
        return {"window": list(s.window)}
    if s.kind == "threshold":
        return {"measure": s.measure, "minimum": s.minimum}
    return None


def _suppression(r: sa.Row[Any]) -> Suppression:
    params = r.params or {}
    like = params.get("like")
    window = params.get("window")
    kind: SuppressionKind = r.kind
    return Suppression(
        id=int(r.id),
        rule=r.rule,
        camera=r.camera,
        zone=r.zone,
        polygon=tuple((float(x), float(y)) for x, y in r.polygon),
        object_class=r.object_class,
        enabled=bool(r.enabled),
        kind=kind,
        like=None
        if like is None
        else Placement(
            like["x"], like["y"], r.object_class or "object", like["w"], like["h"], like.get("colours") or None
        ),
        window=None if window is None else (str(window[0]), str(window[1])),
        measure=params.get("measure"),
        minimum=None if params.get("minimum") is None else float(params["minimum"]),
    )


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
    is_id = text.isascii() and text.isdigit() and len(text) < 19  # '¹' is a digit to isdigit(), not to int()
    cond = t.c.id == int(text) if is_id else t.c.name == text
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
    kind: SuppressionKind = "place",
    params: dict[str, Any] | None = None,
) -> int:
    """Store a suppression (disabled unless ``enabled``); returns its id.

    ``params`` is what a kind other than a place matches (:func:`suppression_params`).
    """
    values = {
        "rule": rule,
        "camera": camera,
        "zone": zone,
        "polygon": [list(p) for p in polygon],
        "object_class": object_class,
        "enabled": enabled,
        "created_at": now,
        "reason": reason,
        "kind": kind,
        "params": params,
        "enabled_at": now if enabled else None,
    }
    key = conn.execute(sa.insert(suppressions).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_suppression_of(conn: sa.Connection, *, region: Suppression, reason: str, now: datetime) -> int:
    """Store a suppression built in memory (disabled unless ``region.enabled``); returns its id."""
    return add_suppression(
        conn,
        rule=region.rule,
        camera=region.camera,
        zone=region.zone,
        polygon=region.polygon,
        object_class=region.object_class,
        enabled=region.enabled,
        kind=region.kind,
        params=suppression_params(region),
        reason=reason,
        now=now,
    )


def set_suppression_enabled(
    conn: sa.Connection, *, suppression_id: int, enabled: bool, now: datetime | None = None
) -> SuppressionRow:
    """Enable or disable a suppression; enabling (at ``now``) restarts what 'since enabled' counts.

    Raises:
        StoreError: No suppression has that id.
    """
    t = suppressions
    found = get_suppression(conn, suppression_id=suppression_id)
    if found is None:
        raise StoreError(f"no suppression with id {suppression_id}; see 'camsight rules suggestions'")
    values: dict[str, Any] = {"enabled": enabled}
    if enabled and not found.region.enabled:
        values["enabled_at"] = now or datetime.now(UTC)
    conn.execute(sa.update(t).where(t.c.id == suppression_id).values(**values))
    row = get_suppression(conn, suppression_id=suppression_id)
    assert row is not None
    return row


def get_suppression(conn: sa.Connection, *, suppression_id: int) -> SuppressionRow | None:
    """The suppression with that id, or None."""
    found = conn.execute(sa.select(suppressions).where(suppressions.c.id == suppression_id)).first()
    return (
        None if found is None else SuppressionRow(_suppression(found), found.created_at, found.reason, found.enabled_at)
    )


def list_suppressions(conn: sa.Connection, *, enabled: bool | None = None) -> list[SuppressionRow]:
    """Suppressions by id; only enabled (or disabled) ones when ``enabled`` is given."""
    t = suppressions
    stmt = sa.select(t).order_by(t.c.id)
    if enabled is not None:
        stmt = stmt.where(t.c.enabled == enabled)
    return [SuppressionRow(_suppression(r), r.created_at, r.reason, r.enabled_at) for r in conn.execute(stmt)]


def find_event_ids(conn: sa.Connection, *, prefix: str, limit: int = 2) -> list[str]:
    """Ids of stored events that start with ``prefix`` (tables show shortened ids), at most ``limit``."""
    t = event_table
    stmt = sa.select(t.c.id).where(t.c.id.startswith(prefix, autoescape=True)).order_by(t.c.id)
    return list(conn.execute(stmt.limit(limit)).scalars())
