from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.config import DetectorConfig
from camsight.core.frame import Frame
from camsight.perception.detect import OnnxDetector

DATA = Path(__file__).resolve().parents[2] / "data"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

MakeFrame = Callable[..., Frame]


@pytest.fixture
def make_frame() -> MakeFrame:
    def make(image: NDArray[np.uint8], t: float = 0.0, index: int = 0) -> Frame:
        image.setflags(write=False)
        return Frame(camera="cam", source="test", index=index, pts_s=t, wall=T0 + timedelta(seconds=t), image=image)

    return make


@pytest.fixture(scope="session")
def detector() -> OnnxDetector:
    return OnnxDetector(DetectorConfig(threads=2))


@pytest.fixture(scope="session")
def photo() -> Callable[[str], NDArray[np.uint8]]:
    def read(name: str) -> NDArray[np.uint8]:
        image = cv2.imread(str(DATA / "photos" / name), cv2.IMREAD_COLOR)
        assert image is not None, name
        return np.asarray(image, dtype=np.uint8)

    return read
