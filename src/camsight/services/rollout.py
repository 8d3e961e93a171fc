"""At a hub: publishing detector models to the edges, canary first, then every site; rolling back; status.

Each change hands the :class:`~camsight.transport.messages.ModelAnnouncement` that says what every
edge should run now to ``announce`` (which publishes it, retained, on ``camsight/hub/models``) inside the
caller's transaction: if the broker does not take it, the change is not stored. The file is kept in
the hub's media folder (``models/<version>.onnx``) and served at ``/api/models/<version>/model.onnx``;
an edge downloads it, checks its SHA-256 against the announcement and refuses it when they differ.
Every change is audited.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from camsight.errors import CamsightError
from camsight.models.registry import sha256_of
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.store import edges_repo, perms, releases_repo
from camsight.store.db import get_meta, set_meta
from camsight.store.edges_repo import EdgeRow
from camsight.store.releases_repo import ReleaseRow
from camsight.transport.messages import PACKAGED, VERSION_PATTERN, ModelAnnouncement, ModelRelease

MODELS_URL_KEY = "models_url"
"""Meta key: the hub's address as the edges reach it, given when the first model was published."""


Announce = Callable[[ModelAnnouncement], None]
"""Publishes an announcement (raises when the broker does not take it)."""


def _told(announced: ModelAnnouncement, announce: Announce) -> ModelAnnouncement:
    announce(announced)
    return announced


class RolloutError(CamsightError):
    """A model cannot be published, promoted or rolled back as asked."""


@dataclass(frozen=True, slots=True)
class RolloutStatus:
    """The releases, newest first, and the version each edge reports."""

    releases: list[ReleaseRow]
    edges: list[EdgeRow]


def _check_version(version: str) -> None:
    if version == PACKAGED or not re.fullmatch(VERSION_PATTERN, version):
        raise RolloutError(
            f"bad model version {version!r}: use letters, digits, '.', '_' or '-' (at most 64), not {PACKAGED!r}"
        )


def _base_url(conn: sa.Connection, url: str | None) -> str:
    if url is not None:
        if not re.match(r"^https?://[^\s/]+", url):
            raise RolloutError(f"--url must be the hub's http(s):// address as the edges reach it, got {url!r}")
        set_meta(conn, MODELS_URL_KEY, url.rstrip("/"))
        return url.rstrip("/")
    known = get_meta(conn, MODELS_URL_KEY)
    if known is None:
        raise RolloutError("give --url: the hub's address as the edges reach it (e.g. http://hub.local:8090)")
    return known


def _release(row: ReleaseRow, base: str) -> ModelRelease:
    return ModelRelease(
        version=row.version, sha256=row.sha256, url=f"{base}/api/models/{row.version}/model.onnx", size=row.size
    )


def announcement(conn: sa.Connection, *, url: str | None = None, now: datetime) -> ModelAnnouncement:
    """What every edge should run, from the releases stored (the packaged detector when there are none)."""
    live = releases_repo.current(conn)
    if live is None:
        return ModelAnnouncement(release=ModelRelease(version=PACKAGED), at=now)
    base = _base_url(conn, url)
    if live.state == releases_repo.CANARY:
        before = releases_repo.released_before(conn, live)
        others = _release(before, base) if before is not None else None
        return ModelAnnouncement(release=_release(live, base), sites=live.sites, others=others, at=now)
    return ModelAnnouncement(release=_release(live, base), at=now)


def _copy_in(source: Path, folder: Path, version: str) -> Path:
    """Copy the file into the hub's models folder, atomically (a half-copied file is never served)."""
    target = folder / f"{version}.onnx"

    def copy(out: BinaryIO) -> None:
        with source.open("rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    perms.replace_file(target, copy, durable=True)
    return target


def publish(
    conn: sa.Connection,
    *,
    actor: Actor,
    file: Path,
    version: str,
    canary: Sequence[str] = (),
    models_dir: Path,
    url: str | None,
    now: datetime,
    announce: Announce,
) -> ModelAnnouncement:
    """Keep ``file`` as release ``version``: for the ``canary`` sites only, or (none given) for every site.

    Raises:
        RolloutError: A bad version, a version published already, or a file that is not a detector.
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "publish a model")
    _check_version(version)
    if releases_repo.get(conn, version) is not None:
        raise RolloutError(f"release {version} exists already; publish the new file under another version")
    if not file.is_file():
        raise RolloutError(f"model file not found: {file}")
    _check_detector(file)
    base = _base_url(conn, url)
    kept = _copy_in(file, models_dir, version)
    sha, size = sha256_of(kept), kept.stat().st_size
    sites = sorted(set(canary)) or None
    releases_repo.add(conn, version=version, sha256=sha, path=str(kept.resolve()), size=size, sites=sites, at=now)
    audit.record(conn, actor=actor, action="model.publish", detail={"version": version, "sha256": sha, "sites": sites})
    return _told(announcement(conn, url=base, now=now), announce)


def _check_detector(file: Path) -> None:
    """Refuse a file the edges could not run (loads it as they would)."""
    from camsight.config.models import DetectorConfig
    from camsight.errors import ModelError
    from camsight.perception.detect import OnnxDetector

    try:
        OnnxDetector(DetectorConfig(model=file))
    except ModelError as exc:
        raise RolloutError(f"{file} is not a detector the edges can run: {exc}") from None


def promote(conn: sa.Connection, *, actor: Actor, version: str, now: datetime, announce: Announce) -> ModelAnnouncement:
    """Give a canary release to every site.

    Raises:
        RolloutError: No such release, or it was rolled back.
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "promote a model")
    row = releases_repo.get(conn, version)
    if row is None:
        raise RolloutError(f"no release {version}; `camsight models status` lists them")
    if row.state == releases_repo.ROLLED_BACK:
        raise RolloutError(f"release {version} was rolled back; publish it again under a new version")
    releases_repo.set_state(conn, version, state=releases_repo.RELEASED, at=now)
    audit.record(conn, actor=actor, action="model.promote", detail={"version": version})
    return _told(announcement(conn, now=now), announce)


def rollback(conn: sa.Connection, *, actor: Actor, now: datetime, announce: Announce) -> tuple[str, ModelAnnouncement]:
    """Withdraw the live release: every site goes back to the one before (in the end, the packaged detector).

    Returns:
        The version withdrawn and the announcement to publish.

    Raises:
        RolloutError: Nothing to roll back (the edges run the packaged detector).
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "roll back a model")
    live = releases_repo.current(conn)
    if live is None:
        raise RolloutError(f"nothing to roll back: the edges run the packaged detector ({PACKAGED})")
    releases_repo.set_state(conn, live.version, state=releases_repo.ROLLED_BACK, at=now)
    audit.record(conn, actor=actor, action="model.rollback", detail={"version": live.version})
    return live.version, _told(announcement(conn, now=now), announce)


def status(conn: sa.Connection, *, actor: Actor) -> RolloutStatus:
    """Every release and each edge's reported version (edges outside the actor's sites are left out).

    Raises:
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "see the model rollout")
    edges = [e for e in edges_repo.list_edges(conn) if actor.sites is None or e.site in actor.sites]
    return RolloutStatus(releases=releases_repo.list_all(conn), edges=edges)


def release_file(conn: sa.Connection, version: str) -> Path | None:
    """The file of a release that is not rolled back, for the edges to download (None: no such file)."""
    row = releases_repo.get(conn, version)
    if row is None or row.state == releases_repo.ROLLED_BACK:
        return None
    path = Path(row.path)
    return path if path.is_file() else None
