"""Erratic vehicle on synthetic tracks: zig-zag (alternating heading swings) and abrupt speed changes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from camsight.events.models import ErraticVehicleEvent
from camsight.rules.erratic_vehicle import swings

from .behaviour_factories import BoxTrack, box_timeline, key
from .factories import Track, drive, make_rule, timeline

CAR = 2
RULE: dict[str, Any] = {"kind": "erratic_vehicle"}
LENGTH = 120.0  # box height = the vehicle's length in these tests


def path(fn: Any, t1: float, step: float = 0.2) -> Track:
    """A car whose anchor follows ``fn(t) -> (x, y)`` from 0 to ``t1``."""
    keys = tuple((t, *fn(t)) for t in np.arange(0, t1 + 1e-9, step))
    return Track(1, keys, class_id=CAR, height=LENGTH)


def weave(amplitude: float, period: float) -> Any:
    return lambda t: (60 + 150 * t, 500 + amplitude * math.sin(2 * math.pi * t / period))


def run(tracks: list[Track], until: float, **config: Any) -> list[ErraticVehicleEvent]:
    events = drive(make_rule({**RULE, **config}), timeline(tracks, until))
    assert all(isinstance(e, ErraticVehicleEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "track", "reason"),
    [
        ("straight", path(lambda t: (60 + 150 * t, 500), 6), None),
        ("weaving", path(weave(60, 2.0), 6), "zigzag"),
        ("gentle-weave-below-min-swing", path(weave(4, 2.0), 6), None),
        ("one-lane-change", path(lambda t: (60 + 150 * t, 500 + 100 / (1 + math.exp(-3 * (t - 3)))), 6), None),
        ("curve", path(lambda t: (500 + 300 * math.cos(t / 3), 500 + 300 * math.sin(t / 3)), 9), None),
        (
            "hard-stop",
            Track(1, ((0, 60, 500), (2, 780, 500), (2.4, 800, 500), (5, 800, 500)), class_id=CAR, height=LENGTH),
            "speed_change",
        ),
        ("gentle-braking", path(lambda t: (60 + 160 * t - 20 * t * t, 500), 4), None),
    ],
)
def test_erratic(name: str, track: Track, reason: str | None) -> None:
    events = run([track], until=track.keys[-1][0])
    assert [(e.status, e.reason) for e in events] == ([] if reason is None else [("open", reason), ("closed", reason)])


def test_zigzag_event_fields() -> None:
    events = run([path(weave(60, 2.0), 6)], until=6)
    opened = events[0]
    assert opened.object_class == "car"
    assert opened.swings >= 4
    assert events[-1].end_s >= opened.start_s


def test_speed_change_can_be_turned_off() -> None:
    stop = Track(1, ((0, 60, 500), (2, 780, 500), (2.4, 800, 500), (5, 800, 500)), class_id=CAR, height=LENGTH)
    assert run([stop], until=5, speed_change=0) == []


def test_jitter_on_a_steady_drive_is_not_erratic() -> None:
    drive_by = BoxTrack(1, [key(0, (40, 400, 160, 480)), key(6, (840, 400, 960, 480))], class_id=CAR)
    parked = BoxTrack(2, [key(0, (400, 600, 520, 680)), key(6, (400, 600, 520, 680))], class_id=CAR)
    frames = box_timeline([drive_by, parked], 6, jitter=3.0, seed=5)
    assert drive(make_rule(RULE), frames) == []


def test_people_are_not_vehicles() -> None:
    weaving_person = path(weave(60, 2.0), 6)
    person = Track(1, weaving_person.keys, class_id=0, height=LENGTH)
    assert run([person], until=6) == []


@pytest.mark.parametrize(
    ("points", "min_swing", "expected"),
    [
        ([(0, 0), (1, 0), (2, 0), (3, 0)], 10, 0),
        ([(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1)], 30, 4),
        ([(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1)], 100, 0),
        ([(0, 0), (1, 0), (2, 1), (3, 1)], 30, 2),  # a lane change: left then right
        ([(0, 0), (1, 0), (2, 0.2), (3, 0.6), (4, 1.2)], 10, 1),  # a steady turn
    ],
)
def test_swings(points: list[tuple[float, float]], min_swing: float, expected: int) -> None:
    assert swings(points, min_swing) == expected
