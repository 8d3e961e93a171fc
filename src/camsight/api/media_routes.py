"""``/api/media``: an event's snapshot, a track's thumbnail or a track at a moment, as JPEG, in the caller's cameras.

The snapshots and thumbnails were masked and head-blurred when they were stored; a moment is cut from
the track's video when asked, masked and blurred the same way (:mod:`camsight.services.moments`). The
file is the one the event's or track's row names (nothing in the request is used as a path), and
every picture handed out is written to the audit log (:mod:`camsight.services.media`). They are never
cached by the browser or a proxy (``Cache-Control: no-store``): each view is a view that is audited.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from camsight.api.deps import Conn, Context, Reader
from camsight.api.params import MAX_SOURCE_S, EventId, TrackId
from camsight.services import media, moments, remote_clips
from camsight.services.media import Picture
from camsight.store.errors import writing

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/media", tags=["media"])

_JPEG: dict[str, Any] = {"content": {"image/jpeg": {}}, "description": "The JPEG (masked, heads blurred)"}
_NOT_FOUND: dict[str, Any] = {"description": "Unknown id, another camera's, or no picture (any longer)"}


def _jpeg(picture: Picture) -> Response:
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(picture.data, media_type=picture.media_type, headers=headers)


@router.get("/snapshots/{event_id}", response_class=Response, responses={200: _JPEG, 404: _NOT_FOUND})
def snapshot(event_id: EventId, actor: Reader, conn: Conn, ctx: Context) -> Response:
    """The snapshot of an event (any role; audited as ``view.snapshot``). Another camera's is 404."""
    return _jpeg(media.snapshot(conn, actor=actor, media=ctx.store.media, event_id=event_id))


@router.get(
    "/thumbnails/{track_id}",
    response_class=Response,
    responses={200: _JPEG, 403: {"description": "Viewers may not"}, 404: _NOT_FOUND},
)
def thumbnail(track_id: TrackId, actor: Reader, conn: Conn, ctx: Context) -> Response:
    """The thumbnail of a track (operators and admins; audited as ``view.thumbnail``). Another camera's is 404.

    At a hub, the thumbnail of another site's track is fetched from that site's edge the first time.
    """
    remote_clips.thumbnail(ctx.store, actor=actor, config=ctx.config, track_id=track_id)
    return _jpeg(media.thumbnail(conn, actor=actor, media=ctx.store.media, track_id=track_id))


@router.get(
    "/moments/{track_id}",
    response_class=Response,
    responses={200: _JPEG, 403: {"description": "Viewers may not"}, 404: _NOT_FOUND},
)
def moment(
    track_id: TrackId,
    at: Annotated[float, Query(ge=0, le=MAX_SOURCE_S, description="Seconds into the track's source.")],
    actor: Reader,
    conn: Conn,
    ctx: Context,
) -> Response:
    """The track at a moment (a search hit's ``at_s``), cut from its video (operators; audited as ``view.thumbnail``).

    The moment is clamped to the track. At a hub, another site's moment is asked of its edge. Where it
    cannot be shown (the video is gone, the subject is not in that frame, the edge did not give it) the
    track's thumbnail is served instead. ``X-Camsight-Moment`` says which: the seconds shown, or ``thumbnail``.
    """
    conn.commit()  # the token's use is written in this transaction: end it before the cut writes its audit row
    try:
        shown = moments.moment(
            ctx.store,
            actor=actor,
            config=ctx.config,
            track_id=track_id,
            at_s=at,
            edge=remote_clips.EdgeMoments(ctx.store, ctx.config),
        )
    except moments.MomentUnavailable as exc:
        log.info("%s; its thumbnail is served instead", exc)
        remote_clips.thumbnail(ctx.store, actor=actor, config=ctx.config, track_id=track_id)
        with writing(ctx.store.engine) as again:  # the request's transaction was ended above
            response = _jpeg(media.thumbnail(again, actor=actor, media=ctx.store.media, track_id=track_id))
        response.headers[remote_clips.MOMENT_HEADER] = "thumbnail"
        return response
    response = _jpeg(shown.picture)
    response.headers[remote_clips.MOMENT_HEADER] = f"{shown.at_s:g}"
    return response
