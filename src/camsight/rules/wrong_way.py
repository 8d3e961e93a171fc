"""Vehicle wrong-way: sustained travel against the configured lane direction.

The lane's allowed direction is a normalised image vector ``direction`` = (dx, dy) (x right, y
down; [0, -1] is "up the image"). Positions are box centres in normalised image units (x / width,
y / height), the same units the direction and ``min_distance`` are given in.

For each vehicle track the rule keeps a *run* (a one-sided CUSUM): every step between consecutive
sightings adds its component *against* the direction to the run's distance ``A`` and its length to
the run's path ``L``; when ``A`` falls to zero or below (the vehicle went the right way, or jitter
cancelled out) the run restarts there. The vehicle is going the wrong way when

* ``A >= min_distance`` (sustained: it got that far against the direction), and
* ``A >= straightness x L`` (most of the path was against the direction, so box jitter, turns
  and manoeuvres in a car park do not add up to an event).

Steps whose end is outside the zone (if one is set) restart the run. Then one event opens per
vehicle, with ``start_s`` = the start of the run; it closes when the track has not been seen for
:data:`LOST_S` seconds or the stream ends (``end_s`` = the last sighting), with the largest ``A`` as
``distance``.

**One vehicle, one event, across track breaks.** Trackers lose a vehicle for a few frames (a motion
blob that splits or merges with a passing one, a detection missed) and go on with a new track id. A
track that appears within :data:`LOST_S` of a vehicle with an open event being lost, no further
than :data:`REJOIN_RADIUS` to the side of the lane line through where that vehicle was last seen, and
not behind where its run began, is a possible *heir* of it: while an heir is tracked, the lost
vehicle's event stays open (at most :data:`HOLD_S` after its last sighting), and if the heir then goes
the wrong way it takes over that event instead of opening a second one (the event lists both track
ids). Two wrong-way vehicles in the same lane less than :data:`HOLD_S` apart count as one.

Score: mean detection confidence of the track's boxes during the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from camsight.config.models import WrongWayRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, WrongWayEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, sightings
from camsight.rules.shared import MeanScore, ZoneRule, class_name, closed, event_fields

#: A track not seen for this long (seconds) is gone: its event closes.
LOST_S = 2.0
#: A new track at most this far (normalised image units) to the side of a lost wrong-way vehicle may continue it.
REJOIN_RADIUS = 0.2
#: Longest a lost vehicle's event is held open for a possible heir (seconds after its last sighting).
HOLD_S = 6.0


@dataclass(slots=True)
class _Run:
    """One vehicle's travel against the direction since its run started."""

    position: tuple[float, float]
    last_s: float
    start_s: float
    against: float = 0.0
    path: float = 0.0
    peak: float = 0.0
    origin: tuple[float, float] = (0.0, 0.0)
    heir_of: tuple[int, ...] = ()
    score: MeanScore = field(default_factory=MeanScore)
    event: WrongWayEvent | None = None


class WrongWay(ZoneRule[WrongWayRule]):
    """Raise one event per vehicle that travels against the lane direction (see the module docstring)."""

    config_type = WrongWayRule

    def __init__(self, config: WrongWayRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        dx, dy = config.direction
        norm = math.hypot(dx, dy)
        self._unit = (dx / norm, dy / norm)
        self._runs: dict[int, _Run] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        events: list[AnyEvent] = []
        for track_id, sighting in sightings(dets, self._classes, self._zone, now).items():
            event = self._step(track_id, sighting, now)
            if event is not None:
                events.append(event)
        for track_id, run in list(self._runs.items()):
            if now - run.last_s > LOST_S and not (run.event is not None and self._held(track_id, run, now)):
                del self._runs[track_id]
                events += [self._end(run)] if run.event else []
        return events

    def _held(self, track_id: int, run: _Run, now: float) -> bool:
        """Whether a lost vehicle's event stays open for a possible heir that is still tracked."""
        if now - run.last_s > HOLD_S:
            return False
        return any(track_id in r.heir_of and now - r.last_s <= LOST_S for r in self._runs.values())

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the vehicle's last sighting)."""
        events: list[AnyEvent] = [self._end(r) for r in self._runs.values() if r.event is not None]
        self._runs.clear()
        return events

    def _position(self, sighting: Sighting) -> tuple[float, float]:
        x, y = sighting.center
        return x / self._ctx.width, y / self._ctx.height

    def _step(self, track_id: int, sighting: Sighting, now: float) -> WrongWayEvent | None:
        position = self._position(sighting)
        run = self._runs.get(track_id)
        if run is None:
            self._runs[track_id] = _Run(position, now, now, origin=position, heir_of=self._heir_of(position, now))
            return None
        dx, dy = position[0] - run.position[0], position[1] - run.position[1]
        run.position, run.last_s = position, now
        run.against -= dx * self._unit[0] + dy * self._unit[1]
        run.path += math.hypot(dx, dy)
        run.peak = max(run.peak, run.against)
        if run.event is not None:
            return None
        if run.against <= 0 or not sighting.inside:
            run.against, run.path, run.peak, run.start_s, run.score = 0.0, 0.0, 0.0, now, MeanScore()
            run.origin = position
            return None
        run.score.add(sighting.confidence)
        config = self._config
        wrong = run.against >= config.min_distance and run.against >= config.straightness * run.path
        if wrong and scheduled(config, self._ctx, now):
            lost = self._lost_vehicle(track_id, run)
            if lost is not None:  # the same vehicle under a new track id: its event goes on
                old_id, old = lost
                del self._runs[old_id]
                assert old.event is not None
                run.event = old.event.model_copy(update={"track_ids": (*old.event.track_ids, track_id)})
                run.start_s, run.peak = old.start_s, max(run.peak, old.peak)
                return None
            run.event = WrongWayEvent(
                **event_fields(self._ctx, self.name, "wrong_way", track_id, run.start_s),
                zone=config.zone,
                track_ids=(track_id,),
                score=run.score.value,
                object_class=class_name(sighting.class_id),
                distance=run.against,
            )
            return run.event
        return None

    def _heir_of(self, position: tuple[float, float], now: float) -> tuple[int, ...]:
        """The lost vehicles with an open event that a new track at ``position`` may continue."""
        ux, uy = self._unit
        found = []
        for other_id, other in self._runs.items():
            if other.event is None or not 0 < now - other.last_s <= LOST_S:
                continue
            dx, dy = position[0] - other.position[0], position[1] - other.position[1]
            side = abs(dx * uy - dy * ux)
            ahead = -((position[0] - other.origin[0]) * ux + (position[1] - other.origin[1]) * uy)
            if side <= REJOIN_RADIUS and ahead >= 0:
                found.append(other_id)
        return tuple(found)

    def _lost_vehicle(self, track_id: int, run: _Run) -> tuple[int, _Run] | None:
        """The lost vehicle (with an open event) that ``run``, now going the wrong way, continues."""
        for other_id in run.heir_of:
            other = self._runs.get(other_id)
            if other_id != track_id and other is not None and other.event is not None:
                return other_id, other
        return None

    def _end(self, run: _Run) -> WrongWayEvent:
        assert run.event is not None
        return closed(run.event, run.last_s, score=run.score.value, distance=run.peak)
