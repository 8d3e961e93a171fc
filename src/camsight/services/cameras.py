"""Cameras and their geometry: what the console lists, and the zones, lines and masks drawn in it.

A camera's *geometry* (zones, lines, privacy masks) comes from the config file until someone saves
one in the console; from then on the store's ``camera_geometry`` row replaces the config's for that
camera (:func:`effective_camera`), in ``camsight analyze`` and in every live worker. A saved geometry
is validated by the config models exactly as a config file would be (the camera's rules must still
find their zones and lines; polygons must not cross themselves), with the config's own one-line
messages, and is versioned: a save names the version it edits, and is refused when the stored one
moved on. Masks are never lifted silently: a save that uncovers any part of the picture a mask
covered needs a reason, which goes to the audit log.

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> config = Config(site="docs", cameras=[{"id": "gate"}])
    >>> store = open_store(config, ":memory:")
    >>> edit = GeometryEdit(zones=(ZoneDraft("door", ((0, 0), (0.5, 0), (0.5, 1))),), version=0)
    >>> with store.engine.begin() as conn:
    ...     saved = save_geometry(conn, actor=os_actor(), config=config, camera="gate", geometry=edit,
    ...                           now=datetime.now(UTC))
    ...     [z.name for z in geometry(conn, actor=os_actor(), config=config, camera="gate").zones], saved.version
    (['door'], 1)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from pydantic import ValidationError

from camsight.config.checks import Problem
from camsight.config.lint import lint
from camsight.config.loader import explain
from camsight.config.models import CameraConfig, Config, LineConfig, ZoneConfig
from camsight.core.geometry import Point
from camsight.errors import CamsightError
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.status import camera_health
from camsight.sources.rtsp import redact_url
from camsight.store import repository as repo
from camsight.store.schema import camera_geometry
from camsight.store.status_file import CameraHealth

log = logging.getLogger(__name__)

SNAPSHOT_URL = "/api/media/snapshots/{event_id}"
"""Where the console fetches an event's snapshot (served by the media routes)."""
SNAPSHOT_LOOKBACK = 20
"""How many of a camera's newest events are searched for one with a snapshot."""
MASK_GRID = 2048
"""Side of the grid masks are compared on (a mask lifted by less than one cell is not noticed)."""

Mask = tuple[Point, ...]


class CameraNotFound(CamsightError):
    """No camera (visible to the actor) has that id."""


