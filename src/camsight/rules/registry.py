"""The rule registry: a plain dict from a rule config's ``kind`` to the factory that builds it.

To add a behaviour, write one module with a class that has ``name``, ``update``, ``close`` and a
``from_config(config, camera, ctx)`` classmethod, add its config model to
:data:`camsight.config.models.RuleConfig`, and add one line here.

Example:
    >>> from datetime import UTC, datetime
    >>> from camsight.config.models import CameraConfig
    >>> camera = CameraConfig.model_validate({
    ...     "id": "gate",
    ...     "zones": [{"name": "door", "polygon": [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]}],
    ...     "rules": [{"kind": "loitering", "zone": "door", "min_dwell_s": 30},
    ...               {"kind": "crowd", "enabled": False}],
    ... })
    >>> ctx = RuleContext("gate", "gate.mp4", 1280, 720, datetime(2024, 1, 1, tzinfo=UTC))
    >>> [rule.name for rule in build_rules(camera, ctx)]
    ['loitering:door']
"""

from __future__ import annotations

from camsight.config.models import CameraConfig
from camsight.errors import ConfigError
from camsight.rules.base import Rule, RuleContext, RuleFactory
from camsight.rules.crowd import Crowd
from camsight.rules.crowd_forming import CrowdForming
from camsight.rules.dispersal import Dispersal
from camsight.rules.edge_dwell import EdgeDwell
from camsight.rules.erratic_vehicle import ErraticVehicle
from camsight.rules.line_crossing import LineCrossing
from camsight.rules.loitering import Loitering
from camsight.rules.person_down import PersonDown
from camsight.rules.running import Running
from camsight.rules.wrong_way import WrongWay
from camsight.rules.zone_intrusion import ZoneIntrusion

#: Rule kind → factory ``(config, camera, ctx) -> Rule``.
RULES: dict[str, RuleFactory] = {
    "zone_intrusion": ZoneIntrusion.from_config,
    "line_crossing": LineCrossing.from_config,
    "loitering": Loitering.from_config,
    "crowd": Crowd.from_config,
    "person_down": PersonDown.from_config,
    "edge_dwell": EdgeDwell.from_config,
    "running": Running.from_config,
    "dispersal": Dispersal.from_config,
    "wrong_way": WrongWay.from_config,
    "erratic_vehicle": ErraticVehicle.from_config,
    "crowd_forming": CrowdForming.from_config,
}


def build_rules(camera: CameraConfig, ctx: RuleContext) -> list[Rule]:
    """Build the camera's enabled rules, in config order, for a stream of ``ctx``'s size.

    Raises:
        ConfigError: A rule kind has no implementation, or two enabled rules share a name (their
            events would get the same ids).
    """
    rules: list[Rule] = []
    for config in camera.rules:
        if not config.enabled:
            continue
        factory = RULES.get(config.kind)
        if factory is None:
            raise ConfigError(f"camera {camera.id!r}: no rule of kind {config.kind!r}; known: {sorted(RULES)}")
        rule = factory(config, camera, ctx)
        if any(r.name == rule.name for r in rules):
            raise ConfigError(f"camera {camera.id!r}: two rules are named {rule.name!r}; give each a distinct 'name'")
        rules.append(rule)
    return rules
