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
