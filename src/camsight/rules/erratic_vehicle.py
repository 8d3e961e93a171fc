"""Erratic vehicle: heading oscillation (zig-zag) or an abrupt change of speed.

Units are the vehicle's own *length*: the median of ``max(width, height)`` of its box over the
window, so the definition holds near and far from the camera and from the side or from above.
Boxes touching the image border are skipped (a vehicle cut off by the edge has a short box and a
shifted centre).

* **Heading**: the box centre is resampled along the track: a new point is kept once the vehicle
  has moved at least :data:`STEP_LENGTHS` (0.5) lengths from the previous kept point, so jitter of a
  slow or stopped vehicle gives no heading. Each step between kept points has a heading; each pair
  of steps a signed turn.
* **Swing**: consecutive turns of the same sign (turns under :data:`NOISE_DEG` are ignored) add up
  into one swing; a swing counts when it reaches ``min_swing_deg``.
* **Zig-zag**: at least ``min_swings`` counted swings that alternate left / right within the last
  ``window_s`` seconds. A lane change is two swings, a turn one, so the default of four needs real
  weaving.
* **Abrupt speed change**: the speed (least-squares over :data:`SPEED_WINDOW_S`, in lengths per
  second) changes by at least ``speed_change`` within one second (0 turns this off).

One event per track and episode, ``reason`` = whichever definition was met first; it closes when
neither has been met for ``window_s`` or the track is lost for :data:`LOST_S` (``end_s`` = the last
time one was met).

Score: mean detection confidence of the vehicle's boxes over the window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from camsight.config.models import ErraticVehicleRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, ErraticVehicleEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, TrackPath, sightings
from camsight.rules.shared import ZoneRule, class_name, closed, event_fields, score_of

#: The vehicle must move this many lengths between two heading points.
STEP_LENGTHS = 0.5
#: Turns smaller than this (degrees) are treated as noise.
NOISE_DEG = 3.0
#: Window (seconds) over which speed is measured.
SPEED_WINDOW_S = 0.6
#: A track not seen for this long (seconds) is gone.
LOST_S = 2.0


def _wrap(angle: float) -> float:
    """An angle in degrees wrapped to (-180, 180]."""
    return (angle + 180.0) % 360.0 - 180.0


def swings(points: list[tuple[float, float]], min_swing_deg: float) -> int:
    """Alternating left/right heading swings of at least ``min_swing_deg`` along resampled points.

    Example:
        >>> swings([(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1)], 30)
        4
    """
    headings = [math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])) for a, b in zip(points, points[1:], strict=False)]
    turns = [_wrap(b - a) for a, b in zip(headings, headings[1:], strict=False)]
    counted: list[int] = []
    total = 0.0
    for turn in [*turns, 0.0]:
        if abs(turn) >= NOISE_DEG and (total == 0.0 or math.copysign(1, turn) == math.copysign(1, total)):
            total += turn
            continue
        if abs(total) >= min_swing_deg and (not counted or counted[-1] != int(math.copysign(1, total))):
            counted.append(int(math.copysign(1, total)))
        total = turn if abs(turn) >= NOISE_DEG else 0.0
    return len(counted)


@dataclass(slots=True)
class _Vehicle:
    """One vehicle's recent path and episode."""

    path: TrackPath
    speeds: deque[tuple[float, float]] = field(default_factory=deque)
    last_erratic_s: float = 0.0
    event: ErraticVehicleEvent | None = None


class ErraticVehicle(ZoneRule[ErraticVehicleRule]):
    """Raise an event when a vehicle zig-zags or changes speed abruptly (see the module docstring)."""

    config_type = ErraticVehicleRule

    def __init__(self, config: ErraticVehicleRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._vehicles: dict[int, _Vehicle] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        events: list[AnyEvent] = []
        for track_id, sighting in sightings(dets, self._classes, self._zone, now).items():
            if not sighting.inside or sighting.touches_border(self._ctx.width, self._ctx.height):
                continue
            vehicle = self._vehicles.setdefault(track_id, _Vehicle(TrackPath(self._config.window_s)))
            vehicle.path.add(sighting)
            events += self._step(track_id, vehicle, sighting, now)
        for track_id, vehicle in list(self._vehicles.items()):
            if now - vehicle.path.last.t > LOST_S:
                del self._vehicles[track_id]
                events += [self._end(vehicle)] if vehicle.event else []
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the last time the vehicle was erratic)."""
        events: list[AnyEvent] = [self._end(v) for v in self._vehicles.values() if v.event is not None]
        self._vehicles.clear()
        return events

    def _measure(self, vehicle: _Vehicle, now: float) -> tuple[int, float]:
        """Swings in the window and the largest speed change within one second (lengths per second)."""
        items = list(vehicle.path.items)
        length = float(np.median([max(s.width, s.height) for s in items]))
        points = [items[0].center]
        for s in items[1:]:
            if math.dist(s.center, points[-1]) >= STEP_LENGTHS * length:
                points.append(s.center)
        count = swings(points, self._config.min_swing_deg)
        velocity = vehicle.path.velocity(now, SPEED_WINDOW_S)
        if velocity is not None and length > 0:
            vehicle.speeds.append((now, math.hypot(*velocity) / length))
        while vehicle.speeds and vehicle.speeds[0][0] < now - 1.0:
            vehicle.speeds.popleft()
        speeds = [v for _, v in vehicle.speeds]
        return count, (max(speeds) - min(speeds)) if speeds else 0.0

    def _step(self, track_id: int, vehicle: _Vehicle, sighting: Sighting, now: float) -> list[AnyEvent]:
        count, change = self._measure(vehicle, now)
        zigzag = count >= self._config.min_swings
        abrupt = self._config.speed_change > 0 and change >= self._config.speed_change
        if zigzag or abrupt:
            vehicle.last_erratic_s = now
        if vehicle.event is not None:
            if now - vehicle.last_erratic_s > self._config.window_s:
                event, vehicle.event = self._end(vehicle), None
                return [event]
            return []
        if not (zigzag or abrupt) or not scheduled(self._config, self._ctx, now):
            return []
        reason: Literal["zigzag", "speed_change"] = "zigzag" if zigzag else "speed_change"
        start_s = vehicle.path.items[0].t if zigzag else now
        scores = [s.confidence for s in vehicle.path.items]
        vehicle.event = ErraticVehicleEvent(
            **event_fields(self._ctx, self.name, "erratic_vehicle", track_id, start_s),
            zone=self._config.zone,
            track_ids=(track_id,),
            score=score_of(float(np.mean(scores))),
            object_class=class_name(sighting.class_id),
            reason=reason,
            swings=count,
            speed_change=change,
        )
        return [vehicle.event]

    def _end(self, vehicle: _Vehicle) -> ErraticVehicleEvent:
        assert vehicle.event is not None
        return closed(vehicle.event, vehicle.last_erratic_s)
