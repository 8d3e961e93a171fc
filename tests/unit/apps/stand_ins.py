"""A stand-in detector that returns given boxes, and real frames to run it on.

The pipeline, the drive loop, the store's sink and the live worker are tested with it: what they do
with detections is what is under test, not what the model sees (the real model is in tests/integration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import Detections
from camsight.core.frame import Frame
from camsight.perception.regions import Region
from camsight.sources import VideoFile

DATA = Path(__file__).resolve().parents[2] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

Box = tuple[float, float, float, float]


class GivenBoxes:
    """Detects, at source time ``t``, the person boxes ``boxes_at(t)``, given in pixels of a 480 x 270 frame
    (scaled to the frame's own size, so a resolution change keeps them on the same people)."""

    def __init__(self, boxes_at: Callable[[float], list[Box]], *, class_id: int = 0, confidence: float = 0.9) -> None:
        self.boxes_at = boxes_at
        self.class_id = class_id
        self.confidence = confidence
        self.calls = 0

    def detect(self, frame: Frame) -> Detections:
        self.calls += 1
        boxes = np.asarray(self.boxes_at(frame.pts_s), dtype=np.float32).reshape(-1, 4)
        boxes = boxes * np.asarray([frame.width / 480, frame.height / 270] * 2, dtype=np.float32)
        return Detections.from_arrays(
            xyxy=boxes,
            confidence=np.full(len(boxes), self.confidence),
            class_id=np.full(len(boxes), self.class_id),
        )

    def detect_image(self, image: NDArray[np.uint8]) -> Detections:
        return Detections.empty()

    def detect_images(
        self, images: Sequence[NDArray[np.uint8]], sides: Sequence[int] | None = None
    ) -> list[Detections]:
        return [Detections.empty() for _ in images]

    def detect_regions(self, frame: Frame, regions: Sequence[Region]) -> Detections:
        """The given boxes, wherever they are (a perfect detector finds them in any region covering them)."""
        return self.detect(frame)


def walker(t: float) -> list[Box]:
    """One person, 60 x 150 px, walking right at 40 px/s from x=40 (frames of 480 x 270 and larger)."""
    x = 40 + 40 * t
    return [(x, 80.0, x + 60, 230.0)]


def clip_frames(
    *,
    fps: float = 5.0,
    size: tuple[int, int] | None = None,
    camera: str = "floor",
    until_s: float | None = None,
    wall_origin: datetime = T0,
) -> Iterator[Frame]:
    """Real frames of the worker clip at ``fps``, optionally resized to ``size`` (w, h), with wall times from T0."""
    for frame in VideoFile(CLIP, camera=camera, fps=fps):
        if until_s is not None and frame.pts_s > until_s:
            return
        image = frame.image if size is None else np.ascontiguousarray(cv2.resize(frame.image, size))
        yield Frame(camera, str(CLIP), frame.index, frame.pts_s, wall_origin + timedelta(seconds=frame.pts_s), image)
