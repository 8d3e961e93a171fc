"""Video for the console: event and track clips, the recordings timeline and each recorded segment.

Videos are MP4 files (H.264) served with ``Range`` support (206 Partial Content), so a ``<video>``
element seeks in them directly; a timeline plays one segment after another (no HLS needed). Every
picture has the camera's privacy masks blacked out and heads blurred (see
:mod:`camsight.services.playback`); every request for video bytes is audited.

A video can take a while to make the first time, and then a while to send: the request's transaction
(which holds SQLite's write lock once the session has been touched) is ended before either, so the
cameras' writers are never kept waiting behind a download.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from camsight.api.deps import Conn, Context, Reader
from camsight.services import playback, remote_clips

router = APIRouter(tags=["playback"])

VIDEO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/mp4": {}}, "description": "The video"},
    206: {"description": "The byte range asked for (Range header)"},
    404: {"description": "Not found in the caller's scope"},
}


class Segment(BaseModel):
    """A recorded segment on the timeline."""

    id: int = Field(description="Segment id.")
    camera: str = Field(description="Camera id.")
    start: datetime = Field(description="Wall time of its first frame (UTC).")
    end: datetime = Field(description="Wall time of its end (UTC); equals start while it is being written.")
    complete: bool = Field(description="Whether the file was closed.")
    video: str = Field(description="URL of the segment's video (masks burned in, heads blurred).")


class EventMark(BaseModel):
    """An event on the timeline."""

    id: str = Field(description="Event id.")
    kind: str = Field(description="Event kind.")
    rule: str = Field(description="Rule name.")
    camera: str = Field(description="Camera id.")
    zone: str | None = Field(description="Zone or line name.")
    start: datetime = Field(description="Wall time it started (UTC).")
    end: datetime = Field(description="Wall time it ended, or up to now while open (UTC).")
    status: str = Field(description="open or closed.")
    clip: str = Field(description="URL of its clip.")


class Gap(BaseModel):
    """An outage: no stream from start to end."""

    camera: str = Field(description="Camera id.")
    start: datetime = Field(description="Start (UTC).")
    end: datetime = Field(description="End (UTC).")
    reason: str = Field(description="Why.")


class Timeline(BaseModel):
    """What was recorded in a window, and what happened in it."""

    camera: str | None = Field(description="The camera asked for; null for all in scope.")
    since: datetime = Field(description="Window start (UTC).")
    until: datetime = Field(description="Window end (UTC).")
    segments: list[Segment] = Field(description="Recorded segments, oldest first.")
    events: list[EventMark] = Field(description="Events overlapping the window, oldest first.")
    gaps: list[Gap] = Field(description="Outages in the window.")


def _end_transaction(conn: sa.Connection) -> None:
    """Commit the request's transaction now (see the module docstring); ``conn`` is not used after this."""
    conn.commit()


def _video(path: Path) -> FileResponse:
    return FileResponse(
        path,
        media_type="video/mp4",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        content_disposition_type="inline",
    )


def _timeline(found: playback.Recordings) -> Timeline:
    return Timeline(
        camera=found.camera,
        since=found.since,
        until=found.until,
        segments=[
            Segment(
                id=s.id,
                camera=s.camera,
                start=s.start_at,
                end=s.end_at,
                complete=s.complete,
                video=f"/api/recordings/{s.id}/video.mp4",
            )
            for s in found.segments
        ],
        events=[
            EventMark(
                id=e.id,
                kind=e.kind,
                rule=e.rule,
                camera=e.camera,
                zone=e.zone,
                start=e.start,
                end=e.end,
                status=e.status,
                clip=f"/api/events/{e.id}/clip.mp4",
            )
            for e in found.events
        ],
        gaps=[Gap(camera=g.camera, start=g.start_at, end=g.end_at, reason=g.reason) for g in found.gaps],
    )


@router.get("/api/events/{event_id}/clip.mp4", response_class=FileResponse, responses=VIDEO)
def event_clip(
    event_id: str,
    request: Request,
    actor: Reader,
    conn: Conn,
    ctx: Context,
    blur: Annotated[bool, Query(description="Blur heads (0: admins only, audited).")] = True,
) -> FileResponse:
    """The event's clip with its margins (operators; ``blur=0`` admins), audited ``view.clip``.

    At a hub, the clip of another site's event is fetched from that site's edge (blurred, masked).
    """
    _end_transaction(conn)
    fetched = remote_clips.clip(ctx.store, actor=actor, config=ctx.config, kind="event", ref=event_id, blur=blur)
    if fetched is not None:
        return _video(fetched)
    path = playback.event_clip(
        ctx.store, actor=actor, config=ctx.config, ref=event_id, blur=blur, request_range=request.headers.get("range")
    )
    return _video(path)


@router.get("/api/tracks/{track_id}/clip.mp4", response_class=FileResponse, responses=VIDEO)
def track_clip(track_id: str, request: Request, actor: Reader, conn: Conn, ctx: Context) -> FileResponse:
    """The clip of the track's span, heads blurred (operators), audited ``view.clip`` (at a hub: from its edge)."""
    _end_transaction(conn)
    if fetched := remote_clips.clip(ctx.store, actor=actor, config=ctx.config, kind="track", ref=track_id):
        return _video(fetched)
    path = playback.track_clip(
        ctx.store, actor=actor, config=ctx.config, track_id=track_id, request_range=request.headers.get("range")
    )
    return _video(path)


@router.get("/api/recordings", responses={404: {"description": "No such camera in the caller's scope"}})
def recordings(
    actor: Reader,
    conn: Conn,
    ctx: Context,
    camera: Annotated[str | None, Query(description="Camera id; all cameras in scope when omitted.")] = None,
    since: Annotated[datetime | None, Query(description="Window start, ISO 8601 (default: an hour ago).")] = None,
    until: Annotated[datetime | None, Query(description="Window end, ISO 8601 (default: an hour after since).")] = None,
) -> Timeline:
    """The recorded segments of a window (at most 24 hours) with the events and outages in it (operators)."""
    found = playback.list_recordings(conn, actor=actor, config=ctx.config, camera=camera, since=since, until=until)
    return _timeline(found)


SegmentId = Annotated[int, PathParam(ge=1, le=2**63 - 1, description="Recorded segment id.")]


@router.get("/api/recordings/{segment_id}/video.mp4", response_class=FileResponse, responses=VIDEO)
def recording_video(segment_id: SegmentId, request: Request, actor: Reader, conn: Conn, ctx: Context) -> FileResponse:
    """One recorded segment, masks burned in and heads blurred (operators), audited ``view.recording``."""
    _end_transaction(conn)
    path = playback.recording_video(
        ctx.store, actor=actor, config=ctx.config, segment_id=segment_id, request_range=request.headers.get("range")
    )
    return _video(path)
