"""The operator console: server-rendered pages, plain static scripts, vendored htmx and hls.js; no build step.

:func:`install` adds the console to the API's application (``create_app`` calls it): the pages, each a
router of its own module (login, alerts, search, cameras, standing queries and rules, users, audit,
health), and ``/static`` (``static/css``, ``static/js``, ``static/vendor``). Pages take their data from
the use cases in :mod:`camsight.services` with the logged-in account as the actor, or, in the browser,
from the JSON API under ``/api`` (the live alert stream, snapshots, thumbnails, clips, recordings and
camera geometry). Every template is autoescaped; every state-changing request carries the session's
CSRF token; an account sees only its cameras because the use cases say so, not the templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

if TYPE_CHECKING:
    from camsight.api.search_routes import SearchSetup


def install(app: FastAPI, searching: SearchSetup) -> None:
    """Mount the console on ``app``: its routers, its error pages and ``/static``.

    Args:
        app: The API's application.
        searching: What ``GET /api/search`` searches with (the console's search page shares it).
    """
    from camsight.web import (
        alert_pages,
        audit_pages,
        auth_pages,
        camera_pages,
        errors,
        health_pages,
        rule_pages,
        search_pages,
        user_pages,
    )
    from camsight.web.render import STATIC

    errors.install(app)
    for module in (
        auth_pages,
        alert_pages,
        camera_pages,
        rule_pages,
        user_pages,
        audit_pages,
        health_pages,
    ):
        app.include_router(module.router)
    app.include_router(search_pages.make_router(searching))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
