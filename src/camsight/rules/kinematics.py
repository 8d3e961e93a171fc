"""Per-track motion helpers for the behaviour rules: recent sightings, smoothed velocity, speed.

Detector boxes jitter by a few pixels from frame to frame, so a speed taken from two consecutive
frames is mostly noise at 5 fps. :meth:`TrackPath.velocity` fits a straight line (least squares) to
the box centres over a short window instead; :meth:`TrackPath.speed_heights` divides it by the
median box height over the same window, giving a speed in the object's own heights per second that
does not depend on how far the object is from the camera.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from camsight.core.detections import Detections
from camsight.core.geometry import Polygon

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Sighting:
    """One tracked box at one time.

    Attributes:
        t: Source time, seconds.
        box: ``x1, y1, x2, y2`` in pixels.
        confidence: Detection score, 0..1.
        class_id: COCO class id.
        inside: Whether the anchor (bottom-centre) is in the rule's zone (always true without one).
    """

    t: float
    box: Box
    confidence: float
    class_id: int
    inside: bool = True

    @property
    def center(self) -> tuple[float, float]:
        """Box centre, pixels."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def anchor(self) -> tuple[float, float]:
        """Bottom-centre (feet, wheels), pixels."""
        return (self.box[0] + self.box[2]) / 2, self.box[3]

    @property
    def width(self) -> float:
        """Box width, pixels."""
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        """Box height, pixels."""
        return self.box[3] - self.box[1]

    def touches_border(self, width: int, height: int, margin: float = 2.0) -> bool:
        """Whether the box touches the image border (so it may be cut off and its size unreliable)."""
        x1, y1, x2, y2 = self.box
        return x1 <= margin or y1 <= margin or x2 >= width - margin or y2 >= height - margin


def sightings(dets: Detections, classes: frozenset[int], zone: Polygon | None, now: float) -> dict[int, Sighting]:
    """The tracked boxes of the given classes in one frame, by track id (untracked boxes are ignored)."""
    keep = dets.tracked & dets.is_class(classes)
    if not keep.any():
        return {}
    sel = dets[keep]
    inside = np.ones(len(sel), dtype=bool) if zone is None else zone.contains(sel.anchors)
    return {
        int(sel.tracker_id[i]): Sighting(
            t=now,
            box=(float(sel.xyxy[i, 0]), float(sel.xyxy[i, 1]), float(sel.xyxy[i, 2]), float(sel.xyxy[i, 3])),
            confidence=float(sel.confidence[i]),
            class_id=int(sel.class_id[i]),
            inside=bool(inside[i]),
        )
        for i in range(len(sel))
    }


class TrackPath:
    """The recent sightings of one track, oldest first, kept for ``keep_s`` seconds.

    Args:
        keep_s: Sightings older than this (relative to the newest) are dropped.
    """

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self.items: deque[Sighting] = deque()

    def add(self, sighting: Sighting) -> None:
        """Append the newest sighting and drop the ones too old to keep."""
        self.items.append(sighting)
        while self.items and self.items[0].t < sighting.t - self.keep_s:
            self.items.popleft()

    @property
    def last(self) -> Sighting:
        """The newest sighting (the path is never empty once created through :meth:`add`)."""
        return self.items[-1]

    def window(self, now: float, span_s: float) -> list[Sighting]:
        """Sightings in ``[now - span_s, now]``."""
        return [s for s in self.items if now - span_s - 1e-9 <= s.t <= now + 1e-9]

    def velocity(self, now: float, span_s: float, min_points: int = 3) -> tuple[float, float] | None:
        """Least-squares velocity of the box centre over the window, pixels per second.

        Returns ``None`` with fewer than ``min_points`` sightings or when they cover under half the span.
        """
        pts = self.window(now, span_s)
        if len(pts) < min_points or pts[-1].t - pts[0].t < span_s / 2:
            return None
        t = np.array([s.t for s in pts])
        xy = np.array([s.center for s in pts])
        tc = t - t.mean()
        denom = float(tc @ tc)
        if denom <= 0:
            return None
        slope = (tc @ (xy - xy.mean(axis=0))) / denom
        return float(slope[0]), float(slope[1])

    def median_height(self, now: float, span_s: float) -> float:
        """Median box height over the window (0 when empty)."""
        pts = self.window(now, span_s)
        return float(np.median([s.height for s in pts])) if pts else 0.0

    def speed_heights(self, now: float, span_s: float) -> float | None:
        """Speed over the window in the object's own box heights per second, or ``None`` when unknown."""
        v = self.velocity(now, span_s)
        height = self.median_height(now, span_s)
        if v is None or height <= 0:
            return None
        return math.hypot(*v) / height
