"""Zone intrusion: an object of a watched class enters a zone.

A track whose anchor (bottom-centre of its box, the feet) has been inside the zone for at least
``min_inside_s`` opens one event per entry. The event starts at the time the track entered
(``start_s``) and may only be raised while the rule's schedule is on; a track already inside when
the schedule opens raises it then, still dated from its entry. It closes when the track has been
outside the zone for more than :data:`EXIT_AFTER_S` or unseen for more than :data:`LOST_AFTER_S`;
``end_s`` is the last time the track was seen inside. Leaving briefly (up to :data:`EXIT_AFTER_S`)
does not restart the entry, so a box that flickers across the border raises one event.

Score: mean detection confidence of the track's boxes while inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from camsight.config.models import ZoneIntrusionRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, ZoneIntrusionEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.shared import MeanScore, Observation, ZoneRule, class_name, closed, event_fields, observe

#: A track outside the zone for longer than this (seconds since last seen inside) has left.
EXIT_AFTER_S = 1.0
#: A track not seen for longer than this has disappeared.
LOST_AFTER_S = 2.0


@dataclass(slots=True)
class _Presence:
    """One track's current entry into the zone."""

    entered_s: float
    last_inside_s: float
    last_seen_s: float
    class_id: int
    outside: bool = False
    score: MeanScore = field(default_factory=MeanScore)
    event: ZoneIntrusionEvent | None = None


class ZoneIntrusion(ZoneRule[ZoneIntrusionRule]):
    """Raise an event when a watched object enters a zone (see the module docstring)."""

    config_type = ZoneIntrusionRule

    def __init__(self, config: ZoneIntrusionRule, zone: Polygon, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._tracks: dict[int, _Presence] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        for ob in observe(dets, self._classes, self._zone):
            self._see(ob, now)
        events: list[AnyEvent] = []
        for track_id, p in list(self._tracks.items()):
            gone = (p.outside and now - p.last_inside_s > EXIT_AFTER_S) or now - p.last_seen_s > LOST_AFTER_S
            if gone:
                del self._tracks[track_id]
                if p.event is not None:
                    events.append(closed(p.event, p.last_inside_s, score=p.score.value))
            elif p.event is None and not p.outside and self._due(p, now):
                p.event = self._open(track_id, p)
                events.append(p.event)
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = last time its track was seen inside)."""
        events: list[AnyEvent] = [
            closed(p.event, p.last_inside_s, score=p.score.value) for p in self._tracks.values() if p.event
        ]
        self._tracks.clear()
        return events

    def _see(self, ob: Observation, now: float) -> None:
        p = self._tracks.get(ob.track_id)
        if not ob.inside:
            if p is not None:
                p.last_seen_s = now
                p.outside = True
            return
        if p is None:
            p = self._tracks[ob.track_id] = _Presence(now, now, now, ob.class_id)
        p.last_inside_s = p.last_seen_s = now
        p.outside = False
        p.score.add(ob.confidence)

    def _due(self, p: _Presence, now: float) -> bool:
        """Whether an entry has lasted long enough, at a scheduled time, to raise its event."""
        return now - p.entered_s >= self._config.min_inside_s and scheduled(self._config, self._ctx, now)

    def _open(self, track_id: int, p: _Presence) -> ZoneIntrusionEvent:
        return ZoneIntrusionEvent(
            **event_fields(self._ctx, self.name, "zone_intrusion", track_id, p.entered_s),
            zone=self._config.zone,
            track_ids=(track_id,),
            score=p.score.value,
            object_class=class_name(p.class_id),
        )
