from __future__ import annotations

import numpy as np
import pytest

from camsight.config import MotionConfig
from camsight.core.detections import Detections
from camsight.perception.blobs import (
    MOTION_CONFIDENCE,
    compensated_mask,
    mask_boxes,
    merge_overlapping,
    unexplained,
    with_motion_objects,
)
from camsight.perception.motion import MotionGate

from .conftest import MakeFrame

CAR = 2


def mask_with(*rects: tuple[int, int, int, int], shape: tuple[int, int] = (90, 160)) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for x1, y1, x2, y2 in rects:
        mask[y1:y2, x1:x2] = True
    return mask


def dets(*boxes: tuple[float, float, float, float], class_id: int = 0) -> Detections:
    return Detections.from_arrays(
        xyxy=list(boxes) or np.zeros((0, 4)), confidence=[0.9] * len(boxes), class_id=[class_id] * len(boxes)
    )


def test_a_car_with_gaps_in_its_mask_makes_one_blob() -> None:
    # Roof and bonnet move; the windscreen between them matches the road (a 3-pixel gap), and the roof has holes.
    mask = mask_with((40, 20, 60, 40), (40, 43, 60, 60))
    mask[25:30, 45:50] = False
    assert mask_boxes(mask, min_area=0.01, scale=1.0).tolist() == [[40.0, 20.0, 60.0, 60.0]]


def test_two_cars_apart_make_two_blobs_largest_first_scaled_to_the_frame() -> None:
    mask = mask_with((10, 10, 30, 40), (100, 20, 130, 60))
    boxes = mask_boxes(mask, min_area=0.01, scale=4.8)
    np.testing.assert_allclose(boxes, [[480, 96, 624, 288], [48, 48, 144, 192]])


@pytest.mark.parametrize(("rect", "kept"), [((0, 0, 10, 10), False), ((0, 0, 12, 13), True)])
def test_blobs_smaller_than_min_area_are_dropped(rect: tuple[int, int, int, int], kept: bool) -> None:
    # 1% of 160x90 is 144 pixels: 10x10 is below, 12x13 above.
    assert len(mask_boxes(mask_with(rect), min_area=0.01, scale=1.0)) == int(kept)


def test_noise_speckle_makes_no_blob() -> None:
    rng = np.random.default_rng(0)
    assert len(mask_boxes(rng.random((90, 160)) < 0.01, min_area=0.01, scale=1.0)) == 0


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([[0, 0, 10, 10], [5, 5, 20, 20]], [[0, 0, 20, 20]]),
        ([[0, 0, 10, 10], [10, 0, 20, 10]], [[0, 0, 10, 10], [10, 0, 20, 10]]),  # touching is not overlapping
        ([[0, 0, 10, 10], [8, 8, 30, 12], [28, 0, 40, 40]], [[0, 0, 40, 40]]),  # chains merge transitively
        ([], []),
    ],
)
def test_overlapping_boxes_merge(boxes: list[list[float]], expected: list[list[float]]) -> None:
    merged = merge_overlapping(np.array(boxes, np.float32).reshape(-1, 4))
    assert sorted(merged.tolist()) == sorted(expected)


@pytest.mark.parametrize(
    ("detection", "explained"),
    [
        ((100, 100, 200, 300), True),  # the same box
        ((120, 150, 180, 250), True),  # the blob's centre is inside the detection
        ((90, 80, 400, 400), True),  # a larger detection holds it
        ((100, 100, 140, 300), True),  # covers 40% of the blob
        ((150, 250, 170, 290), True),  # a small person inside the blob (in their own trail)
        ((80, 80, 110, 130), False),  # overlaps the blob's corner: covers 1.5%, centre outside
        ((300, 100, 400, 300), False),  # elsewhere
    ],
)
def test_a_blob_is_explained_by_a_detection_that_covers_it(
    detection: tuple[float, float, float, float], explained: bool
) -> None:
    blob = np.array([[100, 100, 200, 300]], np.float32)
    assert unexplained(blob, dets(detection)).tolist() == [not explained]


def test_a_group_of_people_explains_their_joint_blob() -> None:
    blob = np.array([[100, 100, 300, 300]], np.float32)
    people = dets((100, 100, 150, 300), (250, 100, 300, 300))  # centre (200, 200) between them
    assert unexplained(blob, people).tolist() == [False]


def test_unexplained_blobs_are_appended_as_the_configured_class() -> None:
    person = dets((10, 10, 50, 100))
    blobs = np.array([[12, 8, 52, 104], [200, 50, 300, 250]], np.float32)
    out = with_motion_objects(person, blobs, CAR)
    assert out.xyxy.tolist() == [[10, 10, 50, 100], [200, 50, 300, 250]]
    assert out.class_id.tolist() == [0, CAR]
    assert out.confidence.tolist() == pytest.approx([0.9, MOTION_CONFIDENCE])
    assert with_motion_objects(person, blobs[:1], CAR) is person
    assert len(with_motion_objects(Detections.empty(), np.zeros((0, 4), np.float32), CAR)) == 0


def test_an_exposure_change_is_not_motion_but_a_car_is() -> None:
    background = np.full((90, 160), 120, np.float32)
    frame = np.full((90, 160), 62, np.uint8)  # the camera halves its gain when a white car enters
    frame[20:60, 40:60] = 230
    mask = compensated_mask(frame, background, pixel_delta=20)
    assert mask.sum() == 40 * 20
    assert mask[20:60, 40:60].all()


def scene() -> np.ndarray:
    rng = np.random.default_rng(3)
    small = rng.integers(60, 140, (9, 16, 3), dtype=np.uint8)
    return np.kron(small, np.ones((40, 40, 1), np.uint8))


def test_gate_gives_the_moving_box_of_a_bright_block_in_frame_pixels(make_frame: MakeFrame) -> None:
    gate = MotionGate(MotionConfig(keyframe_s=1000))
    assert gate.moving_boxes(0.01).shape == (0, 4)  # nothing gated yet
    gate.gate(make_frame(scene(), t=0.0), tracking=False, now=0.0)
    assert gate.moving_boxes(0.01).shape == (0, 4)  # first frame: no mask
    image = scene()
    image[100:220, 200:300] = 255
    result = gate.gate(make_frame(image, t=0.2, index=1), tracking=False, now=0.2)
    assert result.reason == "motion"
    assert gate.last_moving_mask is not None
    (box,) = gate.moving_boxes(0.01)
    np.testing.assert_allclose(box, [200, 100, 300, 220], atol=12)  # blur and 1/4 scale blur the edges
    gate.reset()
    assert gate.moving_boxes(0.01).shape == (0, 4)
