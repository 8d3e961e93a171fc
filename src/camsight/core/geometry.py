"""Polygons and lines in normalised image coordinates, and their vectorised tests on points.

Coordinates in the config are normalised: ``x`` to the right and ``y`` down, both 0..1, so a zone
drawn once survives a change of stream resolution. ``scaled(width, height)`` turns them into pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Point = tuple[float, float]
Edge = tuple[int, int]
_EPS = 1e-9  # lengths below this share of the polygon's extent count as zero
_BLOCK = 128  # edges tested against all others per step in ``Polygon.crossing``


@dataclass(frozen=True, slots=True)
class Polygon:
    """A closed polygon; ``contains`` tests many points at once (even-odd rule)."""

    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        """Reject polygons that cannot enclose anything."""
        if len(self.points) < 3:
            raise ValueError(f"a polygon needs at least 3 points, got {len(self.points)}")

    def scaled(self, width: float, height: float) -> Polygon:
        """The same polygon with coordinates multiplied by the image size."""
        return Polygon(tuple((x * width, y * height) for x, y in self.points))

    def contains(self, xy: ArrayLike) -> NDArray[np.bool_]:
        """Boolean mask of the ``(N, 2)`` points that lie inside (ray casting, vectorised)."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        poly = np.asarray(self.points, dtype=np.float64)
        x, y = pts[:, 0:1], pts[:, 1:2]
        x1, y1 = poly[:, 0], poly[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside: NDArray[np.bool_] = (np.sum(crosses & (x < x_at), axis=1) % 2) == 1
        return inside

    @property
    def area(self) -> float:
        """Area by the shoelace formula (same units squared as the points)."""
        p = np.asarray(self.points, dtype=np.float64)
        return float(abs(np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))) / 2)

    def collinear(self) -> bool:
        """Whether all points lie on one straight line (or on one point), so that nothing is enclosed.

        >>> Polygon(((0, 0), (0.5, 0.5), (1, 1))).collinear()
        True
        """
        p = np.asarray(self.points, dtype=np.float64)
        offsets = p - p[0]
        lengths = np.hypot(offsets[:, 0], offsets[:, 1])
        far = offsets[int(np.argmax(lengths))]
        reach = float(lengths.max())
        if reach <= _EPS * _extent(p):
            return True
        off_line = np.abs(far[0] * offsets[:, 1] - far[1] * offsets[:, 0]) / reach
        return bool(np.all(off_line <= _EPS * _extent(p)))

    def crossing(self) -> Edge | None:
        """The first two edges that meet although only neighbours may, or ``None`` when the outline is simple.

        Edge ``i`` runs from point ``i`` to point ``i + 1`` (the last edge back to point 0). Edges that are
        not neighbours must not cross, touch or overlap; neighbours share their corner and must not fold
        back over each other. A repeated point therefore makes the outline not simple. Each block of edges
        is tested against all others at once: O(n^2) work, fine for hand-drawn polygons.

        Returns:
            ``(i, j)`` with ``i < j``, the first such pair in order, or ``None``.

        >>> Polygon(((0, 0), (1, 1), (1, 0), (0, 1))).crossing()  # a bow tie
        (0, 2)
        """
        p = np.asarray(self.points, dtype=np.float64)
        eps = _EPS * _extent(p)
        found = [pair for pair in (_first_meeting(p, eps), _first_fold(p, eps)) if pair is not None]
        return min(found) if found else None

    def is_simple(self) -> bool:
        """Whether the outline never crosses or touches itself (see :meth:`crossing`).

        >>> Polygon(((0, 0), (1, 0), (1, 1), (0, 1))).is_simple()
        True
        """
        return self.crossing() is None


@dataclass(frozen=True, slots=True)
class Line:
    """A directed segment from ``a`` to ``b``.

    ``side`` is the 2-D cross product: with image coordinates (y down) it is positive for points on
    the *right* of ``a → b`` as seen on screen (facing from ``a`` to ``b``) and negative on the left.
    """

    a: Point
    b: Point

    def scaled(self, width: float, height: float) -> Line:
        """The same line in pixels."""
        return Line((self.a[0] * width, self.a[1] * height), (self.b[0] * width, self.b[1] * height))

    def side(self, xy: ArrayLike) -> NDArray[np.float64]:
        """Signed side of each ``(N, 2)`` point: the 2-D cross product of ``b - a`` and ``p - a``."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        ax, ay = self.a
        bx, by = self.b
        out: NDArray[np.float64] = (bx - ax) * (pts[:, 1] - ay) - (by - ay) * (pts[:, 0] - ax)
        return out

    def crossed(self, p: Point, q: Point) -> bool:
        """Whether the move from ``p`` to ``q`` crosses the segment itself (not just its extension)."""
        s_pq = self.side([p, q])
        seg = Line(p, q).side([self.a, self.b])
        return bool(s_pq[0] * s_pq[1] < 0 and seg[0] * seg[1] < 0)

    def distance(self, xy: ArrayLike) -> NDArray[np.float64]:
        """Euclidean distance from each ``(N, 2)`` point to the segment."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        a = np.asarray(self.a, dtype=np.float64)
        d = np.asarray(self.b, dtype=np.float64) - a
        length2 = float(d @ d)
        t = np.zeros(len(pts)) if length2 == 0 else np.clip(((pts - a) @ d) / length2, 0.0, 1.0)
        nearest = a + t[:, None] * d
        out: NDArray[np.float64] = np.linalg.norm(pts - nearest, axis=1)
        return out


