"""At a hub: a clip fetched from its edge when someone asks for it, over authenticated HTTP.

A hub holds events, tracks and small thumbnails, never video. When an operator at the hub plays an
event's or a track's clip, the hub asks the edge of that site for it (``GET /api/events/{id}/clip.mp4``,
heads blurred, the camera's masks burned in, with the API token of ``edges[].token_file``), keeps the
copy it asked for in its clip cache (swept after a day, like the edge's own), and serves it. The view is
audited at both ends: at the edge under the hub's account, at the hub under the person who asked.

The scope and role are checked at the hub first, exactly as for a local clip: a site or camera the
caller may not see is "not found".

A track's thumbnail comes the same way (:func:`thumbnail`): edges send track records without it by
default (``hub.thumbnails: false``), the hub asks the edge for ``GET /api/media/thumbnails/{id}`` the
first time someone wants it, shrinks it to 160 px and keeps it in its media folder where a pushed one
would be; it is then served (and audited, ``view.thumbnail``) like any stored thumbnail. At the edge the
fetch is audited under the hub's account. A search hit's moment is asked for the same way
(:class:`EdgeMoments`, ``GET /api/media/moments/{id}?at=``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import cv2
import httpx
import numpy as np
from numpy.typing import NDArray

from camsight.config import Config
from camsight.config.models import EdgeLink
from camsight.core.records import TrackRecord
from camsight.errors import CamsightError
from camsight.perception.privacy import fit_within
from camsight.services import audit
from camsight.services.actor import Actor, Forbidden
from camsight.services.events import TrackNotFound, find_event
from camsight.services.playback import cache_file
from camsight.store import edges_repo
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.handle import Store
from camsight.transport.messages import THUMBNAIL_SIDE

log = logging.getLogger(__name__)
CHUNK = 1 << 16
MOMENT_HEADER = "X-Camsight-Moment"
"""The header of ``GET /api/media/moments/...`` that says the seconds shown, or ``thumbnail``."""


class EdgeUnreachable(CamsightError):
    """The edge that holds the video did not give it."""


def _link(store: Store, config: Config, site: str) -> tuple[EdgeLink, str] | None:
    """How to reach the edge of ``site``: its link and base URL; None when this store is not a hub for it."""
    link = config.edge(site)
    if link is None:
        return None
    url = link.url
    if url is None:
        with store.engine.connect() as conn:
            url = edges_repo.edge_url(conn, site)
    if not url:
        raise EdgeUnreachable(
            f"the edge of site {site} has not announced its address; set edges[].url for it in the hub's config "
            "or hub.api_url on the edge"
        )
    return link, url.rstrip("/")


def is_remote(store: Store, config: Config, site: str) -> bool:
    """Whether clips of ``site`` come from its edge (the hub's config names it)."""
    return config.edge(site) is not None and site != store.site


def _answer(link: EdgeLink, url: str) -> httpx.Response:
    """The edge's answer to a small download (a picture), refused unless it is a 200."""
    try:
        answer = httpx.get(url, headers={"Authorization": f"Bearer {link.token()}"}, timeout=link.timeout_s)
    except httpx.HTTPError as exc:
        raise EdgeUnreachable(f"the edge of site {link.site} did not answer: {type(exc).__name__}: {exc}") from None
    if answer.status_code != 200:
        raise EdgeUnreachable(_refusal(link.site, answer))
    return answer


def _get(link: EdgeLink, url: str) -> bytes:
    """The body of a small download from the edge (a thumbnail)."""
    return _answer(link, url).content


def _jpeg(data: bytes, site: str, what: str) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise EdgeUnreachable(f"the edge of site {site} sent a {what} that is not a JPEG")
    return np.asarray(image, np.uint8)


def _fetch(link: EdgeLink, url: str, target: Path) -> int:
    """Download ``url`` into ``target`` (owner-only, written then renamed); returns its size."""
    part = target.with_name(target.name + f".{os.getpid()}.part")
    headers = {"Authorization": f"Bearer {link.token()}"}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=link.timeout_s) as answer:
            if answer.status_code != 200:
                answer.read()
                raise EdgeUnreachable(_refusal(link.site, answer))
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                for chunk in answer.iter_bytes(CHUNK):
                    out.write(chunk)
        os.replace(part, target)
    except httpx.HTTPError as exc:
        raise EdgeUnreachable(f"the edge of site {link.site} did not answer: {type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return target.stat().st_size


def _refusal(site: str, answer: httpx.Response) -> str:
    try:
        detail = str(answer.json().get("detail", ""))
    except ValueError:
        detail = ""
    why = {
        401: "refused the hub's token",
        403: "does not let the hub's account watch clips",
        404: "has no such clip or picture",
    }
    said = why.get(answer.status_code, f"answered {answer.status_code}")
    return f"the edge of site {site} {said}" + (f": {detail}" if detail else "")


def clip(
    store: Store, *, actor: Actor, config: Config, kind: Literal["event", "track"], ref: str, blur: bool = True
) -> Path | None:
    """The clip of an event (``kind`` "event") or a track ("track") of a remote site, fetched once from its edge.

    None when the item's site is not one of the hub's ``edges`` (its clip is cut here, if at all).

    Raises:
        EventNotFound, TrackNotFound: Nothing the actor may see has that id.
        Forbidden: The actor is a viewer.
        EdgeUnreachable: The edge cannot be reached, or refused.
    """
    if not config.edges:
        return None
    with store.engine.connect() as conn:
        if kind == "event":
            event = find_event(conn, actor=actor, ref=ref)
            item_id, site, camera = event.id, event.site, event.camera
        else:
            track = repo.get_track(conn, track_id=ref)
            if track is None or not actor.may_see(track.camera, track.site):
                raise TrackNotFound(f"no track {ref!r}")
            item_id, site, camera = track.id, track.site, track.camera
    if not is_remote(store, config, site):
        return None
    actor.require("operator", "watch clips")
    if not blur:
        raise Forbidden(
            f"a hub fetches clips with heads blurred only; export an unblurred one at the edge of site {site}"
        )
    reach = _link(store, config, site)
    assert reach is not None  # is_remote: the config names it
    link, base = reach
    target = cache_file(store, f"remote-{site}", f"{kind}-{item_id}", "edge")
    fetched = not target.exists()
    if fetched:
        size = _fetch(link, f"{base}/api/{kind}s/{quote(item_id, safe='')}/clip.mp4", target)
        log.info("fetched the clip of %s %s from the edge of site %s (%d bytes)", kind, item_id, site, size)
    detail: dict[str, Any] = {f"{kind}_id": item_id, "camera": camera, "from_edge": fetched}
    with writing(store.engine) as conn:
        audit.record(conn, actor=actor, action="view.clip", detail=detail, site=site)
    return target


def thumbnail(store: Store, *, actor: Actor, config: Config, track_id: str) -> bool:
    """Fetch the thumbnail of a remote site's track from its edge into the hub's media folder, once.

    Call before serving the thumbnail (:func:`camsight.services.media.thumbnail` then serves and audits
    it). Returns whether it was fetched now; False when there is nothing to fetch: no such track in the
    actor's scope (the caller answers "not found"), a local track, one without a thumbnail at its edge,
    or one already here.

    Raises:
        Forbidden: The actor is a viewer.
        EdgeUnreachable: The edge cannot be reached, or refused.
    """
    if not config.edges:
        return False
    with store.engine.connect() as conn:
        track = repo.get_track(conn, track_id=track_id)
    if track is None or not track.thumbnail or not actor.may_see(track.camera, track.site):
        return False
    if not is_remote(store, config, track.site):
        return False
    try:
        target = store.media.path(track.thumbnail)
    except ValueError:  # an unsafe stored path: never written to
        return False
    if target.exists():
        return False
    actor.require("operator", "see thumbnails")
    reach = _link(store, config, track.site)
    assert reach is not None  # is_remote: the config names it
    link, base = reach
    data = _get(link, f"{base}/api/media/thumbnails/{quote(track.id, safe='')}")
    image = _jpeg(data, track.site, "thumbnail")
    store.media.save_jpeg(track.thumbnail, fit_within(image, THUMBNAIL_SIDE))
    log.info("fetched the thumbnail of track %s from the edge of site %s (%d bytes)", track.id, track.site, len(data))
    return True


class EdgeMoments:
    """At a hub: a track's moment (:mod:`camsight.services.moments`) asked of the edge of its site.

    The edge cuts it from its video with its own masks and blurring, and audits the view under the hub's
    account; the hub keeps the picture in its moments cache and audits its own view.
    """

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def holds(self, site: str) -> bool:
        """Whether the video of ``site`` is at its edge (the hub's config names it)."""
        return is_remote(self.store, self.config, site)

    def fetch(self, track: TrackRecord, at_s: float) -> NDArray[np.uint8]:
        """The edge's picture of the track at ``at_s``.

        Raises:
            EdgeUnreachable: The edge cannot be reached, refused, sent no JPEG, or could not cut the moment
                either (it answered with the thumbnail).
        """
        reach = _link(self.store, self.config, track.site)
        if reach is None:
            raise EdgeUnreachable(f"this hub has no link to the edge of site {track.site}")
        link, base = reach
        answer = _answer(link, f"{base}/api/media/moments/{quote(track.id, safe='')}?at={at_s:g}")
        if answer.headers.get(MOMENT_HEADER) == "thumbnail":
            raise EdgeUnreachable(f"the edge of site {track.site} could not cut that moment either")
        return _jpeg(answer.content, track.site, "picture")
