"""System health: the store at a glance and each live camera's frame rate, drops and reconnects.

Read from the same use cases as ``GET /api/status`` and ``camsight status``
(:mod:`camsight.services.status`: operators and admins, the account's cameras only); the camera
table refreshes itself
every few seconds (``/health/cameras``, an htmx poll).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn, Context
from camsight.errors import CamsightError
from camsight.services import status
from camsight.store.status_file import CameraHealth
from camsight.web.access import Page, PageUser, require
from camsight.web.errors import html_errors
from camsight.web.layout import fragment, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])

FRESH_S = 10.0
"""A status file older than this means ``camsight run`` is not running."""


@dataclass(frozen=True, slots=True)
class CameraRow:
    """One camera's health as the page shows it."""

    camera: str
    state: str
    fps: str
    frames_in: int
    analysed: int
    dropped: int
    reconnects: int
    restarts: int
    queue: int
    last_frame: str
    latency: str
    notes: str


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else ("inf" if seconds == float("inf") else f"{seconds * 1000:.0f}")


def _ago(at: float | None, now: float) -> str:
    return "-" if at is None else f"{max(0.0, now - at):.0f} s ago"


def camera_row(c: CameraHealth, now: float) -> CameraRow:
    """A camera's snapshot as a row: input frame rate since its worker started, counters, latency p50/p95."""
    up_s = max(1e-6, now - c.started_at) if c.started_at else None
    fps = f"{c.frames_in / up_s:.1f}" if up_s and c.state != "stopped" else "-"
    return CameraRow(
        camera=c.camera,
        state=c.state,
        fps=fps,
        frames_in=c.frames_in,
        analysed=c.frames_analysed,
        dropped=c.frames_dropped,
        reconnects=c.reconnects,
        restarts=c.restarts,
        queue=c.queue_depth,
        last_frame=_ago(c.last_frame_at, now),
        latency=f"{_ms(c.latency.quantile(0.5))} / {_ms(c.latency.quantile(0.95))}",
        notes="; ".join(x for x in (c.reason, *c.notes[-1:]) if x) or "-",
    )


def _camera_context(ctx: Context, user: PageUser) -> dict[str, Any]:
    now = time.time()
    try:
        found = status.camera_health(ctx.store.paths.status, actor=user.actor)
    except CamsightError as exc:
        return {"rows": [], "running": False, "age": None, "problem": str(exc)}
    age = now - found.updated_at
    rows = [camera_row(c, now) for c in found.cameras]
    return {"rows": rows, "running": found.running and age < FRESH_S, "age": age, "problem": None}


@router.get("/health")
def health_page(user: Page, conn: Conn, ctx: Context) -> HTMLResponse:
    """The store's schema, site and counts, and the live cameras' health."""
    store = status.store_status(conn, actor=user.actor)
    return show(user, "health.html", active="/health", store=store, **_camera_context(ctx, user))


@router.get("/health/cameras")
def health_cameras(user: Page, ctx: Context) -> HTMLResponse:
    """The camera table alone (polled by the health page)."""
    require(user, "operator", "see the system's status")
    return fragment(user, "_health_cameras.html", **_camera_context(ctx, user))
