"""Logging in and being recognised: sessions with CSRF tokens, API tokens, and slowing repeated failures.

- :func:`login` checks a name and password; success starts a session (a random cookie value, kept as
  its SHA-256, with a CSRF token every state-changing request must echo) and is audited as ``login``;
  failure is audited as ``login.failed`` and recorded, and after :data:`FREE_FAILURES` failures for the
  same name or from the same address within :data:`WINDOW` each further attempt must wait, doubling
  (:data:`MAX_WAIT_S` at most), whatever the password.
- :func:`session_actor` and :func:`token_actor` turn a cookie or a bearer token into the
  :class:`~camsight.services.actor.Actor` it stands for (None when unknown, expired or disabled).

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.config import Config
    >>> from camsight.services import users
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> now = datetime.now(UTC)
    >>> with store.engine.begin() as conn:
    ...     _ = users.add(conn, actor=os_actor(), name="ana", role="viewer", password="a long passphrase", now=now)
    >>> started = login(store.engine, username="ana", password="a long passphrase", ip="127.0.0.1", now=now)
    >>> with store.engine.begin() as conn:
    ...     session_actor(conn, cookie=started.cookie, now=now).name
    'user:ana'
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from camsight.errors import CamsightError
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.users import actor_of, check_password
from camsight.store import accounts_repo as repo
from camsight.store.errors import writing

SESSION_TTL = timedelta(hours=12)
"""How long a console session lasts without a new login."""
WINDOW = timedelta(minutes=15)
"""Failures older than this are forgotten."""
FREE_FAILURES = 3
"""Failures allowed in the window before attempts are slowed."""
MAX_WAIT_S = 300.0
"""The longest wait imposed between attempts."""


class LoginFailed(CamsightError):
    """The name or the password is wrong (which one is not said)."""


class TooManyAttempts(CamsightError):
    """Too many failed attempts recently: wait before trying again."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"too many failed logins; try again in {wait_s:.0f} s")
        self.wait_s = wait_s


@dataclass(frozen=True, slots=True)
class Started:
    """A new session: the cookie value to set (HttpOnly) and the CSRF token the page must send back."""

    cookie: str
    csrf: str
    actor: Actor
    expires_at: datetime


def _wait_s(conn: sa.Connection, username: str, ip: str | None, now: datetime) -> float:
    failures, latest = repo.recent_failures(conn, username=username, ip=ip, since=now - WINDOW)
    if failures < FREE_FAILURES or latest is None:
        return 0.0
    wait = min(MAX_WAIT_S, 2.0 ** (failures - FREE_FAILURES + 1))
    return max(0.0, wait - (now - latest).total_seconds())


def login(engine: sa.Engine, *, username: str, password: str, ip: str | None, now: datetime) -> Started:
    """Check a name and password and start a session (a failure is recorded and audited before it is raised).

    Raises:
        TooManyAttempts: Recent failures for this name or address; nothing is checked until the wait is over.
        LoginFailed: Unknown name, wrong password or disabled account.
    """
    with writing(engine) as conn:
        outcome = _attempt(conn, username=username, password=password, ip=ip, now=now)
    if isinstance(outcome, CamsightError):
        raise outcome
    return outcome


def _attempt(
    conn: sa.Connection, *, username: str, password: str, ip: str | None, now: datetime
) -> Started | CamsightError:
    anonymous = Actor(f"anonymous:{ip or '?'}", role="viewer")
    wait = _wait_s(conn, username, ip, now)
    if wait > 0:
        audit.record(
            conn,
            actor=anonymous,
            action="login.refused",
            detail={"username": username, "ip": ip, "wait_s": round(wait)},
        )
        return TooManyAttempts(wait)
    user = repo.get_user(conn, name=username)
    if user is None or not check_password(user, password):
        repo.add_attempt(conn, username=username, ip=ip, ok=False, now=now)
        audit.record(conn, actor=anonymous, action="login.failed", detail={"username": username, "ip": ip})
        return LoginFailed("wrong name or password")
    repo.add_attempt(conn, username=username, ip=ip, ok=True, now=now)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires_at = now + SESSION_TTL
    repo.add_session(conn, cookie=cookie, user_id=user.id, csrf=csrf, now=now, expires_at=expires_at, ip=ip)
    actor = actor_of(user)
    audit.record(conn, actor=actor, action="login", detail={"ip": ip})
    return Started(cookie, csrf, actor, expires_at)


@dataclass(frozen=True, slots=True)
class SessionActor:
    """Who a session cookie stands for, and the CSRF token its state changes must carry."""

    actor: Actor
    csrf: str
    session_id: str


def session(conn: sa.Connection, *, cookie: str, now: datetime) -> SessionActor | None:
    """The live session of a cookie value (its account enabled, not expired), noting its use; else None."""
    found = repo.get_session(conn, cookie=cookie)
    if found is None or found.expires_at <= now:
        return None
    user = repo.get_user(conn, user_id=found.user_id)
    if user is None or user.disabled:
        return None
    repo.touch_session(conn, session_id=found.id, now=now)
    return SessionActor(actor_of(user), found.csrf, found.id)


def session_actor(conn: sa.Connection, *, cookie: str, now: datetime) -> Actor | None:
    """The actor of a live session cookie, or None."""
    found = session(conn, cookie=cookie, now=now)
    return None if found is None else found.actor


def token_actor(conn: sa.Connection, *, token: str, now: datetime) -> Actor | None:
    """The actor of a valid API token (its account enabled), or None."""
    user = repo.token_user(conn, token=token, now=now)
    if user is None or user.disabled:
        return None
    return actor_of(user)


def logout(conn: sa.Connection, *, actor: Actor, session_id: str) -> None:
    """End a session (audited)."""
    repo.end_sessions(conn, session_id=session_id)
    audit.record(conn, actor=actor, action="logout", detail={})
