"""Every route × every role × camera scope: allowed, or refused with exactly 401, 403 or 404.

Roles (docs/api.md): a viewer sees alerts and their snapshots; an operator also searches, looks at
tracks and thumbnails, gives feedback and reads rule statistics and standing queries; an admin also
changes standing queries and suppressions, manages accounts and reads the audit log. Nobody logged
in gets 401, except for /api/health, /metrics and the model files edges download. An account limited
to camera A asking for something of camera B gets 404 whatever its role, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from api_site import CALLERS, CAM_A, CAM_B, Site, stock

RANK = {"viewer": 0, "operator": 1, "admin": 2}
GEOMETRY = {"zones": [], "lines": [], "masks": [], "version": 0}
GONE = frozenset({400})  # the stocked events' source files do not exist: test_playback_routes plays real ones


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The shared site, with an account of its own for each caller to change."""
    built = stock(tmp_path_factory.mktemp("site"), victims=True)
    yield built
    built.client.close()
    built.store.close()


@dataclass(frozen=True)
class Route:
    """One request: who may make it (None: anyone) and whose camera it concerns (None: no camera)."""

    method: str
    path: str
    role: str | None
    camera: str | None = None
    body: dict[str, Any] | None = None
    ok: frozenset[int] = frozenset({200})
    """What an allowed call answers (a clip of footage this store does not hold: 400)."""


def routes(site: Site, caller: str) -> list[Route]:
    """Every route, with ids of the stocked store; names of their own for what each caller changes."""
    ev = {c: e.id for c, e in site.events.items()}
    tr = {c: t.id for c, t in site.tracks.items()}
    victim = f"victim-{caller}"
    per_camera = [
        r
        for c in (CAM_A, CAM_B)
        for r in (
            Route("GET", f"/api/events/{ev[c]}", "viewer", c),
            Route("POST", f"/api/events/{ev[c]}/feedback", "operator", c, {"verdict": "confirmed"}),
            Route("GET", f"/api/media/snapshots/{ev[c]}", "viewer", c),
            Route("GET", f"/api/media/thumbnails/{tr[c]}", "operator", c),
            Route("GET", f"/api/media/moments/{tr[c]}?at=5", "operator", c),
            Route("GET", f"/api/tracks/{tr[c]}", "operator", c),
            Route("GET", f"/api/cameras/{c}/geometry", "viewer", c),
            Route("PUT", f"/api/cameras/{c}/geometry", "admin", c, GEOMETRY, frozenset({200, 409})),
            Route("GET", f"/api/events/{ev[c]}/clip.mp4", "operator", c, ok=GONE),
            Route("GET", f"/api/tracks/{tr[c]}/clip.mp4", "operator", c, ok=GONE),
            Route("GET", f"/api/recordings?camera={c}", "operator", c),
            Route("POST", f"/api/alerts/held/{site.held[c].id}/release", "operator", c, ok=frozenset({200, 409})),
        )
    ]
    q = site.query_name
    return [
        Route("GET", "/api/health", None),
        Route("GET", "/metrics", None),
        Route("GET", "/api/events", "viewer"),
        Route("GET", "/api/events/stream", "viewer"),
        Route("GET", "/api/cameras", "viewer"),
        Route("GET", "/api/recordings/1/video.mp4", "operator", ok=frozenset({404})),  # no segment 1 here
        *per_camera,
        Route("GET", "/api/search?q=person+in+red", "operator"),
        Route("GET", "/api/queries", "operator"),
        Route("GET", f"/api/queries/{q}/history", "operator"),
        Route("POST", "/api/queries", "admin", body={"name": f"q-{caller}", "text": "red car"}),
        Route("POST", f"/api/queries/{q}/disable", "admin"),
        Route("POST", f"/api/queries/{q}/enable", "admin"),
        Route("GET", "/api/rules/stats", "operator"),
        Route("GET", "/api/alerts/held", "operator"),
        Route("POST", f"/api/suppressions/{site.suppression_id}", "admin", body={"enabled": False}),
        Route("GET", "/api/status", "operator"),
        Route("GET", "/api/users", "admin"),
        Route("POST", "/api/users", "admin", body={"name": f"new-{caller}", "role": "viewer", "password": "x" * 12}),
        Route("POST", f"/api/users/{victim}/password", "admin", body={"password": "y" * 12}),
        Route("POST", f"/api/users/{victim}/tokens", "admin", body={"label": "t"}),
        Route("POST", f"/api/users/{victim}/disable", "admin"),
        Route("GET", "/api/audit", "admin"),
        Route("GET", "/api/audit/verify", "admin"),
        Route("GET", "/api/models", "admin"),
        Route("GET", "/api/models/none-here/model.onnx", None, ok=frozenset({404})),  # the edges' downloads
    ]


