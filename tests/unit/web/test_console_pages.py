"""Each console page for the roles it is meant for, 403 for the others, the login page for nobody logged in."""

from __future__ import annotations

import time
from urllib.parse import unquote

import pytest
from console_helpers import Login
from fastapi.testclient import TestClient

from camsight.store.handle import Store
from camsight.store.status_file import CameraHealth, LatencyHistogram, write_status

PAGES = {  # path: least role
    "/alerts": "viewer",
    "/alerts/gate-event-01": "viewer",
    "/alerts/gate-event-01/card": "viewer",
    "/search": "operator",
    "/search?q=person+in+grey": "operator",
    "/search/play?track=src-gate:1": "operator",
    "/cameras": "viewer",
    "/cameras/gate": "viewer",
    "/queries": "admin",
    "/rules": "admin",
    "/users": "admin",
    "/audit": "admin",
    "/health": "operator",
    "/health/cameras": "operator",
}
RANK = {"viewer": 0, "operator": 1, "admin": 2}
ROLES = {"view": "viewer", "oper": "operator", "admin1": "admin"}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("account", ROLES)
def test_each_page_is_for_its_roles_and_a_403_page_for_the_others(login: Login, path: str, account: str) -> None:
    answer = login(account).get(path)
    allowed = RANK[ROLES[account]] >= RANK[PAGES[path]]
    assert answer.status_code == (200 if allowed else 403), answer.text
    assert answer.headers["content-type"].startswith("text/html")
    if not allowed:
        assert "needs the" in answer.text
        assert PAGES[path] in answer.text


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_goes_to_the_login_page(anonymous: TestClient, path: str) -> None:
    answer = anonymous.get(path, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/login?next=")
    assert unquote(location.removeprefix("/login?next=")) == path


def test_an_htmx_request_without_a_session_is_sent_to_the_login_page(anonymous: TestClient) -> None:
    answer = anonymous.get("/alerts/gate-event-01/card", headers={"HX-Request": "true"}, follow_redirects=False)
    assert answer.status_code == 200
    assert answer.headers["hx-redirect"].startswith("/login?next=")


def test_the_navigation_lists_only_the_pages_of_the_role(login: Login) -> None:
    viewer = login("view").get("/alerts").text
    admin = login("admin1").get("/alerts").text
    assert 'href="/search"' not in viewer
    assert 'href="/users"' not in viewer
    assert all(f'href="{p}"' in admin for p in ("/search", "/users", "/audit", "/rules", "/queries", "/health"))


def test_pages_are_sent_with_a_strict_content_security_policy(login: Login) -> None:
    headers = login("oper").get("/alerts").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_an_unknown_alert_or_camera_is_a_404_page(login: Login) -> None:
    client = login("admin1")
    for path in ("/alerts/nope", "/cameras/nope", "/alerts/nope/card"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")


def test_the_alerts_page_lists_alerts_with_snapshots_from_the_api_and_the_live_stream(login: Login) -> None:
    page = login("view").get("/alerts").text
    assert page.count('class="card alert"') == 3
    assert 'data-stream="/api/events/stream"' in page
    assert "/static/js/alerts.js" in page
    assert "Confirm" not in page  # a viewer gives no verdicts


def test_the_alert_page_plays_the_clip_for_operators_only(login: Login) -> None:
    operator = login("oper").get("/alerts/gate-event-01").text
    viewer = login("view").get("/alerts/gate-event-01").text
    assert 'src="/api/events/gate-event-01/clip.mp4"' in operator
    assert "clip.mp4" not in viewer
    assert 'value="false"' in operator
    assert 'value="false"' not in viewer


def test_the_search_page_shows_the_query_as_understood_and_thumbnails(login: Login) -> None:
    page = login("oper").get("/search", params={"q": "woman in a grey top"}).text
    assert "object: person" in page
    assert "upper body: grey" in page
    assert "woman" in page
    assert "gender" in page
    assert 'src="/api/media/thumbnails/src-gate%3A1"' in page
    assert 'hx-get="/search/play?track=src-gate%3A1"' in page


def test_the_player_plays_the_tracks_clip(login: Login) -> None:
    fragment = login("oper").get("/search/play", params={"track": "src-gate:1"}).text
    assert 'src="/api/tracks/src-gate%3A1/clip.mp4"' in fragment


def test_the_player_starts_at_the_moment_that_matched_and_refuses_a_bad_one(login: Login) -> None:
    client = login("oper")
    fragment = client.get("/search/play", params={"track": "src-gate:1", "at": "3.456"}).text
    assert 'src="/api/tracks/src-gate%3A1/clip.mp4#t=3.46"' in fragment
    assert "from 3.5 s in" in fragment
    for bad in ("-1", "nan", "1e9", "soon"):
        answer = client.get("/search/play", params={"track": "src-gate:1", "at": bad})
        assert answer.status_code == 422, (bad, answer.status_code)


def test_the_camera_page_has_the_editor_for_admins_and_playback_for_operators(login: Login) -> None:
    admin = login("admin1").get("/cameras/gate").text
    operator = login("oper").get("/cameras/gate").text
    viewer = login("view").get("/cameras/gate").text
    assert "/static/js/geometry.js" in admin
    assert 'id="save-geometry"' in admin
    assert "geometry.js" not in operator
    assert 'id="timeline"' in operator
    assert 'id="timeline"' not in viewer
    assert "Latest snapshot" in viewer or "no snapshot yet" in viewer


def test_the_cameras_page_shows_each_visible_cameras_latest_snapshot(login: Login) -> None:
    page = login("gateop").get("/cameras").text
    assert 'href="/cameras/gate"' in page
    assert 'src="/api/media/snapshots/gate-event-01"' in page
    assert "lobby" not in page


def test_the_health_page_shows_each_cameras_rate_drops_and_reconnects(store: Store, login: Login) -> None:
    now = time.time()
    since = now - 100_000  # long ago: the rate shown stays 5.0 however slowly the page is rendered after `now`
    cameras = [
        CameraHealth("gate", "live", frames_in=500_000, frames_dropped=7, reconnects=2, started_at=since),
        CameraHealth("lobby", "backoff", frames_in=50, reconnects=9, started_at=since, latency=LatencyHistogram()),
    ]
    write_status(store.paths.status, cameras, pid=1, started_at=since)
    admin = login("admin1").get("/health/cameras").text
    scoped = login("gateop").get("/health/cameras").text
    assert 'data-camera="gate"' in admin
    assert 'data-camera="lobby"' in admin
    assert "<td>5.0</td>" in admin
    assert "<td>7</td>" in admin
    assert "<td>9</td>" in admin
    assert 'data-camera="lobby"' not in scoped


def test_the_health_page_says_when_no_camera_ever_ran(login: Login) -> None:
    assert "no status file" in login("oper").get("/health").text


def test_static_files_are_served(anonymous: TestClient) -> None:
    for path in (
        "/static/css/console.css",
        "/static/js/console.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/hls.light.min.js",
    ):
        assert anonymous.get(path).status_code == 200, path
