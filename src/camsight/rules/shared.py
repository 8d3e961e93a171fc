"""Helpers the rules share: how a rule is built, what it sees of one tracked box, scores and event fields.

Rules keep small per-track (or per-visit) state between frames; these helpers build a rule from its
config (:class:`ZoneRule`, :class:`LineRule`), turn one frame's
:class:`~camsight.core.detections.Detections` into plain :class:`Observation` values, keep a mean
detection confidence as an event's score, and fill in the fields every event carries (including its
deterministic id), so that each rule file holds only its own behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypedDict, TypeVar

import numpy as np

from camsight.config.models import (
    CameraConfig,
    CrowdFormingRule,
    CrowdRule,
    DispersalRule,
    EdgeDwellRule,
    ErraticVehicleRule,
    LineCrossingRule,
    LoiteringRule,
    PersonDownRule,
    RuleConfig,
    RunningRule,
    WrongWayRule,
    ZoneIntrusionRule,
)
from camsight.core.detections import COCO_NAMES, Detections
from camsight.core.geometry import Line, Point, Polygon
from camsight.events.models import EventBase, event_id
from camsight.rules.base import RuleContext, class_ids, rule_name

C = TypeVar("C")
E = TypeVar("E", bound=EventBase)
#: Configs of the rules that watch a zone (or the whole view).
ZoneRuleConfig = (
    ZoneIntrusionRule
    | LoiteringRule
    | CrowdRule
    | PersonDownRule
    | RunningRule
    | DispersalRule
    | WrongWayRule
    | ErraticVehicleRule
    | CrowdFormingRule
)
#: Configs of the rules that watch a line.
LineRuleConfig = LineCrossingRule | EdgeDwellRule
Z = TypeVar("Z", bound=ZoneRuleConfig)
L = TypeVar("L", bound=LineRuleConfig)
R = TypeVar("R", bound=ZoneRuleConfig | LineRuleConfig)
#: Classes watched by the rules whose config has no ``classes`` (the people-only rules).
DEFAULT_CLASSES = ("person",)


@dataclass(frozen=True, slots=True)
class Observation:
    """One tracked box of a watched class in one frame, as a rule sees it.

    Attributes:
        track_id: Tracker id.
        anchor: Bottom-centre of the box (the feet) in pixels.
        height: Box height in pixels (about one body height for a standing person).
        confidence: Detection score, 0..1.
        class_id: COCO class id.
        inside: Whether the anchor is inside the rule's zone (always true without a zone).
    """

    track_id: int
    anchor: Point
    height: float
    confidence: float
    class_id: int
    inside: bool


def observe(dets: Detections, classes: frozenset[int], zone: Polygon | None) -> list[Observation]:
    """The tracked boxes of the given classes in a frame; untracked boxes are ignored.

    Args:
        dets: One frame's tracked detections (not modified).
        classes: COCO ids the rule watches.
        zone: The rule's zone in pixels, or ``None`` for the whole view.

    Returns:
        One observation per kept box, in the order of ``dets``.
    """
    keep = dets.tracked & dets.is_class(classes)
    if not keep.any():
        return []
    sel = dets[keep]
    anchors = sel.anchors
    inside = np.ones(len(sel), dtype=bool) if zone is None else zone.contains(anchors)
    return [
        Observation(
            track_id=int(sel.tracker_id[i]),
            anchor=(float(anchors[i, 0]), float(anchors[i, 1])),
            height=float(sel.heights[i]),
            confidence=float(sel.confidence[i]),
            class_id=int(sel.class_id[i]),
            inside=bool(inside[i]),
        )
        for i in range(len(sel))
    ]


def class_name(class_id: int) -> str:
    """The COCO name of a class id, or the id as text when it has no name here."""
    return COCO_NAMES.get(class_id, str(class_id))


def expect(config: RuleConfig, kind: type[C]) -> C:
    """Narrow a rule config to the type a rule class needs.

    Raises:
        TypeError: The registry handed a rule the wrong kind of config (a programming error).
    """
    if not isinstance(config, kind):
        raise TypeError(f"rule config of kind {config.kind!r} cannot build a {kind.__name__} rule")
    return config


SCORE_DECIMALS = 4
"""Decimals of an event's score, as of a track's confidence: a detector's confidence means no more."""


