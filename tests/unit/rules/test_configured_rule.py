"""The shared rule bases (ZoneRule, LineRule): config type, factory, name, place and watched classes."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from camsight.config.models import CLASS_IDS
from camsight.core.detections import PERSON
from camsight.rules.registry import RULES
from camsight.rules.shared import LineRule, ZoneRule

from .factories import SIZE, make_camera, make_ctx

#: A valid config of every rule kind, placed on the test camera's zone ``door`` or line ``gate``.
CONFIGS: dict[str, dict[str, Any]] = {
    "zone_intrusion": {"kind": "zone_intrusion", "zone": "door"},
    "line_crossing": {"kind": "line_crossing", "line": "gate"},
    "loitering": {"kind": "loitering", "zone": "door", "min_dwell_s": 5},
    "crowd": {"kind": "crowd", "zone": "door"},
    "person_down": {"kind": "person_down", "zone": "door"},
    "edge_dwell": {"kind": "edge_dwell", "line": "gate", "classes": ["person", "bicycle"]},
    "running": {"kind": "running", "zone": "door"},
    "dispersal": {"kind": "dispersal", "zone": "door"},
    "wrong_way": {"kind": "wrong_way", "zone": "door", "direction": [0, -1], "classes": ["car", "bus"]},
    "erratic_vehicle": {"kind": "erratic_vehicle", "zone": "door"},
    "crowd_forming": {"kind": "crowd_forming", "zone": "door"},
}


def _built(kind: str) -> Any:
    camera = make_camera(CONFIGS[kind])
    return RULES[kind](camera.rules[0], camera, make_ctx())


def test_configs_cover_every_kind() -> None:
    assert set(CONFIGS) == set(RULES)


@pytest.mark.parametrize("kind", sorted(RULES))
def test_config_type_matches_registry_kind(kind: str) -> None:
    rule_class = type(_built(kind))
    assert get_args(rule_class.config_type.model_fields["kind"].annotation) == (kind,)


@pytest.mark.parametrize("kind", sorted(RULES))
def test_from_config_sets_name_config_and_place(kind: str) -> None:
    rule = _built(kind)
    place = CONFIGS[kind].get("zone") or CONFIGS[kind]["line"]
    assert rule.name == f"{kind}:{place}"
    assert rule._config.kind == kind
    if isinstance(rule, ZoneRule):
        assert rule._zone is not None
        assert rule._zone.contains([(SIZE / 2, SIZE / 2), (10.0, 10.0)]).tolist() == [True, False]
    else:
        assert isinstance(rule, LineRule)
        assert rule._line.a == (500.0, 900.0)


@pytest.mark.parametrize(
    ("kind", "classes"),
    [
        ("crowd", {PERSON}),
        ("person_down", {PERSON}),
        ("running", {PERSON}),
        ("dispersal", {PERSON}),
        ("crowd_forming", {PERSON}),
        ("zone_intrusion", {PERSON}),
        ("edge_dwell", {PERSON, CLASS_IDS["bicycle"]}),
        ("wrong_way", {CLASS_IDS["car"], CLASS_IDS["bus"]}),
    ],
)
def test_watched_classes(kind: str, classes: set[int]) -> None:
    assert _built(kind)._classes == frozenset(classes)


@pytest.mark.parametrize(("kind", "other"), [("loitering", "crowd"), ("edge_dwell", "line_crossing")])
def test_from_config_rejects_another_kind(kind: str, other: str) -> None:
    camera = make_camera(CONFIGS[other])
    with pytest.raises(TypeError, match="cannot build"):
        RULES[kind](camera.rules[0], camera, make_ctx())


def test_whole_view_when_no_zone() -> None:
    camera = make_camera({"kind": "loitering", "min_dwell_s": 5})
    rule: Any = RULES["loitering"](camera.rules[0], camera, make_ctx())
    assert rule.name == "loitering"
    assert rule._zone is None
