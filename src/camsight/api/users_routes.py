"""``/api/users``: accounts (admins), a password change (admins, or the account itself), API tokens.

There is no default account: the first admin is added with ``camsight users add``. Passwords are kept
as argon2 hashes and never shown; a token is shown once, when it is made. Every change is audited
(:mod:`camsight.services.users`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Reader, Writer
from camsight.api.params import NAME_PATTERN, Responses, UserName
from camsight.services import users
from camsight.services.users import MIN_PASSWORD, UserRow

router = APIRouter(prefix="/api/users", tags=["users"])

_ADMIN: Responses = {403: {"description": "Only admins"}}
_PASSWORD = Field(min_length=MIN_PASSWORD, max_length=1024, description=f"At least {MIN_PASSWORD} characters.")


class UserOut(BaseModel):
    """An account (never its password)."""

    name: str
    role: str = Field(description="viewer, operator or admin.")
    cameras: list[str] | None = Field(description="Cameras it may see; null: all.")
    sites: list[str] | None = Field(default=None, description="Sites it may see (at a hub); null: all.")
    disabled: bool
    created_at: datetime
    updated_at: datetime


class NewUser(BaseModel):
    """An account to add."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, description="Account name.")
    role: Literal["viewer", "operator", "admin"] = Field(description="viewer, operator or admin.")
    cameras: list[str] | None = Field(default=None, max_length=1000, description="Only these cameras; null: all.")
    sites: list[str] | None = Field(default=None, max_length=1000, description="Only these sites (a hub); null: all.")
    password: str = _PASSWORD


class NewPassword(BaseModel):
    """A new password; the account's sessions end."""

    model_config = ConfigDict(extra="forbid")

    password: str = _PASSWORD


class NewToken(BaseModel):
    """A label for a new API token (what uses it)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=100, description="What the token is for, e.g. 'backup script'.")


class Token(BaseModel):
    """A new API token: send it as ``Authorization: Bearer <token>``. It is shown this once only."""

    token: str


def _out(user: UserRow) -> UserOut:
    cameras = None if user.cameras is None else list(user.cameras)
    return UserOut(
        name=user.name,
        role=user.role,
        cameras=cameras,
        sites=None if user.sites is None else list(user.sites),
        disabled=user.disabled,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


@router.get("", responses=_ADMIN)
def list_users(actor: Reader, conn: Conn) -> list[UserOut]:
    """Every account, by name (admins)."""
    return [_out(u) for u in users.list_all(conn, actor=actor)]


@router.post("", responses={**_ADMIN, 400: {"description": "Name taken or not allowed"}})
def add_user(body: NewUser, actor: Writer, conn: Conn) -> UserOut:
    """Add an account (admins; audited)."""
    return _out(
        users.add(
            conn,
            actor=actor,
            name=body.name,
            role=body.role,
            password=body.password,
            cameras=body.cameras,
            sites=body.sites,
            now=datetime.now(UTC),
        )
    )


@router.post("/{name}/disable", responses={**_ADMIN, 400: {"description": "No such account"}})
def disable_user(name: UserName, actor: Writer, conn: Conn) -> UserOut:
    """Disable an account: its sessions end, its tokens are revoked; kept for the audit log (admins; audited)."""
    return _out(users.disable(conn, actor=actor, name=name, now=datetime.now(UTC)))


@router.post(
    "/{name}/password",
    responses={403: {"description": "Another account's, and not an admin"}, 400: {"description": "No such account"}},
)
def set_password(name: UserName, body: NewPassword, actor: Writer, conn: Conn) -> dict[str, str]:
    """Set an account's password (admins, or the account itself; audited); its sessions end."""
    users.set_password(conn, actor=actor, name=name, password=body.password, now=datetime.now(UTC))
    return {"detail": "password changed; the account's sessions have ended"}


@router.post("/{name}/tokens", responses={**_ADMIN, 400: {"description": "No such account, or disabled"}})
def make_token(name: UserName, body: NewToken, actor: Writer, conn: Conn) -> Token:
    """Make an API token for an account (admins; audited). The token is in this answer only."""
    return Token(token=users.make_token(conn, actor=actor, name=name, label=body.label, now=datetime.now(UTC)))
