"""The behaviour evaluation's contract: case → config, and scoring (bench/behavior_eval.py)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from camsight.events.models import LoiteringEvent

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("behavior_eval", ROOT / "bench" / "behavior_eval.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["behavior_eval"] = module
    spec.loader.exec_module(module)
    return module


def event(start: float, end: float) -> LoiteringEvent:
    return LoiteringEvent(
        site="test",
        id=f"e{start}",
        rule="r",
        camera="c",
        source="s",
        start_s=start,
        end_s=end,
        started_at=datetime(2024, 1, 1, tzinfo=UTC),
        score=0.9,
        dwell_s=end - start,
    )


@pytest.mark.parametrize(
    ("case", "spans", "expected"),
    [
        ({"expect": True, "windows": [[7, 18], [24, 42]]}, [(6, 19), (23, 44)], (2, 0, 0)),
        ({"expect": True, "windows": [[7, 18], [24, 42]]}, [(6, 19), (50, 60)], (1, 1, 1)),
        ({"expect": True, "windows": [[7, 18]]}, [(18, 20)], (1, 0, 0)),  # touching counts as overlap
        ({"expect": True, "after_s": 1.8}, [(2.3, 5.0)], (1, 0, 0)),
        ({"expect": True, "after_s": 1.8}, [(1.0, 5.0)], (0, 1, 1)),
        ({"expect": True, "after_s": 1.8}, [(1.0, 5.0), (2.0, 5.0)], (1, 1, 0)),
        ({"expect": True, "after_s": 1.8}, [(2.0, 3.0), (3.5, 5.0)], (1, 1, 0)),  # exactly one event expected
        ({"expect": True, "windows": [[7, 18], [24, 42]]}, [(6, 44)], (1, 0, 1)),  # one event, one window
        ({"expect": True, "windows": [[7, 18]]}, [(7, 10), (12, 17)], (1, 1, 0)),  # a second event in a window
        ({"expect": True, "windows": [[0, 10], [8, 20]]}, [(5, 9), (9, 12)], (2, 0, 0)),
        ({"expect": True}, [], (0, 0, 1)),
        ({"expect": False}, [(1, 2), (3, 4)], (0, 2, 0)),
        ({"expect": False}, [], (0, 0, 0)),
    ],
)
def test_score(
    ev: ModuleType, case: dict[str, Any], spans: list[tuple[float, float]], expected: tuple[int, int, int]
) -> None:
    s = ev.score(case, [event(a, b) for a, b in spans])
    assert (s.tp, s.fp, s.fn) == expected


def test_camera_for_maps_case_fields_onto_the_rule(ev: ModuleType) -> None:
    camera = ev.camera_for(
        {
            "file": "x.mp4",
            "kind": "loitering",
            "zone": [[0, 0], [1, 0], [1, 1]],
            "min_dwell_s": 5,
            "expect": True,
            "windows": [[1, 2]],
            "note": "n",
        },
        5.0,
    )
    (rule,) = camera.rules
    assert (rule.kind, rule.zone, rule.min_dwell_s) == ("loitering", "case", 5.0)
    assert camera.zone("case").polygon == [(0, 0), (1, 0), (1, 1)]
    wrong_way = ev.camera_for({"kind": "wrong_way", "direction": [0.0, -1.0]}, 5.0).rules[0]
    assert wrong_way.direction == (0.0, -1.0)
    assert ev.camera_for({"kind": "wrong_way", "direction": [0, 1]}, 5.0).motion_objects is None  # none per kind
    fall = ev.camera_for({"kind": "person_down", "after_s": 1.8}, 5.0).rules[0]
    assert fall.hold_s == type(fall)(kind="person_down").hold_s  # the product's default
    stated = ev.camera_for({"kind": "person_down", "rule": {"hold_s": 3.5}, "camera": {"motion_objects": "car"}}, 5.0)
    assert (stated.rules[0].hold_s, stated.motion_objects) == (3.5, "car")
    crowd = ev.camera_for({"kind": "crowd", "min_people": 2}, 5.0).rules[0]
    assert (crowd.min_people, crowd.min_duration_s) == (2, 2.0)


def test_match_windows_is_one_to_one_and_maximum(ev: ModuleType) -> None:
    # the first event overlaps both windows, the second only the first: both windows are matched
    events = [event(5, 25), event(8, 12)]
    assert ev.match_windows(events, [[7, 18], [20, 30]]) == {0: 1, 1: 0}
    assert ev.match_windows([event(5, 25)], [[7, 18], [20, 30]]) == {0: 0}
    assert ev.match_windows([event(40, 50)], [[7, 18]]) == {}
