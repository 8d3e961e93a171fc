"""Running and sudden starts: a person's speed relative to their own height.

Speed is the least-squares velocity of the person's box centre over the last
:data:`SPEED_WINDOW_S` seconds divided by their median box height over the same window, in body
heights per second (:meth:`~camsight.rules.kinematics.TrackPath.speed_heights`). Walking is about
0.5-1 height/s, running 1.8 or more, whatever the distance to the camera. This assumes a side or
oblique view: seen from straight above, a box is much shorter than a body and speeds come out high.
Boxes touching the image border are skipped (a person cut off by the edge has a short box).

* **running**: speed >= ``min_speed`` for at least ``min_duration_s`` (anchor in the zone, if any);
  ``start_s`` = the first fast sighting.
* **sudden_start**: speed >= ``min_speed`` and, within the last :data:`SUDDEN_WINDOW_S`, a speed
  at most :data:`STILL_SPEED` that is at least ``sudden_rise`` lower; raised at once.

One event per track and episode. It closes when the speed has stayed below
:data:`HYSTERESIS` x ``min_speed`` for ``end_after_s`` or the person is lost for that long;
``end_s`` is the last fast sighting and ``speed`` the peak.

Score: mean detection confidence of the fast sightings.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from camsight.config.models import RunningRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, RunningEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, TrackPath, sightings
from camsight.rules.shared import MeanScore, ZoneRule, closed, event_fields

#: Window (seconds) over which speed is measured.
SPEED_WINDOW_S = 1.0
#: Window (seconds) in which a sudden start must rise from nearly still.
SUDDEN_WINDOW_S = 1.5
#: Speed (body heights per second) that counts as nearly still.
STILL_SPEED = 0.4
#: An open event goes on while the speed stays above this share of ``min_speed``.
HYSTERESIS = 0.7


@dataclass(slots=True)
class _Runner:
    """One track's speed history and episode."""

    path: TrackPath
    speeds: deque[tuple[float, float]] = field(default_factory=deque)
    fast_since: float | None = None
    last_fast_s: float = 0.0
    peak: float = 0.0
    score: MeanScore = field(default_factory=MeanScore)
    event: RunningEvent | None = None


class Running(ZoneRule[RunningRule]):
    """Raise an event when a person runs or starts abruptly (see the module docstring)."""

    config_type = RunningRule

    def __init__(self, config: RunningRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._runners: dict[int, _Runner] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        events: list[AnyEvent] = []
        for track_id, sighting in sightings(dets, self._classes, self._zone, now).items():
            if sighting.touches_border(self._ctx.width, self._ctx.height):
                continue
            runner = self._runners.setdefault(track_id, _Runner(TrackPath(SUDDEN_WINDOW_S + SPEED_WINDOW_S)))
            runner.path.add(sighting)
            events += self._step(track_id, runner, sighting, now)
        for track_id, runner in list(self._runners.items()):
            if now - runner.path.last.t > self._config.end_after_s:
                del self._runners[track_id]
                events += [self._end(runner)] if runner.event else []
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the last fast sighting)."""
        events: list[AnyEvent] = [self._end(r) for r in self._runners.values() if r.event is not None]
        self._runners.clear()
        return events

    def _step(self, track_id: int, runner: _Runner, sighting: Sighting, now: float) -> list[AnyEvent]:
        speed = runner.path.speed_heights(now, SPEED_WINDOW_S)
        if speed is None:
            return []
        earlier = [v for t, v in runner.speeds if t >= now - SUDDEN_WINDOW_S]
        runner.speeds.append((now, speed))
        while runner.speeds[0][0] < now - SUDDEN_WINDOW_S:
            runner.speeds.popleft()
        fast = speed >= self._config.min_speed and sighting.inside
        if runner.event is not None:
            if speed >= HYSTERESIS * self._config.min_speed:
                runner.last_fast_s, runner.peak = now, max(runner.peak, speed)
                runner.score.add(sighting.confidence)
            if now - runner.last_fast_s > self._config.end_after_s:
                event, runner.event = self._end(runner), None
                runner.fast_since = None
                return [event]
            return []
        if not fast:
            runner.fast_since = None
            return []
        if runner.fast_since is None:
            runner.fast_since, runner.peak, runner.score = now, 0.0, MeanScore()
        runner.last_fast_s, runner.peak = now, max(runner.peak, speed)
        runner.score.add(sighting.confidence)
        rise = self._config.sudden_rise
        sudden = rise > 0 and any(v <= STILL_SPEED and speed - v >= rise for v in earlier)
        held = now - runner.fast_since >= self._config.min_duration_s
        if (sudden or held) and scheduled(self._config, self._ctx, now):
            runner.event = self._open(track_id, runner, "sudden_start" if sudden and not held else "running")
            return [runner.event]
        return []

    def _open(self, track_id: int, runner: _Runner, reason: Literal["running", "sudden_start"]) -> RunningEvent:
        start_s = runner.last_fast_s if reason == "sudden_start" else (runner.fast_since or runner.last_fast_s)
        return RunningEvent(
            **event_fields(self._ctx, self.name, "running", track_id, start_s),
            zone=self._config.zone,
            track_ids=(track_id,),
            score=runner.score.value,
            reason=reason,
            speed=runner.peak,
        )

    def _end(self, runner: _Runner) -> RunningEvent:
        assert runner.event is not None
        return closed(runner.event, runner.last_fast_s, score=runner.score.value, speed=runner.peak)
