"""Cameras: the list, and one camera's page (latest snapshot, recordings on a timeline, geometry editor).

Both are rendered from :func:`camsight.services.cameras.list_cameras` (the account's cameras only,
each with the URL of its newest snapshot, masked and blurred by ``/api/media/snapshots/...``); a
camera the account may not see is a 404 page, as for one that does not exist. In the browser,
``static/js/camera.js`` draws the recordings of a period on a timeline from
``GET /api/recordings?camera=&since=&until=`` (segments, the events in them, outages) and plays a
segment from ``/api/recordings/{id}/video.mp4`` (MP4 with Range); for admins ``static/js/geometry.js``
draws zones, lines and masks on the snapshot and saves them with ``PUT /api/cameras/{id}/geometry``,
showing the API's validation messages.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn, Context
from camsight.services import cameras
from camsight.web.access import Page
from camsight.web.errors import html_errors, not_found
from camsight.web.layout import show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


@router.get("/cameras")
def cameras_page(user: Page, conn: Conn, ctx: Context) -> HTMLResponse:
    """Every camera the account may see, with its latest snapshot and live state."""
    views = cameras.list_cameras(conn, actor=user.actor, config=ctx.config, status_file=ctx.store.paths.status)
    return show(user, "cameras.html", active="/cameras", cameras=views)


@router.get("/cameras/{camera_id}")
def camera_page(camera_id: str, user: Page, conn: Conn, ctx: Context) -> HTMLResponse:
    """One camera: snapshot, recordings timeline and playback (operators), geometry editor (admins)."""
    views = cameras.list_cameras(conn, actor=user.actor, config=ctx.config, status_file=ctx.store.paths.status)
    view = next((v for v in views if v.id == camera_id), None)
    if view is None:
        raise not_found(f"no camera {camera_id!r} here")
    return show(
        user,
        "camera.html",
        active="/cameras",
        camera=view,
        may_play=user.may("operator"),
        may_edit=user.may("admin"),
    )
