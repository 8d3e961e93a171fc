"""The HTTP API (FastAPI): one router per resource, each route calling the use cases in :mod:`camsight.services`.

:func:`camsight.api.app.create_app` builds the application for one store; ``camsight serve`` runs it with
Uvicorn. Who asks is decided once, in :mod:`camsight.api.deps`: a session cookie (set by
``POST /api/auth/login``, HttpOnly, SameSite=Strict) or an ``Authorization: Bearer`` token; every
state-changing request made with a cookie must carry the session's CSRF token in ``X-CSRF-Token``.
"""
