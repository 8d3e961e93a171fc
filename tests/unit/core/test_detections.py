import numpy as np
import pytest

from camsight.core import Detections, box_iou


def make(n: int = 3) -> Detections:
    xyxy = np.array([[i * 10, 0, i * 10 + 5, 20] for i in range(n)], dtype=float)
    return Detections.from_arrays(xyxy=xyxy, confidence=np.linspace(0.5, 0.9, n), class_id=[0, 2, 0][:n])


def test_arrays_are_read_only_and_copied() -> None:
    source = np.array([[0, 0, 10, 10]], dtype=np.float32)
    dets = Detections.from_arrays(xyxy=source, confidence=[0.9], class_id=[0])
    source[0, 0] = 99
    assert dets.xyxy[0, 0] == 0
    with pytest.raises(ValueError, match="read-only"):
        dets.xyxy[0, 0] = 1


def test_mask_filtering_returns_new_object() -> None:
    dets = make()
    people = dets[dets.class_id == 0]
    assert len(people) == 2
    assert people.class_id.tolist() == [0, 0]
    assert len(dets) == 3


def test_with_tracker_id_keeps_original() -> None:
    dets = make()
    tracked = dets.with_tracker_id([7, 8, 9])
    assert tracked.tracker_id.tolist() == [7, 8, 9]
    assert dets.tracker_id.tolist() == [-1, -1, -1]


def test_mismatched_lengths_rejected() -> None:
    with pytest.raises(ValueError, match="same length"):
        Detections.from_arrays(xyxy=np.zeros((2, 4)), confidence=[0.1], class_id=[0, 0])


def test_anchors_are_bottom_centre() -> None:
    dets = Detections.from_arrays(xyxy=[[10, 20, 30, 60]], confidence=[1], class_id=[0])
    assert dets.anchors.tolist() == [[20.0, 60.0]]
    assert dets.heights.tolist() == [40.0]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
        ([0, 0, 10, 10], [20, 20, 30, 30], 0.0),
    ],
)
def test_box_iou(a: list[float], b: list[float], expected: float) -> None:
    assert box_iou(np.array([a]), np.array([b]))[0, 0] == pytest.approx(expected, abs=1e-6)


def test_empty() -> None:
    assert len(Detections.empty()) == 0
    assert Detections.empty().anchors.shape == (0, 2)
