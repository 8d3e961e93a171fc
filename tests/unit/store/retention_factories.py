"""A store with old and new data of every kind, real files beside it, for the retention tests.

:func:`stock` writes, relative to ``NOW`` (ages in days):

- tracks: ``old`` (ended 40 days ago), ``open`` (40, but an open event's), ``mid`` (20), ``shared`` (20, its
  thumbnail is also a recent event's snapshot), ``new`` (1); each with a thumbnail file and a search index
  row, ``old`` and ``mid`` with an image embedding;
- events: ``old`` (closed, 400 days ago, with a verdict), ``open`` (open, 400 days ago), ``long`` (closed,
  started 370 days ago but lasted 10 days), ``mid`` (closed, 20 days ago, with a verdict), ``recent``
  (closed, 5 days ago, showing the ``shared`` track's thumbnail); each with a snapshot file but ``recent``;
- audit rows: 3 written 800 days ago, 2 written 700 days ago, 1 now (chained);
- segments: cam2 10 days old and 1 day old, cam1 10 days old (an open event of cam1 needs it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from store_factories import make_event, make_track  # noqa: E402

from camsight.events.models import AnyEvent  # noqa: E402
from camsight.search.index_writer import store_tracks  # noqa: E402
from camsight.store import (  # noqa: E402
    audit,  # noqa: E402
    upsert_events,
    upsert_tracks,
)
from camsight.store import recordings as rec  # noqa: E402
from camsight.store.alerts_repo import set_feedback  # noqa: E402
from camsight.store.embeddings import upsert_embedding  # noqa: E402
from camsight.store.media import MediaStore  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SOURCE_ID = "src1"
TRACKS = {"old": (1, 40), "open": (2, 40), "mid": (3, 20), "shared": (4, 20), "new": (5, 1)}
"""name: (tracker id, days since it ended)"""


def ago(days: float, *, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def track_id(name: str) -> str:
    return f"{SOURCE_ID}:{TRACKS[name][0]}"


@dataclass
class Stocked:
    """What :func:`stock` wrote: event ids and picture paths by name, segment paths."""

    media: MediaStore
    recordings: Path
    now: datetime = NOW
    events: dict[str, str] = field(default_factory=dict)
    thumbnails: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)

    def exists(self, path: str) -> bool:
        return self.media.path(path).exists()


def _picture(media: MediaStore, path: str) -> str:
    return media.save_jpeg(path, np.full((16, 16, 3), 128, np.uint8))


def _tracks(conn: sa.Connection, stocked: Stocked) -> None:
    records = []
    for name, (tid, days) in TRACKS.items():
        thumbnail = _picture(stocked.media, f"cam1/{SOURCE_ID}/track-{tid}.jpg")
        stocked.thumbnails[name] = thumbnail
        end = ago(days, now=stocked.now)
        records.append(
            make_track(
                tid, source_id=SOURCE_ID, started_at=end - timedelta(seconds=10), ended_at=end, thumbnail=thumbnail
            )
        )
    upsert_tracks(conn, records=records, run_id="r")
    store_tracks(conn, records)
    for name in ("old", "mid"):
        upsert_embedding(conn, track_id=track_id(name), model="clip", vector=np.ones(4, np.float32))


def _event(stocked: Stocked, name: str, n: int, *, days: float, status: str = "closed", **fields: object) -> AnyEvent:
    event = make_event(n=n, id=f"ev-{name}", started_at=ago(days, now=stocked.now), status=status, **fields)
    stocked.events[name] = event.id
    return event


def _events(conn: sa.Connection, stocked: Stocked) -> None:
    snap = {
        name: _picture(stocked.media, f"cam1/{SOURCE_ID}/event-ev-{name}.jpg")
        for name in ("old", "open", "long", "mid")
    }
    stocked.snapshots = {**snap, "recent": stocked.thumbnails["shared"]}
    events = [
        _event(stocked, "old", 1, days=400, snapshot=snap["old"]),
        _event(stocked, "open", 2, days=400, status="open", track_ids=(TRACKS["open"][0],), snapshot=snap["open"]),
        _event(stocked, "long", 3, days=370, start_s=0.0, end_s=10 * 86400.0, snapshot=snap["long"]),
        _event(stocked, "mid", 4, days=20, snapshot=snap["mid"]),
        _event(stocked, "recent", 5, days=5, snapshot=stocked.thumbnails["shared"]),
    ]
    upsert_events(conn, events=events, source_id=SOURCE_ID, run_id="r")
    for name in ("old", "mid"):
        set_feedback(conn, event_id=stocked.events[name], verdict="false", now=stocked.now, note=f"{name} verdict")


def _audit(conn: sa.Connection, now: datetime) -> None:
    for days, count in ((800, 3), (700, 2), (0, 1)):
        for k in range(count):
            at = ago(days, now=now)
            audit.record(conn, action="search", detail={"text": f"t{days}-{k}"}, actor="os:ana", at=at)


def _segments(conn: sa.Connection, stocked: Stocked) -> None:
    for name, camera, days in (("cam2-old", "cam2", 10), ("cam2-new", "cam2", 1), ("cam1-old", "cam1", 10)):
        path = f"{camera}/{name}.mp4"
        (stocked.recordings / camera).mkdir(parents=True, exist_ok=True)
        (stocked.recordings / path).write_bytes(b"segment")
        start = ago(days, now=stocked.now)
        sid = rec.add_segment(conn, camera=camera, path=path, start_at=start)
        rec.complete_segment(conn, segment_id=sid, end_at=start + timedelta(seconds=30), size_bytes=7, frames=1)
        stocked.segments[name] = path


def stock(engine: sa.Engine, folder: Path, *, now: datetime = NOW) -> Stocked:
    """Write every kind of data, aged from ``now`` (see the module docstring)."""
    stocked = Stocked(MediaStore(folder / "media"), folder / "recordings", now)
    with engine.begin() as conn:
        _tracks(conn, stocked)
        _events(conn, stocked)
        _audit(conn, now)
        _segments(conn, stocked)
    return stocked
