"""Crowd: at least ``min_people`` people in a zone (or in view) for at least ``min_duration_s``.

Each frame the rule counts the tracked people whose anchor (the feet) is inside the zone; a frame
is *full* when that count reaches ``min_people``. Detections flicker, so both ends have hysteresis:

* Start. A *stretch* begins at the first full frame and survives dips (non-full frames) of up to
  :data:`DIP_BRIDGE_S`. The event opens, with ``start_s`` = the start of the stretch, at a full
  frame once the stretch has lasted ``min_duration_s`` and at least :data:`HOLD_SHARE` of the frames
  in the last ``min_duration_s`` were full (and the schedule is on). A single missed person for a
  frame neither breaks the stretch nor blocks the start; a single spurious box does not start one.
* End. The event closes once no frame has been full for ``end_after_s``; dips shorter than that do
  not end it. ``end_s`` is the last full frame.

``count`` is the peak count; ``track_ids`` the people seen in the zone from the start of the stretch
to the end (the first :data:`MAX_TRACK_IDS`, sorted). Untracked boxes are not counted.

Score: mean detection confidence of the people counted on full frames.
"""

from __future__ import annotations

from collections import deque

from camsight.config.models import CrowdRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, CrowdEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.shared import MeanScore, ZoneRule, closed, event_fields, observe

#: Non-full frames for up to this long (seconds) do not break a stretch before the event opens.
DIP_BRIDGE_S = 1.0
#: Share of full frames in the last ``min_duration_s`` needed to open the event.
HOLD_SHARE = 0.7
#: At most this many track ids are listed in an event.
MAX_TRACK_IDS = 50


class Crowd(ZoneRule[CrowdRule]):
    """Raise an event while a zone holds at least ``min_people`` people (see the module docstring)."""

    config_type = CrowdRule

    def __init__(self, config: CrowdRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._window: deque[tuple[float, bool]] = deque()
        self._stretch_s: float | None = None
        self._last_full_s = 0.0
        self._peak = 0
        self._ids: set[int] = set()
        self._score = MeanScore()
        self._event: CrowdEvent | None = None

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        people = [ob for ob in observe(dets, self._classes, self._zone) if ob.inside]
        full = len(people) >= self._config.min_people
        self._window.append((now, full))
        while self._window[0][0] < now - self._config.min_duration_s:
            self._window.popleft()
        if self._stretch_s is not None and not full and now - self._last_full_s > self._bridge_s:
            if self._event is not None:
                return self._end()
            self._stretch_s = None
        if full:
            if self._stretch_s is None:
                self._restart(now)
            self._last_full_s = now
            self._peak = max(self._peak, len(people))
            for ob in people:
                self._score.add(ob.confidence)
        if self._stretch_s is not None:
            for ob in people:
                if len(self._ids) < MAX_TRACK_IDS:
                    self._ids.add(ob.track_id)
        if full and self._event is None and self._holds(now):
            self._event = self._open()
            return [self._event]
        return []

    def close(self, now: float) -> list[AnyEvent]:
        """End the open event, if any (``end_s`` = the last full frame)."""
        return self._end() if self._event is not None else []

    @property
    def _bridge_s(self) -> float:
        """How long non-full frames may last: ``DIP_BRIDGE_S`` before opening, ``end_after_s`` after."""
        return self._config.end_after_s if self._event is not None else DIP_BRIDGE_S

    def _holds(self, now: float) -> bool:
        if self._stretch_s is None or now - self._stretch_s < self._config.min_duration_s:
            return False
        share = sum(full for _, full in self._window) / len(self._window)
        return share >= HOLD_SHARE and scheduled(self._config, self._ctx, now)

    def _restart(self, now: float) -> None:
        self._stretch_s = now
        self._peak = 0
        self._ids = set()
        self._score = MeanScore()

    def _open(self) -> CrowdEvent:
        start_s = self._stretch_s if self._stretch_s is not None else self._last_full_s
        return CrowdEvent(
            **event_fields(self._ctx, self.name, "crowd", "crowd", start_s),
            zone=self._config.zone,
            track_ids=tuple(sorted(self._ids)),
            score=self._score.value,
            count=self._peak,
            min_people=self._config.min_people,
        )

    def _end(self) -> list[AnyEvent]:
        event = self._event
        self._event = None
        self._stretch_s = None
        if event is None:
            return []
        return [
            closed(
                event, self._last_full_s, count=self._peak, track_ids=tuple(sorted(self._ids)), score=self._score.value
            )
        ]
