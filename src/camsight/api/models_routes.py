"""``/api/models``: at a hub, the detector releases and each edge's version (admins), and the files the edges fetch.

``/api/models/{version}/model.onnx`` needs no login: edges download releases from it and check each
file against the SHA-256 of the hub's announcement, which only the hub may publish (see the broker ACL
in docs/mqtt.md). A model file holds no footage and no personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from camsight.api.deps import Conn, Reader
from camsight.api.params import Responses
from camsight.services import rollout
from camsight.transport.messages import VERSION_PATTERN

router = APIRouter(prefix="/api/models", tags=["models"])

_ADMIN: Responses = {403: {"description": "Only admins"}}


class ReleaseOut(BaseModel):
    """One published detector."""

    version: str
    sha256: str
    size: int = Field(description="Bytes.")
    state: str = Field(description="canary, released or rolled-back.")
    sites: list[str] | None = Field(description="The canary sites; none: every site.")
    updated_at: datetime


class EdgeModelOut(BaseModel):
    """The detector one edge reports in its heartbeat."""

    site: str
    status: str = Field(description="online or offline.")
    model_version: str | None
    model_sha256: str | None
    model_problem: str | None = Field(description="Why it refused the release announced, if it did.")
    last_seen_at: datetime


class RolloutOut(BaseModel):
    """Releases, newest first, and each edge's version."""

    releases: list[ReleaseOut]
    edges: list[EdgeModelOut]


@router.get("", responses=_ADMIN)
def list_models(reader: Reader, conn: Conn) -> RolloutOut:
    """The releases published from this hub and the version each edge runs (admins)."""
    found = rollout.status(conn, actor=reader)
    return RolloutOut(
        releases=[
            ReleaseOut(
                version=r.version,
                sha256=r.sha256,
                size=r.size,
                state=r.state,
                sites=list(r.sites) if r.sites is not None else None,
                updated_at=r.updated_at,
            )
            for r in found.releases
        ],
        edges=[
            EdgeModelOut(
                site=e.site,
                status=e.status,
                model_version=e.model_version,
                model_sha256=e.model_sha256,
                model_problem=e.model_problem,
                last_seen_at=e.last_seen_at,
            )
            for e in found.edges
        ],
    )


@router.get(
    "/{version}/model.onnx",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {"description": "No such release"}},
)
def model_file(conn: Conn, version: Annotated[str, Path(pattern=VERSION_PATTERN)]) -> FileResponse:
    """A release's ONNX file, for the edges (no login: they check it against the announced SHA-256)."""
    found = rollout.release_file(conn, version)
    if found is None:
        raise HTTPException(404, f"no model release {version}")
    return FileResponse(found, media_type="application/octet-stream", filename=f"{version}.onnx")
