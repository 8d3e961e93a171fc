"""Cameras: the list, and one camera's page (latest snapshot, recordings on a timeline, geometry editor).

The page itself carries only the camera's id; ``static/js/camera.js`` fills it from the JSON API:
``GET /api/cameras`` (the latest snapshot, masked), ``GET /api/recordings?camera=&since=&until=`` (the
segments and the events in them, drawn on a timeline; a segment plays from
``/api/recordings/{segment_id}/video.mp4``, with Range, or through hls.js where an HLS playlist is
served), and for admins ``static/js/geometry.js`` draws zones, lines and masks on the snapshot and saves
them with ``PUT /api/cameras/{id}/geometry``, showing the API's validation messages. A camera the
account may not see is a 404 page, as for one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn, Context
from camsight.config.models import Config
from camsight.services import events
from camsight.web.access import Page, PageUser
from camsight.web.errors import html_errors, not_found
from camsight.web.layout import show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


def visible_cameras(conn: Conn, user: PageUser, config: Config) -> list[str]:
    """The cameras of the store and of the config that the account may see, by id."""
    known = set(events.known_cameras(conn, actor=user.actor))
    known |= {c.id for c in config.cameras if user.actor.may_see(c.id)}
    return sorted(known)


@router.get("/cameras")
def cameras_page(user: Page, conn: Conn, ctx: Context) -> HTMLResponse:
    """Every camera the account may see, with its latest snapshot."""
    cameras = visible_cameras(conn, user, ctx.config)
    return show(user, "cameras.html", active="/cameras", cameras=cameras)


@router.get("/cameras/{camera_id}")
def camera_page(camera_id: str, user: Page, conn: Conn, ctx: Context) -> HTMLResponse:
    """One camera: snapshot, recordings timeline and playback, and (admins) the geometry editor."""
    if camera_id not in visible_cameras(conn, user, ctx.config):
        raise not_found(f"no camera {camera_id!r} here")
    return show(
        user,
        "camera.html",
        active="/cameras",
        camera=camera_id,
        may_play=user.may("operator"),
        may_edit=user.may("admin"),
    )
