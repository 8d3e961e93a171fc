"""Behaviour rules on real footage, through the real pipeline (detector, tracker, rules, store) at 5 fps.

Each clip is analysed once per module. Clips (tests/data, attributions in NOTICE):

* GMDCSA24 falls ``s1_fall_14``, ``s1_fall_15``, ``s3_fall_16``, ``s4_fall_03`` (the fall starts at the
  dataset's labelled time) and the everyday-activity clip ``s4_adl_19`` (walks, bends to pick up a jar,
  sits on the bed and eats: no fall);
* ``intel_one-by-one-person-detection.mp4``: six visitors stand at a table, one at a time (labels in
  ``labels/intel_one-by-one.visits.csv``), seen from above;
* ``opencv_vtest.mp4``: 3-8 pedestrians walking across a junction;
* ``intel_worker-zone-detection_preview.mp4``: one worker walking;
* ``intel_car-detection.mp4``: cars seen from straight above, two of them driving down the image. YOLO11n
  does not see cars from above, so this camera sets ``motion_objects: car``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camsight.apps.analyze import Analyzer, SourceResult
from camsight.config import Config
from camsight.events.models import AnyEvent
from camsight.perception.detect import OnnxDetector
from camsight.sources import SourceSpec
from camsight.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"
FALLS = {  # clip → the labelled start of the fall (seconds)
    "gmdcsa24_s1_fall_14.mp4": 0.3,
    "gmdcsa24_s1_fall_15.mp4": 1.8,
    "gmdcsa24_s3_fall_16.mp4": 1.8,
    "gmdcsa24_s4_fall_03.mp4": 1.7,
}
EVERYDAY = "gmdcsa24_s4_adl_19.mp4"
TABLE = [[0.35, 0.55], [0.8, 0.55], [0.8, 1.0], [0.35, 1.0]]  # where the visitors' feet are at the table
PEOPLE_RULES: list[dict[str, Any]] = [{"kind": "person_down"}, {"kind": "running"}, {"kind": "dispersal"}]


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector(Config().detector)


@pytest.fixture(scope="module")
def analyse_source(detector: OnnxDetector, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``analyse_source(clip, camera) -> SourceResult``: events and tracks found in the clip."""

    def run(clip: str, camera: dict[str, Any]) -> SourceResult:
        tmp = tmp_path_factory.mktemp("behaviours")
        config = Config.model_validate({"cameras": [{"id": "cam", "fps": 5, **camera}]})
        store = open_store(config, str(tmp / "camsight.db"))
        engine = store.engine
        analyzer = Analyzer(config, store, detector=detector)
        result = analyzer.analyze(SourceSpec(DATA / clip, "video"), config.cameras[0])
        engine.dispose()
        return result

    return run


@pytest.fixture(scope="module")
def analyse(analyse_source: Any) -> Any:
    """``analyse(clip, camera) -> events``: the final state of every event found in the clip."""

    def run(clip: str, camera: dict[str, Any]) -> list[AnyEvent]:
        result: SourceResult = analyse_source(clip, camera)
        return sorted(result.events.values(), key=lambda e: e.start_s)

    return run


def of_kind(events: list[AnyEvent], kind: str) -> list[AnyEvent]:
    return [e for e in events if e.kind == kind]


@pytest.fixture(scope="module")
def falls(analyse: Any) -> dict[str, list[AnyEvent]]:
    return {clip: analyse(clip, {"rules": [{"kind": "person_down"}]}) for clip in [*FALLS, EVERYDAY]}


@pytest.fixture(scope="module")
def table(analyse: Any) -> list[AnyEvent]:
    return analyse(
        "intel_one-by-one-person-detection.mp4",
        {
            "zones": [{"name": "table", "polygon": TABLE}],
            "lines": [{"name": "table-edge", "a": [0.35, 0.75], "b": [0.8, 0.75]}],
            "rules": [
                {"kind": "loitering", "zone": "table", "min_dwell_s": 5},
                {
                    "kind": "edge_dwell",
                    "line": "table-edge",
                    "distance_unit": "normalised",
                    "max_distance": 0.2,
                    "min_dwell_s": 5,
                },
                *PEOPLE_RULES,
            ],
        },
    )


