"""The drive loop, the pipeline and the store's sink with a stand-in detector that returns given boxes."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from stand_ins import T0, GivenBoxes, clip_frames, walker

from camsight.apps.drive import Drive
from camsight.apps.pipeline import CameraPipeline
from camsight.apps.wiring import make_drive
from camsight.config import Config, parse_config
from camsight.core.detections import Detections
from camsight.events.models import ZoneIntrusionEvent
from camsight.events.sinks import Batch, Published
from camsight.events.suppress import Suppression
from camsight.perception.privacy import head_boxes
from camsight.search.parser import parse
from camsight.services import feedback
from camsight.services.actor import os_actor
from camsight.store import list_events, list_tracks, open_store, start_source
from camsight.store.alerts_repo import add_standing_query, get_feedback
from camsight.store.handle import Store
from camsight.store.held_repo import list_held, subjects_of
from camsight.store.schema import track_features
from camsight.store.sink import StoreSink

CONFIG = """
site: north
cameras:
  - id: floor
    zones:
      - name: all
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: all
        min_inside_s: 0.2
motion:
  enabled: false
"""


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG)


@pytest.fixture
def store(config: Config, tmp_path: Path) -> Store:
    return open_store(config, str(tmp_path / "s.db"))


def _pipe(config: Config, *, source_id: str, detector: GivenBoxes, source: str = "clip.mp4") -> CameraPipeline:
    return CameraPipeline(
        config, config.cameras[0], source=source, source_id=source_id, wall_origin=T0, fps=5.0, detector=detector
    )


def _register(store: Store, source_id: str, *, uri: str = "clip.mp4", kind: str = "file") -> None:
    with store.engine.begin() as conn:
        start_source(
            conn,
            source_id=source_id,
            site=store.site,
            camera="floor",
            uri=uri,
            kind=kind,  # type: ignore[arg-type]
            run_id="run-" + source_id,
            started_at=T0,
        )


def _drive(config: Config, store: Store, source_id: str, published: list[Published], **kwargs: object) -> Drive:
    pipe = _pipe(config, source_id=source_id, detector=GivenBoxes(walker), **kwargs)  # type: ignore[arg-type]
    _register(store, source_id)
    return make_drive(config, store, pipe, run_id="run-" + source_id, suppressions=[], on_published=published.append)


def test_a_walking_person_becomes_a_stored_alert_and_a_track(config: Config, store: Store) -> None:
    published: list[Published] = []
    drive = _drive(config, store, "src1", published)
    drive.run(clip_frames(until_s=3.0))
    drive.close()
    new = [alert for p in published for alert, _ in p.new]
    records = [r for p in published for r in p.records]
    assert [a.kind for a in new] == ["zone_intrusion"]
    assert all(latency >= 0 for p in published for _, latency in p.new)
    assert len(records) == 1
    with store.engine.connect() as conn:
        (event,) = list_events(conn)
        (track,) = list_tracks(conn)
        index = conn.execute(sa.select(track_features.c.id, track_features.c.run_id)).all()
    assert (event.site, event.status, event.track_ids) == ("north", "closed", (track.tracker_id,))
    assert track.site == "north"
    assert new[0].id in track.events
    assert index == [(track.id, "run-src1")]  # indexed when stored: a search only reads
    snapshot = store.media.path(str(event.snapshot))
    thumbnail = store.media.path(str(track.thumbnail))
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert stat.S_IMODE(thumbnail.stat().st_mode) == 0o600


def test_the_snapshot_blurs_the_head_of_a_person_not_yet_tracked(store: Store) -> None:
    """ByteTrack gives an id only from the second sighting: a snapshot blurs every person detected, tracked or not."""
    sink = StoreSink(store.engine, store.media, source_id="src1", run_id="r")
    frame = next(clip_frames())
    boxes = np.asarray(walker(0.0), np.float32)
    event = ZoneIntrusionEvent(
        site="north",
        id="a1",
        rule="r",
        camera="floor",
        source="clip.mp4",
        start_s=0,
        end_s=0,
        started_at=T0,
        score=0.9,
        object_class="person",
    )
    _register(store, "src1")
    ((stored, _),) = sink.publish(Batch(alerts=(event,), frame=frame, people=boxes)).new
    saved = cv2.imread(str(store.media.path(str(stored.snapshot))))
    people = Detections.from_arrays(xyxy=boxes, confidence=[1.0], class_id=[0])
    x1, y1, x2, y2 = (int(v) for v in head_boxes(people)[0])
    original = cv2.Laplacian(frame.image[y1:y2, x1:x2].astype(np.float32), cv2.CV_32F).var()
    blurred = cv2.Laplacian(saved[y1:y2, x1:x2].astype(np.float32), cv2.CV_32F).var()
    assert blurred < 0.2 * original


def test_tracks_ended_by_a_resolution_change_keep_the_size_they_were_seen_in(config: Config, store: Store) -> None:
    """480 x 270 for 2 s, then 240 x 135: the first track's path is normalised by 480 x 270, not the new size."""
    published: list[Published] = []
    drive = _drive(config, store, "src1", published)
    for frame in clip_frames(until_s=2.0):
        drive.step(frame)
    for frame in clip_frames(size=(240, 135), until_s=3.5):
        if frame.pts_s > 2.0:
            drive.step(frame)
    drive.close()
    records = sorted((r for p in published for r in p.records), key=lambda r: r.start_s)
    first = records[0]
    t0, x, y = first.path[0]
    seen = walker(t0)[0]
    assert x == pytest.approx((seen[0] + seen[2]) / 2 / 480, abs=2e-3)
    assert y == pytest.approx(seen[3] / 270, abs=2e-3)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for r in records for _, x, y in r.path)


