"""Zone intrusion over scripted tracks (zone ``door`` = 400..600 px square)."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.core.detections import PERSON

from .factories import Track, drive, make_detections, make_rule, still, summary, timeline

CAR = 2
WALK_IN_AND_OUT = ((0, 100, 500), (2, 500, 500), (6, 500, 500), (8, 900, 500))  # inside 1.6 .. 6.4


@pytest.mark.parametrize(
    ("config", "tracks", "expected"),
    [
        pytest.param(
            {},
            [Track(1, WALK_IN_AND_OUT)],
            [("open", (1,), 1.6, 1.6), ("closed", (1,), 1.6, 6.4)],
            id="walks-in-and-out",
        ),
        pytest.param({}, [still(1, 200, 500, 0, 10)], [], id="stays-outside"),
        pytest.param(
            {},
            [still(1, 300, 300, 0, 3), still(2, 500, 500, 4, 9)],
            [("open", (2,), 4.0, 4.0), ("closed", (2,), 4.0, 9.0)],
            id="only-the-one-inside",
        ),
        pytest.param(
            {"min_inside_s": 1.0},
            [Track(1, ((0, 300, 500), (1, 700, 500)))],
            [],
            id="passes-through-faster-than-min-inside",
        ),
        pytest.param(
            {"min_inside_s": 1.0},
            [Track(1, ((0, 300, 500), (3, 700, 500)))],
            [("open", (1,), 0.8, 0.8), ("closed", (1,), 0.8, 2.2)],
            id="passes-through-slowly",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 4)],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 4.0)],
            id="disappears-inside",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 2), still(1, 800, 500, 2.2, 2.6), still(1, 500, 500, 2.8, 5)],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 5.0)],
            id="short-exit-same-entry",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 2), still(1, 800, 500, 2.2, 4), still(1, 500, 500, 4.2, 6)],
            [
                ("open", (1,), 0.0, 0.0),
                ("closed", (1,), 0.0, 2.0),
                ("open", (1,), 4.2, 4.2),
                ("closed", (1,), 4.2, 6.0),
            ],
            id="re-entry-new-event",
        ),
        pytest.param({}, [still(1, 500, 500, 0, 3, class_id=CAR)], [], id="car-not-watched"),
        pytest.param(
            {"classes": ["car"]},
            [still(1, 500, 500, 0, 3, class_id=CAR)],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 3.0)],
            id="car-watched",
        ),
    ],
)
def test_zone_intrusion_scenarios(config: dict[str, Any], tracks: list[Track], expected: list[Any]) -> None:
    rule = make_rule({"kind": "zone_intrusion", "zone": "door", **config})
    assert summary(drive(rule, timeline(tracks, until=10))) == expected


def test_event_fields() -> None:
    rule = make_rule({"kind": "zone_intrusion", "zone": "door", "classes": ["car"]})
    opened, ended = drive(rule, timeline([still(7, 500, 500, 1, 3, class_id=CAR, confidence=0.5)], until=5))
    assert opened.id == ended.id
    assert (opened.kind, opened.rule, opened.zone, opened.camera, opened.source) == (
        "zone_intrusion",
        "zone_intrusion:door",
        "door",
        "cam1",
        "clip.mp4",
    )
    assert opened.object_class == "car"
    assert opened.score == pytest.approx(0.5)
    assert opened.started_at.isoformat() == "2024-03-04T12:00:01+00:00"


def test_untracked_boxes_are_ignored() -> None:
    rule = make_rule({"kind": "zone_intrusion", "zone": "door", "min_inside_s": 0})
    dets = make_detections(xyxy=[(480, 400, 520, 500)], class_id=[PERSON])  # no tracker id
    assert [e for t in range(10) for e in rule.update(dets, t * 0.2)] == []


def test_lost_track_closes_after_two_seconds() -> None:
    rule = make_rule({"kind": "zone_intrusion", "zone": "door"})
    frames = timeline([still(1, 500, 500, 0, 1)], until=6)
    statuses = [(t, e.status) for t, dets in frames for e in rule.update(dets, t)]
    assert statuses == [(0.4, "open"), (3.2, "closed")]  # last seen 1.0, gone once unseen > 2 s
