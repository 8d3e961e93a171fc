"""The console's answers when something is refused or missing: HTML pages (or htmx fragments), not JSON.

Every console router depends on :func:`html_errors`, which turns the use cases' expected errors
(:class:`~camsight.errors.CamsightError`: forbidden, not found, a name not known, ...) into a
:class:`PageError` with the status the JSON API would give (:func:`camsight.api.errors.status_of`).
:func:`install` adds the handlers that render it, and the redirect to the login page.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from camsight.api.errors import status_of
from camsight.errors import CamsightError
from camsight.web.render import HEADERS, is_fragment, render

TITLES = {400: "Not understood", 401: "Log in", 403: "Not allowed", 404: "Not found", 422: "Not understood"}


class PageError(Exception):
    """A page or fragment that cannot be shown: its HTTP status and the message for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LoginRequired(Exception):
    """No live session: go to the login page (``location`` keeps where the person was going)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def html_errors() -> Iterator[None]:
    """Dependency of the console's routers: expected errors of the use cases become :class:`PageError`."""
    try:
        yield
    except CamsightError as exc:
        raise PageError(status_of(exc), str(exc)) from exc


def not_found(what: str) -> PageError:
    """A 404 page saying what was not found."""
    return PageError(404, what)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    context = {"status": exc.status, "title": TITLES.get(exc.status, "Error"), "message": exc.message}
    template = "_error.html" if is_fragment(request) else "error.html"
    return render(template, context, status=exc.status)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if is_fragment(request):  # htmx follows HX-Redirect with a full page load
        return Response(status_code=200, headers={**HEADERS, "HX-Redirect": exc.location})
    return RedirectResponse(exc.location, status_code=303, headers=HEADERS)


def install(app: FastAPI) -> None:
    """Add the handlers for :class:`PageError` and :class:`LoginRequired`."""
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(LoginRequired, _login_required)
