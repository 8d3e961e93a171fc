"""Home Assistant entities of the live cameras: ids, topics and discovery configs (pure; no I/O).

See :mod:`camsight.transport.homeassistant` for the topics and how they are sent. Discovery topic ids
keep only ``[A-Za-z0-9_-]`` (what Home Assistant allows there); other topic levels only lose what MQTT
reserves (``/ + #``, NUL, a leading ``$``). Unique ids end in a short hash of the exact names.

Example:
    >>> from camsight.config.models import CameraConfig
    >>> camera = CameraConfig.model_validate(
    ...     {"id": "gate", "zones": [{"name": "yard", "polygon": [[0, 0], [1, 0], [1, 1]]}],
    ...      "rules": [{"kind": "loitering", "zone": "yard"}]})
    >>> [(e.component, e.name, e.unique_id) for e in entities("north.campus", [camera])]
    [('binary_sensor', 'loitering:yard', 'camsight_north_campus_gate_loitering_yard_654892'), \
('sensor', 'yard people', 'camsight_north_campus_gate_yard_people_e89434')]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import camsight
from camsight.config.models import CameraConfig
from camsight.rules.base import rule_name
from camsight.transport.topics import PREFIX

ON, OFF = "ON", "OFF"
ONLINE, OFFLINE = "online", "offline"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
_UNSAFE_LEVEL = re.compile(r"[/+#\x00]")


def clean_id(text: str) -> str:
    """``text`` with every character Home Assistant refuses in a discovery topic id made ``_``."""
    return _UNSAFE_ID.sub("_", text) or "_"


def topic_level(text: str) -> str:
    """``text`` safe as one MQTT topic level (no ``/``, ``+``, ``#``, NUL, no leading ``$``)."""
    cleaned = _UNSAFE_LEVEL.sub("_", text)
    return "_" + cleaned[1:] if cleaned.startswith("$") else cleaned or "_"


def unique_id(site: str, camera: str, *parts: str) -> str:
    """A stable unique id: the cleaned names joined, and a hash of the exact ones (no two collide)."""
    digest = hashlib.sha256("\x00".join((site, camera, *parts)).encode()).hexdigest()[:6]
    return "_".join(clean_id(p) for p in ("camsight", site, camera, *parts, digest))


def ha_topic(site: str, *levels: str) -> str:
    """A topic under ``camsight/<site>/ha/``."""
    return "/".join([PREFIX, topic_level(site), "ha", *(topic_level(level) for level in levels)])


@dataclass(frozen=True, slots=True)
class Entity:
    """One Home Assistant entity: a rule's binary sensor or a zone's people count."""

    component: Literal["binary_sensor", "sensor"]
    camera: str
    name: str
    """The rule's name (as its alerts carry it) or the zone's name followed by ``people``."""
    key: str
    """The rule or zone name."""
    unique_id: str
    state_topic: str


def entities(site: str, cameras: Sequence[CameraConfig]) -> list[Entity]:
    """The entities of these cameras: one per enabled rule (by name), one per zone."""
    found: list[Entity] = []
    for camera in cameras:
        rules = dict.fromkeys(rule_name(rule) for rule in camera.rules if rule.enabled)
        for rule in rules:
            uid = unique_id(site, camera.id, rule)
            found.append(Entity("binary_sensor", camera.id, rule, rule, uid, ha_topic(site, camera.id, "rules", rule)))
        for zone in camera.zones:
            uid = unique_id(site, camera.id, zone.name, "people")
            topic = ha_topic(site, camera.id, "zones", zone.name)
            found.append(Entity("sensor", camera.id, f"{zone.name} people", zone.name, uid, topic))
    return found


def config_topic(prefix: str, site: str, entity: Entity) -> str:
    """Where the entity's discovery config goes: ``<prefix>/<component>/<site>/<unique id>/config``."""
    return f"{prefix}/{entity.component}/{clean_id(site)}/{entity.unique_id}/config"


def discovery(site: str, entity: Entity, *, version: str = camsight.__version__) -> dict[str, Any]:
    """The discovery config of an entity (what Home Assistant reads from its config topic)."""
    config: dict[str, Any] = {
        "name": entity.name,
        "unique_id": entity.unique_id,
        "state_topic": entity.state_topic,
        "availability": [
            {"topic": ha_topic(site, "availability")},
            {"topic": ha_topic(site, entity.camera, "availability")},
        ],
        "availability_mode": "all",
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "qos": 1,
        "device": {
            "identifiers": [unique_id(site, entity.camera)],
            "name": f"{site} {entity.camera}",
            "manufacturer": "camsight",
            "model": "camsight camera",
            "sw_version": version,
        },
        "origin": {"name": "camsight", "sw_version": version},
    }
    if entity.component == "binary_sensor":
        config |= {
            "value_template": "{{ value_json.state }}",
            "payload_on": ON,
            "payload_off": OFF,
            "json_attributes_topic": entity.state_topic,
            "json_attributes_template": "{{ {'alerts': value_json.alerts} | tojson }}",
        }
    else:
        config |= {"unit_of_measurement": "people", "state_class": "measurement", "icon": "mdi:account-group"}
    return config


def rule_payload(alerts: Sequence[str]) -> str:
    """A rule's state: ON while any of its alerts is open, with their ids."""
    return json.dumps({"state": ON if alerts else OFF, "alerts": list(alerts)})
