"""The console's page weight: HTML, CSS and JavaScript of the alerts and search pages, plain and gzipped.

Serves the console in-process (FastAPI's TestClient) over a fresh store with one account, 50 alerts
and 50 tracks (a full first page of each: 50 alert cards, 24 search results), logs in, fetches each
page and every stylesheet and script it names (the vendored htmx among them), and prints the bytes
transferred uncompressed and gzipped (level 6, as a typical reverse proxy would). Pictures
(snapshots, thumbnails) and video are footage, not page weight, and are left out; so is hls.js,
which only a camera page serving HLS loads.

    python bench/console_weight.py
"""

from __future__ import annotations

import gzip
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from camsight.api.app import create_app
from camsight.config import Config
from camsight.core.records import Appearance, TrackRecord
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.search.index_writer import store_tracks
from camsight.services import users
from camsight.services.actor import os_actor
from camsight.store import open_store, upsert_events, upsert_tracks

PAGES = ("/alerts", "/search?q=person+in+a+grey+top")
PASSWORD = "a long benchmark passphrase"
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="(/static/[^"?]+)')


def _alerts(n: int) -> list[AnyEvent]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        EVENT_ADAPTER.validate_python(
            {
                "kind": "zone_intrusion",
                "id": f"bench-{i:03d}",
                "site": "bench",
                "rule": "zone_intrusion:door",
                "camera": "gate",
                "source": "/videos/gate.mp4",
                "zone": "door",
                "track_ids": [i],
                "start_s": 10.0 * i,
                "end_s": 10.0 * i + 4,
                "started_at": start + timedelta(minutes=i),
                "score": 0.9,
                "status": "closed",
                "object_class": "person",
                "snapshot": f"gate/bench-{i:03d}.jpg",
            }
        )
        for i in range(n)
    ]


def _tracks(n: int) -> list[TrackRecord]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        TrackRecord(
            id=f"bench-src:{i}",
            site="bench",
            camera="gate",
            source="/videos/gate.mp4",
            source_id="bench-src",
            tracker_id=i,
            object_class="person",
            start_s=10.0 * i,
            end_s=10.0 * i + 8,
            started_at=start + timedelta(minutes=i),
            ended_at=start + timedelta(minutes=i, seconds=8),
            frames=40,
            confidence=0.8,
            thumbnail=f"gate/track-{i}.jpg",
            appearance=Appearance(upper={"grey": 0.6, "black": 0.2}, lower={"blue": 0.5}, posture="standing"),
        )
        for i in range(n)
    ]


def _client(folder: Path, alerts: int) -> TestClient:
    config = Config(site="bench")
    store = open_store(config, str(folder / "bench.db"))
    with store.engine.begin() as conn:
        users.add(conn, actor=os_actor(), name="bench", role="operator", password=PASSWORD, now=datetime.now(UTC))
        upsert_events(conn, events=_alerts(alerts), source_id="bench-src", run_id="bench")
        tracks = _tracks(alerts)
        upsert_tracks(conn, records=tracks, run_id="bench")
        store_tracks(conn, tracks)
    client = TestClient(create_app(config, store, semantic=False))
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    return client


def weigh(client: TestClient, path: str) -> tuple[int, int, list[tuple[str, int, int]]]:
    """Bytes of a page and its assets, plain and gzipped, and the figures of each part."""
    html = client.get(path).content
    parts = [(path, len(html), len(gzip.compress(html, 6)))]
    for asset in ASSET.findall(html.decode()):
        body = client.get(asset).content
        parts.append((asset, len(body), len(gzip.compress(body, 6))))
    return sum(p[1] for p in parts), sum(p[2] for p in parts), parts


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        client = _client(Path(folder), alerts=50)
        for path in PAGES:
            plain, zipped, parts = weigh(client, path)
            print(f"{path}: {plain / 1024:.1f} KiB uncompressed, {zipped / 1024:.1f} KiB gzipped")
            for name, size, packed in parts:
                print(f"  {name:<40} {size:>8} B  {packed:>7} B gzipped")


if __name__ == "__main__":
    main()
