"""The login page (a plain form: the same use case as ``POST /api/auth/login``) and logging out.

There is no default account: the page says how an admin makes one. A wrong name or password shows
the message on the form again (401); repeated failures are slowed by the use case (429, with the wait).
The form only accepts posts from this site's own pages (``Origin``), so another site cannot log a
browser into an account of its choosing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from camsight.api.deps import COOKIE, Conn, Context
from camsight.services import auth
from camsight.services.auth import LoginFailed, Started, TooManyAttempts
from camsight.web.access import PageWriter, local_path
from camsight.web.errors import PageError, html_errors
from camsight.web.render import HEADERS, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(html_errors)])


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _login_form(message: str | None, username: str, target: str, status: int) -> Response:
    context = {"message": message, "username": username, "next": target}
    return render("login.html", context, status=status)


@router.get("/")
def home() -> RedirectResponse:
    """The console starts at the alerts."""
    return RedirectResponse("/alerts", status_code=303)


@router.get("/login")
def login_page(next: str | None = None) -> Response:
    """The login form."""
    return _login_form(None, "", local_path(next), 200)


def _set_cookie(response: Response, started: Started, secure: bool) -> None:
    max_age = int((started.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(COOKIE, started.cookie, max_age=max_age, httponly=True, samesite="strict", secure=secure)


@router.post("/login")
def login(
    request: Request,
    ctx: Context,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/alerts",
) -> Response:
    """Check the name and password; on success set the session cookie and go where the person was going."""
    target = local_path(next)
    if not _same_origin(request):
        raise PageError(403, "this login form was sent from another site; open the console's own login page")
    if not username or not password:
        return _login_form("give your account name and password", username, target, 422)
    ip = request.client.host if request.client else None
    try:
        started = auth.login(ctx.store.engine, username=username, password=password, ip=ip, now=datetime.now(UTC))
    except LoginFailed:
        return _login_form("wrong name or password", username, target, 401)
    except TooManyAttempts as exc:
        return _login_form(str(exc), username, target, 429)
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    _set_cookie(response, started, ctx.secure_cookies)
    return response


@router.post("/logout")
def logout(user: PageWriter, conn: Conn) -> Response:
    """End this session and go back to the login page."""
    auth.logout(conn, actor=user.actor, session_id=user.session_id)
    response = Response(status_code=200, headers={**HEADERS, "HX-Redirect": "/login"})
    response.delete_cookie(COOKIE, path="/")
    return response
