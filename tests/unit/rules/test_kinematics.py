"""Per-track motion helpers: sightings from detections, smoothed velocity and speed in own heights."""

from __future__ import annotations

import pytest

from camsight.core.geometry import Polygon
from camsight.rules.kinematics import Sighting, TrackPath, sightings

from .factories import make_detections


def walk(path: TrackPath, speed_px: float, height: float, until: float, fps: float = 5.0) -> None:
    for i in range(round(until * fps) + 1):
        t = i / fps
        x = 100 + speed_px * t
        path.add(Sighting(t, (x - 20, 400 - height, x + 20, 400), 0.9, 0))


def test_velocity_and_speed_in_heights() -> None:
    path = TrackPath(keep_s=3.0)
    walk(path, speed_px=150.0, height=100.0, until=4.0)
    assert path.velocity(4.0, 1.0) == pytest.approx((150.0, 0.0))
    assert path.speed_heights(4.0, 1.0) == pytest.approx(1.5)
    assert path.items[0].t >= 1.0  # older sightings dropped


@pytest.mark.parametrize("until", [0.0, 0.2, 0.4])
def test_speed_unknown_until_the_window_is_half_covered(until: float) -> None:
    path = TrackPath(keep_s=3.0)
    walk(path, 100.0, 100.0, until)
    assert path.velocity(until, 1.0) is None
    assert path.speed_heights(until, 1.0) is None


def test_sightings_keep_tracked_boxes_of_the_classes_and_mark_the_zone() -> None:
    dets = make_detections(
        [(10, 10, 20, 40), (50, 50, 60, 90), (0, 0, 5, 5)], tracker_id=[3, 4, -1], class_id=[0, 2, 0]
    )
    zone = Polygon(((0, 0), (30, 0), (30, 50), (0, 50)))
    seen = sightings(dets, frozenset({0}), zone, 7.0)
    assert list(seen) == [3]
    assert seen[3].inside
    assert (seen[3].t, seen[3].anchor, seen[3].height) == (7.0, (15.0, 40.0), 30.0)
    assert seen[3].touches_border(100, 100) is False
    assert Sighting(0.0, (0, 10, 20, 40), 0.9, 0).touches_border(100, 100) is True
