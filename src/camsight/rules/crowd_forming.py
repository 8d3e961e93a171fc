"""Crowd forming: the number of people in a zone rises by at least ``min_rise`` (K) within ``within_s`` (T).

Beside the foundation's :mod:`camsight.rules.crowd` (at least N people at once), this one raises
on a *change*: people gathering fast, whatever the usual level.

Each frame the rule counts the tracked people whose anchor (the feet) is in the zone. Detections
flicker, so the count it works with is the median of the raw counts over the last ``hold_s``
seconds (the *smoothed* count), available once the rule has seen ``hold_s`` of the stream (so people
already there when the stream starts, and picked up by the tracker over its first frames, are not
a rise). The *baseline* is the lowest smoothed count over the last
``within_s`` seconds. When smoothed - baseline >= ``min_rise`` (and the schedule is on) one event
opens at that frame with ``baseline`` and the *level* baseline + ``min_rise``; it closes once the
smoothed count has stayed below the level for ``end_after_s`` (``end_s`` = the last frame at or
above it). ``count`` is the peak smoothed count; ``track_ids`` the people counted at or above the
level (the first :data:`MAX_TRACK_IDS`, sorted).

Score: mean detection confidence of the people counted while at or above the level.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from camsight.config.models import CrowdFormingRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, CrowdFormingEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.shared import MeanScore, Observation, ZoneRule, closed, event_fields, observe

#: At most this many track ids are listed in an event.
MAX_TRACK_IDS = 50


class CrowdForming(ZoneRule[CrowdFormingRule]):
    """Raise an event when the count in a zone rises fast (see the module docstring)."""

    config_type = CrowdFormingRule

    def __init__(self, config: CrowdFormingRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._raw: deque[tuple[float, int]] = deque()
        self._smooth: deque[tuple[float, int]] = deque()
        self._started_s: float | None = None
        self._event: CrowdFormingEvent | None = None
        self._level = 0
        self._last_high_s = 0.0
        self._peak = 0
        self._ids: set[int] = set()
        self._score = MeanScore()

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        people = [ob for ob in observe(dets, self._classes, self._zone) if ob.inside]
        count = self._smoothed(now, len(people))
        if count is None:
            return []
        baseline = min(c for _, c in self._smooth)
        if self._event is not None:
            if count >= self._level:
                self._high(now, count, people)
            elif now - self._last_high_s > self._config.end_after_s:
                return self._end()
            return []
        if count - baseline >= self._config.min_rise and scheduled(self._config, self._ctx, now):
            self._level, self._peak, self._ids, self._score = baseline + self._config.min_rise, 0, set(), MeanScore()
            self._high(now, count, people)
            self._event = CrowdFormingEvent(
                **event_fields(self._ctx, self.name, "crowd_forming", "crowd_forming", now),
                zone=self._config.zone,
                track_ids=tuple(sorted(self._ids)),
                score=self._score.value,
                baseline=baseline,
                count=count,
                min_rise=self._config.min_rise,
            )
            return [self._event]
        return []

    def close(self, now: float) -> list[AnyEvent]:
        """End the open event, if any (``end_s`` = the last frame at or above the level)."""
        return self._end()

    def _smoothed(self, now: float, raw: int) -> int | None:
        """Median raw count over ``hold_s`` (``None`` until ``hold_s`` has been seen); keeps ``within_s`` of them."""
        if self._started_s is None:
            self._started_s = now
        self._raw.append((now, raw))
        while self._raw[0][0] < now - self._config.hold_s - 1e-9:
            self._raw.popleft()
        if now - self._started_s < self._config.hold_s - 1e-9:
            return None
        count = int(np.floor(np.median([c for _, c in self._raw])))
        self._smooth.append((now, count))
        while self._smooth[0][0] < now - self._config.within_s - 1e-9:
            self._smooth.popleft()
        return count

    def _high(self, now: float, count: int, people: list[Observation]) -> None:
        self._last_high_s = now
        self._peak = max(self._peak, count)
        for ob in people:
            self._score.add(ob.confidence)
            if len(self._ids) < MAX_TRACK_IDS:
                self._ids.add(ob.track_id)

    def _end(self) -> list[AnyEvent]:
        event, self._event = self._event, None
        if event is None:
            return []
        return [
            closed(
                event, self._last_high_s, count=self._peak, track_ids=tuple(sorted(self._ids)), score=self._score.value
            )
        ]
