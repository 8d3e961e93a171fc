"""What every page shares: the navigation (the pages an account's role is meant for) and the page context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import HTMLResponse

from camsight.services.actor import Role
from camsight.web.access import PageUser
from camsight.web.render import render


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link of the navigation bar and the least role it is shown to."""

    path: str
    label: str
    role: Role


NAV: tuple[NavItem, ...] = (
    NavItem("/alerts", "Alerts", "viewer"),
    NavItem("/search", "Search", "operator"),
    NavItem("/cameras", "Cameras", "viewer"),
    NavItem("/queries", "Standing queries", "admin"),
    NavItem("/rules", "Rules", "admin"),
    NavItem("/users", "Users", "admin"),
    NavItem("/audit", "Audit", "admin"),
    NavItem("/health", "Health", "operator"),
)
"""The console's pages in the order of the navigation bar."""


def show(user: PageUser, template: str, *, active: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A whole page for ``user``: the navigation they may use, their CSRF token, and ``context``."""
    nav = [item for item in NAV if user.may(item.role)]
    return render(template, {"user": user, "nav": nav, "active": active, **context}, status=status)


def fragment(user: PageUser, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A part of a page (an htmx swap) for ``user``."""
    return render(template, {"user": user, **context}, status=status)
