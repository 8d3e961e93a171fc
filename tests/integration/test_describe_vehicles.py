"""A vehicle's body colour on real footage, cars found by the real detector (YOLO11n).

Frame 75 of ``tests/data/videos/meva_rvmot-a1c9.mp4`` (MEVA, see NOTICE): a white SUV at the left border
with its boot open (the dark inside of the boot, the windows, tyres and shadow fill the middle of its
box, which read black 0.67 before the body rule). Frame 75 of ``meva_rvmot-c4f6.mp4``: a parking lot with
a black pickup (centre near x 618, y 397) and a dark car far back (x 760, y 372) among white, silver and
red cars; they must stay black.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.config import DetectorConfig
from camsight.core.records import Appearance
from camsight.perception.describe import AppearanceDescriber, describe_image_box
from camsight.perception.detect import OnnxDetector
from camsight.perception.tracklog import Box

DATA = Path(__file__).resolve().parents[1] / "data" / "videos"
CAR = 2
Cars = list[tuple[Box, Appearance]]


def frame(clip: str, index: int) -> NDArray[np.uint8]:
    cap = cv2.VideoCapture(str(DATA / clip))
    try:
        image = None
        for _ in range(index + 1):
            ok, image = cap.read()
            assert ok, (clip, index)
    finally:
        cap.release()
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def cars() -> dict[str, Cars]:
    """Each clip's cars at frame 75 (confidence >= 0.5) with their appearance."""
    detector = OnnxDetector(DetectorConfig(threads=2))
    describer = AppearanceDescriber()
    out: dict[str, Cars] = {}
    for clip in ("meva_rvmot-a1c9.mp4", "meva_rvmot-c4f6.mp4"):
        image = frame(clip, 75)
        dets = detector.detect_image(image)
        keep = (dets.class_id == CAR) & (dets.confidence >= 0.5)
        boxes: list[Box] = [(float(x1), float(y1), float(x2), float(y2)) for x1, y1, x2, y2 in dets.xyxy[keep]]
        out[clip] = [(b, describe_image_box(image, b, "car", describer=describer)) for b in boxes]
    return out


def at(cars: Cars, x: float, y: float) -> Appearance:
    """The car whose box centre is nearest ``(x, y)`` (within 20 px)."""
    box, app = min(cars, key=lambda c: np.hypot((c[0][0] + c[0][2]) / 2 - x, (c[0][1] + c[0][3]) / 2 - y))
    assert np.hypot((box[0] + box[2]) / 2 - x, (box[1] + box[3]) / 2 - y) <= 20, box
    return app


def top(shares: dict[str, float]) -> str:
    return max(shares, key=lambda k: shares[k])


def test_white_suv_with_its_boot_open_is_white(cars: dict[str, Cars]) -> None:
    suv = at(cars["meva_rvmot-a1c9.mp4"], 84, 316)
    assert top(suv.upper) == "white", suv.upper
    assert suv.upper["white"] >= 0.5, suv.upper
    assert suv.upper.get("black", 0.0) < 0.2, suv.upper


@pytest.mark.parametrize("centre", [(618, 397), (760, 372)])
def test_black_cars_stay_black(cars: dict[str, Cars], centre: tuple[float, float]) -> None:
    car = at(cars["meva_rvmot-c4f6.mp4"], *centre)
    assert top(car.upper) == "black", car.upper
    assert car.upper["black"] >= 0.5, car.upper
    assert car.upper.get("white", 0.0) < 0.1, car.upper


def test_the_red_car_stays_red(cars: dict[str, Cars]) -> None:
    car = at(cars["meva_rvmot-c4f6.mp4"], 425, 409)
    assert car.upper.get("red", 0.0) + car.upper.get("pink", 0.0) >= 0.7, car.upper