def expected(route: Route, caller: str | None) -> frozenset[int]:
    """401 without a login, 404 for another camera's thing, 403 below the role needed, else ``route.ok``."""
    if route.role is None:
        return route.ok
    if caller is None:
        return frozenset({401})
    role, cameras = CALLERS[caller]
    if route.camera is not None and cameras is not None and route.camera not in cameras:
        return frozenset({404})
    return frozenset({403}) if RANK[role] < RANK[route.role] else route.ok


def call(site: Site, route: Route, caller: str | None) -> int:
    """Make the request as ``caller``; a stream is opened and closed at once."""
    headers = site.auth(caller)
    if route.path.endswith("/stream"):
        with site.client.stream(route.method, route.path, headers=headers) as answer:
            return answer.status_code
    return site.client.request(route.method, route.path, headers=headers, json=route.body).status_code


@pytest.mark.parametrize("caller", [None, *CALLERS])
def test_every_route_answers_each_role_and_scope_as_the_roles_say(site: Site, caller: str | None) -> None:
    listed = routes(site, caller or "nobody")
    got = {f"{r.method} {r.path}": call(site, r, caller) for r in listed}
    want = {f"{r.method} {r.path}": expected(r, caller) for r in listed}
    assert {k: v for k, v in got.items() if v not in want[k]} == {}, want


def test_the_table_covers_every_route_of_the_app(site: Site) -> None:
    spec = site.client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if not p.startswith("/api/auth")}
    listed = routes(site, "x")
    ids = {
        **{e.id: "{event_id}" for e in (*site.events.values(), *site.held.values())},
        **{t.id: "{track_id}" for t in site.tracks.values()},
    }

    def template(path: str) -> str:
        path = path.split("?")[0]
        for value, name in ids.items():
            path = path.replace(value, name)
        path = path.replace(f"/{site.query_name}/", "/{ref}/").replace("/victim-x/", "/{name}/")
        path = path.replace(f"/cameras/{CAM_A}/", "/cameras/{camera_id}/").replace(
            f"/cameras/{CAM_B}/", "/cameras/{camera_id}/"
        )
        path = path.replace("/recordings/1/", "/recordings/{segment_id}/").replace("/none-here/", "/{version}/")
        return path.replace(f"/{site.suppression_id}", "/{suppression_id}")

    assert {(r.method, template(r.path)) for r in listed} == documented


@pytest.mark.parametrize("caller", ["viewer_a", "operator_a", "admin_a"])
def test_a_scoped_account_lists_only_its_cameras(site: Site, caller: str) -> None:
    listed = site.client.get("/api/events", headers=site.auth(caller)).json()
    assert {item["event"]["camera"] for item in listed} == {CAM_A}
    asked_b = site.client.get(f"/api/events?camera={CAM_B}", headers=site.auth(caller))
    assert asked_b.status_code == 422  # refused like an unknown camera, B not among the known ones
    assert asked_b.json()["detail"].endswith(f"(known: {CAM_A})")


@pytest.mark.parametrize("caller", ["operator_a", "admin_a"])
def test_a_scoped_account_finds_only_its_cameras_tracks(site: Site, caller: str) -> None:
    found = site.client.get("/api/search?q=person", headers=site.auth(caller)).json()
    assert found["hits"]
    assert {hit["record"]["camera"] for hit in found["hits"]} == {CAM_A}
    everyone = site.client.get("/api/search?q=person", headers=site.auth("operator")).json()
    assert {hit["record"]["camera"] for hit in everyone["hits"]} == {CAM_A, CAM_B}


def test_a_scoped_account_counts_only_its_cameras_in_the_status(site: Site) -> None:
    scoped = site.client.get("/api/status", headers=site.auth("operator_a")).json()
    everyone = site.client.get("/api/status", headers=site.auth("operator")).json()
    assert scoped["store"]["cameras"] == 1
    assert everyone["store"]["cameras"] == 2
    assert scoped["store"]["events"] < everyone["store"]["events"]


def test_an_account_may_change_its_own_password_but_no_one_elses(fresh: Site) -> None:
    own = fresh.client.post("/api/users/viewer/password", headers=fresh.auth("viewer"), json={"password": "z" * 12})
    other = fresh.client.post("/api/users/operator/password", headers=fresh.auth("viewer"), json={"password": "z" * 12})
    assert (own.status_code, other.status_code) == (200, 403)
    login = fresh.client.post("/api/auth/login", json={"username": "viewer", "password": "z" * 12})
    assert login.status_code == 200


def test_a_disabled_account_is_refused_at_once(fresh: Site) -> None:
    assert fresh.client.get("/api/events", headers=fresh.auth("viewer")).status_code == 200
    done = fresh.client.post("/api/users/viewer/disable", headers=fresh.auth("admin"))
    assert done.json()["disabled"] is True
    assert fresh.client.get("/api/events", headers=fresh.auth("viewer")).status_code == 401
