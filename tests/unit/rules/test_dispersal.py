"""Dispersal on synthetic tracks: a standing group that suddenly moves apart fast."""

from __future__ import annotations

import math
from typing import Any

import pytest

from camsight.events.models import DispersalEvent
from camsight.rules.dispersal import groups

from .factories import Track, drive, make_rule, timeline

RULE: dict[str, Any] = {"kind": "dispersal"}
CENTRE = (500.0, 500.0)
OFFSETS = [(-40, 0), (40, 0), (0, -40), (0, 40)]


def group(
    speed_hps: float,
    *,
    n: int = 4,
    start: float = 5.0,
    duration: float = 2.0,
    spread: float = 1.0,
    height: float = 100.0,
) -> list[Track]:
    """``n`` people standing round CENTRE until ``start``, then moving straight out at ``speed_hps``."""
    tracks = []
    for i, (dx, dy) in enumerate(OFFSETS[:n]):
        x, y = CENTRE[0] + dx * spread, CENTRE[1] + dy * spread
        ux, uy = dx / math.hypot(dx, dy), dy / math.hypot(dx, dy)
        d = speed_hps * height * duration
        tracks.append(
            Track(i + 1, ((0, x, y), (start, x, y), (start + duration, x + ux * d, y + uy * d)), height=height)
        )
    return tracks


def run(tracks: list[Track], until: float = 10.0, **config: Any) -> list[DispersalEvent]:
    events = drive(make_rule({**RULE, **config}), timeline(tracks, until))
    assert all(isinstance(e, DispersalEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "tracks", "config", "count"),
    [
        ("four-run-apart", group(2.0), {}, 4),
        ("three-run-apart", group(2.0, n=3), {}, 3),
        ("two-is-not-a-group", group(2.0, n=2), {}, 0),
        ("walk-apart-slowly", group(0.6), {}, 0),
        ("standing-too-far-apart", group(2.0, spread=5.0), {}, 0),
        ("bigger-radius-makes-them-a-group", group(2.0, spread=5.0), {"group_radius": 3.0}, 4),
        ("need-four", group(2.0, n=3), {"min_people": 4}, 0),
    ],
)
def test_dispersal(name: str, tracks: list[Track], config: dict[str, Any], count: int) -> None:
    events = run(tracks, **config)
    opened = [e for e in events if e.status == "open"]
    assert [e.count for e in opened] == ([count] if count else [])
    if count:
        assert events[-1].status == "closed"
        assert 5.0 < opened[0].start_s <= 7.0
        assert len(opened[0].track_ids) == count


def test_joggers_crossing_paths_are_not_a_group() -> None:
    joggers = [
        Track(1, ((0, 100, 480), (8, 900, 520))),
        Track(2, ((0, 900, 480), (8, 100, 520))),
        Track(3, ((0, 500, 100), (8, 500, 900))),
    ]
    assert run(joggers) == []


def test_people_of_a_dispersal_do_not_raise_again() -> None:
    tracks = group(2.0, duration=4.0)
    assert len([e for e in run(tracks, until=12) if e.status == "open"]) == 1


def test_groups_single_linkage() -> None:
    assert groups([(0, 0), (100, 0), (200, 0), (600, 0)], [100] * 4, 1.5) == [[0, 1, 2], [3]]
    assert groups([], [], 1.5) == []
