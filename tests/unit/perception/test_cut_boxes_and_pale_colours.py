"""Real photos: boxes cut by the frame's border (portraits), head-and-shoulders colours, pale blue.

The people are found by the real detector in real photos (tests/data/photos, attribution in NOTICE) and
described by the real describer (pose where MediaPipe is installed).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.core.records import Appearance
from camsight.perception import colour
from camsight.perception.describe import (
    AppearanceDescriber,
    describe_image_box,
    head_and_shoulders,
    portrait_bands,
)
from camsight.perception.detect import OnnxDetector
from camsight.perception.posture import bounded_posture, classify_posture, cut_edges

Photo = Callable[[str], NDArray[np.uint8]]
FRAME = (640, 480)


@pytest.fixture(scope="module")
def describer() -> AppearanceDescriber:
    return AppearanceDescriber()


def people(detector: OnnxDetector, image: NDArray[np.uint8]) -> list[tuple[float, float, float, float]]:
    dets = detector.detect_image(image)
    boxes = dets[dets.class_id == 0].xyxy
    return [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes]


def describe_all(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber, name: str
) -> list[tuple[tuple[float, float, float, float], Appearance]]:
    image = photo(name)
    return [(box, describe_image_box(image, box, "person", describer=describer)) for box in people(detector, image)]


# --- geometry -----------------------------------------------------------------------------------------


def test_cut_edges_allow_the_detectors_margin() -> None:
    assert cut_edges((100, 100, 200, 300), FRAME) == frozenset()
    assert cut_edges((100, 100, 200, 476), FRAME) == {"bottom"}  # 4 px short of the edge still touches it
    assert cut_edges((0, 0, 200, 300), FRAME) == {"left", "top"}


def test_a_box_cut_at_the_bottom_is_not_seated_or_lying_by_its_shape_alone() -> None:
    portrait = (100.0, 300.0, 400.0, 479.0)  # wide and low, cut at the bottom: a head and shoulders
    assert classify_posture(portrait)[0] == "lying"
    assert bounded_posture(portrait, FRAME) == ("unknown", 0.0)
    # the same box in a track that stood 468 px tall moments ago: the head came down, the person fell
    assert bounded_posture(portrait, FRAME, upright_height=468.0)[0] == "lying"
    tall = (100.0, 100.0, 160.0, 479.0)  # cut at the bottom yet tall for its width: standing still holds
    assert bounded_posture(tall, FRAME)[0] == "standing"


def test_a_box_cut_at_a_side_keeps_only_lying() -> None:
    assert bounded_posture((0.0, 300.0, 300.0, 400.0), FRAME)[0] == "lying"
    assert bounded_posture((0.0, 100.0, 60.0, 300.0), FRAME) == ("unknown", 0.0)  # standing, or lying across it
    assert bounded_posture((100.0, 100.0, 160.0, 300.0), None)[0] == "standing"  # no frame: the box is whole


def test_portrait_bands_are_laid_out_in_box_widths() -> None:
    bands = portrait_bands((0.0, 0.0, 100.0, 90.0))
    assert set(bands) == {"head", "upper"}  # no lower body in a head-and-shoulders picture
    assert bands["head"][1] == pytest.approx(0.55 / 0.9, abs=1e-3)
    assert bands["upper"][0] == pytest.approx(0.7 / 0.9, abs=1e-3)
    assert "upper" not in portrait_bands((0.0, 0.0, 100.0, 70.0))  # ends before the shoulders


# --- real photos --------------------------------------------------------------------------------------


def test_portraits_are_not_read_as_seated(photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber) -> None:
    for name in ("intel-sgd_Janani_00150.jpg", "intel-sgd_Video4_00258.jpg"):
        image = photo(name)
        found = describe_all(photo, detector, describer, name)
        assert len(found) == 1, name
        box, app = found[0]
        assert head_and_shoulders(box, (image.shape[1], image.shape[0])), (name, box)
        assert classify_posture(box)[0] != "standing"  # the box alone says seated or lying
        assert app.posture == "unknown", (name, app.posture)


def test_seated_people_in_the_classroom_stay_seated(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber
) -> None:
    found = describe_all(photo, detector, describer, "intel_classroom_f00.jpg")
    assert len(found) == 4
    assert [app.posture for _, app in found] == ["sitting"] * 4


def test_a_light_blue_t_shirt_in_a_portrait_reads_light_blue(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber
) -> None:
    (_, app), *_ = describe_all(photo, detector, describer, "intel-sgd_Video4_00258.jpg")
    assert app.upper.get("light blue", 0.0) >= 0.6, app.upper  # it was the face: brown 0.56
    assert app.lightness["upper"] >= 0.55
    assert not app.lower  # below the picture


def test_a_navy_t_shirt_in_a_head_and_shoulders_picture_is_its_top_not_its_face(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber
) -> None:
    found = describe_all(photo, detector, describer, "intel_head-pose-female-and-male_f00.jpg")
    assert len(found) == 2
    right = max(found, key=lambda f: f[0][0])[1]  # the man on the right, navy T-shirt
    assert right.upper.get("navy", 0.0) >= 0.6, right.upper
    left = min(found, key=lambda f: f[0][0])[1]  # dark-olive sleeveless blouse
    assert max(left.upper, key=lambda k: left.upper[k]) == "black", left.upper
    assert "light blue" not in left.upper


@pytest.mark.parametrize(
    ("name", "colour_name"),
    [
        ("intel_one-by-one_t12s.jpg", "grey"),  # grey long cardigan
        ("intel_one-by-one_t105s.jpg", "grey"),  # grey knit cardigan
        ("intel_one-by-one_t130s.jpg", "grey"),  # grey shirt
        ("intel_one-by-one_t30s.jpg", "black"),  # black hooded jacket
    ],
)
def test_greys_and_blacks_stay_so(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber, name: str, colour_name: str
) -> None:
    (_, app), *_ = describe_all(photo, detector, describer, name)
    assert max(app.upper, key=lambda k: app.upper[k]) == colour_name, app.upper
    assert "light blue" not in app.upper


def test_the_white_dress_is_not_made_light_blue(
    photo: Photo, detector: OnnxDetector, describer: AppearanceDescriber
) -> None:
    found = describe_all(photo, detector, describer, "intel_face-demographics-walking_f30.jpg")
    assert len(found) == 2
    for _, app in found:
        assert "light blue" not in app.upper, app.upper
        assert "light blue" not in app.lower, app.lower
    dress = min(found, key=lambda f: f[0][0])[1]  # the woman on the left
    assert dress.garments.get("dress", 0.0) >= 0.5


def test_pale_blue_needs_a_common_tint_not_noise() -> None:
    rng = np.random.default_rng(0)
    light = np.full((400, 3), 75.0, np.float32)
    noisy = light.copy()
    noisy[:, 1:] = rng.normal(0.0, 6.0, (400, 2))  # as chromatic as a tint, pixel by pixel, but no common hue
    tinted = light.copy()
    tinted[:, 1:] = (-1.0, -8.0)  # hue about 263°, C 8: under the per-pixel line (13.5), a pale blue
    for lab, expect in ((noisy, False), (tinted, True)):
        names = colour.name_pixels(lab)
        out = colour.pale_blue(names, lab)
        light_blue = colour.FINE_NAMES.index("light blue")
        assert bool((out == light_blue).mean() > 0.5) is expect
