"""From rule events to alerts: one alert per track and rule, cooldown, an hourly budget, suppressions.

Rules emit an event when a behaviour starts, while it lasts and when it ends. The :class:`AlertGate`
sits between the rules and the sinks and turns those into *alerts* an operator can keep up with (its
one verb, ``admit``, says which events go on, and as what alert):

* **Slot.** Every event belongs to a slot: ``(camera, rule, zone, first track)``; for count-type
  rules (:data:`COUNT_KINDS`: crowd, crowd forming, dispersal) the track is left out, since the
  people counted change while the crowd stays.
* **One alert per slot at a time, with cooldown (hysteresis).** A rule event with a new id opens a
  new alert, unless the slot's last alert is still open or closed at most ``cooldown_s`` seconds
  (source time) before the new event starts: then the event is merged into that alert, which is
  reopened or extended (same alert id, earliest start, latest end, track ids joined, highest score,
  largest count). A count flickering around a threshold therefore gives one alert, not one per
  crossing. An alert is closed only when every rule event merged into it is closed.
* **Budget.** At most ``max_per_hour`` new alerts per ``(camera, rule)`` in any hour (by the
  injected ``now``). Past it, new alerts are not raised; instead one summary
  :class:`~camsight.events.models.AlertBudgetEvent` per rule and hour counts them (emitted again,
  same id, each time the count grows). Updates of a suppressed rule event are dropped too.
  :attr:`AlertGate.dropped` counts what was held back, by reason.
* **Suppressions.** An enabled :class:`~camsight.events.suppress.Suppression` (a place, the same
  object again, a time window or a threshold: :mod:`camsight.events.suppress`) *holds back* a new event
  of its rule, standing queries included: it is not raised, but handed out as :class:`Held` (with the
  suppression's id) for the store to keep, and its updates too. An event held by a threshold is raised
  after all when an update of it reaches the minimum. Suggestions come from operator feedback and are
  disabled until an operator enables one.
* **Subjects.** What each new alert (or held one) is about (:class:`Placement`, from ``where``) is
  handed out too, so a verdict on it can teach a suppression.

Everything here is pure: no clock, no store.

Example:
    >>> log = AlertGate(AlertPolicy(cooldown_s=30, max_per_hour=60))
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo

import numpy as np

from camsight.core.detections import COCO_NAMES, Detections
from camsight.events.models import AlertBudgetEvent, AnyEvent, event_id
from camsight.events.suppress import Placement, Point, Suppression, holds, suppressed_by

__all__ = [
    "COUNT_KINDS",
    "AlertGate",
    "AlertPolicy",
    "Held",
    "Placement",
    "Point",
    "Suppression",
    "Where",
    "placement",
    "suppressed_by",
]

COUNT_KINDS = frozenset({"crowd", "crowd_forming", "dispersal"})
"""Event kinds about a number of people, not one track: their slot has no track."""

HOUR_S = 3600.0
MAX_TRACK_IDS = 50
KEEP_ALERTS = 1000
"""Past this many alerts in memory, closed ones beyond their cooldown are forgotten (long live streams)."""


@dataclass(frozen=True)
class AlertPolicy:
    """How events become alerts.

    Attributes:
        cooldown_s: Merge a new alert into the slot's last one if that closed at most this long before.
        max_per_hour: New alerts per camera and rule allowed in any hour.
    """

    cooldown_s: float = 30.0
    max_per_hour: int = 60


def placement(dets: Detections | None, track_id: int, width: int, height: int) -> Placement | None:
    """Where track ``track_id`` is in one frame's detections (normalised), or None if absent."""
    if dets is None or width <= 0 or height <= 0:
        return None
    hits = np.flatnonzero(dets.tracker_id == track_id)
    if hits.size == 0:
        return None
    i = int(hits[0])
    x, y = (float(v) for v in dets.anchors[i])
    x1, y1, x2, y2 = (float(v) for v in dets.xyxy[i])
    cls = COCO_NAMES.get(int(dets.class_id[i]), "object")
    return Placement(x / width, y / height, cls, w=(x2 - x1) / width, h=(y2 - y1) / height)