def _extent(p: NDArray[np.float64]) -> float:
    """The larger side of the bounding box of ``(N, 2)`` points: the scale tolerances are relative to."""
    return float(np.ptp(p, axis=0).max())


def _side(a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64], eps: float) -> NDArray[np.int_]:
    """Which side of the line through ``a`` and ``b`` each ``c`` is on: -1, 1, or 0 within ``eps`` of it."""
    ab, ac = b - a, c - a
    cross = ab[..., 0] * ac[..., 1] - ab[..., 1] * ac[..., 0]
    limit = eps * np.hypot(ab[..., 0], ab[..., 1])
    out: NDArray[np.int_] = np.where(np.abs(cross) <= limit, 0, np.sign(cross)).astype(np.int_)
    return out


def _within(a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64], eps: float) -> NDArray[np.bool_]:
    """Whether each ``c`` lies in the box spanned by ``a`` and ``b`` (widened by ``eps``)."""
    inside = (c >= np.minimum(a, b) - eps) & (c <= np.maximum(a, b) + eps)
    out: NDArray[np.bool_] = np.all(inside, axis=-1)
    return out


def _segments_meet(
    a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64], d: NDArray[np.float64], eps: float
) -> NDArray[np.bool_]:
    """Whether the closed segments ``a-b`` and ``c-d`` share a point (broadcast over leading axes)."""
    s1, s2 = _side(a, b, c, eps), _side(a, b, d, eps)
    s3, s4 = _side(c, d, a, eps), _side(c, d, b, eps)
    proper = (s1 * s2 < 0) & (s3 * s4 < 0)
    touch = (
        ((s1 == 0) & _within(a, b, c, eps))
        | ((s2 == 0) & _within(a, b, d, eps))
        | ((s3 == 0) & _within(c, d, a, eps))
        | ((s4 == 0) & _within(c, d, b, eps))
    )
    out: NDArray[np.bool_] = proper | touch
    return out


def _first_meeting(p: NDArray[np.float64], eps: float) -> Edge | None:
    """The first pair of edges ``(i, j)``, ``i < j``, that share a point although they are not neighbours.

    Only pairs whose bounding boxes overlap get the exact test, a block of edges at a time.
    """
    n = len(p)
    q = np.roll(p, -1, axis=0)
    low, high = np.minimum(p, q) - eps, np.maximum(p, q) + eps
    j = np.arange(n)[None, :]
    for start in range(0, n, _BLOCK):
        i = np.arange(start, min(start + _BLOCK, n))[:, None]
        apart = (j > i + 1) & ~((i == 0) & (j == n - 1))
        boxes = np.all((low[i] <= high[j]) & (low[j] <= high[i]), axis=-1)
        rows, cols = np.nonzero(apart & boxes)
        meet = _segments_meet(p[start + rows], q[start + rows], p[cols], q[cols], eps)
        if meet.any():
            k = int(np.argmax(meet))
            return start + int(rows[k]), int(cols[k])
    return None


def _first_fold(p: NDArray[np.float64], eps: float) -> Edge | None:
    """The first pair of neighbouring edges that fold back over each other or have no length at their corner."""
    back, ahead = np.roll(p, 1, axis=0) - p, np.roll(p, -1, axis=0) - p
    len_back, len_ahead = np.hypot(back[:, 0], back[:, 1]), np.hypot(ahead[:, 0], ahead[:, 1])
    cross = back[:, 0] * ahead[:, 1] - back[:, 1] * ahead[:, 0]
    same_way = (np.abs(cross) <= eps * np.maximum(len_back, len_ahead)) & (np.sum(back * ahead, axis=1) > 0)
    folds = np.flatnonzero(same_way | (len_back <= eps) | (len_ahead <= eps))
    n = len(p)
    pairs = [(0, n - 1) if m == 0 else (int(m) - 1, int(m)) for m in folds]
    return min(pairs) if pairs else None
