"""A track's path thinned for the hub: the points a straight walk between kept points explains are dropped.

Douglas-Peucker on the synchronised distance: a sample is dropped when the position interpolated *in
time* between the kept samples around it is within ``tolerance`` of it (x and y normalised 0..1), so a
path read at any moment (as the hub's nearness does) is off by at most that much. The first and last
samples are always kept, with their times. The edge keeps the full path.

Example:
    >>> simplify(((0.0, 0.1, 0.5), (1.0, 0.2, 0.5), (2.0, 0.3, 0.5), (3.0, 0.3, 0.9)), tolerance=0.01)
    ((0.0, 0.1, 0.5), (2.0, 0.3, 0.5), (3.0, 0.3, 0.9))
"""

from __future__ import annotations

Path = tuple[tuple[float, float, float], ...]
TOLERANCE = 0.005
"""Largest error the thinned path may have at any sample's time, in normalised frame units (0.5 %)."""


def _error(path: Path, i: int, a: int, b: int) -> float:
    (ta, xa, ya), (tb, xb, yb), (t, x, y) = path[a], path[b], path[i]
    share = (t - ta) / (tb - ta) if tb > ta else 0.0
    return max(abs(xa + share * (xb - xa) - x), abs(ya + share * (yb - ya) - y))


def simplify(path: Path, *, tolerance: float = TOLERANCE) -> Path:
    """``path`` with the samples that linear motion in time explains within ``tolerance`` dropped."""
    if len(path) <= 2 or tolerance <= 0:
        return path
    keep = [False] * len(path)
    keep[0] = keep[-1] = True
    spans = [(0, len(path) - 1)]
    while spans:
        a, b = spans.pop()
        worst, at = 0.0, -1
        for i in range(a + 1, b):
            error = _error(path, i, a, b)
            if error > worst:
                worst, at = error, i
        if at >= 0 and worst > tolerance:
            keep[at] = True
            spans += [(a, at), (at, b)]
    return tuple(p for p, k in zip(path, keep, strict=True) if k)
