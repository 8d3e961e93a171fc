"""Crowd forming on synthetic tracks: the count in a zone rises by K within T seconds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from camsight.events.models import CrowdFormingEvent

from .factories import Track, drive, make_detections, make_rule, still, timeline

RULE: dict[str, Any] = {"kind": "crowd_forming", "zone": "door", "min_rise": 3, "within_s": 10}


def arrivals(times: list[float], until: float = 60.0, leave: float | None = None) -> list[Track]:
    """One person per arrival time, standing in the door zone until ``leave`` (or the end)."""
    return [
        still(i + 1, 420 + 20 * i, 450 + 5 * i, t, leave if leave is not None else until) for i, t in enumerate(times)
    ]


def run(tracks: list[Track], until: float = 60.0, **config: Any) -> list[CrowdFormingEvent]:
    events = drive(make_rule({**RULE, **config}), timeline(tracks, until))
    assert all(isinstance(e, CrowdFormingEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "times", "config", "opened"),
    [
        ("three-arrive-within-6s", [10, 13, 16], {}, 1),
        ("three-arrive-over-40s", [10, 30, 50], {}, 0),
        ("two-arrive", [10, 12], {}, 0),
        ("five-on-top-of-two-at-the-start", [0, 0, 20, 21, 22], {}, 1),
        ("already-there-from-the-start", [0, 0, 0, 0], {}, 0),
        ("longer-window-catches-slow-rise", [10, 25, 38], {"within_s": 30}, 1),
        ("k-of-one", [10], {"min_rise": 1}, 1),
    ],
)
def test_crowd_forming(name: str, times: list[float], config: dict[str, Any], opened: int) -> None:
    events = run(arrivals(times), **config)
    assert len([e for e in events if e.status == "open"]) == opened
    assert [e.status for e in events] == ["open", "closed"] * opened


def test_event_fields_and_end_after_they_leave() -> None:
    events = run(arrivals([10, 11, 12, 13], leave=30))
    opened, closed = events
    assert (opened.baseline, opened.min_rise) == (0, 3)
    assert 12.0 <= opened.start_s <= 14.0
    assert closed.count == 4
    assert closed.track_ids == (1, 2, 3, 4)
    assert closed.end_s == pytest.approx(30.0, abs=1.0)


def test_people_outside_the_zone_do_not_count() -> None:
    outside = [still(i + 1, 100 + 30 * i, 900, 10 + i, 60) for i in range(5)]
    assert run(outside) == []
    assert len(run(outside, zone=None)) == 2


def test_count_flickering_round_the_level_gives_one_event() -> None:
    rule = make_rule(RULE)
    rng = np.random.default_rng(0)
    events = []
    for i in range(0, 5 * 40):  # 40 s at 5 fps: 0 people, then 2..4 people flickering from t = 10
        t = i / 5
        n = 0 if t < 10 else int(rng.integers(2, 5))
        boxes = [(420 + 30 * k, 460, 450 + 30 * k, 560) for k in range(n)]
        events += rule.update(make_detections(boxes, tracker_id=list(range(1, n + 1))), t)
    events += rule.close(40.0)
    assert [e.status for e in events] == ["open", "closed"]
