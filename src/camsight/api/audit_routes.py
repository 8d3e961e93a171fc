"""``/api/audit``: the append-only, hash-chained audit log (admins): its rows, and a check of its chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Reader
from camsight.api.params import MAX_OFFSET, Instant, Responses
from camsight.services import audit
from camsight.store.audit import AuditEntry

router = APIRouter(prefix="/api/audit", tags=["audit"])

_ADMIN: Responses = {403: {"description": "Only admins"}}


class AuditFilters(BaseModel):
    """Which rows to list (every filter optional), newest first."""

    model_config = ConfigDict(extra="forbid")

    action: str | None = Field(default=None, max_length=100, description="Only this action (search, view.snapshot).")
    actor: str | None = Field(default=None, max_length=200, description="Only this actor (user:ana, os:root).")
    since: Instant | None = Field(default=None, description="Written at or after this time (ISO 8601 with zone).")
    until: Instant | None = Field(default=None, description="Written before this time (ISO 8601 with zone).")
    limit: int = Field(default=100, ge=1, le=1000, description="At most this many.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Skip this many first (paging).")


class AuditRow(BaseModel):
    """One audited action."""

    id: int
    at: datetime
    actor: str = Field(description="Who acted.")
    action: str = Field(description="What was done (search, view.snapshot, alert.feedback, user.add, ...).")
    detail: dict[str, Any] = Field(description="What it was done to, as recorded.")


class ChainCheckOut(BaseModel):
    """The hash chain recomputed: intact, or the first row edited or deleted and why."""

    ok: bool
    rows: int = Field(description="Rows checked.")
    bad_id: int | None = Field(description="First bad row, if any.")
    reason: str
    describe: str = Field(description="One line for a person.")


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(id=e.id, at=e.at, actor=e.actor, action=e.action, detail=e.detail)


@router.get("", responses=_ADMIN)
def list_audit(reader: Reader, conn: Conn, filters: Annotated[AuditFilters, Query()]) -> list[AuditRow]:
    """Audit-log rows, newest first, optionally of one action or actor and within [since, until) (admins)."""
    rows = audit.entries(
        conn,
        actor=reader,
        action=filters.action,
        by=filters.actor,
        since=filters.since,
        until=filters.until,
        limit=filters.limit,
        offset=filters.offset,
    )
    return [_row(e) for e in rows]


@router.get("/verify", responses=_ADMIN)
def verify_audit(reader: Reader, conn: Conn) -> ChainCheckOut:
    """Recompute the log's hash chain (admins): ``ok``, or the first row edited or deleted (``bad_id``)."""
    check = audit.verify(conn, actor=reader)
    return ChainCheckOut(
        ok=check.ok, rows=check.rows, bad_id=check.bad_id, reason=check.reason, describe=check.describe()
    )
