"""Posture of a person from the geometry of its box: standing, sitting or lying.

No model: a detector box already says a lot. With ``aspect`` = box height / box width and, when
the caller knows it, ``ratio`` = box height / the same person's upright height (e.g. the tallest
recent box of the track, which absorbs the camera's perspective):

* **lying**: ``aspect <= LYING_ASPECT`` (0.8: the box is clearly wider than tall), or
  ``aspect <= LOW_ASPECT`` (1.0) and ``ratio <= LYING_RATIO`` (0.55: at most about half the
  person's upright height);
* **standing**: ``aspect >= STANDING_ASPECT`` (1.9), unless ``ratio <= SITTING_RATIO`` (0.75:
  a tall narrow box well below the person's own upright height is someone seated);
* **sitting**: everything between, which also covers crouching and bending over;
* **unknown**: a degenerate box (under ``MIN_SIDE_PX`` on a side).

:func:`bounded_posture` also knows the frame: a box cut by its border keeps only the posture the cut
cannot have made (``standing`` when cut at the top or bottom, unless the person's upright height is
known; ``lying`` when cut at a side).

Typical boxes: a standing adult seen from the side or at an angle has an aspect of 2.2-3.5, a person
seated on a chair 1.2-2.3, one lying on the floor 0.3-0.8. The geometry assumes a side or oblique
view; from straight above every posture looks roughly square and the result means little.

The confidence (0.5..1) grows with the distance of the aspect from the nearest threshold, so a
box right at a boundary scores 0.5.

Example:
    >>> classify_posture((100, 50, 160, 230))
    ('standing', 1.0)
    >>> classify_posture((100, 200, 300, 260))[0]
    'lying'
    >>> classify_posture((100, 120, 180, 230), upright_height=200)[0]
    'sitting'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from camsight.core.detections import PERSON, Detections
from camsight.core.records import Posture
from camsight.perception.pose import PoseEstimator
from camsight.perception.privacy import cut_sides
from camsight.perception.tracklog import crop_box

LYING_ASPECT = 0.8
"""Boxes at most this tall for their width are lying, whatever the person's height."""

LOW_ASPECT = 1.0
"""Boxes at most this tall for their width are lying when also at most ``LYING_RATIO`` of upright."""

LYING_RATIO = 0.55
"""Share of the person's upright height at or below which a low box is lying."""

STANDING_ASPECT = 1.9
"""Boxes at least this tall for their width are standing (unless clearly shorter than upright)."""

SITTING_RATIO = 0.75
"""Share of the person's upright height at or below which a tall box is someone seated."""

UPRIGHT_ASPECT = 1.4
"""Boxes at least this tall for their width are upright (standing, or seated with the torso up)."""

MIN_SIDE_PX = 2.0
"""Boxes narrower or lower than this many pixels have no posture."""

_SPAN = 0.5  # aspect distance from a threshold at which the confidence reaches 1


def _confidence(margin: float) -> float:
    return round(0.5 + 0.5 * min(1.0, max(0.0, margin) / _SPAN), 3)


def classify_posture(
    box_xyxy: Sequence[float] | NDArray[np.floating], *, upright_height: float | None = None
) -> tuple[Posture, float]:
    """The posture of one person's box, with a confidence 0.5..1 (see the module docstring).

    Args:
        box_xyxy: ``x1, y1, x2, y2`` in pixels.
        upright_height: The same person's upright box height in pixels, if known.

    Returns:
        ``(posture, confidence)``; ``("unknown", 0.0)`` for a degenerate box.
    """
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    width, height = x2 - x1, y2 - y1
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        return "unknown", 0.0
    aspect = height / width
    ratio = height / upright_height if upright_height else None
    if aspect <= LYING_ASPECT:
        return "lying", _confidence(LYING_ASPECT - aspect + 0.1)
    if aspect <= LOW_ASPECT and ratio is not None and ratio <= LYING_RATIO:
        return "lying", _confidence(min(LOW_ASPECT - aspect, LYING_RATIO - ratio))
    if aspect >= STANDING_ASPECT and (ratio is None or ratio > SITTING_RATIO):
        return "standing", _confidence(aspect - STANDING_ASPECT + 0.1)
    if aspect >= STANDING_ASPECT:  # tall and narrow, but well below the person's upright height: seated
        return "sitting", _confidence(SITTING_RATIO - (ratio or 0.0))
    return "sitting", _confidence(min(aspect - LYING_ASPECT, STANDING_ASPECT - aspect))


BORDER_SHARE = 0.015
"""A box side within this share of the frame's width or height (or :data:`BORDER_MIN_PX`) of its edge is cut by it.

Detectors stop a few pixels short of the edge (letterboxing, box regression), so "touching" needs a margin."""

BORDER_MIN_PX = 4.0
"""... and never less than this many pixels."""


def cut_edges(box_xyxy: Sequence[float] | NDArray[np.floating], frame_size: tuple[int, int]) -> frozenset[str]:
    """The edges of the frame ``(width, height)`` that cut the box: some of ``top``, ``bottom``, ``left``, ``right``."""
    width, height = frame_size
    cut = cut_sides(np.asarray(box_xyxy), (height, width), border=BORDER_SHARE, min_px=BORDER_MIN_PX)[0]
    return frozenset(edge for edge, at in zip(("left", "top", "right", "bottom"), cut, strict=True) if at)


