"""At a hub: the detector releases it published, newest first, and which of them are live.

A release is ``canary`` (only its ``sites`` run it), ``released`` (every site) or ``rolled-back``.
The live release is the newest that was not rolled back; during a canary, the other sites run the
newest ``released`` one before it (none: the packaged detector).

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="hub")
    >>> at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    >>> with engine.begin() as conn:
    ...     add(conn, version="v2", sha256="ab" * 32, path="models/v2.onnx", size=10, sites=("north",), at=at)
    ...     live = current(conn)
    ...     (live.version, live.state, live.sites)
    ('v2', 'canary', ('north',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.schema import model_releases

CANARY, RELEASED, ROLLED_BACK = "canary", "released", "rolled-back"


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One published detector."""

    version: str
    sha256: str
    path: str
    size: int
    sites: tuple[str, ...] | None
    state: str
    created_at: datetime
    updated_at: datetime


def _row(r: Any) -> ReleaseRow:
    return ReleaseRow(
        version=r.version,
        sha256=r.sha256,
        path=r.path,
        size=int(r.size),
        sites=None if r.sites is None else tuple(r.sites),
        state=r.state,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def add(
    conn: sa.Connection,
    *,
    version: str,
    sha256: str,
    path: str,
    size: int,
    sites: Sequence[str] | None,
    at: datetime,
) -> None:
    """A new release: a canary when ``sites`` are given, else released to every site."""
    conn.execute(
        sa.insert(model_releases).values(
            version=version,
            sha256=sha256,
            path=path,
            size=size,
            sites=None if sites is None else sorted(sites),
            state=CANARY if sites else RELEASED,
            created_at=at,
            updated_at=at,
        )
    )


def get(conn: sa.Connection, version: str) -> ReleaseRow | None:
    """One release by version."""
    found = conn.execute(sa.select(model_releases).where(model_releases.c.version == version)).first()
    return _row(found) if found is not None else None


def list_all(conn: sa.Connection) -> list[ReleaseRow]:
    """Every release, newest change first."""
    order = (model_releases.c.updated_at.desc(), model_releases.c.created_at.desc())
    return [_row(r) for r in conn.execute(sa.select(model_releases).order_by(*order))]


def set_state(conn: sa.Connection, version: str, *, state: str, at: datetime) -> None:
    """Promote (``released``: every site) or roll back a release."""
    values: dict[str, Any] = {"state": state, "updated_at": at}
    if state == RELEASED:
        values["sites"] = None
    conn.execute(sa.update(model_releases).where(model_releases.c.version == version).values(**values))


def current(conn: sa.Connection) -> ReleaseRow | None:
    """The live release: the newest change that was not rolled back (None: the packaged detector)."""
    return next((r for r in list_all(conn) if r.state != ROLLED_BACK), None)


def released_before(conn: sa.Connection, release: ReleaseRow) -> ReleaseRow | None:
    """What the sites outside a canary run: the newest release given to every site before it."""
    return next(
        (r for r in list_all(conn) if r.state == RELEASED and r.version != release.version),
        None,
    )
