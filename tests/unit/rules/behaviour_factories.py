"""Factories for the behaviour-rule tests: scripted boxes that change shape, with optional jitter.

:class:`factories.Track` moves a fixed-size box; falls and vehicles need boxes whose shape changes,
so a :class:`BoxTrack` interpolates whole boxes ``(t, x1, y1, x2, y2)`` between key frames. The test
camera is the one of :mod:`factories` (1000 x 1000 px).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from camsight.core.detections import Detections

from .factories import make_detections

Key = tuple[float, float, float, float, float]


@dataclass(frozen=True)
class BoxTrack:
    """A scripted track of whole boxes, linearly interpolated between keys ``(t, x1, y1, x2, y2)``.

    It is seen from its first key time to its last, except during ``gaps`` (``(t0, t1)``, inclusive).
    """

    track_id: int
    keys: Sequence[Key]
    class_id: int = 0
    confidence: float = 0.9
    gaps: Sequence[tuple[float, float]] = ()

    def at(self, t: float) -> tuple[float, float, float, float] | None:
        """The box at time ``t``, or ``None`` when the track is not seen."""
        ts = [k[0] for k in self.keys]
        eps = 1e-9
        if t < ts[0] - eps or t > ts[-1] + eps or any(a - eps <= t <= b + eps for a, b in self.gaps):
            return None
        x1, y1, x2, y2 = (float(np.interp(t, ts, [k[i] for k in self.keys])) for i in range(1, 5))
        return x1, y1, x2, y2


def person(x: float, feet: float, height: float, width: float) -> tuple[float, float, float, float]:
    """A box centred on ``x`` with its bottom (the feet) at ``feet``."""
    return x - width / 2, feet - height, x + width / 2, feet


def key(t: float, box: tuple[float, float, float, float]) -> Key:
    """A key frame from a time and a box."""
    return (t, *box)


def box_timeline(
    tracks: Iterable[BoxTrack], until: float, fps: float = 5.0, jitter: float = 0.0, seed: int = 0
) -> list[tuple[float, Detections]]:
    """Frames ``(t, detections)`` at ``fps`` from 0 to ``until`` with every visible box.

    ``jitter`` adds Gaussian noise of that many pixels (standard deviation) to every box edge.
    """
    rng = np.random.default_rng(seed)
    tracks = list(tracks)
    frames = []
    for i in range(round(until * fps) + 1):
        t = i / fps
        seen = [(tr, box) for tr in tracks if (box := tr.at(t)) is not None]
        boxes = np.array([box for _, box in seen], dtype=np.float64).reshape(-1, 4)
        if jitter:
            boxes = boxes + rng.normal(0.0, jitter, boxes.shape)
        frames.append(
            (
                t,
                make_detections(
                    xyxy=boxes,
                    tracker_id=[tr.track_id for tr, _ in seen],
                    class_id=[tr.class_id for tr, _ in seen],
                    confidence=[tr.confidence for tr, _ in seen],
                ),
            )
        )
    return frames
