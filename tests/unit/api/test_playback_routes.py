"""Video over HTTP: an analysed real clip's event and track clips, a recorded segment, ranges, audit, scope.

Heads are blurred by the real packaged model; the analysis that made the event used the stand-in
detector. Pictures are checked by their pixels: decoded with PyAV and compared with the footage.
The clients authenticate with tokens, whose use is written in the request's transaction: a video
route that did not end that transaction first would wait on SQLite's lock for its own audit row (503).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).parents[1] / "apps"))
from stand_ins import CLIP, GivenBoxes, walker  # noqa: E402

from camsight.api.app import create_app  # noqa: E402
from camsight.apps.analyze import Analyzer  # noqa: E402
from camsight.config import Config, parse_config  # noqa: E402
from camsight.core.detections import PERSON  # noqa: E402
from camsight.events.models import ZoneIntrusionEvent  # noqa: E402
from camsight.perception.detect import OnnxDetector  # noqa: E402
from camsight.perception.privacy import head_boxes  # noqa: E402
from camsight.services import audit, cameras, users  # noqa: E402
from camsight.services.actor import os_actor  # noqa: E402
from camsight.sources import SourceSpec  # noqa: E402
from camsight.store import list_events, list_tracks, open_store, upsert_event  # noqa: E402
from camsight.store import recordings as rec  # noqa: E402
from camsight.store.audit import AuditEntry  # noqa: E402
from camsight.store.handle import Store  # noqa: E402

FOOTAGE = CLIP  # 480x270, 15 fps, 4.7 s: a worker walks in from the right and across
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
MASK = ((0.7, 0.0), (1.0, 0.0), (1.0, 0.35), (0.7, 0.35))  # drawn in the console only: top right
MASKED = (slice(4, 90), slice(340, 476))  # rows, columns well inside it
AWAY = (slice(120, 270), slice(380, 480))  # away from the mask and from the worker
CONFIG = """
site: depot
cameras:
  - id: floor
    zones:
      - name: all
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: all
        min_inside_s: 0.2
  - id: lobby
motion:
  enabled: false
"""

Image = NDArray[np.uint8]


@dataclass
class Site:
    """A store with an analysed real clip and a recorded segment, and one client per account."""

    store: Store
    config: Config
    event_id: str
    track_id: str
    segment_id: int
    clients: dict[str, TestClient]

    def entries(self, action: str) -> list[AuditEntry]:
        with self.store.engine.connect() as conn:
            return audit.entries(conn, actor=os_actor(), action=action, limit=1000)


def _segment(store: Store) -> int:
    """The clip copied as the recorder writes (fragmented MP4, stream copy), indexed as camera floor's."""
    relative = "floor/2024-06-01/120000.000000.mp4"
    path = store.paths.recordings / relative
    path.parent.mkdir(parents=True)
    flags = "+frag_keyframe+empty_moov+default_base_moof"
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-i", str(FOOTAGE), "-an", "-c", "copy", "-movflags", flags, str(path)],
        check=True,
    )
    with store.engine.begin() as conn:
        sid = rec.add_segment(conn, camera="floor", path=relative, start_at=T0, codec="h264", width=480, height=270)
        rec.complete_segment(
            conn, segment_id=sid, end_at=T0 + timedelta(seconds=4.73), size_bytes=path.stat().st_size, frames=71
        )
    return sid


def _clients(store: Store, config: Config) -> dict[str, TestClient]:
    app = create_app(config, store)
    clients = {}
    now = datetime.now(UTC)
    for name, role, scope in [("ad", "admin", None), ("op", "operator", None), ("vi", "viewer", None)] + [
        ("lobby", "operator", ["lobby"])
    ]:
        with store.engine.begin() as conn:
            users.add(conn, actor=os_actor(), name=name, role=role, password="p" * 12, now=now, cameras=scope)
            token = users.make_token(conn, actor=os_actor(), name=name, label="t", now=now)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    return clients


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    config = parse_config(CONFIG)
    store = open_store(config, str(tmp_path_factory.mktemp("site") / "site.db"))
    Analyzer(config, store, detector=GivenBoxes(walker), describe=False).analyze(
        SourceSpec(FOOTAGE, "video"), config.camera("floor")
    )
    edit = cameras.GeometryEdit(zones=(cameras.ZoneDraft("all", ((0, 0), (1, 0), (1, 1), (0, 1))),), masks=(MASK,))
    with store.engine.begin() as conn:
        cameras.save_geometry(conn, actor=os_actor(), config=config, camera="floor", geometry=edit, now=T0)
        (event,) = list_events(conn)
        (track,) = list_tracks(conn)
    return Site(store, config, event.id, track.id, _segment(store), _clients(store, config))


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector(Config().detector)


