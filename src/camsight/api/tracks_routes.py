"""``/api/tracks``: one track record (what was remembered of one tracked object), in the caller's cameras.

Its thumbnail is served at ``/api/media/thumbnails/{id}`` and its clip at ``/api/tracks/{id}/clip.mp4``
(the recordings API).
"""

from __future__ import annotations

from fastapi import APIRouter

from camsight.api.deps import Conn, Reader
from camsight.api.params import TrackId
from camsight.core.records import TrackRecord
from camsight.services import events

router = APIRouter(prefix="/api/tracks", tags=["tracks"])


@router.get(
    "/{track_id}",
    responses={403: {"description": "Viewers may not"}, 404: {"description": "No such track in your cameras"}},
)
def get_track(track_id: TrackId, actor: Reader, conn: Conn) -> TrackRecord:
    """One track record (operators and admins; audited as ``view.track``). Another camera's track is 404."""
    return events.get_track(conn, actor=actor, track_id=track_id)
