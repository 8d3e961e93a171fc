"""Standing queries: saved plain-language searches that raise an alert when a new track matches them.

Adding one parses its text the way a search would and checks the cameras and zones it is limited to
(an unknown name is refused with the closest known ones) and the syntax of the Apprise URLs its alerts
are sent to. Every change bumps the query's version, keeps the history, and is written to the audit
log. The URLs hold passwords and tokens: they are stored, never written to the audit log or the history,
and shown only as a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from camsight.config.models import MAX_NOTIFY_URLS, notify_url_problem
from camsight.errors import CamsightError
from camsight.search.parser import parse
from camsight.search.query import Query
from camsight.search.standing import Schedule
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.names import check_name
from camsight.services.search import known_names
from camsight.store import alerts_repo
from camsight.store.alerts_repo import QueryVersion, StandingQueryRow

__all__ = [
    "BadNotifyUrl",
    "QueryVersion",
    "StandingQueryRow",
    "add",
    "check_notify",
    "get",
    "history",
    "list_all",
    "parsed",
    "set_enabled",
]


class QueryNotFound(CamsightError):
    """No standing query has that id or name."""


class BadNotifyUrl(CamsightError):
    """A notification URL that Apprise cannot use (the message shows its scheme only)."""


def check_notify(urls: Sequence[str]) -> tuple[str, ...]:
    """The notification URLs, each checked for syntax (nothing is contacted).

    Raises:
        BadNotifyUrl: There are too many, or Apprise cannot use one of them.
    """
    if len(urls) > MAX_NOTIFY_URLS:
        raise BadNotifyUrl(f"at most {MAX_NOTIFY_URLS} notification URLs per standing query, not {len(urls)}")
    for n, url in enumerate(urls, start=1):
        problem = notify_url_problem(url)
        if problem is not None:
            raise BadNotifyUrl(f"notification URL {n} of {len(urls)}: {problem}")
    return tuple(urls)


def parsed(row: StandingQueryRow) -> Query:
    """The stored query of a row, as a :class:`Query`."""
    return Query.model_validate(row.query)


def add(
    conn: sa.Connection,
    *,
    actor: Actor,
    name: str,
    text: str,
    now: datetime,
    cameras: Sequence[str] = (),
    zones: Sequence[str] = (),
    min_score: float = 0.5,
    schedule: str | None = None,
    known_cameras: Sequence[str] = (),
    known_zones: Sequence[str] = (),
    notify: Sequence[str] = (),
    semantic: bool = True,
) -> tuple[StandingQueryRow, Query]:
    """Save a standing query as version 1; returns it and how its text was understood.

    Args:
        conn: The store, in the caller's transaction.
        actor: Who adds it (an admin).
        name: Its unique name; its alerts carry the rule name ``query:<name>``.
        text: What to look for, in plain language.
        now: The time of the change.
        cameras: Only tracks of these cameras; empty: all.
        zones: Only tracks that entered one of these zones; empty: any.
        min_score: The match score needed to raise an alert.
        schedule: A daily window of local time (``22:00-06:00``); None: always.
        known_cameras: Camera ids of the config, beside those in the store.
        known_zones: Zone names of the config, beside those in the store.
        notify: Apprise URLs each of its alerts is sent to (see ``camsight.events.notify``).
        semantic: Give words the lexicon lacks a meaning with the sentence embedder (as a search does).

    Raises:
        Forbidden: The actor is not an admin.
        UnknownName: A camera or zone it is limited to does not exist.
        QueryError: The text (or schedule) cannot be understood.
        BadNotifyUrl: A notification URL cannot be used.
        StoreError: A query with that name exists.
    """
    actor.require("admin", "manage standing queries")
    urls = check_notify(notify)
    all_cameras, all_zones = known_names(conn, cameras=known_cameras, zones=known_zones, actor=actor)
    for camera in cameras:
        check_name(camera, all_cameras, what="camera")
    for zone in zones:
        check_name(zone, all_zones, what="zone")
    query = parse(text, now=now, cameras=all_cameras, zones=all_zones, semantic=semantic)
    window = Schedule.parse(schedule).as_json() if schedule else None
    row = alerts_repo.add_standing_query(
        conn,
        name=name,
        text=text,
        query=query.model_dump(mode="json"),
        cameras=cameras,
        zones=zones,
        schedule=window,
        min_score=min_score,
        now=now,
        notify=urls,
    )
    detail = {"id": row.id, "name": name, "text": text, "cameras": list(cameras), "zones": list(zones)}
    audit.record(conn, actor=actor, action="standing_query.add", detail={**detail, "notify_urls": len(urls)})
    return row, query


def list_all(conn: sa.Connection, *, actor: Actor) -> list[StandingQueryRow]:
    """Every standing query, by id."""
    return alerts_repo.list_standing_queries(conn)


def get(conn: sa.Connection, *, actor: Actor, ref: str) -> StandingQueryRow:
    """The standing query with that id or name.

    Raises:
        QueryNotFound: There is none.
    """
    row = alerts_repo.get_standing_query(conn, ref=ref)
    if row is None:
        raise QueryNotFound(f"no standing query {ref!r}; see 'camsight queries list'")
    return row


def set_enabled(conn: sa.Connection, *, actor: Actor, ref: str, enabled: bool, now: datetime) -> StandingQueryRow:
    """Enable or disable a standing query (a new version when it changes).

    Raises:
        Forbidden: The actor is not an admin.
        QueryNotFound: There is no such query.
    """
    actor.require("admin", "manage standing queries")
    row = alerts_repo.update_standing_query(conn, query_id=get(conn, actor=actor, ref=ref).id, now=now, enabled=enabled)
    audit.record(
        conn,
        actor=actor,
        action="standing_query.enable" if enabled else "standing_query.disable",
        detail={"id": row.id, "name": row.name, "version": row.version},
    )
    return row


def history(conn: sa.Connection, *, actor: Actor, ref: str) -> list[QueryVersion]:
    """Every version of a standing query, oldest first."""
    return alerts_repo.query_history(conn, query_id=get(conn, actor=actor, ref=ref).id)
