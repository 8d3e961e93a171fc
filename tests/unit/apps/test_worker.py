"""A live camera worker's analysis path (start, frames, finish) with a stand-in detector and real frames."""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stand_ins import GivenBoxes, clip_frames, walker

from camsight.apps.worker import CameraWorker, WorkerSpec
from camsight.config import parse_config
from camsight.store import list_events, list_sources, list_tracks, open_store

CONFIG = """
site: depot
cameras:
  - id: floor
    source: rtsp://127.0.0.1:9/never-opened
    zones:
      - name: all
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: all
        min_inside_s: 0.2
motion:
  enabled: false
recording:
  enabled: false
"""


def test_a_worker_stores_its_run_as_a_stream_source_and_reports_each_alert(tmp_path: Path) -> None:
    config = parse_config(CONFIG)
    db = str(tmp_path / "live.db")
    reader, writer = mp.Pipe(duplex=False)
    worker = CameraWorker(WorkerSpec(config, "floor", db), writer, detector=GivenBoxes(walker))
    worker.start()
    for frame in clip_frames(until_s=3.0):
        worker.analyse(frame)
    worker.finish()
    messages = []
    while reader.poll():
        messages.append(reader.recv())
    alerts = [m for m in messages if m.get("type") == "alert"]
    assert [m["status"] for m in alerts] == ["started", "ended"]
    assert alerts[0]["kind"] == "zone_intrusion"
    assert messages[-1]["state"] == "stopped"
    store = open_store(config, db)
    with store.engine.connect() as conn:
        (source,) = list_sources(conn)
        (event,) = list_events(conn)
        (track,) = list_tracks(conn)
    assert (source.kind, source.status, source.site, source.wall_clock) == ("stream", "complete", "depot", "capture")
    assert source.uri == "rtsp://127.0.0.1:9/never-opened"
    assert event.site == track.site == "depot"
    started = datetime.fromtimestamp(worker.origin, UTC) + timedelta(seconds=event.start_s)
    assert event.started_at == started  # a wall time: the run's start plus the stream's own time
    assert event.started_at.year == datetime.now(UTC).year
    assert event.id.startswith(alerts[0]["id"][:10])


def test_frames_the_shared_detector_does_not_answer_are_dropped_counted_and_said_in_health(tmp_path: Path) -> None:
    from camsight.apps.detector_pool import SharedDetector

    config = parse_config(CONFIG)
    reader, writer = mp.Pipe(duplex=False)
    down = SharedDetector(str(tmp_path / "no-detector.sock"), b"key", timeout_s=0.1)  # no detector listens there
    worker = CameraWorker(WorkerSpec(config, "floor", str(tmp_path / "live.db")), writer, detector=down)
    worker.start()
    frames = list(clip_frames(until_s=1.0))
    for frame in frames:
        worker.analyse(frame)  # never raises: the frame is dropped
    health = worker.health()
    worker.finish()
    assert health.frames_dropped == len(frames) >= 3
    assert health.frames_analysed == 0
    assert any("dropped waiting for the shared detector" in note and "not running" in note for note in health.notes)
    reader.close()