class GeometryInvalid(CamsightError):
    """A geometry the config models refuse; ``problems`` holds the config's lines, one per problem."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        """Keep the lines beside the message."""
        super().__init__(message)
        self.problems = tuple(problems)


class GeometryConflict(CamsightError):
    """The stored geometry changed since the version the edit was made on."""


@dataclass(frozen=True, slots=True)
class ZoneDraft:
    """A zone as drawn: a name and its corners (normalised), not yet validated."""

    name: str
    polygon: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class LineDraft:
    """A line as drawn: a name and its two ends (normalised), not yet validated."""

    name: str
    a: Point
    b: Point


@dataclass(frozen=True, slots=True)
class GeometryEdit:
    """A geometry to save: what was drawn, the version it was drawn on, and why masks were lifted."""

    zones: tuple[ZoneDraft, ...] = ()
    lines: tuple[LineDraft, ...] = ()
    masks: tuple[tuple[Point, ...], ...] = ()
    version: int = 0
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Geometry:
    """A camera's zones, lines and masks, and where they come from.

    Attributes:
        camera: Camera id.
        zones: Named polygons.
        lines: Named directed lines.
        masks: Privacy-mask polygons.
        version: The stored version; 0 while the config's geometry applies.
        origin: ``config`` (the file's) or ``store`` (saved in the console).
        updated_at: When it was saved (``store`` only).
        updated_by: Who saved it (``store`` only).
    """

    camera: str
    zones: tuple[ZoneConfig, ...]
    lines: tuple[LineConfig, ...]
    masks: tuple[Mask, ...]
    version: int
    origin: Literal["config", "store"]
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    """A live camera's state from the status file of ``camsight run``."""

    state: str
    reason: str | None
    last_frame_at: datetime | None
    updated_at: datetime
    running: bool


@dataclass(frozen=True, slots=True)
class CameraView:
    """One camera as the console lists it."""

    id: str
    site: str
    source: str | None
    configured: bool
    geometry: Geometry
    snapshot: str | None
    live: LiveState | None


# -- the camera_geometry table (a repository module in store/ would be its home) -------------------------


@dataclass(frozen=True, slots=True)
class _Stored:
    geometry: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str


def _read_row(conn: sa.Connection, *, site: str, camera: str) -> _Stored | None:
    t = camera_geometry
    stmt = sa.select(t.c.geometry, t.c.version, t.c.updated_at, t.c.updated_by).where(
        t.c.site == site, t.c.camera == camera
    )
    row = conn.execute(stmt).one_or_none()
    return None if row is None else _Stored(dict(row.geometry), int(row.version), row.updated_at, row.updated_by)


def _write_row(
    conn: sa.Connection, *, site: str, camera: str, data: dict[str, Any], expected: int, now: datetime, by: str
) -> bool:
    """Store version ``expected + 1``; False when the stored version is no longer ``expected``."""
    t = camera_geometry
    values = {"geometry": data, "version": expected + 1, "updated_at": now, "updated_by": by}
    if expected == 0:
        try:
            conn.execute(sa.insert(t).values(site=site, camera=camera, **values))
        except sa.exc.IntegrityError:  # saved meanwhile by someone else (the transaction is rolled back)
            return False
        return True
    stmt = sa.update(t).where(t.c.site == site, t.c.camera == camera, t.c.version == expected)
    return bool(conn.execute(stmt.values(**values)).rowcount)


# -- reading ------------------------------------------------------------------------------------------


def _config_camera(config: Config, camera: str) -> CameraConfig | None:
    return next((c for c in config.cameras if c.id == camera), None)


def _masks(masks: Sequence[Sequence[Sequence[float]]]) -> tuple[Mask, ...]:
    return tuple(tuple((float(x), float(y)) for x, y in mask) for mask in masks)


def _from_config(camera: CameraConfig) -> Geometry:
    return Geometry(camera.id, camera.zones, camera.lines, _masks(camera.masks), 0, "config")


def _from_row(camera: str, row: _Stored) -> Geometry:
    data = row.geometry
    return Geometry(
        camera,
        tuple(ZoneConfig.model_validate(z) for z in data.get("zones", [])),
        tuple(LineConfig.model_validate(ln) for ln in data.get("lines", [])),
        _masks(data.get("masks", [])),
        row.version,
        "store",
        row.updated_at,
        row.updated_by,
    )


def _listed_cameras(config: Config) -> tuple[CameraConfig, ...]:
    """The cameras the config file names: none when it names none (its implicit ``default`` is for analyses)."""
    return config.cameras if "cameras" in config.model_fields_set else ()


def _owners(sites: dict[str, frozenset[str]], camera: str, config: Config) -> frozenset[str]:
    """The sites with a camera of that id: the store's, else (a camera only the config names) the config's."""
    return sites.get(camera) or frozenset({config.site_name()})


def visible_camera(conn: sa.Connection, *, actor: Actor, config: Config, camera: str) -> CameraConfig:
    """The camera's config (a bare one for a camera only the store knows), if the actor may see it.

    As in :func:`list_cameras`: at a site in the actor's scope; a config's implicit ``default`` camera only
    once the store knows it.

    Raises:
        CameraNotFound: Neither the config nor the store has it, or the actor may not see it.
    """
    sites = repo.camera_sites(conn)
    found = next((c for c in _listed_cameras(config) if c.id == camera), None)
    if found is None and camera in sites:
        found = _config_camera(config, camera) or CameraConfig(id=camera)
    if found is None or not actor.may_see_any(camera, _owners(sites, camera, config)):
        raise CameraNotFound(f"no camera {camera!r}; list them with GET /api/cameras")
    return found


def _current(conn: sa.Connection, config: Config, camera: CameraConfig) -> Geometry:
    row = _read_row(conn, site=config.site_name(), camera=camera.id)
    return _from_config(camera) if row is None else _from_row(camera.id, row)


def geometry(conn: sa.Connection, *, actor: Actor, config: Config, camera: str) -> Geometry:
    """The camera's zones, lines, masks and version: the store's when saved there, else the config's.

    Raises:
        CameraNotFound: No such camera in the actor's scope.
    """
    return _current(conn, config, visible_camera(conn, actor=actor, config=config, camera=camera))


def effective_camera(conn: sa.Connection, camera: CameraConfig, *, site: str) -> CameraConfig:
    """The camera's settings with the geometry saved in the console (if any) in place of the config's.

    When the saved geometry no longer fits the camera's rules (the config file changed since), the
    config's zones and lines stay, the saved masks are added to the config's (never fewer masks), and
    a warning is logged.
    """
    row = _read_row(conn, site=site, camera=camera.id)
    if row is None:
        return camera
    saved = _from_row(camera.id, row)
    try:
        return _with_geometry(camera, saved.zones, saved.lines, saved.masks)
    except ValidationError as exc:
        log.warning(
            "camera %s: the geometry saved in the console (version %d) no longer fits its rules (%s); "
            "the config's zones and lines apply, with the saved masks added",
            camera.id,
            saved.version,
            "; ".join(explain(exc)),
        )
        return _with_geometry(camera, camera.zones, camera.lines, (*_masks(camera.masks), *saved.masks))


def effective_config(conn: sa.Connection, config: Config) -> Config:
    """The config with every camera's saved geometry applied (see :func:`effective_camera`)."""
    site = config.site_name()
    cameras = tuple(effective_camera(conn, c, site=site) for c in config.cameras)
    return config.model_copy(update={"cameras": cameras})


def camera_masks(conn: sa.Connection, *, config: Config, camera: str) -> tuple[Mask, ...]:
    """The privacy masks that apply to a camera's pictures now (saved in the console, else the config's)."""
    found = _config_camera(config, camera) or CameraConfig(id=camera)
    return _masks(effective_camera(conn, found, site=config.site_name()).masks)


def _with_geometry(
    camera: CameraConfig, zones: Sequence[ZoneConfig], lines: Sequence[LineConfig], masks: Sequence[Mask]
) -> CameraConfig:
    data = camera.model_dump(mode="json")
    data.update(
        zones=[z.model_dump(mode="json") for z in zones],
        lines=[ln.model_dump(mode="json") for ln in lines],
        masks=[[list(p) for p in m] for m in masks],
    )
    return CameraConfig.model_validate(data)


def _snapshot(conn: sa.Connection, camera: str, sites: list[str] | None) -> str | None:
    """The URL of the newest snapshot of the camera's events at ``sites`` (None: any site's)."""
    for event in repo.list_events(conn, camera=camera, limit=SNAPSHOT_LOOKBACK, sites=sites):
        if event.snapshot:
            return SNAPSHOT_URL.format(event_id=event.id)
    return None


def _live(status_file: Path | None, actor: Actor) -> dict[str, LiveState]:
    if status_file is None:
        return {}
    try:
        status = camera_health(status_file, actor=actor)
    except CamsightError:  # camsight run never ran on this store
        return {}
    return {h.camera: _state(h, status.updated_at, status.running) for h in status.cameras}


def _state(health: CameraHealth, updated_at: float, running: bool) -> LiveState:
    last = None if health.last_frame_at is None else datetime.fromtimestamp(health.last_frame_at, UTC)
    return LiveState(health.state, health.reason, last, datetime.fromtimestamp(updated_at, UTC), running)


def list_cameras(
    conn: sa.Connection, *, actor: Actor, config: Config, status_file: Path | None = None
) -> list[CameraView]:
    """The cameras of the config and of the store in the actor's scope: config order first, then the store's.

    A camera only the config names is its site's (an account limited to other sites does not see it);
    a config that names no cameras (a hub's) adds none. A camera of other sites (at a hub) gives as its
    site those of them that have a camera of that id and the actor may see, comma-separated. Each comes
    with its source (credentials removed), its geometry in effect, the newest snapshot of its events at
    the sites the actor may see (as the URL the console fetches it from) and, when ``status_file`` has
    it, its live state.
    """
    stored = repo.list_cameras(conn)
    sites = repo.camera_sites(conn)
    listed = [c.id for c in _listed_cameras(config)]
    ids = listed + sorted(set(stored) - set(listed))
    live = _live(status_file, actor)
    views = []
    for camera_id in ids:
        owners = _owners(sites, camera_id, config)
        if not actor.may_see_any(camera_id, owners):
            continue
        visible = sorted(s for s in owners if actor.may_see(camera_id, s))
        at_hub = config.site_name() not in owners  # then its site is the edges' sites in the actor's scope
        site = ", ".join(visible) if at_hub else config.site_name()
        configured = _config_camera(config, camera_id)
        source = configured.source if configured is not None else stored.get(camera_id)
        camera = configured or CameraConfig(id=camera_id)
        views.append(
            CameraView(
                id=camera_id,
                site=site,
                source=None if source is None else redact_url(source),
                configured=configured is not None,
                geometry=_current(conn, config, camera),
                snapshot=_snapshot(conn, camera_id, None if actor.sites is None else visible),
                live=live.get(camera_id),
            )
        )
    return views


# -- saving -------------------------------------------------------------------------------------------


def _raw(edit: GeometryEdit) -> dict[str, Any]:
    return {
        "zones": [{"name": z.name, "polygon": [list(p) for p in z.polygon]} for z in edit.zones],
        "lines": [{"name": ln.name, "a": list(ln.a), "b": list(ln.b)} for ln in edit.lines],
        "masks": [[list(p) for p in m] for m in edit.masks],
    }


def validate_geometry(camera: CameraConfig, edit: GeometryEdit) -> CameraConfig:
    """The camera with the drawn geometry, validated as the same camera in a config file would be.

    Raises:
        GeometryInvalid: One line per problem, worded and placed as the config's checks word them
            (``zones.0.polygon: zone 'door': its outline crosses itself: ...``).
    """
    data = camera.model_dump(mode="json") | _raw(edit)
    problems = [str(Problem(p.loc[2:], p.message)) for p in lint({"cameras": [data]})]
    try:
        validated = CameraConfig.model_validate(data)
    except ValidationError as exc:
        problems = explain(exc) + problems
    else:
        if not problems:
            return validated
    lines = list(dict.fromkeys(problems))
    raise GeometryInvalid(f"geometry of camera {camera.id}: {len(lines)} problem(s):\n  " + "\n  ".join(lines), lines)


def _raster(masks: Sequence[Mask]) -> NDArray[np.bool_]:
    canvas = np.zeros((MASK_GRID, MASK_GRID), np.uint8)
    for mask in masks:
        cv2.fillPoly(canvas, [np.round(np.asarray(mask) * (MASK_GRID - 1)).astype(np.int32)], 1)
    return canvas.astype(np.bool_)


def masks_lifted(before: Sequence[Mask], after: Sequence[Mask]) -> bool:
    """Whether ``after`` leaves visible some part of the picture that ``before`` covered.

    >>> square = ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5))
    >>> masks_lifted([square], [square, ((0.6, 0.6), (0.9, 0.6), (0.9, 0.9))]), masks_lifted([square], [])
    (False, True)
    """
    if not before:
        return False
    covered = cv2.dilate(_raster(after).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.bool_)
    return bool((_raster(before) & ~covered).any())


def save_geometry(
    conn: sa.Connection, *, actor: Actor, config: Config, camera: str, geometry: GeometryEdit, now: datetime
) -> Geometry:
    """Validate and store a camera's geometry as a new version, audited as ``camera.geometry`` (admins only).

    Args:
        conn: Connection (the audit row is written in its transaction).
        actor: Who saves.
        config: The configuration (the camera's rules, the site).
        camera: Camera id.
        geometry: What was drawn, the version it was drawn on (0 for the config's) and, when a mask is
            removed or shrunk, the reason.
        now: The time of the change.

    Raises:
        Forbidden: The actor is not an admin.
        CameraNotFound: No such camera in the actor's scope.
        GeometryInvalid: The config models refuse it, or it uncovers masked picture without a reason.
        GeometryConflict: The stored version is no longer ``geometry.version``.
    """
    base = visible_camera(conn, actor=actor, config=config, camera=camera)  # out of scope: not found
    actor.require("admin", "change a camera's zones, lines or masks")
    current = _current(conn, config, base)
    if geometry.version != current.version:
        raise _conflict(camera, geometry.version, current.version)
    validated = validate_geometry(base, geometry)
    masks = _masks(validated.masks)
    reason = (geometry.reason or "").strip() or None
    lifted = masks_lifted(current.masks, masks)
    if lifted and reason is None:
        raise GeometryInvalid(
            f"camera {camera}: this removes or shrinks a privacy mask; give a reason (it goes to the audit log)"
        )
    data = {
        "zones": [z.model_dump(mode="json") for z in validated.zones],
        "lines": [ln.model_dump(mode="json") for ln in validated.lines],
        "masks": [[list(p) for p in m] for m in masks],
    }
    site = config.site_name()
    if not _write_row(conn, site=site, camera=camera, data=data, expected=current.version, now=now, by=actor.name):
        raise _conflict(camera, geometry.version, None)
    saved = Geometry(camera, validated.zones, validated.lines, masks, current.version + 1, "store", now, actor.name)
    audit.record(conn, actor=actor, action="camera.geometry", detail=_detail(saved, current, lifted, reason))
    return saved


def _conflict(camera: str, sent: int, stored: int | None) -> GeometryConflict:
    now = "a newer version" if stored is None else f"version {stored}"
    return GeometryConflict(
        f"camera {camera}: the geometry was changed meanwhile (it is now {now}; this edit was made on "
        f"version {sent}); reload it and draw again"
    )


def _detail(saved: Geometry, before: Geometry, lifted: bool, reason: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "camera": saved.camera,
        "version": saved.version,
        "zones": len(saved.zones),
        "lines": len(saved.lines),
        "masks": len(saved.masks),
    }
    if saved.masks != before.masks:
        detail["masks_changed"] = True
    if lifted:
        detail["masks_lifted"] = True
    if reason is not None:
        detail["reason"] = reason
    return detail
