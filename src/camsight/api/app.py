"""The FastAPI application of one store: ``create_app(config, store)``; ``camsight serve`` runs it.

OpenAPI is at ``/openapi.json`` and ``/docs``. The routers are added here, each a module of its own
(``auth_routes`` and those of :mod:`camsight.api` for the resources, :mod:`camsight.web` for the pages);
docs/api.md lists the routes with the roles they need.
"""

from __future__ import annotations

from fastapi import FastAPI

from camsight import __version__
from camsight.api import (
    audit_routes,
    auth_routes,
    cameras_routes,
    errors,
    events_routes,
    held_routes,
    media_routes,
    models_routes,
    playback_routes,
    queries_routes,
    rules_routes,
    search_routes,
    status_routes,
    stream_routes,
    tracks_routes,
    users_routes,
)
from camsight.api.deps import ApiContext
from camsight.api.search_routes import SearchSetup
from camsight.config.models import Config
from camsight.search import clip_embedder
from camsight.search.cache import FeatureCache
from camsight.store.handle import Store
from camsight.web import install as install_console


def create_app(config: Config, store: Store, *, secure_cookies: bool = False, semantic: bool = True) -> FastAPI:
    """The application serving ``store`` (already opened and upgraded).

    Args:
        config: The configuration (camera and zone names a search may use, the image-text model).
        store: The store, opened and upgraded.
        secure_cookies: Send the session cookie over HTTPS only.
        semantic: Map search words the lexicon lacks with the sentence embedder (loaded on first need).
    """
    app = FastAPI(
        title="camsight",
        version=__version__,
        docs_url="/docs",
        openapi_url="/openapi.json",
        description="Alerts, search and evidence of the cameras of one site (or, at a hub, of many). "
        "Log in with POST /api/auth/login (a session cookie; send its CSRF token in X-CSRF-Token on "
        "every POST) or send Authorization: Bearer <token>.",
    )
    app.state.camsight = ApiContext(config=config, store=store, secure_cookies=secure_cookies, semantic=semantic)
    errors.install(app)
    searching = SearchSetup(
        cache=FeatureCache(), embedder=clip_embedder.load(config.search.clip_model), semantic=semantic
    )
    app.include_router(auth_routes.router)
    app.include_router(stream_routes.router)  # before events_routes: /api/events/stream is not an event id
    app.include_router(events_routes.router)
    app.include_router(media_routes.router)
    app.include_router(tracks_routes.router)
    app.include_router(search_routes.make_router(searching))
    app.include_router(queries_routes.router)
    app.include_router(rules_routes.router)
    app.include_router(held_routes.router)
    app.include_router(users_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(status_routes.router)
    app.include_router(cameras_routes.router)
    app.include_router(playback_routes.router)
    app.include_router(models_routes.router)
    install_console(app, searching)  # the console's pages and /static
    return app
