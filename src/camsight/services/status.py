"""What state things are in: the store (schema, site, counts) and the live cameras' health.

Example:
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> with store.engine.connect() as conn:
    ...     store_status(conn, actor=os_actor()).schema_version >= 2
    True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from camsight.services.actor import Actor
from camsight.store import migrations
from camsight.store import repository as repo
from camsight.store.db import get_meta
from camsight.store.status_file import Status, read_status


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """A store at a glance."""

    schema_version: int
    revision: str | None
    site: str | None
    events: int
    tracks: int
    cameras: int


def store_status(conn: sa.Connection, *, actor: Actor) -> StoreStatus:
    """The store's schema, site and what it holds (in the actor's scope)."""
    scope = actor.scope()
    version = get_meta(conn, "schema_version")
    return StoreStatus(
        schema_version=int(version) if version else 0,
        revision=migrations.current(conn),
        site=get_meta(conn, "site"),
        events=repo.count_events(conn, cameras=scope),
        tracks=repo.count_tracks(conn) if scope is None else sum(repo.count_tracks(conn, camera=c) for c in scope),
        cameras=len([c for c in repo.list_cameras(conn) if actor.may_see(c)]),
    )


def camera_health(path: Path, *, actor: Actor) -> Status:
    """The live cameras' health from the status file of the last (or running) ``camsight run``.

    Raises:
        CamsightError: There is no status file (``camsight run`` never ran on this store).
    """
    status = read_status(path)
    if actor.cameras is None:
        return status
    return replace(status, cameras=[c for c in status.cameras if actor.may_see(c.camera)])
