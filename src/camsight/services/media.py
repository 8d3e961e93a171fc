"""Pictures handed out: an event's snapshot and a track's thumbnail, in the actor's scope, every view audited.

The JPEG files were masked and head-blurred when they were stored (:mod:`camsight.store.sink`), so
they are served as they are. The file is always the one the event's or track's row names (a path is
never taken from the request) and is resolved by :meth:`~camsight.store.media.MediaStore.path`, which
refuses any path leading out of the media folder. An event or track of a camera the actor may not see
is "not found", exactly like one that does not exist, so its existence is not revealed. Each picture
handed out is written to the audit log (``view.snapshot``, ``view.thumbnail``) with its id.

Example:
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> with store.engine.begin() as conn:
    ...     snapshot(conn, actor=os_actor(), media=store.media, event_id="nope")
    Traceback (most recent call last):
    ...
    camsight.services.media.PictureNotFound: no snapshot for event 'nope'
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from camsight.errors import CamsightError
from camsight.services import audit
from camsight.services.actor import Actor, Role
from camsight.store import repository as repo
from camsight.store.media import MediaStore

__all__ = ["Picture", "PictureNotFound", "snapshot", "thumbnail"]


class PictureNotFound(CamsightError):
    """No picture (visible to the actor) for that id: unknown id, another camera, none stored, or deleted."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A JPEG handed out, and the camera it shows."""

    data: bytes
    camera: str
    media_type: str = "image/jpeg"


def _read(media: MediaStore, relpath: str | None) -> bytes | None:
    if not relpath:
        return None
    try:
        return media.path(relpath).read_bytes()
    except (ValueError, OSError):  # an unsafe stored path, or the file is gone (retention)
        return None


@dataclass(frozen=True, slots=True)
class _Wanted:
    """What was asked for: ``snapshot`` of ``event`` 'abc' (the audit action is ``view.snapshot``)."""

    noun: str
    of: str
    id: str
    role: Role


def _hand_out(
    conn: sa.Connection,
    *,
    actor: Actor,
    media: MediaStore,
    wanted: _Wanted,
    found: tuple[str, str, str | None] | None,
) -> Picture:
    """Check the scope (first: "not found"), the role and the file; audit the view; return the picture.

    ``found`` is the camera, site and stored media path of the event or track, or None when there is none.
    The site counts at a hub: an account limited to some sites never sees another's picture, even once
    the hub holds a copy of it.
    """
    missing = PictureNotFound(f"no {wanted.noun} for {wanted.of} {wanted.id!r}")
    if found is None or not actor.may_see(found[0], found[1]):
        raise missing
    camera, site, relpath = found
    actor.require(wanted.role, f"see {wanted.noun}s")
    data = _read(media, relpath)
    if data is None:
        raise missing
    detail = {f"{wanted.of}_id": wanted.id, "camera": camera}
    audit.record(conn, actor=actor, action=f"view.{wanted.noun}", detail=detail, site=site)
    return Picture(data, camera)


def snapshot(conn: sa.Connection, *, actor: Actor, media: MediaStore, event_id: str) -> Picture:
    """The snapshot of an event (anyone who may see the event), audited as ``view.snapshot``.

    Raises:
        PictureNotFound: No such event in the actor's scope, or it has no snapshot (any longer).
    """
    event = repo.get_event(conn, event_id=event_id)
    found = None if event is None else (event.camera, event.site, event.snapshot)
    wanted = _Wanted("snapshot", "event", event_id, "viewer")
    return _hand_out(conn, actor=actor, media=media, wanted=wanted, found=found)


def thumbnail(conn: sa.Connection, *, actor: Actor, media: MediaStore, track_id: str) -> Picture:
    """The thumbnail of a track (operators and admins: tracks are the search archive), audited as ``view.thumbnail``.

    Raises:
        PictureNotFound: No such track in the actor's scope, or it has no thumbnail (any longer).
        Forbidden: The actor is a viewer (asked only for a track the actor may see).
    """
    record = repo.get_track(conn, track_id=track_id)
    found = None if record is None else (record.camera, record.site, record.thumbnail)
    wanted = _Wanted("thumbnail", "track", track_id, "operator")
    return _hand_out(conn, actor=actor, media=media, wanted=wanted, found=found)
