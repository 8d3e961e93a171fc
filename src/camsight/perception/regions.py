"""Region detection's geometry: where in a frame to look, and how to put what was found there back.

Frigate's idea: instead of shrinking the whole frame into the detector's input, crop a few squares
around what moves and what is tracked and run the detector on those, at their own pixels. A small,
far person then keeps every pixel the camera gave them, and a quiet scene costs a fraction of a
full-frame pass.

1. :func:`square_around`: each box of interest (a motion blob; a tracked or just-detected object's
   box, moved by its velocity to where it should be now) is grown by ``margin`` of its size on each
   side and becomes the smallest square of at least ``min_side`` pixels (a multiple of ``STEP``) centred
   on it, shifted to lie inside the frame (cut to the frame where the frame is narrower than the side).
2. :func:`merge_regions`: squares that overlap are replaced by the square around both, until none do,
   so one object never sits on a seam between two crops it half fills.
3. :func:`plan_regions`: the squares, each with the input side it is run at
   (:meth:`Region.input_side`: a region at the smallest side keeps its own pixels, a larger one is
   shrunk towards the full-frame pass's scale, never below it, never above the detector's input
   size), or ``None`` (run the detector on the full frame) when they would cost at least
   ``max_cost`` of a full-frame pass in input pixels.
4. :func:`inner_edge_boxes`: a box that touches a crop edge inside the frame is cut by the crop; the
   object it belongs to has (or will get, at the next full-frame pass) a region of its own, so such
   boxes are dropped before the regions' boxes are merged.

Example:
    >>> import numpy as np
    >>> boxes = np.array([[100, 100, 140, 180], [130, 120, 170, 200]], np.float32)
    >>> plan_regions(boxes, 1920, 1080, input_size=640, min_side=320, margin=0.25, max_cost=0.8)
    [Region(x1=0, y1=0, x2=320, y2=320, side_in=320)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

STEP = 32
"""Region sides are multiples of this (the detector's largest stride)."""

EDGE_PX = 2.0
"""A box within this many pixels of a crop's inner edge is taken as cut by it."""


@dataclass(frozen=True, slots=True)
class Region:
    """An axis-aligned crop of the frame, in full-frame pixels (``x2``, ``y2`` exclusive).

    ``side_in`` is the side of the square detector input it is run at (set by :func:`plan_regions`;
    0 until planned).
    """

    x1: int
    y1: int
    x2: int
    y2: int
    side_in: int = 0

    @property
    def width(self) -> int:
        """Width, px."""
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        """Height, px."""
        return self.y2 - self.y1

    def input_side(self, input_size: int, *, min_side: int = 0, full_scale: float = 1.0) -> int:
        """Side of the square detector input this region is run at, a multiple of ``STEP``.

        The region is scaled by ``max(full_scale, min(1, min_side / side))``: a small region (one at
        ``min_side``) keeps its own pixels, a larger one is shrunk down to the scale of a full-frame
        pass (``full_scale``) but never below it, so an object never gets fewer pixels in its region
        than the full frame gives it. At most ``input_size``.
        """
        side = max(self.width, self.height)
        scale = max(full_scale, min(1.0, min_side / side)) if min_side else 1.0
        return min(input_size, _round_up(side * scale))

    def overlaps(self, other: Region) -> bool:
        """Whether the two regions share any pixel."""
        return self.x1 < other.x2 and other.x1 < self.x2 and self.y1 < other.y2 and other.y1 < self.y2


def _round_up(value: float) -> int:
    return max(STEP, int(math.ceil(value / STEP)) * STEP)


def _place(start: float, side: int, limit: int) -> tuple[int, int]:
    """An interval of length ``side`` starting near ``start``, shifted to lie in ``[0, limit)``."""
    if side >= limit:
        return 0, limit
    lo = min(max(0, int(round(start))), limit - side)
    return lo, lo + side


def square_around(
    box: Sequence[float] | NDArray[np.floating], frame_w: int, frame_h: int, *, min_side: int, margin: float
) -> Region:
    """The square region around ``box`` grown by ``margin`` on each side, at least ``min_side``, in the frame."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    side = _round_up(max(min_side, max(w, h) * (1 + 2 * margin)))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    rx1, rx2 = _place(cx - side / 2, side, frame_w)
    ry1, ry2 = _place(cy - side / 2, side, frame_h)
    return Region(rx1, ry1, rx2, ry2)


def _union(a: Region, b: Region, frame_w: int, frame_h: int) -> Region:
    x1, y1 = min(a.x1, b.x1), min(a.y1, b.y1)
    x2, y2 = max(a.x2, b.x2), max(a.y2, b.y2)
    side = _round_up(max(x2 - x1, y2 - y1))
    rx1, rx2 = _place((x1 + x2) / 2 - side / 2, side, frame_w)
    ry1, ry2 = _place((y1 + y2) / 2 - side / 2, side, frame_h)
    return Region(rx1, ry1, rx2, ry2)


def merge_regions(regions: Sequence[Region], frame_w: int, frame_h: int) -> list[Region]:
    """Replace overlapping regions by the square around both, until no two overlap; sorted top-left first."""
    out = list(regions)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                if out[i].overlaps(out[j]):
                    out[i] = _union(out[i], out[j], frame_w, frame_h)
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(set(out), key=lambda r: (r.y1, r.x1, r.y2, r.x2))


def full_frame_scale(frame_w: int, frame_h: int, input_size: int) -> float:
    """Input pixels per frame pixel of a full-frame pass (the frame letterboxed into ``input_size``)."""
    return min(input_size / frame_w, input_size / frame_h)


def full_frame_cost(frame_w: int, frame_h: int, input_size: int) -> int:
    """Input pixels of a full-frame pass (letterboxed to ``input_size``, short side padded to ``STEP``)."""
    ratio = full_frame_scale(frame_w, frame_h, input_size)
    return _round_up(frame_w * ratio) * _round_up(frame_h * ratio)


def regions_cost(regions: Sequence[Region]) -> int:
    """Input pixels of running the detector on each planned region."""
    return sum(r.side_in**2 for r in regions)


def plan_regions(
    boxes: NDArray[np.floating],
    frame_w: int,
    frame_h: int,
    *,
    input_size: int,
    min_side: int,
    margin: float,
    max_cost: float,
) -> list[Region] | None:
    """The regions to run the detector on, or ``None`` for a full-frame pass.

    Args:
        boxes: ``(N, 4)`` full-frame boxes of interest (motion blobs, predicted track boxes).
        frame_w: Frame width, px.
        frame_h: Frame height, px.
        input_size: The detector's input side, px.
        min_side: Smallest region side, px.
        margin: Share of a box's size added on each side before squaring.
        max_cost: Regions costing at least this share of a full-frame pass (input pixels) are not worth it.

    Returns:
        Non-overlapping regions (empty when there are no boxes), or ``None``.
    """
    squares = [
        square_around(b, frame_w, frame_h, min_side=min_side, margin=margin) for b in np.asarray(boxes).reshape(-1, 4)
    ]
    scale = full_frame_scale(frame_w, frame_h, input_size)
    regions = [
        replace(r, side_in=r.input_side(input_size, min_side=min_side, full_scale=scale))
        for r in merge_regions(squares, frame_w, frame_h)
    ]
    if regions_cost(regions) >= max_cost * full_frame_cost(frame_w, frame_h, input_size):
        return None
    return regions


def inner_edge_boxes(
    xyxy: NDArray[np.floating], region: Region, frame_w: int, frame_h: int, edge_px: float = EDGE_PX
) -> NDArray[np.bool_]:
    """Which full-frame boxes found in ``region`` touch one of its edges that is not a frame edge."""
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    cut = np.zeros(len(b), dtype=bool)
    if region.x1 > 0:
        cut |= b[:, 0] <= region.x1 + edge_px
    if region.y1 > 0:
        cut |= b[:, 1] <= region.y1 + edge_px
    if region.x2 < frame_w:
        cut |= b[:, 2] >= region.x2 - edge_px
    if region.y2 < frame_h:
        cut |= b[:, 3] >= region.y2 - edge_px
    return cut


def inside(box: NDArray[np.floating], region: Region) -> bool:
    """Whether ``box`` lies wholly inside ``region``."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return region.x1 <= x1 and region.y1 <= y1 and x2 <= region.x2 and y2 <= region.y2


def predict_boxes(
    boxes: NDArray[np.floating], velocity: NDArray[np.floating], dt: float, max_dt: float = 1.0
) -> NDArray[np.float32]:
    """Boxes moved by ``velocity`` (px/s per box, ``(N, 2)``) over ``dt`` seconds (at most ``max_dt``)."""
    b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4).copy()
    v = np.asarray(velocity, dtype=np.float32).reshape(-1, 2) * float(min(max(dt, 0.0), max_dt))
    b[:, 0::2] += v[:, :1]
    b[:, 1::2] += v[:, 1:]
    return b
