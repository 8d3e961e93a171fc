"""``/api/health``, ``/api/status`` and ``/metrics``: is the server up, what the store holds, the live cameras.

``/api/health`` and ``/metrics`` need no login (load balancers and Prometheus scrape them);
``/metrics`` serves the same Prometheus metrics as ``camsight run`` does on its own port, built from
the status file that run rewrites (:class:`~camsight.apps.health.HealthCollector`), and nothing
while no run is alive on this store.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from pydantic import BaseModel, Field

from camsight.api.deps import Conn, Context, Reader
from camsight.apps.health import HealthCollector
from camsight.services import status
from camsight.services.actor import Actor

router = APIRouter(tags=["status"])

_METRICS_ACTOR = Actor("anonymous:metrics", role="viewer")
"""Who reads the status file for /metrics (every camera, as ``camsight run`` serves them)."""


class Health(BaseModel):
    """The server answers and its store can be read."""

    status: str = Field(description="'ok'.")
    schema_version: int = Field(description="The store's schema version.")


class StoreSummary(BaseModel):
    """A store at a glance (counts in the caller's cameras)."""

    schema_version: int
    revision: str | None = Field(description="Alembic revision.")
    site: str | None
    events: int
    tracks: int
    cameras: int


class StatusOut(BaseModel):
    """The store and the live cameras of the ``camsight run`` on it, if one is alive."""

    store: StoreSummary
    running: bool = Field(description="Whether a camsight run is alive on this store.")
    cameras: list[dict[str, Any]] = Field(description="Each live camera's health (empty when no run is alive).")


@router.get("/api/health")
def health(conn: Conn) -> Health:
    """Whether the server is up and its store readable (no login): ``{"status": "ok", "schema_version": N}``."""
    return Health(status="ok", schema_version=status.schema_version(conn))


@router.get("/api/status", responses={403: {"description": "Viewers may not"}})
def store_status(actor: Reader, conn: Conn, ctx: Context) -> StatusOut:
    """The store's schema, site and counts, and the live cameras' health (operators and admins; scoped)."""
    found = status.store_status(conn, actor=actor)
    live = status.live_health(ctx.store.paths.status, actor=actor)
    summary = StoreSummary(
        schema_version=found.schema_version,
        revision=found.revision,
        site=found.site,
        events=found.events,
        tracks=found.tracks,
        cameras=found.cameras,
    )
    return StatusOut(store=summary, running=live.running, cameras=[c.to_dict() for c in live.cameras])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(ctx: Context) -> Response:
    """The live cameras' health as Prometheus metrics (no login), as ``camsight run`` serves them."""
    path = ctx.store.paths.status
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(lambda: status.live_health(path, actor=_METRICS_ACTOR).cameras))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
