"""The audit log: the one writer of audit rows, and reading them back.

Every use case that must be accountable (a search, a clip export, a verdict, a change to a standing
query or a suppression) calls :func:`record` in its own transaction, so the row exists exactly when
the action took effect. Reading the log is itself an admin's right.

Example:
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> with store.engine.begin() as conn:
    ...     record(conn, actor=os_actor(), action="search", detail={"text": "red car"})
    ...     [e.action for e in entries(conn, actor=os_actor())]
    ['search']
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.services.actor import Actor
from camsight.store import audit as audit_repo
from camsight.store.audit import AuditEntry, ChainCheck


def record(conn: sa.Connection, *, actor: Actor, action: str, detail: dict[str, Any], site: str | None = None) -> None:
    """Append one row (``action`` such as ``search``, ``clip.export``; ``detail`` as JSON).

    ``site``: the site whose pictures, clips, tracks or alerts the action was about, written in the
    detail (``site``): an admin limited to some sites reads the rows of those sites (and its own).
    """
    audit_repo.record(conn, action=action, detail={**detail, "site": site} if site else detail, actor=actor.name)


def entries(
    conn: sa.Connection,
    *,
    actor: Actor,
    action: str | None = None,
    by: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Rows, newest first, optionally of one action, of one actor and within ``[since, until)`` (admins only).

    An admin limited to some sites (a hub's account) reads the rows about those sites' cameras (their
    ``detail.site``) and the rows of its own actions; the others (another site's, or about no one site:
    sign-ins, accounts, searches of other people) are not shown to it.

    Args:
        conn: Connection.
        actor: Who reads the log.
        action: Only this action (``search``, ``view.snapshot``, ...).
        by: Only rows of this actor (``user:ana``, ``os:root``).
        since: Only rows written at or after this time.
        until: Only rows written before this time.
        limit: At most this many.
        offset: Skip this many first (paging).

    Raises:
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "read the audit log")
    scope = actor.site_scope()
    return audit_repo.list_audit(
        conn,
        action=action,
        actor=by,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        sites=scope,
        own=None if scope is None else actor.name,
    )


def verify(conn: sa.Connection, *, actor: Actor) -> ChainCheck:
    """Check the log's hash chain (admins only): intact, or the first row edited or deleted.

    Raises:
        Forbidden: The actor is not an admin.
    """
    actor.require("admin", "verify the audit log")
    return audit_repo.verify(conn)
