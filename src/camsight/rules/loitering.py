"""Loitering: a person stays in a zone (or anywhere in view) for at least ``min_dwell_s``.

The rule follows *visits*. A visit starts when a track's anchor (the feet) is first seen inside the
zone and lasts while the visitor keeps coming back inside within ``max_gap_s``: short exits and
short track losses do not restart the dwell. Dwell is the time from entry to the last time the
visitor was seen inside. When it reaches ``min_dwell_s`` (and the schedule is on), one event opens
with ``start_s`` = the entry time; it closes once the visitor has been outside or unseen for more
than ``max_gap_s``, with ``end_s`` = the last time seen inside and the final ``dwell_s``.

Track id switches: ByteTrack may give the same person a new id after an occlusion or a few missed
detections, which would otherwise cut one visit into two. So a *new* track first seen inside the
zone joins a visit whose tracks are all absent from the frame, when that visit was last seen inside
less than ``max_gap_s`` ago and within :data:`SAME_VISIT_HEIGHTS` body heights (box heights) of the
new anchor; the nearest such visit wins. The visit then goes on with its dwell and its event, and the
event lists every track id that took part (``track_ids``, first id first; the event id uses the first).

Score: mean detection confidence of the visitor's boxes while inside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from camsight.config.models import LoiteringRule
from camsight.core.detections import Detections
from camsight.core.geometry import Point, Polygon
from camsight.events.models import AnyEvent, LoiteringEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.shared import MeanScore, Observation, ZoneRule, closed, event_fields, observe

#: A new track within this many body heights of a lost visit's last position continues that visit.
SAME_VISIT_HEIGHTS = 1.0


@dataclass(slots=True)
class _Visit:
    """One visitor's continuous stay in the zone, possibly under several track ids."""

    track_ids: list[int]
    entered_s: float
    last_inside_s: float
    anchor: Point
    height: float
    score: MeanScore = field(default_factory=MeanScore)
    event: LoiteringEvent | None = None

    @property
    def dwell_s(self) -> float:
        """Time from entry to the last time the visitor was seen inside."""
        return self.last_inside_s - self.entered_s


class Loitering(ZoneRule[LoiteringRule]):
    """Raise one event per visit that lasts at least ``min_dwell_s`` (see the module docstring)."""

    config_type = LoiteringRule

    def __init__(self, config: LoiteringRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._visits: list[_Visit] = []
        self._by_track: dict[int, _Visit] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        events = self._expire(now)
        obs = observe(dets, self._classes, self._zone)
        present = {ob.track_id for ob in obs}
        for ob in obs:
            if ob.inside:
                visit = self._by_track.get(ob.track_id) or self._adopt(ob, present) or self._start(ob, now)
                visit.last_inside_s, visit.anchor, visit.height = now, ob.anchor, ob.height
                visit.score.add(ob.confidence)
        for visit in self._visits:
            ready = visit.event is None and visit.dwell_s >= self._config.min_dwell_s
            if ready and scheduled(self._config, self._ctx, now):
                visit.event = self._open(visit)
                events.append(visit.event)
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = last time its visitor was seen inside)."""
        events: list[AnyEvent] = [self._end(v, v.event) for v in self._visits if v.event is not None]
        self._visits.clear()
        self._by_track.clear()
        return events

    def _expire(self, now: float) -> list[AnyEvent]:
        """End the visits not seen inside for more than ``max_gap_s``."""
        events: list[AnyEvent] = []
        for visit in [v for v in self._visits if now - v.last_inside_s > self._config.max_gap_s]:
            self._visits.remove(visit)
            for track_id in visit.track_ids:
                self._by_track.pop(track_id, None)
            if visit.event is not None:
                events.append(self._end(visit, visit.event))
        return events

    def _adopt(self, ob: Observation, present: set[int]) -> _Visit | None:
        """The lost visit a new track continues (an id switch), if any."""
        best: _Visit | None = None
        best_distance = math.inf
        for visit in self._visits:
            if present.intersection(visit.track_ids):
                continue
            distance = math.dist(ob.anchor, visit.anchor)
            if distance < SAME_VISIT_HEIGHTS * max(visit.height, ob.height) and distance < best_distance:
                best, best_distance = visit, distance
        if best is not None:
            best.track_ids.append(ob.track_id)
            self._by_track[ob.track_id] = best
        return best

    def _start(self, ob: Observation, now: float) -> _Visit:
        visit = _Visit([ob.track_id], now, now, ob.anchor, ob.height)
        self._visits.append(visit)
        self._by_track[ob.track_id] = visit
        return visit

    def _open(self, visit: _Visit) -> LoiteringEvent:
        return LoiteringEvent(
            **event_fields(self._ctx, self.name, "loitering", visit.track_ids[0], visit.entered_s),
            zone=self._config.zone,
            track_ids=tuple(visit.track_ids),
            score=visit.score.value,
            dwell_s=visit.dwell_s,
        )

    def _end(self, visit: _Visit, event: LoiteringEvent) -> LoiteringEvent:
        return closed(
            event,
            visit.last_inside_s,
            track_ids=tuple(visit.track_ids),
            score=visit.score.value,
            dwell_s=visit.dwell_s,
        )
