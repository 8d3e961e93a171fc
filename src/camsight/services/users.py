"""Accounts: who may use the console and the API, with which role and on which cameras.

There is no default account and no default password anywhere: an admin adds each account with a
password given on the command line's standard input (or typed twice), and it is kept as an argon2 hash.
Roles: *viewer* sees alerts and their snapshots; *operator* also searches, gives feedback and exports
blurred clips; *admin* also manages rules, standing queries, masks, users, unblurred export and the
audit log. An account limited to some cameras sees only those, everywhere. Every change is audited.

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.config import Config
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> with store.engine.begin() as conn:
    ...     user = add(conn, actor=os_actor(), name="ana", role="operator", password="a long passphrase",
    ...                now=datetime.now(UTC))
    ...     (user.name, user.role, user.cameras)
    ('ana', 'operator', None)
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from camsight.errors import CamsightError
from camsight.services import audit
from camsight.services.actor import Actor, Role
from camsight.store import accounts_repo as repo
from camsight.store.accounts_repo import UserRow

ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
MIN_PASSWORD = 10
"""Shortest password accepted, in characters."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_HASHER = PasswordHasher()

__all__ = ["ROLES", "UserRow", "actor_of", "add", "check_password", "disable", "list_all", "make_token", "set_password"]


class AccountError(CamsightError):
    """An account cannot be added or changed as asked."""


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters (a passphrase)")
    return password


def check_password(user: UserRow, password: str) -> bool:
    """Whether ``password`` is the account's (argon2 verification; a disabled account never matches)."""
    if user.disabled:
        return False
    try:
        return bool(_HASHER.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: UserRow) -> Actor:
    """The actor an account acts as."""
    cameras = None if user.cameras is None else frozenset(user.cameras)
    sites = None if user.sites is None else frozenset(user.sites)
    return Actor(f"user:{user.name}", role=cast(Role, user.role), cameras=cameras, sites=sites)


def add(
    conn: sa.Connection,
    *,
    actor: Actor,
    name: str,
    role: str,
    password: str,
    now: datetime,
    cameras: Sequence[str] | None = None,
    sites: Sequence[str] | None = None,
) -> UserRow:
    """Add an account (limited to ``cameras`` and, at a hub, to ``sites``, when given).

    Raises:
        Forbidden: The actor is not an admin.
        AccountError: The name is taken or not allowed, the role unknown, or the password too short.
    """
    actor.require("admin", "manage accounts")
    if not _NAME.match(name):
        raise AccountError(f"account name {name!r} is not allowed: letters, digits and . _ @ - only, up to 64")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if repo.get_user(conn, name=name) is not None:
        raise AccountError(f"an account named {name!r} exists already")
    user = repo.add_user(
        conn,
        name=name,
        role=role,
        cameras=cameras,
        sites=sites,
        password_hash=_HASHER.hash(_checked_password(password)),
        now=now,
    )
    audit.record(
        conn,
        actor=actor,
        action="user.add",
        detail={
            "name": name,
            "role": role,
            "cameras": None if cameras is None else list(cameras),
            "sites": None if sites is None else list(sites),
        },
    )
    return user


def _get(conn: sa.Connection, name: str) -> UserRow:
    user = repo.get_user(conn, name=name)
    if user is None:
        raise AccountError(f"no account named {name!r}; see `camsight users list`")
    return user


def list_all(conn: sa.Connection, *, actor: Actor) -> list[UserRow]:
    """Every account (admins only)."""
    actor.require("admin", "list accounts")
    return repo.list_users(conn)


def disable(conn: sa.Connection, *, actor: Actor, name: str, now: datetime) -> UserRow:
    """Disable an account: its sessions end and its tokens are revoked; kept for the audit log."""
    actor.require("admin", "manage accounts")
    user = _get(conn, name)
    repo.update_user(conn, user_id=user.id, now=now, disabled=True)
    ended = repo.end_sessions(conn, user_id=user.id)
    revoked = repo.revoke_tokens(conn, user_id=user.id)
    audit.record(conn, actor=actor, action="user.disable", detail={"name": name, "sessions": ended, "tokens": revoked})
    return _get(conn, name)


def set_password(conn: sa.Connection, *, actor: Actor, name: str, password: str, now: datetime) -> None:
    """Set an account's password; its sessions end (admins, or the account itself)."""
    if actor.name != f"user:{name}":
        actor.require("admin", "change another account's password")
    user = _get(conn, name)
    repo.update_user(conn, user_id=user.id, now=now, password_hash=_HASHER.hash(_checked_password(password)))
    repo.end_sessions(conn, user_id=user.id)
    audit.record(conn, actor=actor, action="user.passwd", detail={"name": name})


def make_token(conn: sa.Connection, *, actor: Actor, name: str, label: str, now: datetime) -> str:
    """A new API token for an account (shown once; only its SHA-256 is kept)."""
    actor.require("admin", "issue API tokens")
    user = _get(conn, name)
    if user.disabled:
        raise AccountError(f"account {name!r} is disabled; no token is issued for it")
    token = "cst_" + secrets.token_urlsafe(32)
    token_id = repo.add_token(conn, user_id=user.id, name=label, token=token, now=now)
    audit.record(conn, actor=actor, action="user.token", detail={"name": name, "token_id": token_id, "label": label})
    return token
