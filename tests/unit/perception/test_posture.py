"""Posture from box geometry: table of typical boxes, confidences and the vectorised form."""

from __future__ import annotations

import numpy as np
import pytest

from camsight.core.detections import Detections
from camsight.perception.posture import aspect_of, classify_posture, classify_postures, is_upright


@pytest.mark.parametrize(
    ("box", "upright", "expected"),
    [
        pytest.param((0, 0, 100, 300), None, "standing", id="standing-aspect-3"),
        pytest.param((0, 0, 100, 190), None, "standing", id="standing-at-threshold-1.9"),
        pytest.param((0, 0, 100, 200), 300, "sitting", id="tall-box-at-0.67-of-upright-is-seated"),
        pytest.param((0, 0, 100, 280), 300, "standing", id="tall-box-at-0.93-of-upright"),
        pytest.param((0, 0, 100, 160), None, "sitting", id="chair-aspect-1.6"),
        pytest.param((0, 0, 150, 200), 300, "sitting", id="bending-aspect-1.33"),
        pytest.param((0, 0, 130, 150), 300, "sitting", id="crouching-aspect-1.15"),
        pytest.param((0, 0, 170, 150), 300, "lying", id="low-aspect-0.88-half-height"),
        pytest.param((0, 0, 170, 150), None, "sitting", id="aspect-0.88-height-unknown"),
        pytest.param((0, 0, 300, 100), None, "lying", id="lying-aspect-0.33"),
        pytest.param((0, 0, 100, 80), None, "lying", id="lying-at-threshold-0.8"),
        pytest.param((0, 0, 1, 50), None, "unknown", id="degenerate-width"),
        pytest.param((5, 5, 50, 5), None, "unknown", id="degenerate-height"),
    ],
)
def test_posture_table(box: tuple[float, ...], upright: float | None, expected: str) -> None:
    posture, confidence = classify_posture(box, upright_height=upright)
    assert posture == expected
    assert (confidence == 0.0) if expected == "unknown" else (0.5 <= confidence <= 1.0)


def test_confidence_grows_away_from_the_threshold() -> None:
    near = classify_posture((0, 0, 100, 191))[1]
    far = classify_posture((0, 0, 100, 320))[1]
    assert 0.5 <= near < far == 1.0


def test_vectorised_matches_scalar_and_uses_upright_heights() -> None:
    boxes = np.array([[0, 0, 100, 300], [0, 0, 170, 150], [0, 0, 300, 100]], dtype=float)
    dets = Detections.from_arrays(xyxy=boxes, confidence=[0.9] * 3, class_id=[0] * 3)
    postures, confidences = classify_postures(dets, upright_heights=[np.nan, 300.0, 0.0])
    assert postures == ["standing", "lying", "lying"]
    assert confidences.dtype == np.float32
    expected = [
        classify_posture(boxes[0])[1],
        classify_posture(boxes[1], upright_height=300)[1],
        classify_posture(boxes[2])[1],
    ]
    assert list(confidences) == pytest.approx(expected)
    assert classify_postures(dets)[0] == ["standing", "sitting", "lying"]


@pytest.mark.parametrize(("box", "upright"), [((0, 0, 100, 140), True), ((0, 0, 100, 139), False)])
def test_is_upright_threshold(box: tuple[float, ...], upright: bool) -> None:
    assert is_upright(box) is upright
    assert aspect_of((0, 0, 0, 10)) == float("inf")