@pytest.fixture(scope="module")
def junction(analyse: Any) -> list[AnyEvent]:
    return analyse("opencv_vtest.mp4", {"rules": [{"kind": "crowd", "min_people": 5}, *PEOPLE_RULES]})


def visits() -> list[tuple[float, float]]:
    with (DATA / "labels" / "intel_one-by-one.visits.csv").open() as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [(float(r["at_table_from_s"]), float(r["at_table_to_s"])) for r in rows]


@pytest.mark.slow
@pytest.mark.parametrize("clip", sorted(FALLS))
def test_each_fall_raises_one_person_down_after_it_starts(falls: dict[str, list[AnyEvent]], clip: str) -> None:
    events = of_kind(falls[clip], "person_down")
    assert len(events) == 1, [(e.start_s, e.end_s) for e in events]
    assert events[0].start_s >= FALLS[clip]
    assert events[0].status == "closed"


@pytest.mark.slow
def test_bending_and_sitting_on_the_bed_is_not_a_fall(falls: dict[str, list[AnyEvent]]) -> None:
    assert of_kind(falls[EVERYDAY], "person_down") == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["loitering", "edge_dwell"])
def test_six_visits_at_the_table_each_overlap_their_window(table: list[AnyEvent], kind: str) -> None:
    events = of_kind(table, kind)
    windows = visits()
    assert len(events) == len(windows) == 6, [(e.start_s, e.end_s) for e in events]
    for event, (start, end) in zip(events, windows, strict=True):
        assert event.start_s <= end, (kind, event.start_s, event.end_s, start, end)
        assert event.end_s >= start, (kind, event.start_s, event.end_s, start, end)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["person_down", "running", "dispersal"])
def test_visitors_seen_from_above_do_not_fall_run_or_scatter(table: list[AnyEvent], kind: str) -> None:
    assert of_kind(table, kind) == []


@pytest.mark.slow
def test_five_or_more_pedestrians_raise_a_crowd(junction: list[AnyEvent]) -> None:
    crowds = of_kind(junction, "crowd")
    assert crowds
    assert all(e.count >= 5 for e in crowds)  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["person_down", "running", "dispersal"])
def test_walking_pedestrians_do_not_fall_run_or_scatter(junction: list[AnyEvent], kind: str) -> None:
    assert of_kind(junction, kind) == []


@pytest.mark.slow
def test_one_worker_is_never_a_crowd_of_two(analyse: Any) -> None:
    events = analyse("intel_worker-zone-detection_preview.mp4", {"rules": [{"kind": "crowd", "min_people": 2}]})
    assert of_kind(events, "crowd") == []


@pytest.mark.slow
def test_cars_driving_down_a_lane_that_goes_up_are_wrong_way(analyse_source: Any) -> None:
    result: SourceResult = analyse_source(
        "intel_car-detection.mp4",
        {
            "motion_objects": "car",
            "rules": [{"kind": "wrong_way", "direction": [0, -1]}],
        },
    )
    events = sorted(of_kind(list(result.events.values()), "wrong_way"), key=lambda e: e.start_s)
    spans = [(e.start_s, e.end_s) for e in events]
    windows = [(14.5, 22.5), (25.5, 28.0)]  # cars 2 and 4 of labels/intel_car-detection.cars.csv
    assert all(any(e.start_s <= b and e.end_s >= a for e in events) for a, b in windows), spans
    assert all(any(e.start_s <= b and e.end_s >= a for a, b in windows) for e in events), spans
    # Cars 2 and 4 drive down the left half of the image; cars 1 and 3 up the right half (x ~0.5).
    lane_x = {t.tracker_id: float(np.median([x for _, x, _ in t.path])) for t in result.tracks}
    assert all(lane_x[i] < 0.4 for e in events for i in e.track_ids), [(e.track_ids, spans) for e in events]
    up = [t for t in result.tracks if t.object_class == "car" and lane_x[t.tracker_id] > 0.4]
    starts = {round(t.start_s) for t in up}  # cars 1 and 3 are tracked, and raise nothing
    assert starts & {5, 6}, [(t.start_s, t.end_s) for t in up]
    assert starts & {15, 16, 17}, [(t.start_s, t.end_s) for t in up]
