"""The append-only audit log, hash-chained: every search, view, export, change and login, with its actor.

This module offers :func:`record`, :func:`list_audit` and :func:`verify`: there is no function that
updates or deletes an entry. Only the use cases (:mod:`camsight.services.audit`) call :func:`record`,
each with the actor who acted.

**The chain.** Each row carries ``prev_hash``, the hash of the row before it, and ``hash``, the SHA-256
of its own content and ``prev_hash`` (:func:`row_hash`). The ``meta`` table keeps the newest row's id
and hash (``audit_head``). :func:`verify` recomputes the chain: a row edited afterwards no longer
matches its hash, a row deleted breaks the link of the row after it (or, for the newest, the head), so
either names the first bad row. Rows written by camsight 0.1 were chained by the upgrade to schema 3.
Retention may remove the oldest rows only through :func:`prune`, which records where the chain now
starts (``audit_start`` in ``meta``: the first kept row's id and ``prev_hash``) and is itself logged.
Writers are serialised (SQLite: the insert takes the write lock before the previous hash is read;
PostgreSQL: a transaction-scoped advisory lock), so the chain never forks.

Example:
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     record(conn, action="search", detail={"text": "red car"}, actor="os:ana")
    ...     verify(conn).ok
    True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.db import get_meta, set_meta
from camsight.store.schema import audit_log

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""
_LOCK_ID = 0x61756474  # "audt": PostgreSQL advisory lock serialising writers of the chain


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]
    prev_hash: str = ""
    hash: str = ""


def row_hash(*, prev_hash: str, id: int, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> str:
    """The SHA-256 (hex) of one row's content and the previous row's hash (canonical JSON, UTC microseconds)."""
    when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = json.dumps(
        {"prev": prev_hash, "id": id, "at": when, "actor": actor, "action": action, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(conn: sa.Connection, *, action: str, detail: dict[str, Any], actor: str, at: datetime | None = None) -> None:
    """Append one entry (e.g. ``action="search"``, ``detail={"text": ..., "results": 7}``), chained to the last."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_ID})
    when = (at or datetime.now(UTC)).astimezone(UTC)
    detail = json.loads(json.dumps(detail, default=str))  # exactly what the JSON column gives back
    result = conn.execute(sa.insert(audit_log).values(at=when, actor=actor, action=action, detail=detail))
    key = result.inserted_primary_key
    assert key is not None
    new_id = int(key[0])
    prev = conn.execute(
        sa.select(audit_log.c.hash).where(audit_log.c.id < new_id).order_by(audit_log.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev_hash = prev or GENESIS
    digest = row_hash(prev_hash=prev_hash, id=new_id, at=when, actor=actor, action=action, detail=detail)
    conn.execute(sa.update(audit_log).where(audit_log.c.id == new_id).values(prev_hash=prev_hash, hash=digest))
    set_meta(conn, "audit_head", f"{new_id}:{digest}")


def list_audit(
    conn: sa.Connection,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    sites: Sequence[str] | None = None,
    own: str | None = None,
) -> list[AuditEntry]:
    """Entries, newest first, optionally of one action or actor and within ``[since, until)``.

    ``sites``: only rows whose ``detail.site`` is one of them, or (``own``) whose actor is that one.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if sites is not None:
        about = audit_log.c.detail["site"].as_string().in_(list(sites))
        query = query.where(sa.or_(about, audit_log.c.actor == own) if own is not None else about)
    for column, value in ((audit_log.c.action, action), (audit_log.c.actor, actor)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if until is not None:
        query = query.where(audit_log.c.at < until)
    return [_entry(r) for r in conn.execute(query)]


def _entry(r: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(r.id, r.at, r.actor, r.action, dict(r.detail), r.prev_hash, r.hash)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :func:`verify` found: ``ok``, how many rows it checked, and the first bad row with why."""

    ok: bool
    rows: int
    bad_id: int | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line for the user."""
        if self.ok:
            return f"audit log intact: {self.rows} row(s), chain verified"
        return f"audit log broken at row {self.bad_id}: {self.reason}"


def prune(conn: sa.Connection, *, before: datetime, actor: str) -> int:
    """Delete the rows older than ``before`` (retention), keeping the chain verifiable; returns how many.

    The first row kept becomes the chain's start (``audit_start`` in ``meta``); the pruning is recorded
    as an ``audit.pruned`` row with the count and the start.
    """
    first_kept = conn.execute(
        sa.select(audit_log.c.id, audit_log.c.prev_hash).where(audit_log.c.at >= before).order_by(audit_log.c.id)
    ).first()
    if first_kept is None:
        return 0  # never delete every row: the newest one anchors the head
    done = conn.execute(sa.delete(audit_log).where(audit_log.c.id < first_kept.id)).rowcount
    if done:
        set_meta(conn, "audit_start", f"{first_kept.id}:{first_kept.prev_hash}")
        record(
            conn,
            action="audit.pruned",
            actor=actor,
            detail={"deleted": done, "before": before.isoformat(), "chain_starts_at": first_kept.id},
        )
    return int(done)


def _start(conn: sa.Connection) -> tuple[int, str]:
    """Where the chain starts: ``(id before the first row, its hash)``; the genesis unless pruned."""
    start = get_meta(conn, "audit_start")
    if start is None:
        return 0, GENESIS
    first_id, prev_hash = start.split(":", 1)
    return int(first_id) - 1, prev_hash


def verify(conn: sa.Connection, *, batch: int = 5000) -> ChainCheck:
    """Recompute the chain from the first row to the newest and compare it with the recorded head."""
    prev_id, prev_hash = _start(conn)
    count, last_id = 0, 0
    while True:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.id > last_id).order_by(audit_log.c.id).limit(batch)
        ).all()
        for r in rows:
            entry = _entry(r)
            problem = _check(entry, prev_hash, prev_id)
            if problem:
                return ChainCheck(False, count, entry.id, problem)
            prev_hash, prev_id, count = entry.hash, entry.id, count + 1
        if len(rows) < batch:
            break
        last_id = rows[-1].id
    head = get_meta(conn, "audit_head")
    if head is not None and head != f"{prev_id}:{prev_hash}":
        head_id = int(head.split(":", 1)[0])
        why = "the newest row recorded was deleted or changed" if head_id >= prev_id else "the head does not match"
        return ChainCheck(False, count, head_id, why)
    return ChainCheck(True, count)


def _check(entry: AuditEntry, prev_hash: str, prev_id: int) -> str:
    if entry.prev_hash != prev_hash:
        missing = "" if entry.id == prev_id + 1 else f" (rows {prev_id + 1}-{entry.id - 1} are missing)"
        return f"it does not follow the row before it: a row before it was deleted or changed{missing}"
    expected = row_hash(
        prev_hash=entry.prev_hash, id=entry.id, at=entry.at, actor=entry.actor, action=entry.action, detail=entry.detail
    )
    if entry.hash != expected:
        return "its content was changed after it was written"
    return ""
