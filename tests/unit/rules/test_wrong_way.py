"""Vehicle wrong-way on synthetic tracks: sustained travel against the lane direction."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import WrongWayEvent

from .behaviour_factories import BoxTrack, box_timeline, key
from .factories import Track, drive, make_rule, summary, timeline

CAR = 2
UP: dict[str, Any] = {"kind": "wrong_way", "direction": [0, -1]}
PARKED = (450.0, 400.0, 550.0, 600.0)
WRONG = [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 6.0)]


def car(*keys: tuple[float, float, float], track_id: int = 1, class_id: int = CAR) -> Track:
    return Track(track_id, keys, class_id=class_id, height=120)


def run(tracks: list[Track], until: float = 12.0, **config: Any) -> list[WrongWayEvent]:
    events = drive(make_rule({**UP, **config}), timeline(tracks, until))
    assert all(isinstance(e, WrongWayEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "tracks", "config", "expected"),
    [
        ("up-is-allowed", [car((0, 500, 900), (6, 500, 150))], {}, []),
        ("down-is-wrong", [car((0, 500, 150), (6, 500, 900))], {}, WRONG),
        ("down-but-short", [car((0, 500, 500), (6, 500, 580))], {}, []),
        ("across-the-lane", [car((0, 100, 500), (6, 900, 500))], {}, []),
        ("diagonal-down-45deg", [car((0, 150, 150), (6, 750, 750))], {}, WRONG),
        (
            "up-then-u-turn-down",
            [car((0, 500, 800), (3, 500, 300), (4, 500, 300), (8, 500, 900))],
            {},
            [("open", (1,), 4.0, 4.0), ("closed", (1,), 4.0, 8.0)],
        ),
        ("person-walking-down", [car((0, 500, 150), (6, 500, 900), class_id=0)], {}, []),
        ("allowed-down-direction", [car((0, 500, 150), (6, 500, 900))], {"direction": [0, 1]}, []),
        ("longer-min-distance", [car((0, 500, 300), (6, 500, 500))], {"min_distance": 0.3}, []),
    ],
)
def test_wrong_way(name: str, tracks: list[Track], config: dict[str, Any], expected: list[tuple[Any, ...]]) -> None:
    assert summary(run(tracks, **config)) == expected


def test_event_opens_once_the_distance_is_covered() -> None:
    rule = make_rule(UP)
    frames = timeline([car((0, 500, 150), (6, 500, 900))], 6)  # 125 px/s = 0.125 normalised units per s
    opened = [(t, e) for t, dets in frames for e in rule.update(dets, t)]
    assert [(t, e.status) for t, e in opened] == [(0.8, "open")]
    event = opened[0][1]
    assert isinstance(event, WrongWayEvent)
    assert event.object_class == "car"
    assert event.distance == pytest.approx(0.1, abs=0.01)


def test_parked_car_jitter_is_not_wrong_way() -> None:
    parked = BoxTrack(1, [key(0, PARKED), key(120, PARKED)], class_id=CAR)
    assert drive(make_rule(UP), box_timeline([parked], 120, jitter=3.0, seed=1)) == []


def test_zigzag_manoeuvre_mostly_sideways_is_not_wrong_way() -> None:
    keys = tuple((t, 300 + 400 * (t % 2), 300 + 15 * t) for t in range(0, 11))  # 0.15 down over 10 s, 4.0 sideways
    assert run([car(*keys)]) == []


@pytest.mark.parametrize(("zone", "raised"), [(None, True), ("door", False)])
def test_zone(zone: str | None, raised: bool) -> None:
    assert bool(run([car((0, 200, 150), (6, 200, 900))], zone=zone)) is raised  # x=200 is outside the door


def test_direction_must_not_be_zero() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="direction"):
        make_rule({"kind": "wrong_way", "direction": [0, 0]})


def test_one_car_tracked_as_two_gives_one_event() -> None:
    # the tracker loses the car at 3 s and picks it up again under a new id at 3.6 s, further down the lane
    first = car((0, 500, 150), (3, 500, 500), track_id=1)
    second = Track(2, ((3.6, 480, 560), (8, 480, 900)), class_id=CAR, height=120)
    events = run([first, second], until=12.0)
    assert [(e.status, e.track_ids) for e in events] == [("open", (1,)), ("closed", (1, 2))]
    assert events[-1].start_s == 0.0
    assert events[-1].end_s == 8.0


def test_two_cars_far_apart_in_time_give_two_events() -> None:
    first = car((0, 500, 150), (3, 500, 500), track_id=1)
    second = Track(2, ((10, 500, 150), (13, 500, 500)), class_id=CAR, height=120)
    events = run([first, second], until=16.0)
    assert [(e.status, e.track_ids) for e in events if e.status == "closed"] == [("closed", (1,)), ("closed", (2,))]
