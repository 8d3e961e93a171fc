"""The append-only audit log: every search, clip export, standing-query change and alert verdict.

This module offers only :func:`record` and :func:`list_audit`: there is no function that updates or
deletes an entry (retention, when configured, is the one exception and is itself logged). The
operator console will add logins and account changes; until then the actor is the operating-system
user who ran the command.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.schema import UTCDateTime, metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_action", "action"),
)
"""One row per audited action, never changed once written."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def current_actor() -> str:
    """Who is acting: the operating-system user (the console will supply account names)."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return "os:unknown"


def record(
    conn: sa.Connection, *, action: str, detail: dict[str, Any], actor: str | None = None, at: datetime | None = None
) -> None:
    """Append one entry (e.g. ``action="search"``, ``detail={"text": ..., "results": 7}``)."""
    metadata.create_all(conn, tables=[audit_log], checkfirst=True)
    conn.execute(
        sa.insert(audit_log).values(
            at=at or datetime.now(UTC), actor=actor or current_actor(), action=action, detail=detail
        )
    )


def list_audit(
    conn: sa.Connection, *, action: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Entries, newest first, optionally of one action and from ``since`` on."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    metadata.create_all(conn, tables=[audit_log], checkfirst=True)
    query = sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    return [AuditEntry(r.id, r.at, r.actor, r.action, dict(r.detail)) for r in conn.execute(query)]
