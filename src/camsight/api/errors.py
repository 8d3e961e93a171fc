"""camsight's expected errors as HTTP answers: one JSON ``{"detail": message}`` with the fitting status.

A :class:`~camsight.errors.StoreError` is 503 when the database or the disk failed (the error carries
the driver's or the system's error as its cause) and 409 otherwise: the store refused the request as
it stands (a name taken, no row with that id).
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from camsight.errors import CamsightError, QueryError, StoreError
from camsight.services.actor import Forbidden
from camsight.services.auth import LoginFailed, TooManyAttempts
from camsight.services.cameras import CameraNotFound, GeometryConflict, GeometryInvalid
from camsight.services.events import EventNotFound, TrackNotFound
from camsight.services.media import PictureNotFound
from camsight.services.names import UnknownName
from camsight.services.playback import SegmentNotFound
from camsight.services.playback import TrackNotFound as PlaybackTrackNotFound
from camsight.services.queries import QueryNotFound
from camsight.services.remote_clips import EdgeUnreachable
from camsight.services.users import AccountError

MAX_BODY = 64 * 1024
"""Largest request body accepted, bytes (a search or a geometry edit is far smaller)."""

_STATUS: tuple[tuple[type[CamsightError], int], ...] = (
    (LoginFailed, 401),
    (Forbidden, 403),
    (EventNotFound, 404),
    (TrackNotFound, 404),
    (PictureNotFound, 404),
    (QueryNotFound, 404),
    (CameraNotFound, 404),
    (PlaybackTrackNotFound, 404),
    (SegmentNotFound, 404),
    (GeometryConflict, 409),
    (AccountError, 400),
    (UnknownName, 422),
    (GeometryInvalid, 422),
    (QueryError, 422),
    (TooManyAttempts, 429),
    (EdgeUnreachable, 502),
    (StoreError, 503),
)


def status_of(error: CamsightError) -> int:
    """The HTTP status of an expected error (400 when none fits better)."""
    if isinstance(error, StoreError) and not _failed_below(error):
        return 409
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 400)


def _failed_below(error: StoreError) -> bool:
    """Whether the database driver or the operating system failed (rather than the store saying no)."""
    return isinstance(error.__cause__, sa.exc.DBAPIError | OSError)


async def _camsight_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CamsightError)
    headers = {"Retry-After": str(int(error.wait_s) + 1)} if isinstance(error, TooManyAttempts) else None
    return JSONResponse({"detail": str(error)}, status_code=status_of(error), headers=headers)


async def _store_unavailable(_request: Request, _error: Exception) -> JSONResponse:
    """A database that is busy or gone (locked too long, server down): 503, try again later."""
    detail = "the store is busy or unavailable; nothing was changed, try again in a moment"
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})


class BodyLimit(BaseHTTPMiddleware):
    """Refuse request bodies over :data:`MAX_BODY` (by their declared length) with 413."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Check the declared length before the route reads anything."""
        length = request.headers.get("content-length")
        if length is not None and (not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY):
            return JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413)
        if (
            length is None
            and request.method in ("POST", "PUT", "PATCH")
            and "chunked" in request.headers.get("transfer-encoding", "")
        ):
            return JSONResponse({"detail": "send a Content-Length (chunked bodies are not accepted)"}, status_code=411)
        return await call_next(request)


def install(app: FastAPI) -> None:
    """Add the error handler and the body limit to an app."""
    app.add_exception_handler(CamsightError, _camsight_error)
    app.add_exception_handler(sa.exc.OperationalError, _store_unavailable)
    app.add_middleware(BodyLimit)
