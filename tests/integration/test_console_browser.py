"""The console in a real browser: a real ``camsight serve`` over a real store, driven in Debian's Chromium.

The store holds a ten-second excerpt of the demo clip (camera ``table``: a visitor in a grey cardigan)
analysed before the server starts; while the alerts page is open, ``camsight analyze`` of
intel_worker-zone-detection_preview.mp4 (camera ``floor``, a zone-intrusion rule on its left bay) runs
in a subprocess and its alert must arrive without a reload. Then: search, play a result, mark the alert
false, draw a zone and save it, and check that an operator scoped to another camera sees none of it.

Each step leaves a screenshot in a folder the test prints, copied to ``test-artifacts/console/``.
Every wait is bounded. Needs Chromium (``scripts/install-system.sh``) and Playwright (the dev extra):
skipped without them, failed under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from camsight.config import load_config
from camsight.events.query import EventQuery
from camsight.services import events, users
from camsight.services.actor import os_actor
from camsight.store import open_store

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
ZONE_CLIP = TESTS / "data" / "intel_worker-zone-detection_preview.mp4"
DEMO_CLIP = REPO / "src" / "camsight" / "demo" / "intel_one-by-one-person-detection.mp4"
ARTIFACTS = REPO / "test-artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "correct horse battery"
CONFIG = """
site: console-test
cameras:
  - id: floor
    zones:
      - {name: left-bay, polygon: [[0.0, 0.7], [0.35, 0.7], [0.35, 1.0], [0.0, 1.0]]}
    rules:
      - {kind: zone_intrusion, zone: left-bay}
  - id: table
  - id: lobby
"""
WAIT_MS = 30_000
"""Longest wait for a page element, milliseconds."""
ANALYSIS_S = 300
"""Longest an analysis subprocess may take, seconds."""


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (scripts/install-system.sh installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is missing (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    message = _missing()
    if message is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _camsight(*args: str, timeout: float = ANALYSIS_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    """The store, its config, the server's address, the screenshots folder."""

    def __init__(self, folder: Path, shots: Path) -> None:
        self.folder = folder
        self.config = folder / "site.yaml"
        self.db = folder / "site.db"
        self.shots = shots
        self.url = ""
        self.step = 0

    def common(self) -> list[str]:
        return ["--config", str(self.config), "--db", str(self.db)]

    def shot(self, page: Any, name: str) -> None:
        self.step += 1
        page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True)

    def rows(self) -> list[events.EventRow]:
        store = open_store(load_config(self.config), str(self.db))
        try:
            with store.engine.connect() as conn:
                return events.list_event_rows(conn, actor=os_actor(), query=EventQuery())
        finally:
            store.close()


def _prepare(site: Site) -> None:
    site.config.write_text(CONFIG)
    excerpt = site.folder / "visitor.mp4"  # the demo clip from 6 s to 16 s: a visitor in a grey cardigan
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", "6", "-t", "10", "-i", str(DEMO_CLIP), "-an", "-c:v", "libx264",
         "-preset", "veryfast", "-pix_fmt", "yuv420p", str(excerpt)],
        check=True, timeout=120,
    )  # fmt: skip
    done = _camsight("analyze", str(excerpt), "--camera", "table", *site.common())
    assert done.returncode == 0, done.stderr
    store = open_store(load_config(site.config), str(site.db))
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        users.add(conn, actor=os_actor(), name="ana", role="admin", password=PASSWORD, now=now)
        users.add(conn, actor=os_actor(), name="lou", role="operator", password=PASSWORD, now=now, cameras=["lobby"])
    store.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"camsight serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"camsight serve did not answer within {limit_s} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    shots = tmp_path_factory.mktemp("console-screenshots")
    print(f"\nscreenshots of the console test: {shots} (copied to {ARTIFACTS})")  # noqa: T201
    made = Site(tmp_path_factory.mktemp("console-site"), shots)
    _prepare(made)
    port = _free_port()
    made.url = f"http://127.0.0.1:{port}"
    log = (made.folder / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "camsight", "serve", *made.common(), "--port", str(port)], stdout=log, stderr=log
    )
    try:
        _wait_until_up(made.url, server)
        yield made
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            shutil.copy(png, ARTIFACTS / png.name)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _log_in(browser: Any, site: Site, name: str, *, viewport: dict[str, int] | None = None) -> Any:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(site.url + "/alerts")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/alerts")
    return page


