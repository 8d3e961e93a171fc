"""The cross-reference checks run on the raw YAML mapping, before and apart from pydantic.

pydantic runs a model's own validators only when all its fields are valid, so a typo in one camera's
``fps`` would hide that its rules name a zone that does not exist. :func:`lint` runs the same checks as
the validators (:mod:`camsight.config.checks`) on whatever parts of the mapping are readable, skipping
what is not: those parts get pydantic's own error.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence

from camsight.config.checks import Problem, RuleRefs, camera_problems, mask_problems, repeated_names
from camsight.config.models import MAX_POLYGON_POINTS, RuleConfig
from camsight.core.geometry import Point


def _rule_fields() -> dict[str, frozenset[str]]:
    """The fields of each rule kind, read from the rule models."""
    kinds: dict[str, frozenset[str]] = {}
    for model in typing.get_args(typing.get_args(RuleConfig)[0]):
        (kind,) = typing.get_args(model.model_fields["kind"].annotation)
        kinds[kind] = frozenset(model.model_fields)
    return kinds


RULE_FIELDS = _rule_fields()


def lint(data: Mapping[str, object]) -> list[Problem]:
    """Repeated camera ids, zone and line names, and rules naming unknown zones or lines, anywhere in ``data``."""
    cameras = data.get("cameras")
    if not isinstance(cameras, list):
        return []
    ids = [_text(camera.get("id")) if isinstance(camera, dict) else None for camera in cameras]
    problems = [p.within("cameras") for p in repeated_names(ids, what="camera id", section="cameras", key="id")]
    for i, camera in enumerate(cameras):
        if isinstance(camera, dict):
            refs = [_refs(rule) for rule in _items(camera.get("rules", []))]
            found = camera_problems(_names(camera.get("zones", [])), _names(camera.get("lines", [])), refs)
            masks = {m: points for m, mask in enumerate(_items(camera.get("masks"))) if (points := _points(mask))}
            found += [p.within("masks") for p in mask_problems(masks)]
            problems.extend(p.within("cameras", i) for p in found)
    return problems


def _items(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _names(value: object) -> list[str | None]:
    """The names in a list of zones or lines; ``[None]`` (unknown) when the list itself is unreadable."""
    if not isinstance(value, list):
        return [None]
    return [_text(item.get("name")) if isinstance(item, dict) else None for item in value]


def _refs(rule: object) -> RuleRefs:
    """The zone and line a raw rule names, where its kind has such a field and the value is a name."""
    if not isinstance(rule, dict):
        return RuleRefs()
    kind = rule.get("kind")
    fields = RULE_FIELDS.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
    zone = _text(rule.get("zone")) if "zone" in fields else None
    line = _text(rule.get("line")) if "line" in fields else None
    return RuleRefs(zone=zone, line=line)


def _points(value: object) -> list[Point] | None:
    """A polygon's points where it is well formed (3 to the limit of ``[x, y]`` numbers in 0..1), else ``None``."""
    if not isinstance(value, list) or not 3 <= len(value) <= MAX_POLYGON_POINTS:
        return None
    points = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(_unit(v) for v in item)):
            return None
        points.append((float(item[0]), float(item[1])))
    return points


def _unit(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