def score_of(value: float) -> float:
    """An event's score: ``value`` clipped to 0..1 and rounded to :data:`SCORE_DECIMALS` decimals.

    Example:
        >>> score_of(0.8961609999338785), score_of(1.2)
        (0.8962, 1.0)
    """
    return round(min(1.0, max(0.0, value)), SCORE_DECIMALS)


@dataclass(slots=True)
class MeanScore:
    """Running mean of detection confidences: the score of an event (0 before any sample)."""

    total: float = 0.0
    count: int = 0

    def add(self, confidence: float) -> None:
        """Add one box's confidence."""
        self.total += confidence
        self.count += 1

    @property
    def value(self) -> float:
        """The mean, clipped to 0..1, to :data:`SCORE_DECIMALS` decimals."""
        return score_of(self.total / self.count) if self.count else 0.0


class EventFields(TypedDict):
    """The fields every event carries, filled in by :func:`event_fields`."""

    id: str
    site: str
    rule: str
    camera: str
    source: str
    source_id: str
    start_s: float
    end_s: float
    started_at: datetime


def event_fields(ctx: RuleContext, rule: str, kind: str, key: int | str, start_s: float) -> EventFields:
    """Common fields of a newly opened event (``end_s == start_s`` while it is open).

    The id is ``event_id(site, source_id, camera, source, rule, kind, key, round(start_s, 2))``, where
    ``key`` is the first track id (or ``"crowd"``), so the same behaviour in the same source always gets
    the same id, and two sites (or two runs of a live camera, each its own source) never share one.
    """
    return EventFields(
        id=event_id(ctx.site, ctx.source_id, ctx.camera, ctx.source, rule, kind, key, round(start_s, 2)),
        site=ctx.site,
        rule=rule,
        camera=ctx.camera,
        source=ctx.source,
        source_id=ctx.source_id,
        start_s=start_s,
        end_s=start_s,
        started_at=ctx.wall(start_s),
    )


def closed(event: E, end_s: float, **changes: Any) -> E:
    """The same event (same id) marked closed at ``end_s``, with any other fields changed."""
    return event.model_copy(update={"status": "closed", "end_s": max(end_s, event.start_s), **changes})


class _ConfiguredRule(Generic[R]):
    """What every configured rule holds: its name, config, stream context and watched classes."""

    #: The config model the rule is built from (checked by ``from_config``).
    config_type: ClassVar[type[Any]]

    def __init__(self, config: R, ctx: RuleContext) -> None:
        self.name = rule_name(config)
        self._config = config
        self._ctx = ctx
        self._classes = class_ids(getattr(config, "classes", DEFAULT_CLASSES))


class ZoneRule(_ConfiguredRule[Z]):
    """Base of the rules that watch a zone (or the whole view).

    A subclass sets :attr:`config_type` to its config model and sets up its own state in
    ``__init__`` after calling ``super().__init__``; :meth:`from_config` is the registry's factory.
    The rule's ``name`` is :func:`~camsight.rules.base.rule_name` of its config, and it watches the
    config's ``classes`` (:data:`DEFAULT_CLASSES` when the config has none).
    """

    def __init__(self, config: Z, zone: Polygon | None, ctx: RuleContext) -> None:
        """Build the rule for a zone already scaled to pixels.

        Args:
            config: The rule's configuration.
            zone: The watched zone in pixels, or ``None`` for the whole view.
            ctx: Camera, source and time mapping of the stream.
        """
        super().__init__(config, ctx)
        self._zone = zone

    @classmethod
    def from_config(cls, config: RuleConfig, camera: CameraConfig, ctx: RuleContext) -> Self:
        """Build the rule from its config and the camera's zones (the registry's factory).

        Raises:
            TypeError: ``config`` is not a :attr:`config_type` (a programming error).
        """
        rule: Z = expect(config, cls.config_type)
        return cls(rule, ctx.polygon(camera, rule.zone), ctx)


class LineRule(_ConfiguredRule[L]):
    """Base of the rules that watch a line; otherwise as :class:`ZoneRule`."""

    def __init__(self, config: L, line: Line, ctx: RuleContext) -> None:
        """Build the rule for a line already scaled to pixels (``line``); otherwise as :class:`ZoneRule`."""
        super().__init__(config, ctx)
        self._line = line

    @classmethod
    def from_config(cls, config: RuleConfig, camera: CameraConfig, ctx: RuleContext) -> Self:
        """Build the rule from its config and the camera's lines (the registry's factory)."""
        rule: L = expect(config, cls.config_type)
        return cls(rule, ctx.line(camera, rule.line), ctx)
