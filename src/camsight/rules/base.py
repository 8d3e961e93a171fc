"""The rule protocol: geometry plus per-track state plus an injected clock.

A rule is built once per camera and stream resolution (zones are scaled to pixels then). The
pipeline calls ``update(dets, now)`` for every analysed frame with tracked detections and the
source's own time ``now`` in seconds, and ``close(now)`` when the stream ends. Rules never read
the wall clock, never draw, never own a model and never touch the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from camsight.config.models import CLASS_IDS, CameraConfig, RuleConfig
from camsight.core.detections import Detections
from camsight.core.geometry import Line, Polygon
from camsight.events.models import AnyEvent


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Where a rule runs: camera, source, image size and how source time maps to wall time.

    Attributes:
        camera: Camera id.
        source: File path or stream URL.
        width: Image width in pixels.
        height: Image height in pixels.
        wall_origin: Wall-clock time (UTC) at source time 0.
        site: Site of the camera.
        source_id: Id of the source (each run of a live camera is a source of its own): with ``site``, it
            makes event ids unique across sites and runs.
    """

    camera: str
    source: str
    width: int
    height: int
    wall_origin: datetime
    site: str = "local"
    source_id: str = ""

    def wall(self, now: float) -> datetime:
        """Wall-clock time (UTC) of source time ``now``."""
        return self.wall_origin + timedelta(seconds=now)

    def polygon(self, camera: CameraConfig, zone: str | None) -> Polygon | None:
        """A named zone of the camera in pixels, or ``None`` for the whole view."""
        if zone is None:
            return None
        return camera.zone(zone).to_polygon().scaled(self.width, self.height)

    def line(self, camera: CameraConfig, name: str) -> Line:
        """A named line of the camera in pixels."""
        return camera.line(name).to_line().scaled(self.width, self.height)


class Rule(Protocol):
    """A behaviour detector over tracked detections."""

    name: str

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame's tracked detections at source time ``now``; return events started, updated or ended."""
        ...

    def close(self, now: float) -> list[AnyEvent]:
        """The stream ended at ``now``: end every open event."""
        ...


RuleFactory = Callable[[RuleConfig, CameraConfig, RuleContext], Rule]


def rule_name(config: RuleConfig) -> str:
    """The configured name, or ``kind`` / ``kind:zone-or-line``."""
    if config.name:
        return config.name
    place = getattr(config, "zone", None) or getattr(config, "line", None)
    return f"{config.kind}:{place}" if place else config.kind


def class_ids(names: tuple[str, ...]) -> frozenset[int]:
    """COCO ids of class names."""
    return frozenset(CLASS_IDS[n] for n in names)


def scheduled(config: RuleConfig, ctx: RuleContext, now: float) -> bool:
    """Whether the rule's schedule (local time of the box) lets it fire at ``now``."""
    return config.schedule is None or config.schedule.active(ctx.wall(now).astimezone())
