"""At a hub: its edges (one row per site) with their last heartbeat, detector and cameras' states.

An edge's heartbeat (``EdgeStatus``) updates its row; each ``CameraStatus`` updates one camera in the
row's ``info["cameras"]``. When an edge goes offline (its last will), every camera of it reads
``offline`` until the edge says otherwise: MQTT has one will per connection, and cameras cannot be seen
without their edge. Rows are read for update, so two hub processes never lose each other's writes.

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="hub")
    >>> at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    >>> with engine.begin() as conn:
    ...     record_camera(conn, site="north", camera="gate", state="live", reason=None, at=at)
    ...     record_edge(conn, site="north", state="offline", url=None, model=(None, None), at=at)
    ...     [(e.site, e.status, e.cameras["gate"]["state"]) for e in list_edges(conn)]
    [('north', 'offline', 'offline')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.schema import edges


@dataclass(frozen=True, slots=True)
class EdgeRow:
    """One edge as the hub last heard of it."""

    site: str
    status: str
    url: str | None
    last_seen_at: datetime
    model_version: str | None
    model_sha256: str | None
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_problem: str | None = None


def _locked(conn: sa.Connection, site: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(edges).where(edges.c.site == site).with_for_update()).mappings().first()
    return dict(row) if row is not None else None


def record_edge(
    conn: sa.Connection,
    *,
    site: str,
    state: str,
    url: str | None,
    model: tuple[str | None, str | None],
    at: datetime,
    model_problem: str | None = None,
) -> None:
    """An edge's heartbeat or last will: its state, API address and detector (and why it refused a release)."""
    current = _locked(conn, site)
    info: dict[str, Any] = dict(current["info"]) if current else {"cameras": {}}
    info["model_problem"] = model_problem
    if state == "offline":
        info["cameras"] = {name: {**cam, "state": "offline"} for name, cam in info.get("cameras", {}).items()}
    values = {
        "status": state,
        "url": url,
        "last_seen_at": at,
        "model_version": model[0],
        "model_sha256": model[1],
        "info": info,
    }
    if current is None:
        conn.execute(sa.insert(edges).values(site=site, **values))
    else:
        conn.execute(sa.update(edges).where(edges.c.site == site).values(**values))


def record_camera(conn: sa.Connection, *, site: str, camera: str, state: str, reason: str | None, at: datetime) -> None:
    """One camera's state at an edge."""
    current = _locked(conn, site)
    entry = {"state": state, "reason": reason, "at": at.isoformat()}
    if current is None:
        row = {"site": site, "status": "unknown", "url": None, "last_seen_at": at, "info": {"cameras": {camera: entry}}}
        conn.execute(sa.insert(edges).values(model_version=None, model_sha256=None, **row))
        return
    info = dict(current["info"])
    info["cameras"] = {**info.get("cameras", {}), camera: entry}
    conn.execute(sa.update(edges).where(edges.c.site == site).values(info=info))


def list_edges(conn: sa.Connection) -> list[EdgeRow]:
    """Every edge, by site."""
    return [
        EdgeRow(
            site=r.site,
            status=r.status,
            url=r.url,
            last_seen_at=r.last_seen_at,
            model_version=r.model_version,
            model_sha256=r.model_sha256,
            cameras=dict((r.info or {}).get("cameras", {})),
            model_problem=(r.info or {}).get("model_problem"),
        )
        for r in conn.execute(sa.select(edges).order_by(edges.c.site))
    ]


def edge_url(conn: sa.Connection, site: str) -> str | None:
    """The API address an edge announced (None if unknown)."""
    return conn.execute(sa.select(edges.c.url).where(edges.c.site == site)).scalar_one_or_none()
