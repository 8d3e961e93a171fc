"""The motion gate: run the detector only when something moves, is tracked, or is due a keyframe.

Each frame is shrunk to ``WORK_WIDTH`` (160) pixels wide, turned grey and blurred (5x5 Gaussian), then
compared with a running-average background. A pixel moves when it differs from the background by more
than ``MotionConfig.pixel_delta`` grey levels; the frame moves when the moving share of pixels is at
least ``MotionConfig.min_area`` (default 0.2% of the image: about 29 of the 160x90 pixels of a 16:9
frame).

The background follows the scene with a time constant of ``BACKGROUND_TAU_S`` (2 s): each frame is
blended in with weight ``1 - exp(-dt / tau)`` where ``dt`` is the time since the previous frame. So the
gate behaves the same at 2 or 30 fps, a slow light change is absorbed within a few seconds, and a
person who stops fades into the background (by then the tracker holds them, and ``tracking`` keeps the
detector running).

The detector runs when: it is the first frame (or the resolution changed), enough pixels move, the
caller is tracking something, or ``keyframe_s`` passed since the detector last ran. With the gate
disabled it always runs.

When the caller passes the boxes it currently tracks, motion *inside* those boxes (grown by
``BOX_GROWTH`` on each side) does not count: a person fidgeting at a counter does not need a new
detection every frame. Then the detector runs when enough pixels move away from every tracked box
(outside the boxes grown by ``NEAR_GROWTH``: something new has appeared), at most every
``NEAR_MOTION_STRIDE_S`` when the motion is only in the tracked objects' neighbourhood (they are
walking; at most every ``MotionConfig.stable_stride_s`` when the caller says every track is stable),
or when ``MotionConfig.track_refresh_s`` passed since it last ran. In between, the caller
keeps the tracked boxes where they were.

Example:
    >>> from camsight.config import MotionConfig
    >>> gate = MotionGate(MotionConfig())
    >>> result = gate.gate(frame, tracking=False, now=frame.pts_s)  # doctest: +SKIP
    >>> result.run_detector, result.reason  # doctest: +SKIP
    (True, 'first')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.config.models import MotionConfig
from camsight.core.frame import Frame
from camsight.perception.blobs import compensated_mask, mask_boxes

WORK_WIDTH = 160
"""Width the frame is shrunk to before differencing, pixels."""

BLUR_KERNEL = (5, 5)
"""Gaussian blur applied to the small grey frame (suppresses compression noise)."""

BACKGROUND_TAU_S = 2.0
"""Time constant of the running-average background, seconds."""

BOX_GROWTH = 0.1
"""Share of a tracked box's width/height added on each side before masking its motion out."""

NEAR_GROWTH = 0.6
"""Motion within a tracked box grown by this share on each side is taken as that object moving."""

NEAR_MOTION_STRIDE_S = 0.4
"""When only tracked objects move (in their neighbourhood), detect at most this often, seconds."""

MIN_ALPHA, MAX_ALPHA = 0.02, 0.5
"""Bounds of the per-frame background weight (for very high frame rates and long gaps)."""

Reason = Literal["first", "motion", "tracking", "keyframe", "still", "disabled"]


@dataclass(frozen=True, slots=True)
class MotionResult:
    """The gate's decision for one frame.

    Attributes:
        run_detector: Whether to run the detector on this frame.
        moving_share: Share of pixels (0..1) that differ from the background by more than ``pixel_delta``.
        reason: Why: ``first`` (first frame or new resolution), ``motion``, ``tracking``, ``keyframe``,
            ``still`` (detector skipped) or ``disabled`` (gate off, detector always runs).
    """

    run_detector: bool
    moving_share: float
    reason: Reason


