"""``/api/auth``: log in (a session cookie and a CSRF token), log out, and who am I."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import COOKIE, Conn, Context, Who, Writer
from camsight.services import auth
from camsight.services.actor import Actor

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    """A login."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="Account name.")
    password: str = Field(min_length=1, max_length=1024, description="Password.")


class Me(BaseModel):
    """Who is logged in, with what rights, and the CSRF token state-changing requests must send."""

    name: str = Field(description="Actor name, e.g. user:ana.")
    role: str = Field(description="viewer, operator or admin.")
    cameras: list[str] | None = Field(description="Cameras the account may see; null for all.")
    csrf: str | None = Field(default=None, description="Send this in X-CSRF-Token on state-changing requests.")


def _me(actor: Actor, csrf: str | None) -> Me:
    cameras = None if actor.cameras is None else sorted(actor.cameras)
    return Me(name=actor.name, role=actor.role, cameras=cameras, csrf=csrf)


@router.post("/login", responses={401: {"description": "Wrong name or password"}, 429: {"description": "Slowed"}})
def login(credentials: Credentials, request: Request, response: Response, ctx: Context) -> Me:
    """Log in: 200 with an HttpOnly, SameSite=Strict session cookie; 401 for a wrong name or password."""
    ip = request.client.host if request.client else None
    started = auth.login(
        ctx.store.engine, username=credentials.username, password=credentials.password, ip=ip, now=datetime.now(UTC)
    )
    max_age = int((started.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        COOKIE, started.cookie, max_age=max_age, httponly=True, samesite="strict", secure=ctx.secure_cookies, path="/"
    )
    return _me(started.actor, started.csrf)


@router.post("/logout")
def logout(actor: Writer, caller: Who, conn: Conn, response: Response) -> dict[str, str]:
    """End this session (a token-authenticated caller has none to end)."""
    if caller.session_id is not None:
        auth.logout(conn, actor=actor, session_id=caller.session_id)
    response.delete_cookie(COOKIE, path="/")
    return {"detail": "logged out"}


@router.get("/me")
def me(caller: Who) -> Me:
    """The account behind this request, and its CSRF token."""
    return _me(caller.actor, caller.csrf)