@dataclass
class _Alert:
    event: AnyEvent
    open_parts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Held:
    """A version of an alert that a suppression held back, with the suppression's id.

    ``released`` marks the update with which an alert held by a threshold reached its minimum: that
    update is raised as an alert after all.
    """

    event: AnyEvent
    suppression_id: int
    released: bool = False


Where = Callable[[AnyEvent], Placement | None]


class AlertGate:
    """Turns rule events into alerts (see the module docstring); keep one per source or stream."""

    def __init__(
        self,
        policy: AlertPolicy | None = None,
        *,
        suppressions: Sequence[Suppression] = (),
        scope: str = "",
        tz: tzinfo | None = None,
    ) -> None:
        """Start with no alerts.

        Args:
            policy: Cooldown and budget; defaults to :class:`AlertPolicy`.
            suppressions: Suppressions to apply (disabled ones are ignored).
            scope: The source (or live run) id the gate serves: part of the ids of its summary alerts,
                so they are unique across runs and sites.
            tz: Time zone of time-window suppressions (default: local).
        """
        self.policy = policy or AlertPolicy()
        self.scope = scope
        self.tz = tz
        self.suppressions = tuple(s for s in suppressions if s.enabled)
        self.dropped: Counter[str] = Counter()
        self.held_by: Counter[int] = Counter()
        """New alerts held back, by suppression id."""
        self._alias: dict[str, str | None] = {}
        self._alerts: dict[str, _Alert] = {}
        self._last: dict[tuple[object, ...], str] = {}
        self._starts: dict[tuple[str, str], deque[float]] = {}
        self._budget: dict[tuple[str, str], AlertBudgetEvent] = {}
        self._held: dict[str, Suppression] = {}
        self._out: list[Held] = []
        self._subjects: dict[str, Placement] = {}

    def use(self, suppressions: Sequence[Suppression]) -> None:
        """Apply these suppressions from now on (disabled ones are ignored); events held so far stay held."""
        self.suppressions = tuple(s for s in suppressions if s.enabled)

    def admit(self, events: Iterable[AnyEvent], now: float, where: Where | None = None) -> list[AnyEvent]:
        """The alerts (new or updated) to hand to the sinks for these rule events; the rest are held back.

        What was held back, and what the new alerts are about, wait in :meth:`drain`.

        Args:
            events: Rule events, in order.
            now: Current time, seconds of the source (the rules' clock).
            where: What an event's track is (position, size, class, colours), for suppressions and subjects.
        """
        out: list[AnyEvent] = []
        for event in events:
            out.extend(self._one(event, now, where))
        if len(self._alerts) > KEEP_ALERTS:
            self._forget(now)
        return out

    def drain(self) -> tuple[list[Held], dict[str, Placement]]:
        """What was held back, and what each new alert (or held one) is about, since the last call."""
        held, subjects = self._out, self._subjects
        self._out, self._subjects = [], {}
        return held, subjects

    def _forget(self, now: float) -> None:
        """Drop closed alerts whose cooldown has passed, and what points to them."""
        stale = {
            k for k, a in self._alerts.items() if not a.open_parts and a.event.end_s < now - self.policy.cooldown_s
        }
        self._alerts = {k: a for k, a in self._alerts.items() if k not in stale}
        dropped = [k for k, v in self._alias.items() if v is None][-10 * KEEP_ALERTS :]
        kept = {k: v for k, v in self._alias.items() if v is not None and v not in stale}
        self._alias = {**dict.fromkeys(dropped), **kept}
        self._last = {k: v for k, v in self._last.items() if v not in stale}

    def _one(self, event: AnyEvent, now: float, where: Where | None) -> list[AnyEvent]:
        if event.kind == "alert_budget":
            return [event]
        if event.id in self._held:
            return self._held_again(event, now)
        if event.id in self._alias:
            target = self._alias[event.id]
            if target is None:
                self.dropped["update_of_dropped"] += 1
                return []
            return [self._merge(target, event)]
        about = where(event) if where is not None else None
        if about is not None:
            self._subjects[event.id] = about
        held_by = suppressed_by(event, about, self.suppressions, self.tz) if self.suppressions else None
        if held_by is not None:
            self.dropped["suppression"] += 1
            self.held_by[held_by.id] += 1
            self._hold(event, held_by)
            return []
        return self._raise(event, now)

    def _hold(self, event: AnyEvent, by: Suppression) -> None:
        self._out.append(Held(event, by.id))
        if event.status == "closed":
            self._held.pop(event.id, None)
            self._alias[event.id] = None
        else:
            self._held[event.id] = by

    def _held_again(self, event: AnyEvent, now: float) -> list[AnyEvent]:
        """An update of a held event: still held, or raised now that it reached a threshold's minimum."""
        by = self._held[event.id]
        if by.kind == "threshold" and not holds(by, event, None, self.tz):
            del self._held[event.id]
            self._out.append(Held(event, by.id, released=True))
            return self._raise(event, now)
        self._hold(event, by)
        return []

    def _raise(self, event: AnyEvent, now: float) -> list[AnyEvent]:
        """A new event that no suppression holds: merged into its slot's alert, a new alert, or over budget."""
        key = _slot(event)
        previous = self._alerts.get(self._last.get(key, ""))
        if previous is not None and (
            previous.open_parts or event.start_s - previous.event.end_s <= self.policy.cooldown_s
        ):
            self._alias[event.id] = previous.event.id
            return [self._merge(previous.event.id, event)]
        if not self._within_budget(event, now):
            self._alias[event.id] = None
            self.dropped["budget"] += 1
            return [self._summary(event, now)]
        self._alias[event.id] = event.id
        self._alerts[event.id] = _Alert(event, {event.id} if event.status == "open" else set())
        self._last[key] = event.id
        return [event]

    def _merge(self, alert_id: str, event: AnyEvent) -> AnyEvent:
        alert = self._alerts[alert_id]
        if event.status == "open":
            alert.open_parts.add(event.id)
        else:
            alert.open_parts.discard(event.id)
        old = alert.event
        update: dict[str, object] = {
            "id": alert_id,
            "start_s": min(old.start_s, event.start_s),
            "end_s": max(old.end_s, event.end_s),
            "started_at": min(old.started_at, event.started_at),
            "track_ids": tuple(sorted(set(old.track_ids) | set(event.track_ids)))[:MAX_TRACK_IDS],
            "score": max(old.score, event.score),
            "status": "open" if alert.open_parts else "closed",
            "snapshot": event.snapshot or old.snapshot,
        }
        if hasattr(event, "count") and hasattr(old, "count"):
            update["count"] = max(event.count, old.count)
        merged = event.model_copy(update=update)
        alert.event = merged
        return merged

    def _within_budget(self, event: AnyEvent, now: float) -> bool:
        starts = self._starts.setdefault((event.camera, event.rule), deque())
        while starts and starts[0] <= now - HOUR_S:
            starts.popleft()
        if len(starts) >= self.policy.max_per_hour:
            return False
        starts.append(now)
        return True

    def _summary(self, event: AnyEvent, now: float) -> AlertBudgetEvent:
        key = (event.camera, event.rule)
        last = self._budget.get(key)
        if last is not None and last.start_s > now - HOUR_S:
            summary = last.model_copy(update={"suppressed": last.suppressed + 1, "end_s": now})
        else:
            summary = AlertBudgetEvent(
                id=event_id(event.site, self.scope, event.camera, event.rule, "alert_budget", round(now, 3)),
                site=event.site,
                rule=event.rule,
                camera=event.camera,
                source=event.source,
                source_id=event.source_id,
                zone=event.zone,
                start_s=now,
                end_s=now,
                started_at=event.started_at,
                score=1.0,
                status="closed",
                suppressed=1,
                max_per_hour=self.policy.max_per_hour,
            )
        self._budget[key] = summary
        return summary


def _slot(event: AnyEvent) -> tuple[object, ...]:
    if event.kind in COUNT_KINDS or not event.track_ids:
        return (event.camera, event.rule, event.zone)
    return (event.camera, event.rule, event.zone, event.track_ids[0])
