"""Who is looking at a page: the session cookie's account, or a trip to the login page.

The pages use the same session as the JSON API (the cookie set by ``POST /api/auth/login`` or by the
console's login form). A page asked for without a live session redirects to ``/login``; a
state-changing request of the console (an htmx POST) must carry the session's CSRF token in
``X-CSRF-Token``, which every page puts in ``<body hx-headers>`` and in a ``<meta>`` tag for its scripts.
What an account may see and do is decided by the use cases (:mod:`camsight.services`); a page only
says which role it is meant for, so that a lower role gets a 403 page instead of an empty one.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from camsight.api.deps import COOKIE, CSRF_HEADER, Conn
from camsight.services import auth
from camsight.services.actor import Actor, Forbidden, Role
from camsight.web.errors import LoginRequired, PageError


@dataclass(frozen=True, slots=True)
class PageUser:
    """The account behind a page request, its session and the CSRF token its pages must send back."""

    actor: Actor
    csrf: str
    session_id: str

    @property
    def name(self) -> str:
        """The account name as shown (``ana`` for ``user:ana``)."""
        return self.actor.name.split(":", 1)[-1]

    def may(self, role: Role) -> bool:
        """Whether the account has at least ``role`` (for showing or hiding a control, not for enforcing)."""
        try:
            self.actor.require(role, "")
        except Forbidden:
            return False
        return True


def local_path(target: str | None, default: str = "/alerts") -> str:
    """``target`` when it is a path on this site (``/search?q=x``), else ``default`` (no open redirects).

    Example:
        >>> local_path("/search?q=red"), local_path("//evil.example/"), local_path("https://x/")
        ('/search?q=red', '/alerts', '/alerts')
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _page_user(request: Request, conn: Conn) -> PageUser:
    cookie = request.cookies.get(COOKIE)
    found = auth.session(conn, cookie=cookie, now=datetime.now(UTC)) if cookie else None
    if found is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(f"/login?next={quote(local_path(wanted), safe='')}")
    return PageUser(found.actor, found.csrf, found.session_id)


Page = Annotated[PageUser, Depends(_page_user)]
"""The logged-in account of a page (redirects to the login page when there is none)."""


def _page_writer(request: Request, user: Page) -> PageUser:
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), user.csrf.encode()):
        raise PageError(403, f"missing or wrong {CSRF_HEADER} header: reload the page and try again")
    return user


PageWriter = Annotated[PageUser, Depends(_page_writer)]
"""The logged-in account of a state-changing console request, its CSRF token checked."""


def require(user: PageUser, role: Role, what: str) -> None:
    """Refuse a page to an account below ``role`` (a 403 page naming the role it needs).

    Raises:
        Forbidden: The account's role is lower.
    """
    user.actor.require(role, what)
