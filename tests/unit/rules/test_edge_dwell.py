"""Edge dwell on synthetic tracks: distance to the line in body heights or normalised units, dwell and gaps."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import EdgeDwellEvent

from .factories import Track, drive, make_rule, still, summary, timeline

# Line "road" runs along y = 500 from x = 100 to x = 900; boxes are 100 px tall.
RULE: dict[str, Any] = {"kind": "edge_dwell", "line": "road", "min_dwell_s": 10}


def run(tracks: list[Track], until: float = 30.0, **config: Any) -> list[EdgeDwellEvent]:
    events = drive(make_rule({**RULE, **config}), timeline(tracks, until))
    assert all(isinstance(e, EdgeDwellEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "tracks", "config", "expected"),
    [
        ("at-the-edge-15s", [still(1, 500, 530, 2, 17)], {}, [("open", (1,), 2.0, 2.0), ("closed", (1,), 2.0, 17.0)]),
        ("at-the-edge-8s", [still(1, 500, 530, 2, 10)], {}, []),
        ("far-from-the-edge", [still(1, 500, 700, 2, 25)], {}, []),
        ("beyond-the-line-end", [still(1, 960, 500, 2, 25)], {}, []),
        ("just-outside-0.5-heights", [still(1, 500, 555, 2, 25)], {}, []),
        (
            "wider-distance-catches-it",
            [still(1, 500, 555, 2, 25)],
            {"max_distance": 0.6},
            [("open", (1,), 2.0, 2.0), ("closed", (1,), 2.0, 25.0)],
        ),
        (
            "normalised-unit",
            [still(1, 500, 540, 2, 25)],
            {"distance_unit": "normalised", "max_distance": 0.05},
            [("open", (1,), 2.0, 2.0), ("closed", (1,), 2.0, 25.0)],
        ),
        ("normalised-too-far", [still(1, 500, 560, 2, 25)], {"distance_unit": "normalised", "max_distance": 0.05}, []),
        (
            "short-step-back-bridged",
            [
                Track(
                    1, ((2, 500, 530), (8, 500, 530), (8.4, 500, 640), (9.4, 500, 640), (9.8, 500, 530), (20, 500, 530))
                )
            ],
            {},
            [("open", (1,), 2.0, 2.0), ("closed", (1,), 2.0, 20.0)],
        ),
        (
            "long-step-back-restarts",
            [
                Track(
                    1, ((2, 500, 530), (8, 500, 530), (8.4, 500, 640), (12, 500, 640), (12.4, 500, 530), (20, 500, 530))
                )
            ],
            {},
            [],
        ),
        (
            "walking-along-the-edge",
            [Track(1, ((0, 150, 520), (20, 850, 520)))],
            {},
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 20.0)],
        ),
    ],
)
def test_edge_dwell(name: str, tracks: list[Track], config: dict[str, Any], expected: list[tuple[Any, ...]]) -> None:
    assert summary(run(tracks, **config)) == expected


def test_body_heights_scale_with_the_person() -> None:
    far_small = still(1, 500, 525, 2, 20, height=40)  # 25 px = 0.63 of a 40 px person: not at the edge
    near_big = still(2, 300, 560, 2, 20, height=200)  # 60 px = 0.3 of a 200 px person: at the edge
    assert [e.track_ids for e in run([far_small, near_big]) if e.status == "open"] == [(2,)]


def test_event_reports_dwell_and_closest_approach() -> None:
    track = Track(1, ((0, 500, 540), (6, 500, 510), (16, 500, 540)))
    closed = run([track])[-1]
    assert closed.status == "closed"
    assert closed.dwell_s == pytest.approx(16.0)
    assert closed.min_distance == pytest.approx(0.1, abs=0.02)
    assert closed.zone == "road"
