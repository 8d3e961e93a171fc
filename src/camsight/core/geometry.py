"""Polygons and lines in normalised image coordinates, and their vectorised tests on points.

Coordinates in the config are normalised: ``x`` to the right and ``y`` down, both 0..1, so a zone
drawn once survives a change of stream resolution. ``scaled(width, height)`` turns them into pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Point = tuple[float, float]


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
