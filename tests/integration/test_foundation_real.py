"""Zone and line rules on a real clip, idempotent re-analysis and snapshots, through the real pipeline.

Clip: intel_worker-zone-detection_preview.mp4 — one worker walks from the bottom centre of the
image (feet near x=0.57, y=1.0) up and to the left (feet near x=0.25, y=0.78) in 4.7 s.
"""

from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.apps.analyze import Analyzer
from camsight.config import parse_config
from camsight.perception.detect import OnnxDetector
from camsight.sources import SourceSpec
from camsight.store import count_events, count_tracks, list_events, list_tracks, open_store
from camsight.store.media import MediaStore

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"

CONFIG = """
cameras:
  - id: floor
    zones:
      - {name: left-bay, polygon: [[0.0, 0.7], [0.35, 0.7], [0.35, 1.0], [0.0, 1.0]]}
      - {name: far-corner, polygon: [[0.75, 0.0], [1.0, 0.0], [1.0, 0.4], [0.75, 0.4]]}
    lines:
      # drawn top to bottom at x = 0.4: facing along it (down the screen), its left is screen-right
      - {name: aisle, a: [0.4, 0.5], b: [0.4, 1.0]}
    rules:
      - {kind: zone_intrusion, zone: left-bay}
      - {kind: zone_intrusion, zone: far-corner}
      - {kind: line_crossing, line: aisle, direction: left_to_right, name: aisle-westward}
      - {kind: line_crossing, line: aisle, direction: right_to_left, name: aisle-eastward}
"""


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[sa.Engine, Analyzer, MediaStore]:
    tmp = tmp_path_factory.mktemp("foundation")
    config = parse_config(CONFIG)
    store = open_store(config, str(tmp / "camsight.db"))
    engine, media = store.engine, store.media
    analyzer = Analyzer(config, store, detector=OnnxDetector(config.detector))
    analyzer.analyze(SourceSpec(CLIP, "video"), config.cameras[0])
    return engine, analyzer, media


def test_zone_intrusion_fires_only_for_the_zone_entered(analysed: tuple[sa.Engine, Analyzer, MediaStore]) -> None:
    engine, _, _ = analysed
    with engine.connect() as conn:
        events = list_events(conn, kind="zone_intrusion")
    assert [e.zone for e in events] == ["left-bay"]
    assert 0.8 <= events[0].start_s <= 2.5
    assert events[0].status == "closed"


def test_line_crossing_direction(analysed: tuple[sa.Engine, Analyzer, MediaStore]) -> None:
    engine, _, _ = analysed
    with engine.connect() as conn:
        events = list_events(conn, kind="line_crossing")
    assert [(e.rule, e.direction) for e in events] == [("aisle-westward", "left_to_right")]
    assert 0.3 <= events[0].start_s <= 2.0


def test_events_have_blurred_snapshots_and_tracks_thumbnails(analysed: tuple[sa.Engine, Analyzer, MediaStore]) -> None:
    engine, _, media = analysed
    with engine.connect() as conn:
        events = list_events(conn)
        tracks = list_tracks(conn)
    assert all(e.snapshot and media.path(e.snapshot).stat().st_size > 1000 for e in events)
    people = [t for t in tracks if t.object_class == "person"]
    assert len(people) == 1
    assert people[0].thumbnail
    assert media.path(people[0].thumbnail).exists()
    assert set(people[0].zones) == {"left-bay"}
    assert set(people[0].events) == {e.id for e in events}


def test_analysing_again_does_not_duplicate(analysed: tuple[sa.Engine, Analyzer, MediaStore]) -> None:
    engine, analyzer, _ = analysed
    with engine.connect() as conn:
        before = (count_events(conn), count_tracks(conn))
    analyzer.analyze(SourceSpec(CLIP, "video"), analyzer.config.cameras[0])
    with engine.connect() as conn:
        assert (count_events(conn), count_tracks(conn)) == before
