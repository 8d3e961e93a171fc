"""Behaviour every rule shares: schedules, stable ids, close(), untouched input, and the registry."""

from __future__ import annotations

import time
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from camsight.config.models import RuleConfig
from camsight.errors import ConfigError
from camsight.events.models import AnyEvent
from camsight.rules import RULES, build_rules

from .factories import ORIGIN, Track, drive, make_camera, make_ctx, make_rule, still, timeline

# One scenario per kind; each raises exactly one event between t=30 and t=35 when unscheduled.
SCENARIOS: dict[str, tuple[dict[str, Any], list[Track]]] = {
    "zone_intrusion": ({"kind": "zone_intrusion", "zone": "door"}, [still(1, 500, 500, 30, 40)]),
    "line_crossing": ({"kind": "line_crossing", "line": "gate"}, [Track(1, ((28, 300, 500), (32, 700, 500)))]),
    "loitering": ({"kind": "loitering", "zone": "door", "min_dwell_s": 5}, [still(1, 500, 500, 30, 40)]),
    "crowd": (
        {"kind": "crowd", "zone": "door", "min_people": 2},
        [still(1, 450, 450, 30, 40), still(2, 550, 550, 30, 40)],
    ),
}
NIGHT = {"start": "22:00", "end": "06:00"}


def local(hh: int, mm: int, ss: int = 0) -> datetime:
    """Source time 0 at this local wall time of the box (schedules use local time), stored as UTC."""
    return datetime(2024, 3, 4, hh, mm, ss).astimezone(UTC)


def run(
    kind: str, wall_origin: datetime = ORIGIN, extra: dict[str, Any] | None = None, source: str = "clip.mp4"
) -> list[AnyEvent]:
    config, tracks = SCENARIOS[kind]
    return drive(make_rule({**config, **(extra or {})}, wall_origin, source), timeline(tracks, until=45))


@pytest.fixture(params=["UTC", "Asia/Tokyo"])
def box_timezone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run with the box's local time zone set to each of these."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("box_timezone")
@pytest.mark.parametrize("kind", SCENARIOS)
@pytest.mark.parametrize(
    ("origin", "raised"),
    [
        pytest.param((12, 0, 0), False, id="noon"),
        pytest.param((21, 59, 0), False, id="21:59:30-before-window"),
        pytest.param((21, 59, 50), True, id="22:00:20-in-window"),
        pytest.param((5, 59, 0), True, id="05:59:30-wrapped-past-midnight"),
        pytest.param((6, 0, 0), False, id="06:00:30-after-window"),
    ],
)
def test_schedule_window(kind: str, origin: tuple[int, int, int], raised: bool) -> None:
    events = run(kind, local(*origin), {"schedule": NIGHT})
    assert [e.status for e in events] == (["open", "closed"] if raised else [])


def test_inside_when_schedule_opens_raises_then_dated_from_entry() -> None:
    rule = make_rule({"kind": "zone_intrusion", "zone": "door", "schedule": NIGHT}, local(21, 59, 50))
    raised = [(t, e) for t, dets in timeline([still(1, 500, 500, 0, 20)], until=20) for e in rule.update(dets, t)]
    assert [(t, e.status, e.start_s) for t, e in raised] == [(10.0, "open", 0.0)]


@pytest.mark.parametrize("kind", SCENARIOS)
def test_ids_are_stable_across_runs_and_differ_by_source(kind: str) -> None:
    first, second = run(kind), run(kind)
    assert [e.id for e in first] == [e.id for e in second]
    assert len({e.id for e in first}) == 1
    other = run(kind, source="other.mp4")
    assert {e.id for e in other}.isdisjoint(e.id for e in first)


@pytest.mark.parametrize("kind", ["zone_intrusion", "loitering", "crowd"])
def test_close_ends_open_events(kind: str) -> None:
    config, tracks = SCENARIOS[kind]
    rule = make_rule(config)
    opened = [e for t, dets in timeline(tracks, until=37) for e in rule.update(dets, t)]
    assert [e.status for e in opened] == ["open"]
    ended = rule.close(37.0)
    assert [(e.id, e.status, e.end_s) for e in ended] == [(opened[0].id, "closed", 37.0)]
    assert rule.close(38.0) == []


@pytest.mark.parametrize("kind", SCENARIOS)
def test_input_detections_are_not_mutated(kind: str) -> None:
    frames = timeline(SCENARIOS[kind][1], until=45)
    before = [(d.xyxy.copy(), d.confidence.copy(), d.class_id.copy(), d.tracker_id.copy()) for _, d in frames]
    drive(make_rule(SCENARIOS[kind][0]), frames)
    after = [(d.xyxy, d.confidence, d.class_id, d.tracker_id) for _, d in frames]
    for old, new in zip(before, after, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(old, new, strict=True))


def test_registry_covers_every_rule_kind() -> None:
    union = typing.get_args(typing.get_args(RuleConfig)[0])
    assert set(RULES) == {model.model_fields["kind"].annotation.__args__[0] for model in union}


def test_build_rules_skips_disabled_and_keeps_order() -> None:
    camera = make_camera(
        {"kind": "crowd", "name": "busy"},
        {"kind": "loitering", "zone": "door", "enabled": False},
        {"kind": "line_crossing", "line": "gate"},
    )
    assert [r.name for r in build_rules(camera, make_ctx())] == ["busy", "line_crossing:gate"]


def test_build_rules_rejects_duplicate_names() -> None:
    camera = make_camera(
        {"kind": "loitering", "zone": "door", "min_dwell_s": 10},
        {"kind": "loitering", "zone": "door", "min_dwell_s": 60},
    )
    with pytest.raises(ConfigError, match="two rules are named 'loitering:door'"):
        build_rules(camera, make_ctx())
