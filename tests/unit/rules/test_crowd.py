"""Crowd over scripted tracks (min_people 3, min_duration_s 2, end_after_s 3, zone ``door`` unless stated)."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import CrowdEvent

from .factories import Track, drive, make_rule, still, summary, timeline

RULE = {"kind": "crowd", "zone": "door", "min_people": 3, "min_duration_s": 2, "end_after_s": 3}
SPOTS = [(450, 450), (500, 500), (550, 550), (450, 550), (550, 450)]


def group(n: int, t0: float, t1: float, first_id: int = 1, **kw: Any) -> list[Track]:
    """``n`` people standing in the door zone from ``t0`` to ``t1``."""
    return [still(first_id + i, *SPOTS[i % len(SPOTS)], t0, t1, **kw) for i in range(n)]


def flickering(track_id: int, t0: float, t1: float, every: float) -> Track:
    """A person in the zone missed for one frame (5 fps) every ``every`` seconds."""
    gaps = [(t, t) for t in [t0 + every * k for k in range(1, int((t1 - t0) / every) + 1)] if t < t1]
    return still(track_id, 500, 450, t0, t1, gaps=gaps)


@pytest.mark.parametrize(
    ("config", "tracks", "expected"),
    [
        pytest.param(
            {}, group(3, 1, 8), [("open", (1, 2, 3), 1.0, 1.0), ("closed", (1, 2, 3), 1.0, 8.0)], id="three-people"
        ),
        pytest.param({}, group(2, 0, 12), [], id="two-people"),
        pytest.param({}, group(3, 1, 2.6), [], id="too-short"),
        pytest.param({}, [*group(2, 0, 12), still(3, 200, 200, 0, 12)], [], id="third-outside-zone"),
        pytest.param(
            {"zone": None},
            [*group(2, 0, 12), still(3, 200, 200, 0, 12)],
            [("open", (1, 2, 3), 0.0, 0.0), ("closed", (1, 2, 3), 0.0, 12.0)],
            id="whole-view",
        ),
        pytest.param(
            {},
            [*group(2, 0, 10), flickering(3, 0, 10, every=1.0)],
            [("open", (1, 2, 3), 0.0, 0.0), ("closed", (1, 2, 3), 0.0, 10.0)],
            id="one-frame-dips-do-not-end-or-block-it",
        ),
        pytest.param({}, [*group(2, 0, 10), flickering(3, 0, 10, every=0.4)], [], id="half-the-frames-is-not-a-crowd"),
        pytest.param(
            {},
            [*group(2, 0, 12), still(3, 500, 450, 0, 4), still(3, 500, 450, 6, 12)],
            [("open", (1, 2, 3), 0.0, 0.0), ("closed", (1, 2, 3), 0.0, 12.0)],
            id="dip-shorter-than-end-after",
        ),
        pytest.param(
            {},
            [*group(2, 0, 12), still(3, 500, 450, 0, 3), still(3, 500, 450, 7, 12)],
            [
                ("open", (1, 2, 3), 0.0, 0.0),
                ("closed", (1, 2, 3), 0.0, 3.0),
                ("open", (1, 2, 3), 7.0, 7.0),
                ("closed", (1, 2, 3), 7.0, 12.0),
            ],
            id="dip-longer-than-end-after",
        ),
        pytest.param({}, group(3, 0, 8, class_id=2), [], id="cars-do-not-count"),
    ],
)
def test_crowd_scenarios(config: dict[str, Any], tracks: list[Track], expected: list[Any]) -> None:
    rule = make_rule({**RULE, **config})
    assert summary(drive(rule, timeline(tracks, until=12))) == expected


def test_opens_after_min_duration_and_reports_peak() -> None:
    rule = make_rule(RULE)
    tracks = [*group(3, 1, 9), *group(2, 4, 6, first_id=10)]
    raised = [(t, e) for t, dets in timeline(tracks, until=14) for e in rule.update(dets, t)]
    (t_open, opened), (t_closed, ended) = raised
    assert isinstance(opened, CrowdEvent)
    assert isinstance(ended, CrowdEvent)
    assert (t_open, opened.start_s, opened.count, opened.min_people) == (3.0, 1.0, 3, 3)
    assert t_closed == pytest.approx(12.2)  # last full frame 9.0, then below for more than 3 s
    assert (ended.id, ended.count, ended.end_s, ended.track_ids) == (opened.id, 5, 9.0, (1, 2, 3, 10, 11))


def test_track_ids_are_capped() -> None:
    rule = make_rule({**RULE, "zone": None, "min_people": 60, "min_duration_s": 0})
    tracks = [still(i, 10 + 15 * i, 900, 0, 1) for i in range(60)]
    opened, ended = drive(rule, timeline(tracks, until=1))
    assert isinstance(ended, CrowdEvent)
    assert (len(ended.track_ids), ended.count) == (50, 60)
