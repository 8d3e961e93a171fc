"""Accounts in the store: users, API tokens, sessions and login attempts (keyword-only, caller's connection).

Passwords are kept as argon2 hashes and tokens and session cookies as their SHA-256, so the store never
holds a secret that would let someone in. The use cases (:mod:`camsight.services.users`,
:mod:`camsight.services.auth`) decide who may do what and write the audit rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from camsight.store.schema import api_tokens, login_attempts, sessions, users


@dataclass(frozen=True, slots=True)
class UserRow:
    """One account."""

    id: int
    name: str
    role: str
    cameras: tuple[str, ...] | None
    password_hash: str
    disabled: bool
    created_at: datetime
    updated_at: datetime
    sites: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One console session."""

    id: str
    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    ip: str | None


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a token or cookie value is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: sa.Row[Any]) -> UserRow:
    m = row._mapping
    cameras, sites = m["cameras"], m["sites"]
    return UserRow(
        id=int(m["id"]),
        name=m["name"],
        role=m["role"],
        cameras=None if cameras is None else tuple(cameras),
        password_hash=m["password_hash"],
        disabled=bool(m["disabled"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        sites=None if sites is None else tuple(sites),
    )


def add_user(
    conn: sa.Connection,
    *,
    name: str,
    role: str,
    cameras: Sequence[str] | None,
    password_hash: str,
    now: datetime,
    sites: Sequence[str] | None = None,
) -> UserRow:
    """Insert an account; returns it."""
    values = {
        "name": name,
        "role": role,
        "cameras": None if cameras is None else list(cameras),
        "sites": None if sites is None else list(sites),
        "password_hash": password_hash,
        "disabled": False,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(sa.insert(users).values(**values))
    found = get_user(conn, name=name)
    assert found is not None
    return found


def get_user(conn: sa.Connection, *, name: str | None = None, user_id: int | None = None) -> UserRow | None:
    """The account with that name (or id), or None."""
    cond = users.c.name == name if name is not None else users.c.id == user_id
    row = conn.execute(sa.select(users).where(cond)).first()
    return None if row is None else _user(row)


def list_users(conn: sa.Connection) -> list[UserRow]:
    """Every account, by name."""
    return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def count_users(conn: sa.Connection) -> int:
    """How many accounts there are."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())


def update_user(conn: sa.Connection, *, user_id: int, now: datetime, **changes: Any) -> None:
    """Change ``role``, ``cameras``, ``password_hash`` or ``disabled`` of an account."""
    allowed = {"role", "cameras", "password_hash", "disabled"}
    assert set(changes) <= allowed, changes
    conn.execute(sa.update(users).where(users.c.id == user_id).values(**changes, updated_at=now))


def add_token(conn: sa.Connection, *, user_id: int, name: str, token: str, now: datetime) -> int:
    """Store a token's digest for an account; returns its id."""
    values = {"user_id": user_id, "name": name, "token_hash": digest(token), "created_at": now, "revoked": False}
    key = conn.execute(sa.insert(api_tokens).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def token_user(conn: sa.Connection, *, token: str, now: datetime) -> UserRow | None:
    """The account a valid (not revoked) token belongs to, noting its use; None for an unknown token."""
    row = conn.execute(
        sa.select(api_tokens.c.id, api_tokens.c.user_id).where(
            api_tokens.c.token_hash == digest(token), sa.not_(api_tokens.c.revoked)
        )
    ).first()
    if row is None:
        return None
    conn.execute(sa.update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now))
    return get_user(conn, user_id=int(row.user_id))


def revoke_tokens(conn: sa.Connection, *, user_id: int) -> int:
    """Revoke every token of an account; returns how many."""
    stmt = sa.update(api_tokens).where(api_tokens.c.user_id == user_id, sa.not_(api_tokens.c.revoked))
    return int(conn.execute(stmt.values(revoked=True)).rowcount)


def add_session(
    conn: sa.Connection, *, cookie: str, user_id: int, csrf: str, now: datetime, expires_at: datetime, ip: str | None
) -> None:
    """Store a new session under its cookie's digest."""
    values = {
        "id": digest(cookie),
        "user_id": user_id,
        "csrf": csrf,
        "created_at": now,
        "expires_at": expires_at,
        "last_seen_at": now,
        "ip": ip,
    }
    conn.execute(sa.insert(sessions).values(**values))


def get_session(conn: sa.Connection, *, cookie: str) -> SessionRow | None:
    """The session a cookie value stands for, or None."""
    row = conn.execute(sa.select(sessions).where(sessions.c.id == digest(cookie))).mappings().first()
    return None if row is None else SessionRow(**row)


def touch_session(conn: sa.Connection, *, session_id: str, now: datetime) -> None:
    """Note that a session was used."""
    conn.execute(sa.update(sessions).where(sessions.c.id == session_id).values(last_seen_at=now))


def end_sessions(conn: sa.Connection, *, session_id: str | None = None, user_id: int | None = None) -> int:
    """Delete one session, or every session of an account; returns how many."""
    cond = sessions.c.id == session_id if session_id is not None else sessions.c.user_id == user_id
    return int(conn.execute(sa.delete(sessions).where(cond)).rowcount)


def add_attempt(conn: sa.Connection, *, username: str, ip: str | None, ok: bool, now: datetime) -> None:
    """Record a login attempt."""
    conn.execute(sa.insert(login_attempts).values(username=username, ip=ip, at=now, ok=ok))


def recent_failures(
    conn: sa.Connection, *, username: str, ip: str | None, since: datetime
) -> tuple[int, datetime | None]:
    """Failed attempts for this name or from this address since ``since``, and the latest one's time."""
    t = login_attempts
    who = t.c.username == username if ip is None else sa.or_(t.c.username == username, t.c.ip == ip)
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.max(t.c.at)).where(who, sa.not_(t.c.ok), t.c.at >= since)
    ).one()
    latest = row[1]
    if latest is not None and not isinstance(latest, datetime):
        latest = datetime.fromisoformat(str(latest))
    if latest is not None and latest.tzinfo is None:
        from datetime import UTC

        latest = latest.replace(tzinfo=UTC)
    return int(row[0]), latest
