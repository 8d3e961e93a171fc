from __future__ import annotations

import numpy as np
import pytest

from camsight.perception.decode import decode, nms

ALL_KEPT = np.array([0, 1, 2, 3, 5, 7, 24, 25, 26, 28])


def make_output(anchors: list[tuple[tuple[float, float, float, float], dict[int, float]]]) -> np.ndarray:
    """(1, 84, A) tensor: each anchor is ((cx, cy, w, h), {class_id: score})."""
    out = np.zeros((1, 84, len(anchors)), np.float32)
    for i, (box, scores) in enumerate(anchors):
        out[0, :4, i] = box
        for cid, score in scores.items():
            out[0, 4 + cid, i] = score
    return out


@pytest.mark.parametrize(
    ("boxes", "classes", "iou", "kept"),
    [
        ([[0, 0, 10, 10], [1, 0, 11, 10]], [0, 0], 0.5, [0]),  # same class, IoU 0.82 → suppressed
        ([[0, 0, 10, 10], [1, 0, 11, 10]], [0, 2], 0.5, [0, 1]),  # different classes → both kept
        ([[0, 0, 10, 10], [20, 0, 30, 10]], [0, 0], 0.5, [0, 1]),  # no overlap → both kept
        ([[0, 0, 10, 10], [3, 0, 13, 10]], [0, 0], 0.5, [0]),  # IoU 0.54 > 0.5 → suppressed
        ([[0, 0, 10, 10], [3, 0, 13, 10]], [0, 0], 0.6, [0, 1]),  # IoU 0.54 < 0.6 → kept
    ],
)
def test_nms(boxes: list[list[float]], classes: list[int], iou: float, kept: list[int]) -> None:
    scores = np.array([0.9, 0.8][: len(boxes)], np.float32)
    out = nms(np.array(boxes, np.float32), scores, np.array(classes), iou)
    assert sorted(out.tolist()) == kept


def test_nms_keeps_highest_score_first() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10.5], [50, 50, 60, 60]], np.float32)
    out = nms(boxes, np.array([0.5, 0.9, 0.7], np.float32), np.array([0, 0, 0]), 0.5)
    assert out.tolist() == [1, 2]


def test_nms_empty() -> None:
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), 0.5).size == 0


def test_decode_converts_centre_size_to_corners() -> None:
    out = make_output([((100, 50, 20, 40), {0: 0.9}), ((300, 200, 60, 30), {2: 0.6})])
    xyxy, scores, classes = decode(out, class_ids=ALL_KEPT, confidence=0.3, iou=0.5)
    np.testing.assert_allclose(xyxy, [[90, 30, 110, 70], [270, 185, 330, 215]])
    np.testing.assert_allclose(scores, [0.9, 0.6])
    assert classes.tolist() == [0, 2]


def test_decode_drops_low_scores_and_unwanted_classes() -> None:
    out = make_output(
        [
            ((100, 100, 20, 40), {0: 0.29}),  # below threshold
            ((200, 100, 20, 40), {16: 0.95}),  # dog: not a kept class
            ((300, 100, 20, 40), {16: 0.9, 0: 0.5}),  # dog first, but person also above threshold
            ((400, 100, 20, 40), {2: 0.4, 7: 0.7}),  # best of kept classes wins: truck
        ]
    )
    xyxy, scores, classes = decode(out, class_ids=ALL_KEPT, confidence=0.3, iou=0.5)
    assert classes.tolist() == [7, 0]
    np.testing.assert_allclose(scores, [0.7, 0.5])
    np.testing.assert_allclose(xyxy[:, 0], [390, 290])


def test_decode_keeps_only_requested_classes() -> None:
    out = make_output([((100, 100, 20, 40), {0: 0.9}), ((300, 100, 40, 20), {2: 0.8})])
    _, _, classes = decode(out, class_ids=np.array([2]), confidence=0.3, iou=0.5)
    assert classes.tolist() == [2]


def test_decode_suppresses_duplicates_per_class() -> None:
    out = make_output(
        [
            ((100, 100, 20, 40), {0: 0.9}),
            ((101, 100, 20, 40), {0: 0.8}),  # duplicate person
            ((101, 100, 20, 40), {24: 0.7}),  # a backpack on the same spot survives
        ]
    )
    _, scores, classes = decode(out, class_ids=ALL_KEPT, confidence=0.3, iou=0.5)
    assert classes.tolist() == [0, 24]
    np.testing.assert_allclose(scores, [0.9, 0.7])


def test_decode_caps_at_max_det() -> None:
    anchors = [((i * 30.0 + 15, 15, 20, 20), {0: 0.5 + i / 100}) for i in range(20)]
    _, scores, _ = decode(make_output(anchors), class_ids=ALL_KEPT, confidence=0.3, iou=0.5, max_det=5)
    np.testing.assert_allclose(scores, [0.69, 0.68, 0.67, 0.66, 0.65], atol=1e-6)


def test_decode_nothing_above_threshold() -> None:
    xyxy, scores, classes = decode(np.zeros((1, 84, 8400), np.float32), class_ids=ALL_KEPT, confidence=0.3, iou=0.5)
    assert xyxy.shape == (0, 4)
    assert len(scores) == len(classes) == 0


def test_decode_with_no_classes_finds_nothing() -> None:
    out = make_output([((100, 50, 20, 40), {0: 0.9})])
    xyxy, _, _ = decode(out, class_ids=np.array([], np.int64), confidence=0.3, iou=0.5)
    assert xyxy.shape == (0, 4)
