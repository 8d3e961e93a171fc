"""HTTP API latency over 100,000 synthetic track records and 20,000 events: p50 and p95 per request.

Usage: python bench/api_latency.py [--tracks 100000] [--events 20000] [--repeat 20] [--db PATH] [--server]

The track records are those of ``bench/search_latency.py`` (2,000 sources of 50 tracks over 10 cameras
and the last 30 days), written and indexed the same way; the events are alerts of those cameras
spread over the same 30 days. An admin account with an API token asks, through FastAPI's TestClient
(in-process) or, with ``--server``, a real Uvicorn on a free port over HTTP:

- ``GET /api/search?q=...`` for each query of ``search_latency.QUERIES`` (first page of 20; the
  application's search cache is loaded by a first search, timed separately), audited like any search;
- ``GET /api/events`` (the first page of 100, newest first) with no filter, by camera, by kind;
- one look of the live alert stream at the events table (``stream_routes.look``, no new rows), which
  every open stream makes once a second.

The last lines are ``search: p50=X ms p95=Y ms`` and ``events: p50=X ms p95=Y ms``.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
import uvicorn
from fastapi.testclient import TestClient

import search_latency
from camsight.api import stream_routes
from camsight.api.app import create_app
from camsight.api.stream_routes import Follower
from camsight.config import Config
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.services import users
from camsight.services.actor import os_actor
from camsight.store import open_store, upsert_camera, upsert_events
from camsight.store.handle import Store

CAMERAS = [f"cam{i}" for i in range(10)]
KINDS = ("zone_intrusion", "loitering", "crowd", "line_crossing")
EVENT_LISTS = ("/api/events", "/api/events?camera=cam3", "/api/events?kind=loitering")


def _event(n: int, now: datetime, rng: np.random.Generator) -> AnyEvent:
    kind = KINDS[n % len(KINDS)]
    extra = {
        "zone_intrusion": {"object_class": "person"},
        "loitering": {"dwell_s": 31.5},
        "crowd": {"count": 6, "min_people": 5},
        "line_crossing": {"object_class": "car", "direction": "left_to_right"},
    }[kind]
    source = n // 10
    return EVENT_ADAPTER.validate_python(
        {
            "kind": kind,
            "id": f"ev{n:08d}",
            "site": "test",
            "rule": f"{kind}-rule",
            "camera": CAMERAS[source % len(CAMERAS)],
            "source": f"/footage/{source:05d}.mp4",
            "zone": "north gate",
            "track_ids": (int(rng.integers(0, 50)),),
            "start_s": float(n % 10) * 60,
            "end_s": float(n % 10) * 60 + 20,
            "started_at": now - timedelta(days=30) + timedelta(seconds=n * 30 * 86400 / 20_000),
            "score": 0.8,
            "status": "closed",
            **extra,
        }
    )


def build(db: Path, tracks: int, n_events: int) -> float:
    """Tracks (as search_latency builds them, ending now), cameras and events; returns the seconds it took."""
    started = time.perf_counter()
    search_latency.NOW = datetime.now(UTC).replace(microsecond=0)  # the records end now: "yesterday" finds some
    search_latency.build(db, tracks)
    store = open_store(Config(site="test"), str(db))
    rng = np.random.default_rng(1)
    with store.engine.begin() as conn:
        for camera in CAMERAS:
            upsert_camera(conn, camera_id=camera, source=None, site="test")
    for start in range(0, n_events, 5000):
        chunk = [_event(n, search_latency.NOW, rng) for n in range(start, min(n_events, start + 5000))]
        with store.engine.begin() as conn:
            upsert_events(conn, events=chunk, source_id="bench", run_id="bench")
    store.close()
    return time.perf_counter() - started


def token_for(store: Store) -> str:
    """An admin account's API token (the account is added on the first run)."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        if not any(u.name == "bench" for u in users.list_all(conn, actor=os_actor())):
            users.add(conn, actor=os_actor(), name="bench", role="admin", password="bench passphrase", now=now)
        return users.make_token(conn, actor=os_actor(), name="bench", label="bench", now=now)


def timed(get: Callable[[str], int], url: str, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` requests of ``url`` (each must answer 200)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = get(url)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{url}: HTTP {status}")
    return times


def _line(label: str, times: list[float]) -> str:
    return f"{label:78s} {np.percentile(times, 50):7.1f} {np.percentile(times, 95):7.1f}"


def measure(get: Callable[[str], int], repeat: int) -> tuple[list[float], list[float]]:
    """Time the searches and the event lists; prints a line per request and returns both timings (ms)."""
    first = timed(get, "/api/search?q=person", 1)
    print(f"first search (loads the application's search cache): {first[0]:.0f} ms")
    print(f"{'request':78s} {'p50 ms':>7s} {'p95 ms':>7s}")
    searches: list[float] = []
    for text in search_latency.QUERIES:
        url = "/api/search?" + urlencode({"q": text, "limit": 20})
        times = timed(get, url, repeat)
        searches += times
        print(_line(f"GET /api/search?q={text}", times))
    lists: list[float] = []
    for url in EVENT_LISTS:
        times = timed(get, url, repeat)
        lists += times
        print(_line(f"GET {url}", times))
    return searches, lists


def time_look(store: Store, repeat: int) -> list[float]:
    """Milliseconds of one look of the alert stream at the events table (nothing new)."""
    follower = Follower(datetime.now(UTC))
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        stream_routes.look(store.engine, os_actor(), follower)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: object) -> tuple[str, uvicorn.Server]:
    """Run ``app`` on a real Uvicorn on a free port, in a thread; returns its base URL and the server."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def run(db: Path, repeat: int, *, over_http: bool) -> None:
    """Open the store, make the app and time it; prints the summary lines."""
    store = open_store(Config(site="test"), str(db))
    token = token_for(store)
    app = create_app(Config(site="test"), store, semantic=False)
    headers = {"Authorization": f"Bearer {token}"}
    server = None
    if over_http:
        base, server = serve(app)
        client: httpx.Client = httpx.Client(base_url=base, headers=headers, timeout=60)
        print(f"over HTTP: a real Uvicorn at {base}")
    else:
        client = TestClient(app, headers=headers)
        print("in process: FastAPI's TestClient")
    searches, lists = measure(lambda url: client.get(url).status_code, repeat)
    looks = time_look(store, repeat)
    client.close()
    if server is not None:
        server.should_exit = True
    store.close()
    print(_line("one look of the alert stream at the events table", looks))
    for label, times in (("search", searches), ("events", lists)):
        print(f"{label}: p50={np.percentile(times, 50):.1f} ms p95={np.percentile(times, 95):.1f} ms n={len(times)}")


def main() -> None:
    """Build the synthetic store (unless --db exists) and time the API."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000, help="number of synthetic track records")
    parser.add_argument("--events", type=int, default=20_000, help="number of synthetic events")
    parser.add_argument("--repeat", type=int, default=20, help="requests per URL")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse (kept)")
    parser.add_argument("--server", action="store_true", help="time a real Uvicorn over HTTP, not the TestClient")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="camsight-api-latency-") as tmp:
        db = args.db or Path(tmp) / "latency.db"
        if not db.exists():
            print(f"building {args.tracks} track records and {args.events} events in {db} ...")
            print(f"built and indexed in {build(db, args.tracks, args.events):.0f} s")
        run(db, args.repeat, over_http=args.server)


if __name__ == "__main__":
    main()
