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


Packed = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
TIME_STEP = 0.01
"""Unit of a packed path's times, seconds (a record's path times are rounded to hundredths)."""
PLACE_STEP = 0.0001
"""Unit of a packed path's x and y, frame shares (an edge of this release rounds a record's path places to
three decimals, ``core.tracks.PATH_DECIMALS``; older ones to four)."""


def _deltas(values: list[int]) -> tuple[int, ...]:
    return tuple(v - (values[i - 1] if i else 0) for i, v in enumerate(values))


def _sums(deltas: tuple[int, ...], step: float) -> list[float]:
    total, out = 0, []
    for d in deltas:
        total += d
        out.append(total / round(1 / step))
    return out


def pack(path: Path) -> Packed | None:
    """``path`` as three columns of whole numbers, or None when that would not give ``path`` back exactly.

    Times in hundredths, x and y in ten-thousandths; each value after the first is the change from the one
    before (small numbers, which compress well).

    Example:
        >>> pack(((1.8, 0.5, 0.25), (2.0, 0.5012, 0.2499)))
        ((180, 20), (5000, 12), (2500, -1))
        >>> unpack(((180, 20), (5000, 12), (2500, -1)))
        ((1.8, 0.5, 0.25), (2.0, 0.5012, 0.2499))
        >>> pack(((1.8, 0.123456, 0.5),)) is None
        True
    """
    columns = [[round(p[k] / step) for p in path] for k, step in ((0, TIME_STEP), (1, PLACE_STEP), (2, PLACE_STEP))]
    packed: Packed = (_deltas(columns[0]), _deltas(columns[1]), _deltas(columns[2]))
    return packed if unpack(packed) == path else None


def unpack(packed: Packed) -> Path:
    """The path :func:`pack` packed."""
    t, x, y = packed
    return tuple(zip(_sums(t, TIME_STEP), _sums(x, PLACE_STEP), _sums(y, PLACE_STEP), strict=True))
