"""Line crossing over scripted tracks.

``gate`` runs from (500, 900) up to (500, 100): its on-screen left is x < 500.
``road`` runs from (100, 500) right to (900, 500): its on-screen left is y < 500 (the top).
"""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import LineCrossingEvent

from .factories import Track, drive, make_rule, timeline

L2R = ((0, 300, 500), (4, 700, 500))  # across gate, left of the screen to right, at x=500 when t=2
R2L = ((0, 700, 500), (4, 300, 500))


def jitter(track_id: int, x0: float, amplitude: float, frames: int, lead: int = 0, y: float = 500) -> Track:
    """A track standing near x0, hopping +-amplitude px every frame (5 fps), after ``lead`` frames at x0 - 5."""
    keys = [(i / 5, x0 - 5, y) for i in range(lead)]
    keys += [((lead + i) / 5, x0 + (amplitude if i % 2 else -amplitude), y) for i in range(frames)]
    return Track(track_id, tuple(keys))


def crossings(config: dict[str, Any], tracks: list[Track], until: float = 10) -> list[tuple[str, str, tuple[int, ...]]]:
    rule = make_rule({"kind": "line_crossing", "line": "gate", **config})
    events = drive(rule, timeline(tracks, until=until))
    assert all(isinstance(e, LineCrossingEvent) and e.start_s == e.end_s for e in events)
    return [(e.status, e.direction, e.track_ids) for e in events if isinstance(e, LineCrossingEvent)]


@pytest.mark.parametrize(
    ("config", "tracks", "expected"),
    [
        pytest.param({}, [Track(1, L2R)], ["left_to_right"], id="any-l2r"),
        pytest.param({}, [Track(1, R2L)], ["right_to_left"], id="any-r2l"),
        pytest.param({"direction": "left_to_right"}, [Track(1, L2R)], ["left_to_right"], id="allowed-direction"),
        pytest.param({"direction": "right_to_left"}, [Track(1, L2R)], [], id="forbidden-direction"),
        pytest.param({"direction": "right_to_left"}, [Track(1, R2L)], ["right_to_left"], id="allowed-r2l"),
        pytest.param(
            {},
            [Track(1, ((0, 300, 500), (2, 700, 500), (4, 300, 500)))],
            ["left_to_right", "right_to_left"],
            id="there-and-back",
        ),
        pytest.param({}, [Track(1, ((0, 300, 950), (4, 700, 950)))], [], id="past-the-end-of-the-segment"),
        pytest.param({}, [Track(1, ((0, 300, 500), (4, 300, 100)))], [], id="walks-along-one-side"),
        pytest.param({}, [jitter(1, 500, 1, 40)], [], id="jitter-on-the-line"),
        pytest.param({}, [jitter(1, 500, 1, 40, lead=5)], [], id="jitter-after-standing-left"),
        pytest.param(
            {},
            [Track(1, tuple((i / 5, 490 + i, 500) for i in range(21)))],
            ["left_to_right"],
            id="slow-walk-1px-per-frame",
        ),
        pytest.param({}, [Track(1, L2R), Track(2, R2L)], ["left_to_right", "right_to_left"], id="two-tracks"),
        pytest.param({}, [Track(1, L2R, class_id=2)], [], id="car-not-watched"),
        pytest.param({"classes": ["car"]}, [Track(1, L2R, class_id=2)], ["left_to_right"], id="car-watched"),
    ],
)
def test_line_crossing_scenarios(config: dict[str, Any], tracks: list[Track], expected: list[str]) -> None:
    got = crossings(config, tracks)
    assert [d for status, d, _ in got if status == "open"] == expected
    assert [s for s, _, _ in got] == ["open", "closed"] * len(expected)  # each crossing opened and closed at once


def test_jitter_wider_than_margin_after_settling_counts_each_settled_crossing() -> None:
    # +-3 px is beyond the 2 px margin: the anchor is settled on each side every frame.
    got = crossings({}, [jitter(1, 500, 3, 4)])
    assert [d for s, d, _ in got if s == "open"] == ["left_to_right", "right_to_left", "left_to_right"]


@pytest.mark.parametrize(
    ("keys", "direction"),
    [
        pytest.param(((0, 500, 300), (4, 500, 700)), "left_to_right", id="top-to-bottom"),
        pytest.param(((0, 500, 700), (4, 500, 300)), "right_to_left", id="bottom-to-top"),
    ],
)
def test_direction_is_relative_to_a_to_b_on_screen(keys: Any, direction: str) -> None:
    # road points right (a left of b): standing on a looking at b, the top of the image is on the left hand.
    rule = make_rule({"kind": "line_crossing", "line": "road"})
    events = drive(rule, timeline([Track(1, keys)], until=5))
    assert [e.direction for e in events if isinstance(e, LineCrossingEvent)] == [direction, direction]


def test_event_fields() -> None:
    rule = make_rule({"kind": "line_crossing", "line": "gate", "name": "gate-in"})
    opened, ended = drive(rule, timeline([Track(4, L2R, confidence=0.6)], until=5))
    assert opened.id == ended.id
    assert (opened.rule, opened.zone, opened.track_ids, opened.start_s) == ("gate-in", "gate", (4,), 2.2)
    assert opened.score == pytest.approx(0.6)
