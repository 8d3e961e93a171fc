"""What state things are in: the store (schema, site, counts) and the live cameras' health.

The live cameras' health comes from the status file ``camsight run`` rewrites about once a second
(:mod:`camsight.store.status_file`); :func:`live_health` reads it only while that run is alive, so a
server never shows a stopped run's last numbers as current.

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

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from camsight.errors import CamsightError
from camsight.services.actor import Actor
from camsight.store import migrations
from camsight.store import repository as repo
from camsight.store.db import get_meta
from camsight.store.status_file import CameraHealth, Status, read_status

STALE_S = 10.0
"""A status file not rewritten for this long is a run that stopped (it is rewritten about once a second)."""


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
    """The store's schema, site and what it holds (in the actor's scope; operators and admins).

    Raises:
        Forbidden: The actor is a viewer.
    """
    actor.require("operator", "read the store's status")
    cameras, sites = actor.scope(), actor.site_scope()
    version = get_meta(conn, "schema_version")
    return StoreStatus(
        schema_version=int(version) if version else 0,
        revision=migrations.current(conn),
        site=get_meta(conn, "site"),
        events=repo.count_events(conn, cameras=cameras, sites=sites),
        tracks=repo.count_tracks(conn, cameras=cameras, sites=sites),
        cameras=len([c for c, at in repo.camera_sites(conn).items() if actor.may_see_any(c, at)]),
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


def schema_version(conn: sa.Connection) -> int:
    """The store's schema version (0 for an empty database); anyone may ask (health checks)."""
    version = get_meta(conn, "schema_version")
    return int(version) if version else 0


@dataclass(frozen=True, slots=True)
class LiveHealth:
    """The cameras of a running ``camsight run`` (none when no run is alive on this store)."""

    running: bool
    pid: int | None
    cameras: list[CameraHealth]


def live_health(path: Path, *, actor: Actor, now: float | None = None) -> LiveHealth:
    """The health of the cameras (in the actor's scope) of the ``camsight run`` alive on this store, if any.

    A run is alive when its status file says so, was rewritten less than :data:`STALE_S` ago and its
    process exists; otherwise the answer has no cameras.
    """
    try:
        status = camera_health(path, actor=actor)
    except CamsightError:  # no status file: camsight run never ran on this store
        return LiveHealth(running=False, pid=None, cameras=[])
    fresh = ((time.time() if now is None else now) - status.updated_at) < STALE_S
    if not (status.running and fresh and _alive(status.pid)):
        return LiveHealth(running=False, pid=status.pid, cameras=[])
    return LiveHealth(running=True, pid=status.pid, cameras=status.cameras)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True
