"""Request parameters the routers share: ids in paths, times, pages, and the links items carry.

Ids in paths are checked against a strict pattern before anything looks them up: letters, digits and
``_ . : @ -``, starting with a letter or digit, so ``..``, ``%2e%2e``, a NUL byte or a slash never
reach a lookup (422). Media paths are never taken from a request at all (see
:mod:`camsight.services.media`). Times must carry their zone and are turned into UTC.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Instant).validate_python("2026-01-02T03:04:05+01:00").isoformat()
    '2026-01-02T02:04:05+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$"
"""What an event, track or suppression id in a path may look like."""
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"
"""What an account name may look like (as :mod:`camsight.services.users` allows)."""
REF_PATTERN = r"^[^\x00-\x1f/\\]+$"
"""A standing query's id or name: no control characters, no slashes."""
Responses = dict[int | str, dict[str, Any]]
"""Extra answers of a route, for OpenAPI (``{404: {"description": ...}}``)."""
MAX_OFFSET = 1_000_000
"""Largest ``offset`` a listing accepts (deeper paging: narrow the time range instead)."""
MAX_SOURCE_S = 10_000_000.0
"""Largest time into a source a request may name, seconds (about 115 days: a live camera's longest session)."""


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
"""A moment with its zone (ISO 8601, e.g. ``2026-05-01T17:00:00+02:00``), as UTC."""

EventId = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=200, description="Event id, as listed by GET /api/events.")
]
TrackId = Annotated[str, Path(pattern=ID_PATTERN, max_length=200, description="Track id ('<source id>:<tracker id>').")]
UserName = Annotated[str, Path(pattern=NAME_PATTERN, max_length=64, description="Account name.")]
QueryRef = Annotated[
    str, Path(pattern=REF_PATTERN, max_length=200, description="Standing query id (a number) or name.")
]


def _segment(value: str) -> str:
    return quote(value, safe=":@")


def snapshot_url(event_id: str) -> str:
    """Where an event's snapshot is served."""
    return f"/api/media/snapshots/{_segment(event_id)}"


def thumbnail_url(track_id: str) -> str:
    """Where a track's thumbnail is served."""
    return f"/api/media/thumbnails/{_segment(track_id)}"


def moment_url(track_id: str, at_s: float) -> str:
    """Where a track's picture at a moment is served (cut from its video, see :mod:`camsight.services.moments`)."""
    return f"/api/media/moments/{_segment(track_id)}?at={at_s:g}"


def event_clip_url(event_id: str) -> str:
    """Where an event's clip is served (heads blurred; routes of the recordings API)."""
    return f"/api/events/{_segment(event_id)}/clip.mp4"


def track_clip_url(track_id: str) -> str:
    """Where a track's clip is served (heads blurred; routes of the recordings API)."""
    return f"/api/tracks/{_segment(track_id)}/clip.mp4"
