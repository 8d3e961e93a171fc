"""Blurring heads in a clip: people detected often enough that nobody's head shows, from their first frame.

Frames are decoded by the clip writer (:mod:`camsight.sources.clips`); :class:`HeadBlurrer` detects
people (at a lower score than for analysis, :data:`PRIVACY_CONFIDENCE`) five times a second, and on
every frame around someone appearing; every frame's head regions are blurred (the heads found at the
detections before and after it, grown by a margin, so a moving head stays covered; the heads of people
cut by the frame border also for :data:`HOLD_S` before and after, out to the border, so someone walking
in is covered from the first frame).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from camsight.config.models import DetectorConfig
from camsight.core.detections import PERSON
from camsight.perception.detect import Detector
from camsight.perception.privacy import HEAD_MARGIN, blur_regions, cut_sides, head_regions

Image = NDArray[np.uint8]

DETECT_EVERY_S = 0.2
"""Seconds between detections while nobody appears."""
DENSE_S = 0.6
"""Seconds of detecting every frame after someone appears."""
HOLD_S = 0.4
"""Seconds before and after a detection that the heads of people cut by the border stay blurred."""
APPEAR_S = 1.0
"""A person box that meets none found in this many seconds before is someone who has just appeared."""
PRIVACY_CONFIDENCE = 0.1
"""Detector score enough to blur a head: below the analysis threshold, as people half in view score low
and a missed head is worse than a blurred patch of floor."""
EPS_S = 1e-3
"""Frame times closer than this count as equal (they add up in floating point)."""


def privacy_detector_config(config: DetectorConfig) -> DetectorConfig:
    """The detector settings for blurring: people only, at :data:`PRIVACY_CONFIDENCE` or lower."""
    return config.model_copy(update={"confidence": min(config.confidence, PRIVACY_CONFIDENCE), "classes": ("person",)})


@dataclass(slots=True)
class _Pending:
    """A frame waiting for the detections that decide what to blur in it."""

    image: Image
    t: float
    detected: bool = False


@dataclass(frozen=True, slots=True)
class _Found:
    """What one detection found: people, their head regions, and those of people cut by the border stretched to it."""

    t: float
    people: NDArray[np.int32]
    heads: NDArray[np.int32]
    edge: NDArray[np.int32]


class HeadBlurrer:
    """Blurs people's heads in a frame sequence (see the module docstring).

    People are detected every ``every_s`` seconds. Every frame gets the heads of the detections just
    before and after it (and its own), each grown by a margin, and a frame in between also the box
    spanning each head's two positions. When someone appears (a person box that meets none of the
    last ``appear_s``), the frames not yet detected and those of the next ``dense_s`` seconds are all
    detected. The heads of people cut by the border, stretched out to it, stay blurred ``hold_s``
    before and after they are seen, so the first and last frames of someone walking in or out, which
    the detector scores low or misses, are covered too. For that, frames are held back until a
    detection ``hold_s`` later has run. Over-blurring is the safe failure.

    Args:
        detector: Its person boxes give the head regions (see :func:`privacy_detector_config`).
        every_s: Seconds between detections while nobody appears.
        hold_s: Seconds the heads of people cut by the border stay blurred (at least ``every_s``).
        dense_s: Seconds of detecting every frame after someone appears.
        appear_s: How far back a person box must meet no other to count as someone appearing.
        margin: Share of each head box's size added on each side.
    """

    def __init__(
        self,
        detector: Detector,
        *,
        every_s: float = DETECT_EVERY_S,
        hold_s: float = HOLD_S,
        dense_s: float = DENSE_S,
        appear_s: float = APPEAR_S,
        margin: float = HEAD_MARGIN,
    ):
        self.detector = detector
        self.every_s = every_s
        self.hold_s = max(hold_s, every_s)
        self.dense_s = dense_s
        self.appear_s = appear_s
        self.margin = margin
        self.detected_at: list[float] = []
        """Times of the frames run through the detector, in the order they were."""
        self._found: deque[_Found] = deque()
        self._next_t = float("-inf")
        self._dense_until = float("-inf")

    @property
    def detections(self) -> int:
        """How many frames were run through the detector."""
        return len(self.detected_at)

    def look(self, image: Image, t: float) -> _Found:
        """Detect people in one image and keep their head regions."""
        self.detected_at.append(t)
        dets = self.detector.detect_image(image)
        dets = dets[dets.class_id == PERSON]
        shape = (image.shape[0], image.shape[1])
        cut = np.asarray(cut_sides(dets.xyxy, shape).any(axis=1), dtype=np.bool_)
        found = _Found(
            t,
            np.round(dets.xyxy).astype(np.int32).reshape(-1, 4),
            head_regions(dets, shape, margin=self.margin),
            head_regions(dets[cut], shape, margin=self.margin, to_border=True),
        )
        bisect.insort(self._found, found, key=lambda f: f.t)
        return found

    def run(self, frames: Iterable[tuple[Image, float]]) -> Iterator[tuple[Image, float]]:
        """The frames, in order, with heads blurred."""
        pending: deque[_Pending] = deque()
        for image, t in frames:
            pending.append(_Pending(image, t))
            if t >= self._next_t - EPS_S or t <= self._dense_until + EPS_S:
                self._detect(pending)
            while pending and pending[0].t <= self._found[-1].t - self.hold_s + EPS_S:
                yield self._blurred(pending.popleft())
        if pending and not pending[-1].detected:
            self._detect(pending)
        while pending:
            yield self._blurred(pending.popleft())

    def _detect(self, pending: deque[_Pending]) -> None:
        """Detect the newest frame; when someone appears, also the frames not yet detected."""
        frame = pending[-1]
        seen = [f.people for f in self._found if f.t >= frame.t - self.appear_s - EPS_S]
        found = self.look(frame.image, frame.t)
        frame.detected = True
        self._next_t = frame.t + self.every_s
        if seen and _unmatched(found.people, np.concatenate(seen)):
            self._dense_until = frame.t + self.dense_s
            for earlier in pending:
                if not earlier.detected:
                    self.look(earlier.image, earlier.t)
                    earlier.detected = True

    def _blurred(self, frame: _Pending) -> tuple[Image, float]:
        """The frame with the regions of the detections around it blurred; forgets what is no longer needed."""
        t = frame.t
        while len(self._found) > 1 and self._found[1].t < t - max(self.hold_s, self.appear_s) - EPS_S:
            self._found.popleft()
        regions = [f.edge for f in self._found if abs(f.t - t) <= self.hold_s + EPS_S]
        regions += [f.heads for f in self._found if abs(f.t - t) <= EPS_S]
        before = [f for f in self._found if f.t < t - EPS_S][-1:]
        after = [f for f in self._found if f.t > t + EPS_S][:1]
        regions += [f.heads for f in before + after]
        if before and after and not frame.detected:
            regions.append(_spans(before[0].heads, after[0].heads))
        return blur_regions(frame.image, np.concatenate([np.zeros((0, 4), np.int32), *regions])), t


def _overlaps(a: NDArray[np.int32], b: NDArray[np.int32]) -> NDArray[np.bool_]:
    """``(len(a), len(b))``: whether each box of ``a`` intersects each box of ``b``."""
    a3, b3 = a[:, None, :], b[None, :, :]
    return (np.minimum(a3[..., 2], b3[..., 2]) > np.maximum(a3[..., 0], b3[..., 0])) & (
        np.minimum(a3[..., 3], b3[..., 3]) > np.maximum(a3[..., 1], b3[..., 1])
    )


def _unmatched(now: NDArray[np.int32], before: NDArray[np.int32]) -> bool:
    """Whether some person box now meets none of those found before: someone has appeared."""
    return bool(len(now)) and not _overlaps(now, before).any(axis=1).all()


def _spans(a: NDArray[np.int32], b: NDArray[np.int32]) -> NDArray[np.int32]:
    """For each head of ``a``, the box spanning it and the nearest head of ``b``, if within two head sizes."""
    if not len(a) or not len(b):
        return np.zeros((0, 4), np.int32)
    centre_a = (a[:, :2] + a[:, 2:]) / 2
    centre_b = (b[:, :2] + b[:, 2:]) / 2
    distance = np.linalg.norm(centre_a[:, None] - centre_b[None], axis=2)
    nearest = distance.argmin(axis=1)
    size = np.maximum((a[:, 2:] - a[:, :2]).max(axis=1), (b[nearest, 2:] - b[nearest, :2]).max(axis=1))
    keep = distance[np.arange(len(a)), nearest] <= 2 * size
    pair = b[nearest]
    spans = np.concatenate([np.minimum(a[:, :2], pair[:, :2]), np.maximum(a[:, 2:], pair[:, 2:])], axis=1)
    return np.asarray(spans[keep], dtype=np.int32).reshape(-1, 4)
