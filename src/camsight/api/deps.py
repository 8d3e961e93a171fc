"""Dependencies every route shares, as ``Annotated`` aliases: the app's context, a connection, who asks.

The context is read from the application in this module only. A request is authenticated by an
``Authorization: Bearer`` token (scripts) or by the session cookie (the console); a state-changing
request made with the cookie must echo the session's CSRF token in the ``X-CSRF-Token`` header
(:data:`Writer`), so a page on another site cannot act with the operator's cookie.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request, status

from camsight.config.models import Config
from camsight.services import auth
from camsight.services.actor import Actor
from camsight.store.handle import Store

COOKIE = "camsight_session"
"""Name of the session cookie."""
CSRF_HEADER = "X-CSRF-Token"
"""Header carrying the session's CSRF token on state-changing requests."""
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class ApiContext:
    """What the routes work with: the configuration, the store, whether cookies need HTTPS, and more.

    ``semantic``: whether words the lexicon lacks go to the sentence embedder (searches and standing
    queries alike).
    """

    config: Config
    store: Store
    secure_cookies: bool = False
    semantic: bool = True


def _context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.camsight
    return ctx


Context = Annotated[ApiContext, Depends(_context)]


def _connection(ctx: Context) -> Iterator[sa.Connection]:
    """One transaction per request, committed when the route returns and before the answer is sent.

    ``scope="function"``: with FastAPI's default the commit would run after the response went out, so a
    client could be told 200 for a change (and its audit row) that then failed to commit.
    """
    with ctx.store.engine.begin() as conn:
        yield conn


Conn = Annotated[sa.Connection, Depends(_connection, scope="function")]


@dataclass(frozen=True)
class Caller:
    """Who asks, and how: the actor, and the session's CSRF token when a cookie was used."""

    actor: Actor
    csrf: str | None = None
    session_id: str | None = None


def _caller(request: Request, conn: Conn) -> Caller:
    now = datetime.now(UTC)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = auth.token_actor(conn, token=header[7:].strip(), now=now)
        if actor is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        return Caller(actor)
    cookie = request.cookies.get(COOKIE)
    found = auth.session(conn, cookie=cookie, now=now) if cookie else None
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first (POST /api/auth/login)")
    return Caller(found.actor, found.csrf, found.session_id)


Who = Annotated[Caller, Depends(_caller)]


def _reader(caller: Who) -> Actor:
    return caller.actor


def _writer(request: Request, caller: Who) -> Actor:
    if caller.csrf is not None and request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), caller.csrf.encode()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {CSRF_HEADER} header")
    return caller.actor


Reader = Annotated[Actor, Depends(_reader)]
"""The authenticated actor (any method)."""
Writer = Annotated[Actor, Depends(_writer)]
"""The authenticated actor of a state-changing request, its CSRF token checked when a cookie was used."""