def bounded_posture(
    box_xyxy: Sequence[float] | NDArray[np.floating],
    frame_size: tuple[int, int] | None,
    *,
    upright_height: float | None = None,
) -> tuple[Posture, float]:
    """:func:`classify_posture`, keeping only what a box cut by the frame's border still shows.

    A box cut at the top or bottom is at least as tall as seen, so its aspect is a lower bound:
    ``standing`` still holds; ``sitting`` and ``lying`` hold only when the same person's
    ``upright_height`` is known (a track that was upright moments ago and whose head has come down:
    someone falling at the bottom of the picture), never from the box alone (a head-and-shoulders
    portrait is as wide as someone seated or lying). A box cut at the left or right is at least as
    wide as seen, so its aspect is an upper bound: only ``lying`` holds. Cut both ways, or any other
    case: ``("unknown", 0.0)``. ``frame_size`` ``None``: the box is taken as whole.
    """
    posture, confidence = classify_posture(box_xyxy, upright_height=upright_height)
    if frame_size is None:
        return posture, confidence
    edges = cut_edges(box_xyxy, frame_size)
    tall_cut, wide_cut = bool(edges & {"top", "bottom"}), bool(edges & {"left", "right"})
    if not (tall_cut or wide_cut):
        return posture, confidence
    if tall_cut and wide_cut:
        return "unknown", 0.0
    if tall_cut and upright_height:
        return posture, confidence
    keep = "standing" if tall_cut else "lying"
    return (posture, confidence) if posture == keep else ("unknown", 0.0)


def classify_postures(
    dets: Detections, upright_heights: ArrayLike | None = None
) -> tuple[list[Posture], NDArray[np.float32]]:
    """Postures of every box in ``dets`` (classes are not checked: pass people).

    Args:
        dets: Detections (not modified).
        upright_heights: Per-box upright height in pixels (``nan`` or 0 where unknown), or ``None``.

    Returns:
        One posture per box and a float32 array of confidences.
    """
    ups = np.full(len(dets), np.nan) if upright_heights is None else np.asarray(upright_heights, dtype=np.float64)
    results = [
        classify_posture(box, upright_height=float(up) if np.isfinite(up) and up > 0 else None)
        for box, up in zip(dets.xyxy, ups, strict=True)
    ]
    return [p for p, _ in results], np.array([c for _, c in results], dtype=np.float32)


def aspect_of(box_xyxy: Sequence[float] | NDArray[np.floating]) -> float:
    """Box height / width (``inf`` for a zero-width box)."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    width = x2 - x1
    return (y2 - y1) / width if width > 0 else float("inf")


def is_upright(box_xyxy: Sequence[float] | NDArray[np.floating]) -> bool:
    """Whether the box is upright: standing, or seated with the torso up (aspect >= ``UPRIGHT_ASPECT``)."""
    return aspect_of(box_xyxy) >= UPRIGHT_ASPECT


# --- Posture from pose (issue 13): for the cases boxes miss -------------------------------------------

POSE_LYING_ANGLE = 60.0
"""A torso (hips → shoulders) at least this many degrees from vertical is lying, if the hips are low too."""
POSE_HIP_SHARE = 0.3
"""... with the hips at most this share of the person's upright height above the lowest point of the box."""
POSE_EVERY_S = 0.4
"""Seconds between pose readings of one track."""


@dataclass(frozen=True, slots=True)
class PoseReading:
    """What pose says about one person in one frame: geometry only (frame pixels), no landmark kept.

    Attributes:
        t: Source time of the frame.
        torso_angle_deg: Hips → shoulders from straight up (0 upright, 90 horizontal).
        hip_y: Height of the hips' midpoint.
        head_y: Top of the head box.
    """

    t: float
    torso_angle_deg: float
    hip_y: float
    head_y: float


def pose_lying(reading: PoseReading, box: Sequence[float], upright_height: float | None) -> bool:
    """Whether pose shows the person lying: torso near horizontal *and* hips low (not bending over).

    Bending over tilts the torso as much, but leaves the hips about half the person's upright height
    above the feet; crouching and sitting keep the torso upright. ``upright_height`` (the person's own
    upright box height) is needed: without it this says no.
    """
    if not upright_height:
        return False
    hip_height = (float(box[3]) - reading.hip_y) / upright_height
    return reading.torso_angle_deg >= POSE_LYING_ANGLE and hip_height <= POSE_HIP_SHARE


class PosePostures:
    """Pose readings for the people of each frame that may be going down (perception's side; rules get readings).

    People whose box is clearly standing (aspect ≥ :data:`STANDING_ASPECT`) are skipped, as are tracks read
    in the last ``every_s`` seconds, so a room of people standing costs nothing and someone sitting costs
    one pose call per ``every_s``.

    Args:
        estimator: The pose model.
        every_s: Seconds between readings of one track.
    """

    def __init__(self, estimator: PoseEstimator, *, every_s: float = POSE_EVERY_S) -> None:
        self.estimator = estimator
        self.every_s = every_s
        self._last: dict[int, float] = {}

    def observe(self, image: NDArray[np.uint8], dets: Detections, now: float) -> dict[int, PoseReading]:
        """Readings ``{tracker id: reading}`` for this frame's tracked people that needed one."""
        out: dict[int, PoseReading] = {}
        people = dets[(dets.class_id == PERSON) & dets.tracked]
        for box, tid in zip(people.xyxy, people.tracker_id, strict=True):
            track = int(tid)
            if aspect_of(box) >= STANDING_ASPECT or now - self._last.get(track, -math.inf) < self.every_s - 1e-6:
                continue
            self._last[track] = now
            crop, inner = crop_box(image, (float(box[0]), float(box[1]), float(box[2]), float(box[3])), pad=0.15)
            parts = self.estimator.estimate(crop, inner, longer_side=True)
            if parts is None:
                continue
            dy = float(box[1]) - inner[1]
            out[track] = PoseReading(now, parts.torso_angle_deg, parts.hip_y + dy, parts.head[1] + dy)
        if len(self._last) > 256:
            self._last = {k: v for k, v in self._last.items() if now - v < 60.0}
        return out
