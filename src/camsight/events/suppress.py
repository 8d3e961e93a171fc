"""Suppressions: alerts an operator chose not to see again, in four kinds, matched against what an alert is about.

An alert is about a :class:`Placement` — the object its first track was when the alert started: class,
bottom-centre point and box size (normalised 0..1) and its colours. A :class:`Suppression` belongs to one
rule (or standing query, ``query:<name>``) and camera, optionally one zone, and is one of:

* ``place``: the object stands inside a polygon (and is of the suppression's class, if it has one);
* ``appearance``: *the same object seen again* (a parked car, a statue, a poster): same class, bottom-centre
  within half a box of where it was, box size within :data:`SIZE_RATIO`, and colours that overlap by at least
  :data:`MIN_COLOUR_OVERLAP`. Unknown colours never match, so a person walking where a parked car was
  suppressed, or another car parked there, still alerts;
* ``time``: the alert starts inside a daily window of local time (``22:00-06:00`` wraps over midnight);
* ``threshold``: the alert's measure (its score, dwell, count, distance, speed: :data:`MEASURES`) is below a
  minimum. The alert gate holds such an alert only until an update of it reaches the minimum, so a threshold
  raises an alert later instead of never.

Everything here is pure: no clock, no store.

Example:
    >>> car = Placement(0.5, 0.8, "car", w=0.2, h=0.1, colours={"upper:white": 0.9})
    >>> s = Suppression(1, "wrong-way", "gate", None, (), "car", kind="appearance", like=car)
    >>> same_object(car, Placement(0.52, 0.8, "car", w=0.21, h=0.1, colours={"upper:white": 0.8}))
    True
    >>> same_object(car, Placement(0.5, 0.8, "person", w=0.05, h=0.2, colours={"upper:white": 0.9}))
    False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time, tzinfo
from typing import Literal

from camsight.core.geometry import Polygon
from camsight.core.records import Appearance
from camsight.events.models import AnyEvent

Point = tuple[float, float]
SuppressionKind = Literal["place", "appearance", "time", "threshold"]
KINDS: tuple[SuppressionKind, ...] = ("place", "appearance", "time", "threshold")

SIZE_RATIO = 1.5
"""An object is the same only if its box is at most this much wider or taller (or narrower, shorter)."""
MIN_COLOUR_OVERLAP = 0.5
"""Share of colour two sightings must have in common (histogram intersection) to be the same object."""

MEASURES: dict[str, tuple[str, ...]] = {
    "loitering": ("dwell_s",),
    "edge_dwell": ("dwell_s",),
    "crowd": ("count",),
    "crowd_forming": ("count",),
    "dispersal": ("count",),
    "wrong_way": ("distance",),
    "running": ("speed",),
    "person_down": ("down_s",),
    "erratic_vehicle": ("speed_change",),
}
"""What a threshold can be set on, by event kind, besides ``score`` (every kind has one)."""


@dataclass(frozen=True)
class Placement:
    """What an alert is about: its first track's class, bottom-centre and box size (normalised) and colours.

    Attributes:
        x: Bottom-centre x, 0..1.
        y: Bottom-centre y, 0..1.
        object_class: COCO class name.
        w: Box width, 0..1 (0: unknown).
        h: Box height, 0..1 (0: unknown).
        colours: ``{"upper:red": share, ...}`` by body region, or None when not seen.
    """

    x: float
    y: float
    object_class: str
    w: float = 0.0
    h: float = 0.0
    colours: Mapping[str, float] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Suppression:
    """Alerts of one rule (and camera, optionally zone) that are not raised; see the module docstring.

    Attributes:
        id: Id in the store.
        rule: Rule name (``query:<name>`` for a standing query).
        camera: Camera id.
        zone: Zone of the rule's events, or None for any.
        polygon: Normalised (0..1) polygon of a ``place``; empty for the other kinds.
        object_class: Class name, or None for any (``place``; an ``appearance`` always has its object's).
        enabled: Applied only when true.
        kind: ``place``, ``appearance``, ``time`` or ``threshold``.
        like: The object an ``appearance`` suppression matches.
        window: ``(start, end)`` local times (``HH:MM``) of a ``time`` suppression.
        measure: What a ``threshold`` is on (``score`` or one of :data:`MEASURES`).
        minimum: The least value of ``measure`` that is raised.
    """

    id: int
    rule: str
    camera: str
    zone: str | None
    polygon: tuple[Point, ...]
    object_class: str | None = None
    enabled: bool = True
    kind: SuppressionKind = "place"
    like: Placement | None = None
    window: tuple[str, str] | None = None
    measure: str | None = None
    minimum: float | None = None

    def describe(self) -> str:
        """What it holds back, in a few words (``place (0.10,0.50)-(0.40,0.90) person``)."""
        cls = self.object_class or "any class"
        if self.kind == "place":
            xs, ys = [p[0] for p in self.polygon] or [0.0], [p[1] for p in self.polygon] or [0.0]
            return f"place ({min(xs):.2f},{min(ys):.2f})-({max(xs):.2f},{max(ys):.2f}) {cls}"
        if self.kind == "appearance" and self.like is not None:
            look = ", ".join(k for k, _ in sorted((self.like.colours or {}).items(), key=lambda kv: -kv[1])[:3])
            return f"same {cls} at ({self.like.x:.2f},{self.like.y:.2f}) ({look or 'colours unknown'})"
        if self.kind == "time" and self.window is not None:
            return f"time {self.window[0]}-{self.window[1]}"
        return f"{self.measure} below {self.minimum:g}" if self.minimum is not None else self.kind


def colours_of(look: Appearance | None) -> dict[str, float] | None:
    """An appearance's colours as one map by region (``{"upper:red": 0.6, "lower:black": 0.8}``), or None."""
    if look is None:
        return None
    found = {
        f"{region}:{name}": round(share, 3)
        for region in ("upper", "lower")
        for name, share in getattr(look, region).items()
    }
    return found or None


def measure_of(event: AnyEvent, name: str) -> float | None:
    """The value of a measure (``score``, ``dwell_s``, ...) of an event, or None if it has none."""
    value = getattr(event, name, None)
    return float(value) if isinstance(value, int | float) else None


def measures(kind: str) -> tuple[str, ...]:
    """What a threshold of an event kind may be on: ``score`` and the kind's own measures."""
    return ("score", *MEASURES.get(kind, ()))


def colour_overlap(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Histogram intersection of two colour maps, relative to the larger one (0..1)."""
    total = max(sum(a.values()), sum(b.values()))
    if total <= 0:
        return 0.0
    return sum(min(v, b.get(k, 0.0)) for k, v in a.items()) / total


def same_object(like: Placement, seen: Placement) -> bool:
    """Whether ``seen`` is the object ``like`` described again (see the module docstring)."""
    if like.object_class != seen.object_class or like.w <= 0 or like.h <= 0 or seen.w <= 0 or seen.h <= 0:
        return False
    if abs(seen.x - like.x) > like.w / 2 or abs(seen.y - like.y) > like.h / 2:
        return False
    if not (1 / SIZE_RATIO <= seen.w / like.w <= SIZE_RATIO and 1 / SIZE_RATIO <= seen.h / like.h <= SIZE_RATIO):
        return False
    if not like.colours or not seen.colours:
        return False
    return colour_overlap(like.colours, seen.colours) >= MIN_COLOUR_OVERLAP


def in_window(window: tuple[str, str], at: time) -> bool:
    """Whether a time of day lies in a daily window (``start > end`` wraps over midnight)."""
    start, end = time.fromisoformat(window[0]), time.fromisoformat(window[1])
    if start <= end:
        return start <= at < end
    return at >= start or at < end


def holds(s: Suppression, event: AnyEvent, where: Placement | None, tz: tzinfo | None = None) -> bool:
    """Whether suppression ``s`` (enabled or not) holds back ``event``, about the object ``where``.

    Args:
        s: The suppression.
        event: A rule or standing-query event.
        where: What the event is about; None (unknown) never matches a place or an appearance.
        tz: Time zone of a ``time`` window (default: local).
    """
    if s.rule != event.rule or s.camera != event.camera or (s.zone is not None and s.zone != event.zone):
        return False
    if s.kind == "place":
        if where is None or (s.object_class is not None and s.object_class != where.object_class):
            return False
        return bool(Polygon(s.polygon).contains([(where.x, where.y)])[0])
    if s.kind == "appearance":
        return where is not None and s.like is not None and same_object(s.like, where)
    if s.kind == "time":
        return s.window is not None and in_window(s.window, event.started_at.astimezone(tz).time())
    if s.measure is None or s.minimum is None:
        return False
    value = measure_of(event, s.measure)
    return value is not None and value < s.minimum


def suppressed_by(
    event: AnyEvent, where: Placement | None, regions: Iterable[Suppression], tz: tzinfo | None = None
) -> Suppression | None:
    """The first enabled suppression that holds back ``event`` (about ``where``), or None."""
    return next((s for s in regions if s.enabled and holds(s, event, where, tz)), None)
