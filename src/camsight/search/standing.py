"""Standing queries: saved plain-language searches that raise a live alert when a new track matches.

A standing query is kept in the store (:mod:`camsight.store.alerts_repo`, with a version history),
not in the config. When a track ends, its :class:`~camsight.core.records.TrackRecord` is scored
against every enabled standing query with the search ranking (:func:`camsight.search.rank.rank_records`);
a score of at least the query's ``min_score``, within its scope (cameras, zones, local-time schedule),
raises a :class:`~camsight.events.models.StandingQueryEvent` whose rule name is ``query:<name>`` and
whose ``evidence`` says why it matched. The alert starts at the moment that matched when the query
asks for something timed (:attr:`camsight.search.rank.Hit.at_s`: a posture, a motion, an event kind;
"person lying on the floor" starts when the person went down), else at the track's start; it ends
with the track.

Example:
    >>> Schedule.parse("22:00-06:00").contains(time(23, 30))
    True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import time, timedelta, tzinfo

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from camsight.core.records import TrackRecord
from camsight.errors import QueryError
from camsight.events.models import AnyEvent, StandingQueryEvent, event_id
from camsight.search.query import Query
from camsight.search.rank import rank_records
from camsight.store.alerts_repo import StandingQueryRow, list_standing_queries

log = logging.getLogger(__name__)


class Schedule(BaseModel):
    """A daily window of local time; ``start > end`` wraps over midnight (22:00-06:00)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time = Field(description="Start of the window, local time.")
    end: time = Field(description="End of the window (exclusive), local time.")

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """``HH:MM-HH:MM`` → a schedule.

        Raises:
            QueryError: The text is not two times joined by a dash.
        """
        try:
            a, b = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise QueryError(f"schedule {text!r} is not HH:MM-HH:MM (e.g. 22:00-06:00)") from exc
        return cls(start=a, end=b)

    def contains(self, at: time) -> bool:
        """Whether a local time of day lies in the window."""
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def as_json(self) -> dict[str, str]:
        """``{"start": "22:00", "end": "06:00"}``."""
        return {"start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


class StandingQuery(BaseModel):
    """An enabled standing query, ready to match."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int = Field(description="Id in the store.")
    name: str = Field(description="Name given by the operator.")
    version: int = Field(ge=1, description="Version that is matched.")
    query: Query = Field(description="The parsed query.")
    cameras: tuple[str, ...] = Field(default=(), description="Cameras it watches; empty: all.")
    zones: tuple[str, ...] = Field(default=(), description="The track must have entered one of these; empty: any.")
    schedule: Schedule | None = Field(default=None, description="Daily window (local time); None: always.")
    min_score: float = Field(ge=0, le=1, description="Match score needed to raise an alert.")

    @classmethod
    def from_row(cls, row: StandingQueryRow) -> StandingQuery:
        """From a stored row."""
        return cls(
            id=row.id,
            name=row.name,
            version=row.version,
            query=Query.model_validate(row.query),
            cameras=row.cameras,
            zones=row.zones,
            schedule=Schedule.model_validate(row.schedule) if row.schedule else None,
            min_score=row.min_score,
        )


def in_scope(sq: StandingQuery, record: TrackRecord, tz: tzinfo | None = None) -> bool:
    """Whether a track is within a standing query's cameras, zones and schedule (local time ``tz``)."""
    cameras = set(sq.cameras) | ({sq.query.camera} if sq.query.camera else set())
    if cameras and record.camera not in cameras:
        return False
    if sq.zones and not set(sq.zones) & set(record.zones):
        return False
    return sq.schedule is None or sq.schedule.contains(record.started_at.astimezone(tz).time())


def match(record: TrackRecord, queries: Sequence[StandingQuery], tz: tzinfo | None = None) -> list[StandingQueryEvent]:
    """The alerts a finished track raises: one per standing query it matches within scope."""
    out = []
    for sq in queries:
        if not in_scope(sq, record, tz):
            continue
        if sq.query.object_classes and record.object_class not in sq.query.object_classes:
            continue  # the class is a requirement here, not a ranking part
        query = sq.query.model_copy(update={"since": None, "until": None, "camera": None})
        (hit,) = rank_records(query, [record])
        if hit.score < sq.min_score:
            continue
        zone = next((z for z in sq.zones if z in record.zones), None)
        start_s = record.start_s if hit.at_s is None else min(max(hit.at_s, record.start_s), record.end_s)
        out.append(
            StandingQueryEvent(
                # unique per occurrence: the source (each live run is its own) and the track's start
                id=event_id(
                    record.site, record.source_id, "standing_query", sq.id, record.tracker_id, round(record.start_s, 2)
                ),
                site=record.site,
                rule=f"query:{sq.name}",
                camera=record.camera,
                source=record.source,
                source_id=record.source_id,
                zone=zone,
                track_ids=(record.tracker_id,),
                start_s=start_s,
                end_s=record.end_s,
                started_at=record.started_at + timedelta(seconds=start_s - record.start_s),
                score=min(1.0, max(0.0, hit.score)),
                status="closed",
                query_id=sq.id,
                query_name=sq.name,
                query_version=sq.version,
                object_class=record.object_class,
                evidence="; ".join(hit.evidence),
            )
        )
    return out


def load(conn: sa.Connection) -> list[StandingQuery]:
    """The enabled standing queries in the store (rows that no longer parse are skipped, with a warning)."""
    out = []
    for row in list_standing_queries(conn, enabled=True):
        try:
            out.append(StandingQuery.from_row(row))
        except ValueError as exc:
            log.warning("standing query %s (%s) cannot be read, skipped: %s", row.id, row.name, exc)
    return out


class StandingMatcher:
    """The analyzer's ``on_track`` hook: matches each finished track against the stored standing queries.

    The queries are read from the store on every call, so a query added or disabled while a job runs
    takes effect with the next track.
    """

    def __init__(self, engine: sa.Engine, *, tz: tzinfo | None = None) -> None:
        """Match against the standing queries in ``engine``, with schedules in ``tz`` (default: local)."""
        self.engine = engine
        self.tz = tz

    def __call__(self, record: TrackRecord) -> list[AnyEvent]:
        """The standing-query alerts this track raises."""
        with self.engine.begin() as conn:
            queries = load(conn)
        return list(match(record, queries, self.tz)) if queries else []
