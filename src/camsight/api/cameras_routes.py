"""``/api/cameras``: the cameras, and the zones, lines and masks drawn on them in the console.

A geometry is saved with ``PUT /api/cameras/{id}/geometry`` (admins) naming the version it was drawn
on: 409 when someone saved another meanwhile, 422 with the config's own messages (one line per problem)
when the config models refuse it, or when it removes or shrinks a privacy mask without a ``reason``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Context, Reader, Writer
from camsight.services import cameras
from camsight.services.cameras import Geometry, GeometryEdit, LineDraft, ZoneDraft

router = APIRouter(prefix="/api/cameras", tags=["cameras"])

XY = tuple[float, float]
MAX_ITEMS = 100  # a camera has a handful of zones; the body limit (64 KiB) bounds the rest


class Zone(BaseModel):
    """A named polygon."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, description="Unique name, used by rules and in events.")
    polygon: list[XY] = Field(max_length=1000, description="Corners [[x, y], ...], normalised 0..1.")


class Line(BaseModel):
    """A named directed line a → b."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, description="Unique name, used by rules and in events.")
    a: XY = Field(description="First end [x, y], normalised.")
    b: XY = Field(description="Second end [x, y], normalised.")


class GeometryIn(BaseModel):
    """A camera's zones, lines and masks as drawn, and the version they were drawn on."""

    model_config = ConfigDict(extra="forbid")

    zones: list[Zone] = Field(default=[], max_length=MAX_ITEMS, description="Named polygons used by rules.")
    lines: list[Line] = Field(default=[], max_length=MAX_ITEMS, description="Named directed lines used by rules.")
    masks: list[list[XY]] = Field(default=[], max_length=MAX_ITEMS, description="Privacy-mask polygons.")
    reason: str | None = Field(
        default=None, max_length=500, description="Why a mask is removed or shrunk (needed then; audited)."
    )
    version: int = Field(ge=0, description="The version this was drawn on (0: the config file's geometry).")


class GeometryOut(BaseModel):
    """A camera's geometry in effect."""

    camera: str = Field(description="Camera id.")
    zones: list[Zone] = Field(description="Named polygons.")
    lines: list[Line] = Field(description="Named directed lines.")
    masks: list[list[XY]] = Field(description="Privacy-mask polygons.")
    version: int = Field(description="Stored version; 0 while the config file's geometry applies.")
    origin: Literal["config", "store"] = Field(description="config: the file's; store: saved in the console.")
    updated_at: datetime | None = Field(description="When it was saved (store only).")
    updated_by: str | None = Field(description="Who saved it (store only).")


class Live(BaseModel):
    """A live camera's state, from the status file of ``camsight run``."""

    state: str = Field(description="connecting, live, backoff, failed or stopped.")
    reason: str | None = Field(description="Why it is not live, when it is not.")
    last_frame_at: datetime | None = Field(description="When the last frame arrived.")
    updated_at: datetime = Field(description="When the status file was written.")
    running: bool = Field(description="Whether camsight run was running then.")


class Camera(BaseModel):
    """One camera of the site."""

    id: str = Field(description="Camera id.")
    site: str = Field(
        description="Its site (at a hub: the sites you may see with a camera of this id, comma-separated)."
    )
    source: str | None = Field(description="Where its frames come from, without credentials.")
    configured: bool = Field(description="Whether the config file has it (else only the store knows it).")
    geometry: GeometryOut = Field(description="Zones, lines and masks in effect.")
    snapshot: str | None = Field(description="URL of the newest snapshot of its events.")
    live: Live | None = Field(description="Live state, when camsight run reported one.")


def _out(found: Geometry) -> GeometryOut:
    return GeometryOut(
        camera=found.camera,
        zones=[Zone(name=z.name, polygon=list(z.polygon)) for z in found.zones],
        lines=[Line(name=ln.name, a=ln.a, b=ln.b) for ln in found.lines],
        masks=[list(m) for m in found.masks],
        version=found.version,
        origin=found.origin,
        updated_at=found.updated_at,
        updated_by=found.updated_by,
    )


def _edit(body: GeometryIn) -> GeometryEdit:
    return GeometryEdit(
        zones=tuple(ZoneDraft(z.name, tuple(z.polygon)) for z in body.zones),
        lines=tuple(LineDraft(ln.name, ln.a, ln.b) for ln in body.lines),
        masks=tuple(tuple(m) for m in body.masks),
        version=body.version,
        reason=body.reason,
    )


@router.get("")
def list_cameras(actor: Reader, conn: Conn, ctx: Context) -> list[Camera]:
    """The cameras of the config and of the store that the caller may see."""
    views = cameras.list_cameras(conn, actor=actor, config=ctx.config, status_file=ctx.store.paths.status)
    return [
        Camera(
            id=v.id,
            site=v.site,
            source=v.source,
            configured=v.configured,
            geometry=_out(v.geometry),
            snapshot=v.snapshot,
            live=None if v.live is None else Live.model_validate(v.live, from_attributes=True),
        )
        for v in views
    ]


@router.get("/{camera_id}/geometry", responses={404: {"description": "No such camera in the caller's scope"}})
def get_geometry(camera_id: str, actor: Reader, conn: Conn, ctx: Context) -> GeometryOut:
    """The camera's zones, lines and masks: saved in the console, else the config file's."""
    return _out(cameras.geometry(conn, actor=actor, config=ctx.config, camera=camera_id))


@router.put(
    "/{camera_id}/geometry",
    responses={
        403: {"description": "Not an admin"},
        404: {"description": "No such camera in the caller's scope"},
        409: {"description": "Saved by someone else since this version"},
        422: {"description": "Refused by the config's checks, or a mask lifted without a reason"},
    },
)
def put_geometry(camera_id: str, body: GeometryIn, actor: Writer, conn: Conn, ctx: Context) -> GeometryOut:
    """Save the camera's geometry as a new version (admins); the analysis uses it from then on."""
    saved = cameras.save_geometry(
        conn, actor=actor, config=ctx.config, camera=camera_id, geometry=_edit(body), now=datetime.now(UTC)
    )
    return _out(saved)
