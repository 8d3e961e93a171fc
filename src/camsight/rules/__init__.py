"""Behaviour rules: geometry plus per-track state plus an injected clock.

Build a camera's rules once per stream, feed every analysed frame's tracked detections with the
source time, and close them when the stream ends::

    rules = build_rules(camera, RuleContext(camera.id, source, width, height, wall_origin))
    for frame, dets in tracked_frames:
        for rule in rules:
            events += rule.update(dets, frame.pts_s)
    for rule in rules:
        events += rule.close(last_pts_s)

Each event is emitted with ``status="open"`` when it starts and again, same id, with
``status="closed"`` when it ends.
"""

from camsight.rules.base import Rule, RuleContext, RuleFactory, class_ids, rule_name, scheduled
from camsight.rules.crowd import Crowd
from camsight.rules.line_crossing import LineCrossing
from camsight.rules.loitering import Loitering
from camsight.rules.registry import RULES, build_rules
from camsight.rules.zone_intrusion import ZoneIntrusion

__all__ = [
    "RULES",
    "Crowd",
    "LineCrossing",
    "Loitering",
    "Rule",
    "RuleContext",
    "RuleFactory",
    "ZoneIntrusion",
    "build_rules",
    "class_ids",
    "rule_name",
    "scheduled",
]
