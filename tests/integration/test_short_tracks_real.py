"""A cyclist crossing a corner of the view: the tracks the tracker confirmed are kept, and "cyclist" finds them.

Real clip (``intel_person-bicycle-car-detection_preview.mp4``, Intel sample video, CC BY 4.0), real
detector, tracker and describer, default camera. The bicycle is detected in a few frames here and
there (scores 0.4-0.75 at 5 frames/s), so each of its tracks is confirmed by the tracker (two detections
in a row) and then lost: with the tracker's confirming detection counted, such a track is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from camsight.apps.analyze import Analyzer
from camsight.apps.pipeline import min_sightings
from camsight.cli.analyze import pick_camera
from camsight.config import Config
from camsight.search import parse, search
from camsight.sources import SourceSpec
from camsight.store import list_tracks, open_store

pytestmark = pytest.mark.slow

CLIP = Path(__file__).resolve().parents[1] / "data" / "intel_person-bicycle-car-detection_preview.mp4"


def test_confirming_detections_count_toward_a_tracks_length() -> None:
    assert min_sightings(still=False, confirm_frames=1) == 2  # every detection logged: two of them
    assert min_sightings(still=False, confirm_frames=2) == 1  # the first of two was not logged
    assert min_sightings(still=True, confirm_frames=2) == 1


def test_the_cyclist_is_stored_and_found(tmp_path: Path) -> None:
    config = Config()
    store = open_store(config, str(tmp_path / "camsight.db"))
    spec = SourceSpec(CLIP, "video")
    Analyzer(config, store).analyze(spec, pick_camera(config, spec, None)[0])
    with store.engine.begin() as conn:
        tracks = list_tracks(conn)
        hits = search(conn, parse("cyclist", now=datetime.now(UTC)), limit=5).hits
    assert any(t.object_class == "bicycle" for t in tracks), [t.object_class for t in tracks]
    assert hits
    assert hits[0].record.object_class in ("bicycle", "person")
    assert hits[0].complete
    store.close()
