"""Accounts (admins): the list, adding one, disabling one, and issuing an API token (shown once).

Every change goes through :mod:`camsight.services.users` (which refuses anyone but an admin and
audits it) with the CSRF header; the section is re-rendered with the outcome, an error as a message
beside the form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from camsight.api.deps import Conn
from camsight.errors import CamsightError
from camsight.services import users
from camsight.web.access import Page, PageUser, PageWriter, require
from camsight.web.errors import html_errors
from camsight.web.layout import fragment, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


def camera_list(text: str) -> list[str] | None:
    """The cameras typed in the form (comma or space separated), or None for all.

    Example:
        >>> camera_list("gate, lobby"), camera_list("  ")
        (['gate', 'lobby'], None)
    """
    names = [n for n in text.replace(",", " ").split() if n]
    return names or None


def _section(user: PageUser, conn: Conn, *, message: str | None = None, ok: bool = True) -> HTMLResponse:
    rows = users.list_all(conn, actor=user.actor)
    return fragment(user, "_users.html", rows=rows, roles=users.ROLES, message=message, ok=ok)


@router.get("/users")
def users_page(user: Page, conn: Conn) -> HTMLResponse:
    """Every account: role, cameras, state; forms to add, disable and issue tokens."""
    require(user, "admin", "manage accounts")
    rows = users.list_all(conn, actor=user.actor)
    return show(user, "users.html", active="/users", rows=rows, roles=users.ROLES, message=None, ok=True)


@router.post("/users")
def add_user(
    user: PageWriter,
    conn: Conn,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
    cameras: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """Add an account; the list is shown again with what happened."""
    try:
        added = users.add(
            conn,
            actor=user.actor,
            name=name.strip(),
            role=role,
            password=password,
            now=datetime.now(UTC),
            cameras=camera_list(cameras),
        )
    except users.AccountError as exc:
        return _section(user, conn, message=str(exc), ok=False)
    return _section(user, conn, message=f"account {added.name} added ({added.role})")


@router.post("/users/{name}/disable")
def disable_user(name: str, user: PageWriter, conn: Conn) -> HTMLResponse:
    """Disable an account: its sessions end and its tokens stop working."""
    try:
        users.disable(conn, actor=user.actor, name=name, now=datetime.now(UTC))
    except users.AccountError as exc:
        return _section(user, conn, message=str(exc), ok=False)
    return _section(user, conn, message=f"account {name} disabled")


@router.post("/users/{name}/token")
def make_token(
    name: str, user: PageWriter, conn: Conn, label: Annotated[str, Form(max_length=64)] = "script"
) -> HTMLResponse:
    """Issue an API token for an account; it is shown here once and never again."""
    try:
        token = users.make_token(
            conn, actor=user.actor, name=name, label=label.strip() or "script", now=datetime.now(UTC)
        )
    except CamsightError as exc:
        return fragment(user, "_token.html", name=name, token=None, message=str(exc))
    return fragment(user, "_token.html", name=name, token=token, message=None)
