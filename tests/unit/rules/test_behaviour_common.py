"""What every behaviour rule shares: schedules, stable ids, one open/closed pair, untouched input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from camsight.core.detections import Detections
from camsight.events.models import AnyEvent

from .behaviour_factories import BoxTrack, box_timeline, key, person
from .factories import ORIGIN, Track, drive, make_rule, still, timeline

Frames = list[tuple[float, Detections]]
NIGHT = {"start": "22:00", "end": "06:00"}


def _fall() -> Frames:
    stand, lie = person(500, 800, 300, 100), person(520, 800, 90, 300)
    return box_timeline([BoxTrack(1, [key(25, stand), key(30, stand), key(30.8, lie), key(40, lie)])], 45)


def _group() -> Frames:
    tracks = [
        Track(i + 1, ((25, 500 + dx, 500 + dy), (30, 500 + dx, 500 + dy), (31.5, 500 + 8 * dx, 500 + 8 * dy)))
        for i, (dx, dy) in enumerate([(-40, 0), (40, 0), (0, -40), (0, 40)])
    ]
    return timeline(tracks, 45)


# kind → (rule config, frames); each raises exactly one event starting between t = 30 and t = 36.
SCENARIOS: dict[str, tuple[dict[str, Any], Callable[[], Frames]]] = {
    "person_down": ({"kind": "person_down"}, _fall),
    "edge_dwell": (
        {"kind": "edge_dwell", "line": "road", "min_dwell_s": 5},
        lambda: timeline([still(1, 500, 530, 30, 42)], 45),
    ),
    "running": ({"kind": "running"}, lambda: timeline([Track(1, ((30, 100, 500), (33, 850, 500)))], 45)),
    "dispersal": ({"kind": "dispersal"}, _group),
    "wrong_way": (
        {"kind": "wrong_way", "direction": [0, -1]},
        lambda: timeline([Track(1, ((30, 500, 150), (36, 500, 900)), class_id=2, height=120)], 45),
    ),
    "erratic_vehicle": (
        {"kind": "erratic_vehicle"},
        lambda: timeline(
            [Track(1, ((30, 60, 500), (32, 780, 500), (32.4, 800, 500), (40, 800, 500)), class_id=2, height=120)], 45
        ),
    ),
    "crowd_forming": (
        {"kind": "crowd_forming", "zone": "door", "min_rise": 3},
        lambda: timeline([still(i + 1, 450 + 30 * i, 500, 30 + i, 45) for i in range(3)], 45),
    ),
}


def run(
    kind: str, wall_origin: datetime = ORIGIN, extra: dict[str, Any] | None = None, source: str = "clip.mp4"
) -> list[AnyEvent]:
    config, frames = SCENARIOS[kind]
    return drive(make_rule({**config, **(extra or {})}, wall_origin, source), frames())


@pytest.mark.parametrize("kind", SCENARIOS)
def test_one_event_opens_then_closes(kind: str) -> None:
    events = run(kind)
    assert [e.status for e in events] == ["open", "closed"]
    assert all(e.kind == kind for e in events)
    assert 30.0 <= events[0].start_s <= 36.0
    assert events[1].end_s >= events[1].start_s == events[0].start_s
    assert 0.0 < events[1].score <= 1.0


@pytest.mark.parametrize("kind", SCENARIOS)
@pytest.mark.parametrize(("origin", "raised"), [((12, 0, 0), False), ((21, 59, 50), True)])
def test_schedule(kind: str, origin: tuple[int, int, int], raised: bool) -> None:
    wall = datetime(2024, 3, 4, *origin).astimezone(UTC)
    events = run(kind, wall, {"schedule": NIGHT})
    assert [e.status for e in events] == (["open", "closed"] if raised else [])


@pytest.mark.parametrize("kind", SCENARIOS)
def test_ids_are_stable_and_differ_by_source(kind: str) -> None:
    first, second = run(kind), run(kind)
    assert [e.id for e in first] == [e.id for e in second]
    assert len({e.id for e in first}) == 1
    assert {e.id for e in run(kind, source="other.mp4")}.isdisjoint(e.id for e in first)


@pytest.mark.parametrize("kind", SCENARIOS)
def test_close_ends_what_is_open_and_nothing_twice(kind: str) -> None:
    config, frames = SCENARIOS[kind]
    rule = make_rule(config)
    opened: list[AnyEvent] = []
    for t, dets in frames():
        opened += rule.update(dets, t)
        if opened:
            break
    assert [e.status for e in opened] == ["open"]
    ended = rule.close(t)
    assert [(e.id, e.status) for e in ended] == [(opened[0].id, "closed")]
    assert rule.close(t + 1.0) == []


@pytest.mark.parametrize("kind", SCENARIOS)
def test_input_detections_are_not_mutated(kind: str) -> None:
    config, make_frames = SCENARIOS[kind]
    frames = make_frames()
    before = [(d.xyxy.copy(), d.tracker_id.copy()) for _, d in frames]
    drive(make_rule(config), frames)
    for (xyxy, ids), (_, d) in zip(before, frames, strict=True):
        assert np.array_equal(xyxy, d.xyxy)
        assert np.array_equal(ids, d.tracker_id)
