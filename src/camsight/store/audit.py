"""The append-only audit log: every search, clip export, standing-query change and alert verdict.

This module offers only :func:`record` and :func:`list_audit`: there is no function that updates or
deletes an entry (retention, when configured, is the one exception and is itself logged). Only the
use cases (:mod:`camsight.services.audit`) call :func:`record`, each with the actor who acted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.schema import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def record(conn: sa.Connection, *, action: str, detail: dict[str, Any], actor: str, at: datetime | None = None) -> None:
    """Append one entry (e.g. ``action="search"``, ``detail={"text": ..., "results": 7}``)."""
    conn.execute(sa.insert(audit_log).values(at=at or datetime.now(UTC), actor=actor, action=action, detail=detail))


def list_audit(
    conn: sa.Connection, *, action: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Entries, newest first, optionally of one action and from ``since`` on."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    return [AuditEntry(r.id, r.at, r.actor, r.action, dict(r.detail)) for r in conn.execute(query)]
