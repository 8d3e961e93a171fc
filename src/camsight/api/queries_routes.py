"""``/api/queries``: standing queries (saved searches that raise an alert when a new track matches).

Operators and admins read them, each with the precision of its alerts (verdicts on the alerts of rule
``query:<name>``); admins add, enable and disable them. Every change is a new version, kept in the
history and written to the audit log. The notification addresses of a query are never shown (they
may hold secrets).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Context, Reader, Writer
from camsight.api.params import QueryRef, Responses
from camsight.services import events, queries
from camsight.services.actor import Actor
from camsight.services.events import RuleStats
from camsight.services.queries import QueryVersion, StandingQueryRow

router = APIRouter(prefix="/api/queries", tags=["standing queries"])

_ADMIN: Responses = {403: {"description": "Only admins change standing queries"}}
_NOT_FOUND: Responses = {404: {"description": "No such standing query"}}


class StandingQueryIn(BaseModel):
    """A new standing query."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", description="A short unique name."
    )
    text: str = Field(min_length=1, max_length=500, description="What to look for, in plain English.")
    cameras: list[str] = Field(default=[], max_length=100, description="Only these cameras (empty: all).")
    zones: list[str] = Field(default=[], max_length=100, description="Only tracks that entered these zones.")
    min_score: float = Field(default=0.5, ge=0.0, le=1.0, description="Match score needed to alert.")
    schedule: str | None = Field(
        default=None, max_length=32, description="Daily window, local time, e.g. 22:00-06:00 (null: always)."
    )


class StandingQueryOut(BaseModel):
    """A standing query with the volume and precision of its alerts."""

    id: int = Field(description="Id (use it or the name in the paths).")
    name: str
    text: str = Field(description="What it looks for.")
    cameras: list[str] = Field(description="Cameras it is limited to (empty: all).")
    zones: list[str] = Field(description="Zones it is limited to (empty: any).")
    schedule: dict[str, str] | None = Field(description="Daily window {start, end}, local time; null: always.")
    min_score: float
    enabled: bool
    version: int = Field(description="Bumped by every change.")
    created_at: datetime
    updated_at: datetime
    alerts: int = Field(description="Alerts it raised.")
    confirmed: int = Field(description="Of those, marked confirmed.")
    false: int = Field(description="Of those, marked false.")
    precision: float | None = Field(description="confirmed / (confirmed + false); null without feedback.")


class AddedQuery(StandingQueryOut):
    """A standing query just added, with how its text was understood."""

    describe: str = Field(description="The parsed query in one line.")


class QueryVersionOut(BaseModel):
    """One version of a standing query."""

    version: int
    changed_at: datetime
    text: str
    min_score: float
    enabled: bool
    snapshot: dict[str, Any] = Field(description="Every editable field as it was in this version.")


def _out(row: StandingQueryRow, stats: dict[str, RuleStats]) -> StandingQueryOut:
    got = stats.get(f"query:{row.name}")
    return StandingQueryOut(
        id=row.id,
        name=row.name,
        text=row.text,
        cameras=list(row.cameras),
        zones=list(row.zones),
        schedule=row.schedule,
        min_score=row.min_score,
        enabled=row.enabled,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        alerts=got.alerts if got else 0,
        confirmed=got.confirmed if got else 0,
        false=got.false if got else 0,
        precision=got.precision if got else None,
    )


def _stats(conn: Conn, actor: Actor) -> dict[str, RuleStats]:
    return {s.rule: s for s in events.rule_stats(conn, actor=actor)}


@router.get("", responses={403: {"description": "Viewers may not"}})
def list_queries(actor: Reader, conn: Conn) -> list[StandingQueryOut]:
    """Every standing query with its alerts' precision (operators and admins)."""
    stats = _stats(conn, actor)
    return [_out(row, stats) for row in queries.list_all(conn, actor=actor)]


@router.post("", responses={**_ADMIN, 409: {"description": "The name is taken"}, 422: {"description": "Unknown"}})
def add_query(body: StandingQueryIn, actor: Writer, conn: Conn, ctx: Context) -> AddedQuery:
    """Add a standing query (admins; audited). Unknown cameras or zones, or a text not understood: 422."""
    row, parsed = queries.add(
        conn,
        actor=actor,
        name=body.name,
        text=body.text,
        now=datetime.now(UTC),
        cameras=body.cameras,
        zones=body.zones,
        min_score=body.min_score,
        schedule=body.schedule,
        known_cameras=[c.id for c in ctx.config.cameras],
        known_zones=[z.name for c in ctx.config.cameras for z in c.zones],
        semantic=ctx.semantic,
    )
    return AddedQuery(**dict(_out(row, _stats(conn, actor))), describe=parsed.describe())


def _set(conn: Conn, actor: Actor, ref: str, enabled: bool) -> StandingQueryOut:
    row = queries.set_enabled(conn, actor=actor, ref=ref, enabled=enabled, now=datetime.now(UTC))
    return _out(row, _stats(conn, actor))


@router.post("/{ref}/enable", responses={**_ADMIN, **_NOT_FOUND})
def enable_query(ref: QueryRef, actor: Writer, conn: Conn) -> StandingQueryOut:
    """Let a standing query raise alerts again (admins; audited; a new version when it changes)."""
    return _set(conn, actor, ref, True)


@router.post("/{ref}/disable", responses={**_ADMIN, **_NOT_FOUND})
def disable_query(ref: QueryRef, actor: Writer, conn: Conn) -> StandingQueryOut:
    """Stop a standing query from raising alerts, keeping it and its history (admins; audited)."""
    return _set(conn, actor, ref, False)


def _version(v: QueryVersion) -> QueryVersionOut:
    return QueryVersionOut(
        version=v.version,
        changed_at=v.changed_at,
        text=v.text,
        min_score=v.min_score,
        enabled=v.enabled,
        snapshot=v.snapshot,
    )


@router.get("/{ref}/history", responses={403: {"description": "Viewers may not"}, **_NOT_FOUND})
def query_history(ref: QueryRef, actor: Reader, conn: Conn) -> list[QueryVersionOut]:
    """Every version of a standing query, oldest first (operators and admins)."""
    actor.require("operator", "read standing queries")  # services.queries.history checks no role yet
    return [_version(v) for v in queries.history(conn, actor=actor, ref=ref)]
