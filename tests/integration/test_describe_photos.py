"""The describer on real photos and a real clip, people found by the real detector (YOLO11n).

What the photos show (tests/data/photos, see NOTICE): intel_one-by-one stills, a person seen from behind
at a table (t12s grey long cardigan, t30s black hooded jacket, t60s all black, t80s black T-shirt, t105s
grey knit cardigan, t130s grey shirt and blue jeans); intel_worker-zone_f20, a worker in a yellow hard
hat and an orange hi-vis vest; intel_face-demographics-walking_f30, a woman in a white dress (left) and a
man in a black shirt, white vest and jeans (right), in a dim, hazy corridor; meva_rvmot-a1c9_frame0075, a
man in a light-blue shirt at a white SUV; opencv_vtest_t5s, six pedestrians, one in a red-and-navy jacket.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.config import Config, DetectorConfig
from camsight.core.detections import PERSON
from camsight.core.records import Appearance
from camsight.perception.describe import AppearanceDescriber, describe_image_box
from camsight.perception.detect import OnnxDetector
from camsight.perception.tracklog import Box

DATA = Path(__file__).resolve().parents[1] / "data"
ONE_BY_ONE = ["t12s", "t30s", "t60s", "t80s", "t105s", "t130s"]
People = list[tuple[Box, Appearance]]


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector(DetectorConfig(threads=2))


@pytest.fixture(scope="module")
def people(detector: OnnxDetector) -> dict[str, People]:
    """Every photo's people (confidence ≥ 0.5), left to right, with their appearance."""
    describer = AppearanceDescriber()
    out: dict[str, People] = {}
    for path in sorted((DATA / "photos").glob("*")):
        read = cv2.imread(str(path), cv2.IMREAD_COLOR)
        assert read is not None, path
        image: NDArray[np.uint8] = np.asarray(read, dtype=np.uint8)
        dets = detector.detect_image(image)
        keep = (dets.class_id == PERSON) & (dets.confidence >= 0.5)
        boxes: list[Box] = sorted(
            ((float(x1), float(y1), float(x2), float(y2)) for x1, y1, x2, y2 in dets.xyxy[keep]), key=lambda b: b[0]
        )
        out[path.stem] = [(b, describe_image_box(image, b, "person", describer=describer)) for b in boxes]
    return out


def only(people: dict[str, People], name: str) -> Appearance:
    assert len(people[name]) == 1, people[name]
    return people[name][0][1]


def test_worker_hard_hat_and_hi_vis_vest(people: dict[str, People]) -> None:
    app = only(people, "intel_worker-zone_f20")
    assert app.headwear is not None
    assert app.headwear >= 0.8
    assert max(app.head, key=app.head.__getitem__) == "yellow"
    assert max(app.upper, key=app.upper.__getitem__) == "orange"
    assert app.garments.get("vest", 0.0) >= 0.5


@pytest.mark.parametrize("still", ONE_BY_ONE)
def test_no_hat_on_the_people_at_the_table(people: dict[str, People], still: str) -> None:
    app = only(people, f"intel_one-by-one_{still}")
    assert app.headwear is not None
    assert app.headwear < 0.5, app.head
    assert "vest" not in app.garments
    assert "dress" not in app.garments  # a long grey cardigan over dark leggings is not a dress


@pytest.mark.parametrize(
    ("still", "upper"),
    [
        ("t12s", "grey"),
        ("t30s", "black"),
        ("t60s", "black"),
        ("t80s", "black"),
        ("t105s", "grey"),
        ("t130s", "grey"),
    ],
)
def test_upper_body_colour_at_the_table(people: dict[str, People], still: str, upper: str) -> None:
    app = only(people, f"intel_one-by-one_{still}")
    assert max(app.upper, key=app.upper.__getitem__) == upper, app.upper


def test_grey_shirt_and_blue_jeans(people: dict[str, People]) -> None:
    app = only(people, "intel_one-by-one_t130s")
    assert app.lower.get("blue", 0.0) >= 0.3, app.lower
    assert "blue" not in app.upper, app.upper  # the camera's blue cast is removed
    assert app.garments.get("jeans", 0.0) >= 0.5
    dark = only(people, "intel_one-by-one_t30s")
    assert "blue" not in dark.lower
    assert "jeans" not in dark.garments


def test_light_blue_shirt_at_the_suv(people: dict[str, People]) -> None:
    app = only(people, "meva_rvmot-a1c9_frame0075")
    assert app.upper.get("blue", 0.0) >= 0.4, app.upper
    assert app.headwear is not None
    assert app.headwear < 0.5


def test_red_jacket_among_the_pedestrians(people: dict[str, People]) -> None:
    found = people["opencv_vtest_t5s"]
    assert len(found) >= 5
    red = [app for _, app in found if app.upper.get("red", 0.0) >= 0.15]
    assert len(red) == 1, [app.upper for _, app in found]
    assert red[0].upper.get("blue", 0.0) >= 0.2  # red and navy
    assert all(app.headwear is not None and app.headwear < 0.5 for _, app in found)


def test_dress_and_jeans_in_the_dim_corridor(people: dict[str, People]) -> None:
    (_, woman), (_, man) = people["intel_face-demographics-walking_f30"]
    assert woman.garments.get("dress", 0.0) >= 0.5
    assert set(woman.upper) <= {"grey", "white"}
    assert "dress" not in man.garments
    assert man.lower.get("blue", 0.0) >= 0.2, man.lower
    assert man.upper.get("black", 0.0) + man.upper.get("navy", 0.0) >= 0.1, man.upper


def test_describing_a_real_track(tmp_path: Path) -> None:
    """The worker clip through the whole pipeline: one person track, described when it ends."""
    from camsight.apps.analyze import Analyzer
    from camsight.sources import SourceSpec
    from camsight.store import open_store

    config = Config()
    store = open_store(config, str(tmp_path / "camsight.db"))
    analyzer = Analyzer(config, store, detector=OnnxDetector(config.detector), describer=AppearanceDescriber())
    result = analyzer.analyze(SourceSpec(DATA / "intel_worker-zone-detection_preview.mp4", "video"), config.cameras[0])
    store.close()
    people = [t for t in result.tracks if t.object_class == "person"]
    assert len(people) == 1
    app = people[0].appearance
    assert app is not None
    assert app.headwear is not None
    assert app.headwear >= 0.8
    assert "yellow" in app.head
    assert "orange" in app.upper
    assert "blue" in app.lower
    assert app.garments.get("vest", 0.0) >= 0.5
    assert app.posture == "standing"
    assert app.motion == "walking"
    assert app.speed is not None
    assert 0.1 <= app.speed < 1.2
    assert app.heading_deg is not None
    assert 150 <= app.heading_deg <= 250