def _api_paths(site: Site) -> set[str]:
    with urllib.request.urlopen(site.url + "/openapi.json", timeout=10) as answer:
        return set(json.load(answer)["paths"])


def _floor_alert(site: Site) -> events.EventRow:
    """The floor camera's zone-intrusion alert, which the live-alert test stores.

    Where that test ran in another pytest worker (each has its own site), the clip is analysed here.
    """
    floor = [r for r in site.rows() if r.event.camera == "floor" and r.event.zone == "left-bay"]
    if not floor:
        done = _camsight("analyze", str(ZONE_CLIP), "--camera", "floor", *site.common())
        assert done.returncode == 0, done.stderr
        floor = [r for r in site.rows() if r.event.camera == "floor" and r.event.zone == "left-bay"]
    assert floor, "the zone-intrusion alert of the floor camera is not stored"
    return floor[0]


def test_a_wrong_password_is_refused_and_the_right_one_logs_in(browser: Any, site: Site) -> None:
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(site.url + "/")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector(".message.error")
    assert "wrong name or password" in page.inner_text(".message.error")
    site.shot(page, "login-refused")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/alerts")
    assert page.inner_text(".who").startswith("ana")
    site.shot(page, "logged-in")
    context.close()


LOADED = "img => img.complete && img.naturalWidth > 0"


def test_an_alert_arrives_live_while_a_clip_is_analysed(browser: Any, site: Site) -> None:
    page = _log_in(browser, site, "ana")
    other = _log_in(browser, site, "lou")  # an operator of another camera, watching at the same time
    if "/api/events/stream" not in _api_paths(site):
        done = _camsight("analyze", str(ZONE_CLIP), "--camera", "floor", *site.common())
        assert done.returncode == 0, done.stderr
        pytest.skip("GET /api/events/stream is not served yet (wip/api); the alert was stored without the page")
    for watching in (page, other):
        watching.wait_for_selector("#live[data-state=on]")
        watching.evaluate("window.__notReloaded = true")
    analysis = subprocess.Popen(
        [sys.executable, "-m", "camsight", "analyze", str(ZONE_CLIP), "--camera", "floor", *site.common()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        card = page.wait_for_selector("#alerts .alert:has(.zone:text('left-bay'))", timeout=ANALYSIS_S * 1000)
        assert page.evaluate("window.__notReloaded") is True
        assert "floor" in card.inner_text()
        page.wait_for_function(LOADED, arg=card.query_selector("img"))  # the masked, blurred snapshot
        site.shot(page, "live-alert")
    finally:
        assert analysis.wait(timeout=ANALYSIS_S) == 0
    other.wait_for_timeout(3000)  # three looks of the stream after the alert was written
    assert other.evaluate("window.__notReloaded") is True
    assert other.locator("#alerts .alert").count() == 0
    site.shot(other, "live-alert-not-for-another-camera")


def test_a_search_shows_the_query_and_a_result_plays(browser: Any, site: Site) -> None:
    page = _log_in(browser, site, "ana")
    page.click("nav >> text=Search")
    page.fill("input[name=q]", "person in a grey cardigan")
    page.click("form.searchbox button")
    page.wait_for_selector("#described")
    assert "upper body: grey" in page.inner_text("#described")
    assert "cardigan" in page.inner_text("#described")
    first = page.locator(".hit").first
    assert "table" in first.inner_text()
    page.wait_for_function(LOADED, arg=first.locator("img").element_handle())  # the blurred thumbnail
    site.shot(page, "search")
    first.locator("button.hit-play").click()
    video = page.wait_for_selector("#player video")
    page.wait_for_function("v => v.readyState >= 2 && v.duration > 0", arg=video, timeout=120_000)
    assert page.is_hidden("#player .clip-error")
    site.shot(page, "search-playing")


def test_a_timed_result_plays_from_the_moment_that_matched(browser: Any, site: Site) -> None:
    """The visitor walks in and then stands: "standing still" plays her clip from when she stood."""
    page = _log_in(browser, site, "ana")
    page.goto(site.url + "/search?q=" + urllib.parse.quote("person standing still"))
    first = page.locator(".hit").first
    moment = first.locator(".moment").inner_text()
    assert moment.startswith("matched at "), moment
    first.locator("button.hit-play").click()
    video = page.wait_for_selector("#player video")
    start = float(video.get_attribute("data-start") or "0")
    assert start >= 0.3, "she stood still only after walking in"
    page.wait_for_function(
        "v => v.readyState >= 2 && v.duration > 0 && v.played.length > 0", arg=video, timeout=120_000
    )
    assert page.evaluate("v => v.played.start(0)", video) >= start - 0.1  # it began playing there, not at 0
    assert "the moment that matched" in page.inner_text("#player figcaption")
    site.shot(page, "search-from-the-moment")


def test_an_alert_marked_false_is_stored(browser: Any, site: Site) -> None:
    alert = _floor_alert(site)
    page = _log_in(browser, site, "ana")
    page.goto(f"{site.url}/alerts/{alert.event.id}")
    video = page.wait_for_selector("video.clip")
    page.wait_for_function("v => v.readyState >= 2 || v.error", arg=video, timeout=120_000)
    assert page.evaluate("v => v.error === null && v.duration > 0", video), "the alert's clip does not play"
    page.fill(".verdict input[name=note]", "a reflection on the floor")
    page.click(".verdict button[value=false]")
    page.wait_for_selector(".verdict .badge.no")
    site.shot(page, "marked-false")
    stored = _floor_alert(site)
    assert stored.verdict == "false"
    assert stored.note == "a reflection on the floor"


def _tap(page: Any, box: dict[str, float], points: list[tuple[float, float]]) -> None:
    for x, y in points:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])


