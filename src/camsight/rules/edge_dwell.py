"""Edge dwell: a person stays within ``max_distance`` of an edge line for at least ``min_dwell_s``.

The edge is a drawn line (a bridge railing, a platform edge, a quay). A person is *at the edge*
when the distance from their anchor (the feet) to the line segment is at most ``max_distance``,
measured in ``distance_unit``:

* ``body_heights`` (default): multiples of the person's own box height in that frame, so one
  setting works near and far from the camera (0.5 = within half a body height of the edge);
* ``normalised``: image units, with x divided by the image width and y by its height (as the line
  is drawn), so 0.05 = 5% of the image.

Dwell is the time from the first sighting at the edge to the latest one; a person may step back or
be missed for up to ``max_gap_s`` without it restarting. When the dwell reaches ``min_dwell_s``
(and the schedule is on) one event opens with ``start_s`` = the first sighting at the edge; it
closes once the person has been away (or unseen) for more than ``max_gap_s``, with ``end_s`` = the
last sighting at the edge. ``min_distance`` is the closest approach, in the rule's unit.

Score: mean detection confidence of the person's boxes while at the edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from camsight.config.models import EdgeDwellRule
from camsight.core.detections import Detections
from camsight.core.geometry import Line
from camsight.events.models import AnyEvent, EdgeDwellEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, sightings
from camsight.rules.shared import LineRule, MeanScore, closed, event_fields


@dataclass(slots=True)
class _Stay:
    """One track's stay at the edge."""

    start_s: float
    last_s: float
    closest: float
    score: MeanScore = field(default_factory=MeanScore)
    event: EdgeDwellEvent | None = None

    @property
    def dwell_s(self) -> float:
        """Time from the first to the latest sighting at the edge."""
        return self.last_s - self.start_s


class EdgeDwell(LineRule[EdgeDwellRule]):
    """Raise one event per stay at an edge line of at least ``min_dwell_s`` (see the module docstring)."""

    config_type = EdgeDwellRule

    def __init__(self, config: EdgeDwellRule, line: Line, ctx: RuleContext) -> None:
        super().__init__(config, line, ctx)
        self._stays: dict[int, _Stay] = {}

    def distance(self, sighting: Sighting) -> float:
        """Distance of a sighting's anchor to the edge, in the rule's unit."""
        if self._config.distance_unit == "body_heights":
            return float(self._line.distance([sighting.anchor])[0]) / max(sighting.height, 1.0)
        w, h = self._ctx.width, self._ctx.height
        (ax, ay), (bx, by) = self._line.a, self._line.b
        norm = Line((ax / w, ay / h), (bx / w, by / h))
        x, y = sighting.anchor
        return float(norm.distance([(x / w, y / h)])[0])

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        events = self._expire(now)
        for track_id, sighting in sightings(dets, self._classes, None, now).items():
            distance = self.distance(sighting)
            if distance > self._config.max_distance:
                continue
            stay = self._stays.get(track_id)
            if stay is None:
                stay = self._stays[track_id] = _Stay(start_s=now, last_s=now, closest=math.inf)
            stay.last_s = now
            stay.closest = min(stay.closest, distance)
            stay.score.add(sighting.confidence)
            ready = stay.event is None and stay.dwell_s >= self._config.min_dwell_s
            if ready and scheduled(self._config, self._ctx, now):
                stay.event = self._open(track_id, stay)
                events.append(stay.event)
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the last sighting at the edge)."""
        events: list[AnyEvent] = [self._end(s) for s in self._stays.values() if s.event is not None]
        self._stays.clear()
        return events

    def _expire(self, now: float) -> list[AnyEvent]:
        """End the stays not seen at the edge for more than ``max_gap_s``."""
        events: list[AnyEvent] = []
        for track_id in [k for k, s in self._stays.items() if now - s.last_s > self._config.max_gap_s]:
            stay = self._stays.pop(track_id)
            if stay.event is not None:
                events.append(self._end(stay))
        return events

    def _open(self, track_id: int, stay: _Stay) -> EdgeDwellEvent:
        return EdgeDwellEvent(
            **event_fields(self._ctx, self.name, "edge_dwell", track_id, stay.start_s),
            zone=self._config.line,
            track_ids=(track_id,),
            score=stay.score.value,
            dwell_s=stay.dwell_s,
            min_distance=stay.closest,
        )

    def _end(self, stay: _Stay) -> EdgeDwellEvent:
        assert stay.event is not None
        return closed(stay.event, stay.last_s, score=stay.score.value, dwell_s=stay.dwell_s, min_distance=stay.closest)