def _decode(data: bytes, tmp_path: Path) -> list[Image]:
    path = tmp_path / "got.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _source() -> list[Image]:
    with av.open(str(FOOTAGE)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _sharpness(image: Image, box: NDArray[np.int32]) -> float:
    x1, y1, x2, y2 = (int(v) for v in box)
    return float(cv2.Laplacian(cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def _heads_blurred(frames: list[Image], source: list[Image], detector: OnnxDetector) -> None:
    """The middle frame's heads are far less sharp than in the footage; the rest is the footage."""
    frame, original = frames[len(frames) // 2], source[len(frames) // 2]
    dets = detector.detect_image(original)
    heads = head_boxes(dets[dets.class_id == PERSON])
    assert len(heads)
    for head in heads:
        assert _sharpness(frame, head) < _sharpness(original, head) / 3


def test_an_event_clip_plays_with_heads_blurred_and_its_views_are_audited(
    site: Site, tmp_path: Path, detector: OnnxDetector
) -> None:
    exports, views = len(site.entries("clip.export")), len(site.entries("view.clip"))
    first = site.clients["op"].get(f"/api/events/{site.event_id}/clip.mp4")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "video/mp4"
    assert first.headers["accept-ranges"] == "bytes"
    frames, source = _decode(first.content, tmp_path), _source()
    assert len(frames) == pytest.approx(len(source), abs=1)  # the event's window covers the whole short clip
    assert frames[0].shape == (270, 480, 3)
    _heads_blurred(frames, source, detector)
    again = site.clients["op"].get(f"/api/events/{site.event_id}/clip.mp4", headers={"Range": "bytes=100-299"})
    assert again.status_code == 206
    assert again.headers["content-range"] == f"bytes 100-299/{len(first.content)}"
    assert again.content == first.content[100:300]  # the same file, made once
    assert len(site.entries("clip.export")) == exports + 1
    latest, earlier = site.entries("view.clip")[:2]
    assert len(site.entries("view.clip")) == views + 2
    assert (latest.actor, latest.detail) == (
        "user:op",
        {"event_id": site.event_id, "blurred": True, "range": "bytes=100-299", "site": "depot"},
    )
    assert earlier.detail["range"] is None


def test_an_unblurred_clip_is_for_admins_only(site: Site) -> None:
    refused = site.clients["op"].get(f"/api/events/{site.event_id}/clip.mp4?blur=0")
    assert refused.status_code == 403
    assert "heads not blurred" in refused.json()["detail"]
    assert site.clients["vi"].get(f"/api/events/{site.event_id}/clip.mp4").status_code == 403
    shown = site.clients["ad"].get(f"/api/events/{site.event_id}/clip.mp4?blur=0", headers={"Range": "bytes=0-99"})
    assert shown.status_code == 206
    assert site.entries("clip.export_unblurred")[0].actor == "user:ad"


def test_another_camera_s_video_is_404_for_a_scoped_account(site: Site) -> None:
    lobby = site.clients["lobby"]
    event = lobby.get(f"/api/events/{site.event_id}/clip.mp4")
    assert event.status_code == 404
    assert event.json()["detail"].startswith("no event")
    assert lobby.get(f"/api/tracks/{site.track_id}/clip.mp4").status_code == 404
    assert lobby.get(f"/api/recordings/{site.segment_id}/video.mp4").status_code == 404
    assert lobby.get("/api/recordings?camera=floor").status_code == 404
    assert lobby.get("/api/recordings", params={"since": T0.isoformat()}).json()["segments"] == []


def test_a_track_clip_is_its_span_masked_and_blurred(site: Site, tmp_path: Path) -> None:
    answer = site.clients["op"].get(f"/api/tracks/{site.track_id}/clip.mp4")
    assert answer.status_code == 200, answer.text
    frames = _decode(answer.content, tmp_path)
    assert len(frames) >= 10
    assert max(int(f[MASKED].max()) for f in frames) <= 24  # the console's mask
    (export,) = [e for e in site.entries("clip.export") if "track_id" in e.detail]
    assert export.detail["track_id"] == site.track_id
    detail = {"track_id": site.track_id, "blurred": True, "range": None, "site": "depot"}
    assert site.entries("view.clip")[0].detail == detail


def test_a_recorded_segment_plays_with_the_mask_black_in_every_frame(
    site: Site, tmp_path: Path, detector: OnnxDetector
) -> None:
    answer = site.clients["op"].get(f"/api/recordings/{site.segment_id}/video.mp4")
    assert answer.status_code == 200, answer.text
    frames, source = _decode(answer.content, tmp_path), _source()
    assert len(frames) == len(source)
    for frame, original in zip(frames, source, strict=True):
        assert frame[MASKED].max() <= 24  # masked: black, whatever the footage shows there
        assert original[MASKED].mean() > 100  # (it shows something)
    away = [np.abs(f[AWAY].astype(int) - o[AWAY]).mean() for f, o in zip(frames, source, strict=True)]
    assert max(away) < 10  # elsewhere: the footage, re-encoded
    assert float(np.median(away)) < 4
    _heads_blurred(frames, source, detector)
    part = site.clients["op"].get(f"/api/recordings/{site.segment_id}/video.mp4", headers={"Range": "bytes=0-9"})
    assert (part.status_code, part.content) == (206, answer.content[:10])
    viewed = site.entries("view.recording")
    assert [e.detail["range"] for e in viewed[:2]] == ["bytes=0-9", None]
    assert viewed[0].detail["segment_id"] == site.segment_id
    assert viewed[0].detail["camera"] == "floor"
    assert viewed[0].detail["site"] == "depot"  # the store's own: recordings are kept where they were made


def test_the_recordings_timeline_lists_segments_and_events_in_the_window(site: Site) -> None:
    event = ZoneIntrusionEvent(
        id="live-1",
        site="depot",
        rule="zone_intrusion:all",
        camera="floor",
        source="rtsp://10.0.0.5/stream1",
        zone="all",
        start_s=10,
        end_s=11.5,
        started_at=T0 + timedelta(seconds=0.5),
        score=0.9,
        status="closed",
        object_class="person",
    )
    with site.store.engine.begin() as conn:
        upsert_event(conn, event=event, source_id="s", run_id="r")
    window = {"camera": "floor", "since": T0.isoformat(), "until": (T0 + timedelta(minutes=5)).isoformat()}
    answer = site.clients["op"].get("/api/recordings", params=window)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    (segment,) = body["segments"]
    assert segment["id"] == site.segment_id
    assert segment["video"] == f"/api/recordings/{site.segment_id}/video.mp4"
    assert datetime.fromisoformat(segment["end"]) - datetime.fromisoformat(segment["start"]) == timedelta(seconds=4.73)
    (mark,) = body["events"]
    assert (mark["id"], mark["kind"], mark["clip"]) == ("live-1", "zone_intrusion", "/api/events/live-1/clip.mp4")
    assert datetime.fromisoformat(mark["end"]) == T0 + timedelta(seconds=2)
    assert site.clients["vi"].get("/api/recordings", params=window).status_code == 403
    backwards = site.clients["op"].get("/api/recordings", params=window | {"until": "2024-05-01T00:00:00Z"})
    assert backwards.status_code == 422
    assert "must be after since" in backwards.json()["detail"]


def test_cached_videos_are_deleted_a_day_after_they_were_made(site: Site) -> None:
    folder = site.store.paths.media / "cache" / "recordings"
    old, fresh = folder / "segment-999-0123.mp4", folder / "segment-998-4567.mp4"
    for path in (old, fresh):
        path.write_bytes(b"not a video")
    day_ago = (datetime.now(UTC) - timedelta(hours=25)).timestamp()
    os.utime(old, (day_ago, day_ago))
    assert site.clients["op"].get(f"/api/recordings/{site.segment_id}/video.mp4").status_code == 200
    assert not old.exists()
    assert fresh.exists()
