"""Running and sudden starts on synthetic tracks: speed in the person's own heights per second."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import RunningEvent

from .behaviour_factories import BoxTrack, box_timeline, key, person
from .factories import Track, drive, make_rule, still, summary, timeline

RULE: dict[str, Any] = {"kind": "running"}
RAN = [("open", (1,), 0.6, 0.6), ("closed", (1,), 0.6, 3.0)]  # the first speed needs 0.6 s of track


def run(tracks: list[Track], until: float = 12.0, **config: Any) -> list[RunningEvent]:
    events = drive(make_rule({**RULE, **config}), timeline(tracks, until))
    assert all(isinstance(e, RunningEvent) for e in events)
    return events  # type: ignore[return-value]


def moving(speed_hps: float, t0: float, t1: float, x0: float = 100, y: float = 500, height: float = 100) -> Track:
    """A person moving right at ``speed_hps`` body heights per second from ``t0`` to ``t1``."""
    return Track(1, ((t0, x0, y), (t1, x0 + speed_hps * height * (t1 - t0), y)), height=height)


@pytest.mark.parametrize(
    ("name", "track", "expected"),
    [
        ("standing", still(1, 500, 500, 0, 10), []),
        ("walking-0.8", moving(0.8, 0, 10), []),
        ("brisk-walk-1.5", moving(1.5, 0, 5), []),
        ("running-2.5-for-3s", moving(2.5, 0, 3), RAN),
        ("running-far-away-small", moving(2.5, 0, 3, height=30), RAN),
        ("walking-near-camera-big", moving(0.8, 0, 4, height=300), []),
        ("burst-0.6s-from-walking", Track(1, ((0, 100, 500), (4, 420, 500), (4.6, 570, 500), (9, 922, 500))), []),
    ],
)
def test_running(name: str, track: Track, expected: list[tuple[Any, ...]]) -> None:
    assert summary(run([track])) == expected


def test_sudden_start_from_still_raises_at_once() -> None:
    track = Track(1, ((0, 200, 500), (3, 200, 500), (3.8, 440, 500)))  # still, then 3 heights/s for 0.8 s
    events = run([track])
    assert [(e.status, e.reason) for e in events] == [("open", "sudden_start"), ("closed", "sudden_start")]
    assert 3.2 <= events[0].start_s <= 3.8
    assert events[-1].speed >= 1.8


def test_sudden_start_can_be_turned_off() -> None:
    track = Track(1, ((0, 200, 500), (3, 200, 500), (3.8, 440, 500)))
    assert run([track], sudden_rise=0) == []


def test_one_event_per_episode_and_a_new_one_after_stopping() -> None:
    track = Track(1, ((0, 100, 500), (2, 600, 500), (6, 600, 500), (8, 100, 500)))
    assert [e.start_s for e in run([track]) if e.status == "open"] == pytest.approx([0.6, 6.8])


@pytest.mark.parametrize(("zone", "raised"), [(None, True), ("door", False)])
def test_zone(zone: str | None, raised: bool) -> None:
    assert bool(run([moving(2.5, 0, 3, y=800)], zone=zone)) is raised


def test_box_jitter_of_a_standing_person_is_not_running() -> None:
    box = person(500, 600, 100, 40)
    frames = box_timeline([BoxTrack(1, [key(0, box), key(30, box)])], 30, jitter=4.0, seed=3)
    assert drive(make_rule(RULE), frames) == []


def test_boxes_cut_by_the_border_are_ignored() -> None:
    entering = Track(1, ((0, -10, 500), (3, 740, 500)), height=100)  # 2.5 h/s but only x2 inside at first
    assert all(e.start_s >= 0.4 for e in run([entering]))