def test_two_live_runs_keep_both_runs_standing_query_alerts_and_verdicts(config: Config, store: Store) -> None:
    """Each run of a live camera is its own source, and tracker ids restart: alert ids must still differ."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        add_standing_query(
            conn,
            name="anyone",
            text="person",
            query=parse("person", semantic=False).model_dump(mode="json"),
            min_score=0.0,
            now=now,
        )
    ids = []
    for run in ("run-a", "run-b"):
        published: list[Published] = []
        pipe = _pipe(config, source_id=run, detector=GivenBoxes(walker), source="rtsp://cam/1")
        _register(store, run, uri="rtsp://cam/1", kind="stream")
        drive = make_drive(config, store, pipe, run_id=run, suppressions=[], on_published=published.append)
        drive.run(clip_frames(until_s=3.0))
        drive.close()
        (alert,) = [a for p in published for a, _ in p.new if a.kind == "standing_query"]
        ids.append(alert.id)
        with store.engine.begin() as conn:
            feedback.give_verdict(conn, actor=os_actor(), ref=alert.id, verdict="confirmed", now=now)
    assert ids[0] != ids[1]
    with store.engine.connect() as conn:
        kept = {e.id for e in list_events(conn, kind="standing_query")}
        verdicts = [get_feedback(conn, event_id=i) for i in ids]
    assert kept == set(ids)
    assert verdicts == [("confirmed", None), ("confirmed", None)]
    with store.engine.connect() as conn:
        snapshots = [e.snapshot for e in list_events(conn, kind="standing_query")]
    assert all(s and "track-" in s for s in snapshots)  # the matching track's (blurred) thumbnail


def test_suppressions_hold_back_rule_and_standing_query_alerts_and_keep_them(config: Config, store: Store) -> None:
    """One drive loop for every alert: a place held back the rule's and the standing query's, both kept."""
    now = datetime.now(UTC)
    everywhere = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    with store.engine.begin() as conn:
        add_standing_query(
            conn,
            name="anyone",
            text="person",
            query=parse("person", semantic=False).model_dump(mode="json"),
            min_score=0.0,
            now=now,
        )
    held = [
        Suppression(1, "zone_intrusion:all", "floor", None, everywhere, "person"),
        Suppression(2, "query:anyone", "floor", None, everywhere, "person"),
        Suppression(3, "query:anyone", "floor", None, everywhere, "car"),  # another class: holds nothing
    ]
    published: list[Published] = []
    pipe = _pipe(config, source_id="held", detector=GivenBoxes(walker))
    _register(store, "held")
    drive = make_drive(config, store, pipe, run_id="run-held", suppressions=held, on_published=published.append)
    drive.run(clip_frames(until_s=3.0))
    drive.close()
    assert [a for p in published for a, _ in p.new] == []
    assert drive.gate.held_by == {1: 1, 2: 1}
    assert sorted(h.suppression_id for p in published for h in p.held) == [1, 2]  # each once, when first kept
    with store.engine.connect() as conn:
        rows = {h.event.kind: h for h in list_held(conn)}
        about = subjects_of(conn, event_ids=[h.event.id for h in rows.values()])
        assert list_events(conn, limit=10) == []
    assert {k: (h.suppression_id, h.status) for k, h in rows.items()} == {
        "zone_intrusion": (1, "suppressed"),
        "standing_query": (2, "suppressed"),
    }
    assert rows["zone_intrusion"].event.status == "closed"  # its updates were kept too
    assert "track-" in (rows["standing_query"].event.snapshot or "")  # the matching track's thumbnail
    assert {p.object_class for p in about.values()} == {"person"}
    assert all(p.w > 0 and p.h > 0 for p in about.values())