def test_a_zone_drawn_on_the_snapshot_is_saved_and_a_bad_one_explained(browser: Any, site: Site) -> None:
    _floor_alert(site)  # the snapshot to draw on
    page = _log_in(browser, site, "ana", viewport={"width": 1024, "height": 1366})  # a tablet, upright
    page.goto(site.url + "/cameras/floor")
    page.wait_for_selector("#geometry-status:text('Version 0')")
    snapshot = page.query_selector("#stage img")
    assert snapshot is not None, "the floor camera has an alert, so it has a snapshot to draw on"
    page.wait_for_function(LOADED, arg=snapshot)
    assert page.locator("#shapes li.zone span").all_inner_texts() == ["zone left-bay (4 corners)"]
    box = page.locator("#overlay").bounding_box()
    page.fill("#shape-name", "crossed")
    _tap(page, box, [(0.5, 0.1), (0.9, 0.5), (0.9, 0.1), (0.5, 0.5)])  # a bow tie: its outline crosses itself
    page.click("#finish-shape")
    page.click("#save-geometry")
    page.wait_for_selector("#geometry-messages li")
    assert "not valid" in page.inner_text("#geometry-messages")
    assert "crosses itself" in page.inner_text("#geometry-messages")
    site.shot(page, "zone-refused")
    page.click("#shapes li.zone:has-text('crossed') button")  # delete it
    page.fill("#shape-name", "bench")
    _tap(page, box, [(0.5, 0.6), (0.9, 0.6), (0.9, 0.95), (0.5, 0.95)])
    page.click("#finish-shape")
    page.fill("#geometry-reason", "the bench by the right wall")
    page.click("#save-geometry")
    page.wait_for_selector("#geometry-status:text('Saved: version 1')")
    site.shot(page, "zone-saved")
    saved = page.request.get(site.url + "/api/cameras/floor/geometry").json()
    assert [z["name"] for z in saved["zones"]] == ["left-bay", "bench"]
    assert saved["zones"][1]["polygon"][0] == pytest.approx([0.5, 0.6], abs=0.01)
    assert saved["version"] == 1


def test_an_operator_of_another_camera_sees_none_of_it(browser: Any, site: Site) -> None:
    page = _log_in(browser, site, "lou")
    assert page.locator("#alerts .alert").count() == 0
    assert 'href="/cameras/floor"' not in page.goto(site.url + "/cameras").text()
    site.shot(page, "scoped-cameras")
    page.goto(site.url + "/search?q=person+in+a+grey+cardigan")
    page.wait_for_selector("#described")
    assert page.locator(".hit").count() == 0
    site.shot(page, "scoped-search")
    for camera in ("table", "floor"):
        answer = page.goto(f"{site.url}/cameras/{camera}")
        assert answer is not None
        assert answer.status == 404
    site.shot(page, "scoped-camera-404")
    alert = _floor_alert(site)
    assert page.goto(f"{site.url}/alerts/{alert.event.id}").status == 404