class MotionGate:
    """Decides, frame by frame, whether the detector needs to run.

    Args:
        config: Gate thresholds.
    """

    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self._background: NDArray[np.float32] | None = None
        self._shape: tuple[int, int] | None = None
        self._last_now: float | None = None
        self._last_run: float | None = None
        self._last_small: NDArray[np.uint8] | None = None
        self._last_moving: NDArray[np.bool_] | None = None
        self._last_pair: tuple[NDArray[np.uint8], NDArray[np.float32]] | None = None
        self._width = 0

    @property
    def last_moving_mask(self) -> NDArray[np.bool_] | None:
        """The moving mask of the last gated frame (small-frame pixels), or ``None`` if none was computed."""
        return self._last_moving

    def moving_boxes(self, min_area: float) -> NDArray[np.float32]:
        """Full-frame pixel boxes of the large moving blobs of the last gated frame.

        The mask is the last frame against the background before it was blended in, with the camera's
        exposure change compensated (:func:`camsight.perception.blobs.compensated_mask`): a white car
        entering the view can darken the whole image by half, which the gate's own mask takes as motion
        everywhere.

        Args:
            min_area: Smallest blob kept, as a share (0..1) of the image.

        Returns:
            ``(N, 4)`` float32 boxes (see :func:`camsight.perception.blobs.mask_boxes`); none when the
            last frame computed no mask (gate disabled, first frame).
        """
        if self._last_pair is None:
            return np.zeros((0, 4), np.float32)
        small, background = self._last_pair
        mask = compensated_mask(small, background, self.config.pixel_delta)
        return mask_boxes(mask, min_area=min_area, scale=self._width / mask.shape[1])

    def reset(self) -> None:
        """Forget the background and the timers (e.g. after a reconnect)."""
        self._background = None
        self._shape = None
        self._last_now = None
        self._last_run = None
        self._last_moving = self._last_pair = None

    def gate(
        self,
        frame: Frame,
        *,
        tracking: bool,
        now: float,
        boxes: NDArray[np.float32] | None = None,
        stable: bool = False,
    ) -> MotionResult:
        """Decide whether to run the detector on ``frame``.

        Args:
            frame: The frame.
            tracking: Whether the tracker holds a live track (``Tracker.active``).
            now: Monotonic time of the frame in seconds (e.g. ``frame.pts_s``).
            boxes: ``(N, 4)`` pixel boxes of the objects tracked in the previous frame, if any; their
                own motion is then ignored (see the module docstring).
            stable: Every track is stable (the caller's rule): motion only near the tracked objects
                then re-detects at most every ``MotionConfig.stable_stride_s`` instead of
                ``NEAR_MOTION_STRIDE_S``.

        Returns:
            The decision, the moving share and the reason.
        """
        self._last_moving = self._last_pair = None
        if not self.config.enabled:
            return MotionResult(True, 0.0, "disabled")
        small = _prepare(frame.image)
        shape = (frame.height, frame.width)
        if self._background is None or self._shape != shape:
            self._start(small, shape, now)
            return MotionResult(True, 0.0, "first")
        self._last_small = small
        moving = self._moving(small)
        assert self._background is not None
        self._last_moving, self._width = moving, frame.width
        self._last_pair = (small, self._background.copy())
        share = float(np.count_nonzero(moving)) / moving.size
        self._blend(small, now)
        if boxes is not None and len(boxes):
            outside = _outside_share(moving, boxes, frame.width, BOX_GROWTH)
            far = _outside_share(moving, boxes, frame.width, NEAR_GROWTH) if outside >= self.config.min_area else 0.0
            stride = max(NEAR_MOTION_STRIDE_S, self.config.stable_stride_s) if stable else NEAR_MOTION_STRIDE_S
            reason = self._held_reason(outside, far, now, stride)
        else:
            reason = self._reason(share, tracking, now)
        run = reason != "still"
        if run:
            self._last_run = now
        return MotionResult(run, share, reason)

    def absorb(self) -> None:
        """Take the last frame as the background: the detector just found nothing in it.

        Without this, the place a person left keeps "moving" for a few seconds while the running
        average forgets them, and the detector runs for nothing.
        """
        if self._last_small is not None and self._background is not None:
            self._background = self._last_small.astype(np.float32)

    def _start(self, small: NDArray[np.uint8], shape: tuple[int, int], now: float) -> None:
        self._background = small.astype(np.float32)
        self._shape = shape
        self._last_now = self._last_run = now

    def _moving(self, small: NDArray[np.uint8]) -> NDArray[np.bool_]:
        assert self._background is not None
        diff = cv2.absdiff(small.astype(np.float32), self._background)
        moving: NDArray[np.bool_] = diff > self.config.pixel_delta
        return moving

    def _held_reason(self, outside_share: float, far_share: float, now: float, stride: float) -> Reason:
        elapsed = now - (self._last_run if self._last_run is not None else now)
        if far_share >= self.config.min_area or elapsed < 0:
            return "motion"
        if outside_share >= self.config.min_area and elapsed >= stride - 1e-6:
            return "motion"
        if elapsed >= min(self.config.track_refresh_s, self.config.keyframe_s or math.inf):
            return "tracking"
        return "still"

    def _blend(self, small: NDArray[np.uint8], now: float) -> None:
        assert self._background is not None
        assert self._last_now is not None
        dt = now - self._last_now
        alpha = 1.0 - math.exp(-max(dt, 0.0) / BACKGROUND_TAU_S)
        cv2.accumulateWeighted(small, self._background, min(max(alpha, MIN_ALPHA), MAX_ALPHA))
        self._last_now = now

    def _reason(self, share: float, tracking: bool, now: float) -> Reason:
        if share >= self.config.min_area:
            return "motion"
        elapsed = now - (self._last_run if self._last_run is not None else now)
        if tracking and (elapsed < 0 or elapsed >= NEAR_MOTION_STRIDE_S - 1e-6):
            return "tracking"  # tracks lost from view: look for them again, at a reduced rate
        if elapsed < 0 or elapsed >= self.config.keyframe_s:
            return "keyframe"
        return "still"


def _prepare(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Small, grey, blurred copy of a BGR (or grey) image."""
    h, w = image.shape[:2]
    size = (WORK_WIDTH, max(1, round(h * WORK_WIDTH / w)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if small.ndim == 3:
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.GaussianBlur(small, BLUR_KERNEL, 0), dtype=np.uint8)


def _outside_share(moving: NDArray[np.bool_], boxes: NDArray[np.float32], width: int, growth: float) -> float:
    """Share of all pixels that move outside the boxes grown by ``growth``; boxes are in full-frame pixels."""
    scale = moving.shape[1] / width
    outside = moving.copy()
    h, w = moving.shape
    for x1, y1, x2, y2 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        gx, gy = growth * (x2 - x1), growth * (y2 - y1)
        c1, r1 = max(0, int((x1 - gx) * scale)), max(0, int((y1 - gy) * scale))
        c2, r2 = min(w, int(math.ceil((x2 + gx) * scale))), min(h, int(math.ceil((y2 + gy) * scale)))
        outside[r1:r2, c1:c2] = False
    return float(np.count_nonzero(outside)) / outside.size
