import numpy as np
import pytest

from camsight.core import Line, Polygon

SQUARE = Polygon(((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))


@pytest.mark.parametrize(
    ("point", "inside"),
    [((0.5, 0.5), True), ((1.5, 0.5), False), ((-0.1, 0.2), False), ((0.99, 0.01), True)],
)
def test_polygon_contains(point: tuple[float, float], inside: bool) -> None:
    assert SQUARE.contains([point]).tolist() == [inside]


def test_polygon_concave() -> None:
    l_shape = Polygon(((0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)))
    assert l_shape.contains([(0.5, 1.5), (1.5, 1.5), (1.5, 0.5)]).tolist() == [True, False, True]


def test_polygon_needs_three_points() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        Polygon(((0, 0), (1, 1)))


def test_scaled_and_area() -> None:
    assert SQUARE.scaled(640, 480).area == pytest.approx(640 * 480)


def test_line_side_and_crossing() -> None:
    line = Line((0.0, 0.5), (1.0, 0.5))  # left to right across the middle, y down
    sides = line.side([(0.5, 0.2), (0.5, 0.8)])
    assert sides[0] < 0 < sides[1]
    assert line.crossed((0.5, 0.2), (0.5, 0.8))
    assert not line.crossed((1.5, 0.2), (1.5, 0.8))  # beyond the segment's end
    assert not line.crossed((0.2, 0.2), (0.8, 0.3))


def test_line_distance() -> None:
    line = Line((0.0, 0.0), (10.0, 0.0))
    assert np.allclose(line.distance([(5, 3), (-4, 3), (12, 0)]), [3, 5, 2])


def _regular(n: int, radius: float = 0.4) -> list[tuple[float, float]]:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return list(zip((0.5 + radius * np.cos(angles)).tolist(), (0.5 + radius * np.sin(angles)).tolist(), strict=True))


def _swapped(points: list[tuple[float, float]], i: int, j: int) -> list[tuple[float, float]]:
    out = list(points)
    out[i], out[j] = out[j], out[i]
    return out


@pytest.mark.parametrize(
    ("points", "crossing"),
    [
        pytest.param([(0, 0), (1, 0), (1, 1), (0, 1)], None, id="square"),
        pytest.param([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)], None, id="concave"),
        pytest.param([(0.1, 0.1), (0.9, 0.1), (0.9, 0.9)], None, id="triangle"),
        pytest.param([(0, 0), (0.5, 0), (1, 0), (1, 1), (0, 1)], None, id="corner-on-a-straight-edge"),
        pytest.param([(0, 0), (1, 0), (0.5, 0.001), (1, 1), (0, 1)], None, id="near-but-apart"),
        pytest.param(_regular(300), None, id="300-gon-several-blocks"),
        pytest.param([(0, 0), (1, 1), (1, 0), (0, 1)], (0, 2), id="bow-tie"),
        pytest.param([(0, 0), (1, 0), (1, 1), (0.5, 0), (0, 1)], (0, 2), id="corner-touches-an-edge"),
        pytest.param([(0, 0), (2, 0), (2, 1), (1.5, 0), (0.5, 0)], (0, 2), id="edges-overlap"),
        pytest.param([(0, 0), (1, 0), (0.5, 0), (0.5, 1)], (0, 1), id="doubles-back"),
        pytest.param([(0, 0), (0, 0), (1, 0), (1, 1), (0, 1)], (0, 1), id="point-repeated-at-once"),
        pytest.param([(0, 0), (1, 0), (0.5, 0.5), (1, 1), (0, 1), (0.5, 0.5)], (1, 4), id="point-repeated-later"),
        pytest.param([(0, 0), (0.5, 0.5), (1, 1)], (0, 2), id="all-on-one-line"),
        pytest.param([(0.2, 0.2)] * 3, (0, 1), id="all-one-point"),
        pytest.param(_swapped(_regular(300), 250, 252), (249, 252), id="crossing-in-a-later-block"),
    ],
)
def test_polygon_crossing(points: list[tuple[float, float]], crossing: tuple[int, int] | None) -> None:
    polygon = Polygon(tuple(points))
    assert polygon.crossing() == crossing
    assert polygon.is_simple() is (crossing is None)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1920.0])
def test_simplicity_does_not_depend_on_units(scale: float) -> None:
    bow_tie = Polygon(((0, 0), (1, 1), (1, 0), (0, 1)))
    assert SQUARE.scaled(scale, scale).is_simple()
    assert not bow_tie.scaled(scale, scale).is_simple()


@pytest.mark.parametrize(
    ("points", "collinear"),
    [
        ([(0, 0), (0.5, 0.5), (1, 1)], True),
        ([(0.1, 0.1), (0.2, 0.2), (0.3, 0.3), (0.7, 0.7)], True),
        ([(0.3, 0.3), (0.3, 0.3), (0.3, 0.3)], True),
        ([(0, 0), (1, 0), (1, 0), (0, 0)], True),
        ([(0, 0), (1, 0), (0, 1)], False),
        ([(0, 0), (1, 1), (1, 0), (0, 1)], False),  # a bow tie encloses area, though its shoelace sum is 0
    ],
)
def test_polygon_collinear(points: list[tuple[float, float]], collinear: bool) -> None:
    assert Polygon(tuple(points)).collinear() is collinear
