"""Plain-language search over the stored tracks: parse, search, audit, in one use case.

The text is parsed against the names the store and the caller know (cameras, zones), narrowed by the
caller's options and the actor's cameras, searched (a read only: the index is written when tracks are
stored) and written to the audit log with its text and the number of results. On a store this process
may only read, the search still runs and :attr:`SearchOutcome.audited` is False, so the caller can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from camsight.errors import QueryError
from camsight.search.cache import FeatureCache
from camsight.search.clip_embedder import ClipEmbedder
from camsight.search.engine import SearchResult
from camsight.search.engine import search as run_search
from camsight.search.parser import parse
from camsight.search.query import Query
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.names import check_name
from camsight.store import events_repo
from camsight.store import repository as repo
from camsight.store.db import is_read_only_engine


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """A page of results with the query as understood, and whether the search was written to the audit log."""

    query: Query
    result: SearchResult
    audited: bool


def known_names(
    conn: sa.Connection, *, cameras: Sequence[str] = (), zones: Sequence[str] = (), actor: Actor | None = None
) -> tuple[list[str], list[str]]:
    """Camera ids and zone names a text may refer to: the caller's (from the config) and the store's.

    With ``actor`` limited to sites (at a hub), only the names of those sites' cameras and events: the
    closest names an unknown one is answered with never come from another site.
    """
    sites = repo.camera_sites(conn)
    all_cameras = set(cameras) | set(sites)
    in_sites = None
    if actor is not None and actor.sites is not None:
        in_sites = actor.site_scope()
        all_cameras = {c for c in all_cameras if actor.may_see_any(c, sites.get(c, ()))}
    all_zones = set(zones) | set(events_repo.distinct_values(conn, "zone", sites=in_sites))
    return sorted(all_cameras), sorted(all_zones)


def _narrow(
    query: Query, actor: Actor, camera: str | None, since: datetime | None, cameras: list[str], site: str | None = None
) -> Query:
    update: dict[str, Any] = {}
    if site is not None:
        update["site"] = site
    if actor.sites is not None:
        update["in_sites"] = tuple(sorted(actor.sites))
    if camera is not None:
        update["camera"] = check_name(camera, cameras, what="camera")
    if since is not None:
        update["since"] = max(since, query.since) if query.since else since
        if query.until is not None and query.until <= update["since"]:
            raise QueryError("the --since time is after the end of the query's time range; nothing can match")
    chosen = update.get("camera", query.camera)
    if chosen is not None and not actor.may_see(chosen):
        raise QueryError(f"camera {chosen!r} is not one you may search")
    return query.model_copy(update=update) if update else query


def search(
    conn: sa.Connection,
    *,
    actor: Actor,
    text: str,
    now: datetime,
    cameras: Sequence[str] = (),
    zones: Sequence[str] = (),
    camera: str | None = None,
    site: str | None = None,
    since: datetime | None = None,
    limit: int = 10,
    offset: int = 0,
    tz: tzinfo | None = None,
    embedder: ClipEmbedder | None = None,
    cache: FeatureCache | None = None,
    semantic: bool = True,
) -> SearchOutcome:
    """Search the tracks for ``text`` and audit it.

    Args:
        conn: Connection, in a transaction (the audit row is written in it).
        actor: Who searches (operators and admins).
        text: What the person typed.
        now: The current time (aware), for "today", "in the last 10 minutes".
        cameras: Camera ids the caller knows besides the store's (the config's).
        zones: Zone names the caller knows besides the store's.
        camera: Only this camera.
        site: Only this site (a hub's store holds many).
        since: Only tracks seen from then on.
        limit: Page size.
        offset: Results to skip.
        tz: Local time zone for times in the text; default: this machine's.
        embedder: Optional image-text encoder pair for open-vocabulary ranking.
        cache: A process-local copy of the index (long-running processes).
        semantic: Use the sentence embedder for words the lexicon lacks.

    Raises:
        Forbidden: The actor may not search.
        QueryError: The text cannot be understood or names an unknown camera or zone.
        UnknownName: ``camera`` is not known.
    """
    actor.require("operator", "search the archive")
    known_cameras, known_zones = known_names(conn, cameras=cameras, zones=zones, actor=actor)
    query = parse(
        text,
        now=now,
        tz=tz,
        cameras=known_cameras,
        zones=known_zones,
        semantic=semantic,
        open_vocabulary=embedder is not None,
    )
    query = _narrow(query, actor, camera, since, known_cameras, site)
    result = run_search(conn, query, limit=limit, offset=offset, embedder=embedder, cache=cache, scope=actor.scope())
    if is_read_only_engine(conn.engine):  # a store this process may only read: the search is still answered
        return SearchOutcome(query, result, audited=False)
    detail = {"text": text, "query": query.describe(), "limit": limit, "offset": offset, "results": len(result.hits)}
    audit.record(conn, actor=actor, action="search", detail=detail)
    return SearchOutcome(query, result, audited=True)
