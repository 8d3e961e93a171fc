"""Dispersal: a group of people standing together suddenly moves apart fast.

Positions are anchors (the feet); distances and speeds are in the people's own box heights, so the
rule works near and far from the camera (side or oblique views).

* **Group**: ``within_s`` seconds ago, at least ``min_people`` people standing (speed at most
  :data:`STILL_SPEED`, or too short a track to tell) whose anchors were chained within
  ``group_radius`` heights of one another (single linkage; each pair measured in the mean height of
  the two). Only people with a sighting within :data:`MATCH_S` of that time count, so joggers whose
  paths cross are not a group.
* **Dispersing**: now, at least ``min_people`` of them move *away* from the group's former centre
  at ``min_speed`` heights per second or more (the component of their velocity, least squares over
  :data:`SPEED_WINDOW_S`, along the line from the former centre to where they are now).

Then one event opens at that frame with the dispersing people as ``track_ids`` and ``count``; they
do not take part in another dispersal event for :data:`COOLDOWN_S`. It closes at the first frame
where fewer than ``min_people`` of them still move away that fast (``end_s`` = the last frame
where enough did).

Score: mean detection confidence of the dispersing people's boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from camsight.config.models import DispersalRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, DispersalEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, TrackPath, sightings
from camsight.rules.shared import ZoneRule, closed, event_fields, score_of

#: A person counts at a past time if seen within this many seconds of it.
MATCH_S = 0.5
#: Window (seconds) over which velocity is measured.
SPEED_WINDOW_S = 1.0
#: People of a dispersal do not join another one for this long (seconds).
COOLDOWN_S = 30.0
#: A group member must have been this slow (body heights per second) or slower: standing together.
STILL_SPEED = 0.5


@dataclass(slots=True)
class _Dispersal:
    members: tuple[int, ...]
    center: tuple[float, float]
    last_s: float
    event: DispersalEvent


def groups(points: list[tuple[float, float]], heights: list[float], radius: float) -> list[list[int]]:
    """Single-linkage groups: indices chained by pairs closer than ``radius`` x their mean height.

    Example:
        >>> groups([(0, 0), (50, 0), (100, 0), (900, 0)], [100, 100, 100, 100], 0.6)
        [[0, 1, 2], [3]]
    """
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            if math.dist(points[i], points[j]) <= radius * (heights[i] + heights[j]) / 2:
                parent[root(i)] = root(j)
    found: dict[int, list[int]] = {}
    for i in range(len(points)):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


class Dispersal(ZoneRule[DispersalRule]):
    """Raise an event when a group suddenly moves apart (see the module docstring)."""

    config_type = DispersalRule

    def __init__(self, config: DispersalRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._paths: dict[int, TrackPath] = {}
        self._cooldown: dict[int, float] = {}
        self._open: list[_Dispersal] = []

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        keep = self._config.within_s + SPEED_WINDOW_S + MATCH_S
        for track_id, sighting in sightings(dets, self._classes, self._zone, now).items():
            if sighting.inside:
                self._paths.setdefault(track_id, TrackPath(keep)).add(sighting)
        self._paths = {k: p for k, p in self._paths.items() if now - p.last.t <= keep}
        self._cooldown = {k: t for k, t in self._cooldown.items() if now - t <= COOLDOWN_S}
        events = self._continue(now)
        for members, center in self._groups(now):
            moving = self._moving_away(members, center, now)
            if len(moving) >= self._config.min_people and scheduled(self._config, self._ctx, now):
                events.append(self._start(moving, center, now))
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the last frame enough people moved away)."""
        events: list[AnyEvent] = [closed(d.event, d.last_s) for d in self._open]
        self._open.clear()
        return events

    def _at(self, path: TrackPath, t: float) -> Sighting | None:
        best = min(path.items, key=lambda s: abs(s.t - t))
        return best if abs(best.t - t) <= MATCH_S else None

    def _groups(self, now: float) -> list[tuple[list[int], tuple[float, float]]]:
        """Groups of at least ``min_people`` free people ``within_s`` ago, with their centre."""
        then = now - self._config.within_s
        past = {
            k: s
            for k, p in self._paths.items()
            if k not in self._cooldown and (s := self._at(p, then)) and self._still(p, s.t)
        }
        ids = list(past)
        found = groups([past[k].anchor for k in ids], [past[k].height for k in ids], self._config.group_radius)
        out = []
        for group in found:
            if len(group) >= self._config.min_people:
                members = [ids[i] for i in group]
                center = np.mean([past[k].anchor for k in members], axis=0)
                out.append((members, (float(center[0]), float(center[1]))))
        return out

    def _still(self, path: TrackPath, t: float) -> bool:
        """Whether the person was standing (speed unknown or at most ``STILL_SPEED``) at time ``t``."""
        speed = path.speed_heights(t, SPEED_WINDOW_S)
        return speed is None or speed <= STILL_SPEED

    def _moving_away(self, members: list[int] | tuple[int, ...], center: tuple[float, float], now: float) -> list[int]:
        """The members seen now that move away from ``center`` at ``min_speed`` or more."""
        moving = []
        for track_id in members:
            path = self._paths.get(track_id)
            if path is None or now - path.last.t > MATCH_S:
                continue
            velocity = path.velocity(now, SPEED_WINDOW_S)
            height = path.median_height(now, SPEED_WINDOW_S)
            ax, ay = path.last.anchor
            away = math.hypot(ax - center[0], ay - center[1])
            if velocity is None or height <= 0 or away == 0:
                continue
            radial = (velocity[0] * (ax - center[0]) + velocity[1] * (ay - center[1])) / away
            if radial / height >= self._config.min_speed:
                moving.append(track_id)
        return moving

    def _start(self, moving: list[int], center: tuple[float, float], now: float) -> DispersalEvent:
        scores = [self._paths[k].last.confidence for k in moving]
        event = DispersalEvent(
            **event_fields(self._ctx, self.name, "dispersal", min(moving), now),
            zone=self._config.zone,
            track_ids=tuple(sorted(moving)),
            score=score_of(float(np.mean(scores))),
            count=len(moving),
        )
        self._open.append(_Dispersal(tuple(sorted(moving)), center, now, event))
        for track_id in moving:
            self._cooldown[track_id] = now
        return event

    def _continue(self, now: float) -> list[AnyEvent]:
        """Close the open events whose people no longer move away fast enough."""
        events: list[AnyEvent] = []
        for dispersal in list(self._open):
            if len(self._moving_away(dispersal.members, dispersal.center, now)) >= self._config.min_people:
                dispersal.last_s = now
            else:
                self._open.remove(dispersal)
                events.append(closed(dispersal.event, dispersal.last_s))
        return events
