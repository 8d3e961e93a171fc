"""The FastAPI application of one store: ``create_app(config, store)``; ``camsight serve`` runs it.

OpenAPI is at ``/openapi.json`` and ``/docs``. The routers are added here, each a module of its own
(``auth_routes`` and those of :mod:`camsight.api` for the resources, :mod:`camsight.web` for the pages).
"""

from __future__ import annotations

from fastapi import FastAPI

from camsight import __version__
from camsight.api import auth_routes, cameras_routes, errors, playback_routes
from camsight.api.deps import ApiContext
from camsight.config.models import Config
from camsight.store.handle import Store
from camsight.web import install as install_console


def create_app(config: Config, store: Store, *, secure_cookies: bool = False) -> FastAPI:
    """The application serving ``store`` (already opened and upgraded)."""
    app = FastAPI(
        title="camsight",
        version=__version__,
        docs_url="/docs",
        openapi_url="/openapi.json",
        description="Alerts, search and evidence of the cameras of one site (or, at a hub, of many).",
    )
    app.state.camsight = ApiContext(config=config, store=store, secure_cookies=secure_cookies)
    errors.install(app)
    app.include_router(auth_routes.router)
    app.include_router(cameras_routes.router)
    app.include_router(playback_routes.router)
    install_console(app)  # the console's pages and /static
    return app
