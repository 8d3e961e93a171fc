"""Search: the box, the query as it was understood (and the words not used, and why), and the results.

A search is a plain GET form (``/search?q=...``: bookmarkable, the back button works) answered by
:func:`camsight.services.search.search` (operators and admins; the account's cameras only; audited).
Each result shows the track's thumbnail from ``/api/media/thumbnails/{track_id}``, or, when a moment
matched, the track at that moment from ``/api/media/moments/{track_id}?at=`` (cut from its video:
someone found sitting is shown sitting, see :mod:`camsight.services.moments`); choosing one loads
the player (``/search/play``), a video element on the track's clip ``/api/tracks/{id}/clip.mp4``,
started at the moment that matched (:attr:`camsight.search.rank.Hit.at_s`: an event asked for, the
longest stretch in the asked posture or motion) with a media fragment ``#t=``.
The pages search with the same :class:`~camsight.api.search_routes.SearchSetup` as ``GET /api/search``
(one copy of the index per process, the configured embedder, the word mapping on or off).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn, Context
from camsight.api.search_routes import MAX_TEXT, SearchSetup
from camsight.services import search as search_service
from camsight.web.access import Page, require
from camsight.web.errors import html_errors
from camsight.web.layout import fragment, show

PAGE_SIZE = 24
"""Results per page (a grid of 4 × 6 on a laptop)."""
MAX_CLIP_OFFSET_S = 86_400.0
"""Latest start into a clip the player accepts (a track lasts a day at most)."""


def make_router(setup: SearchSetup) -> APIRouter:
    """The search pages, searching with the application's index cache, embedder and word mapping."""
    router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])

    @router.get("/search")
    def search_page(
        user: Page,
        conn: Conn,
        ctx: Context,
        q: Annotated[str, Query(max_length=MAX_TEXT)] = "",
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> HTMLResponse:
        """The search box and, for a text, the parsed query and a grid of results."""
        require(user, "operator", "search the archive")
        text = q.strip()
        if not text:
            return show(user, "search.html", active="/search", text="", outcome=None)
        cfg = ctx.config
        outcome = search_service.search(
            conn,
            actor=user.actor,
            text=text,
            now=datetime.now(UTC),
            cameras=[c.id for c in cfg.cameras],
            zones=[z.name for c in cfg.cameras for z in c.zones],
            limit=PAGE_SIZE,
            offset=offset,
            embedder=setup.embedder,
            cache=setup.cache,
            semantic=setup.semantic,
        )
        return show(user, "search.html", active="/search", text=text, outcome=outcome)

    @router.get("/search/play")
    def play(
        user: Page,
        track: Annotated[str, Query(min_length=1, max_length=200)],
        at: Annotated[float, Query(ge=0, le=MAX_CLIP_OFFSET_S)] = 0.0,
    ) -> HTMLResponse:
        """The player for one result: the track's clip (masked and blurred by the API that serves it).

        ``at``: seconds into the clip to start from, the moment that matched the search.
        """
        require(user, "operator", "play tracks")
        return fragment(user, "_player.html", track=track, at=round(at, 2))

    return router
