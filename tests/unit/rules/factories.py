"""Small factories for rule tests: detections, scripted synthetic tracks and a driver with an injected clock.

The test camera is a 1000 x 1000 px image with:

* zone ``door``: the square 400..600 px in x and y;
* line ``gate``: vertical, from ``a`` = (500, 900) up to ``b`` = (500, 100), so its on-screen left is x < 500;
* line ``road``: horizontal, from ``a`` = (100, 500) right to ``b`` = (900, 500), so its on-screen left is y < 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from camsight.config.models import CameraConfig
from camsight.core.detections import Detections
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.rules import Rule, RuleContext, build_rules

SIZE = 1000
ORIGIN = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def make_detections(
    xyxy: Sequence[Sequence[float]] = (),
    tracker_id: Sequence[int] | None = None,
    class_id: Sequence[int] | None = None,
    confidence: Sequence[float] | None = None,
) -> Detections:
    """Detections from boxes; class defaults to person (0), confidence to 0.9, track ids to untracked."""
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    return Detections.from_arrays(
        xyxy=boxes,
        confidence=[0.9] * n if confidence is None else confidence,
        class_id=[0] * n if class_id is None else class_id,
        tracker_id=tracker_id,
    )


def feet_box(x: float, y: float, height: float = 100.0, width: float = 40.0) -> tuple[float, float, float, float]:
    """A box whose anchor (bottom-centre) is at ``(x, y)``."""
    return (x - width / 2, y - height, x + width / 2, y)


@dataclass(frozen=True)
class Track:
    """A scripted track: key points ``(t, x, y)`` of its anchor, linearly interpolated.

    It is seen from its first key time to its last, except during ``gaps`` (``(t0, t1)``, inclusive).
    """

    track_id: int
    keys: Sequence[tuple[float, float, float]]
    class_id: int = 0
    confidence: float = 0.9
    height: float = 100.0
    gaps: Sequence[tuple[float, float]] = ()

    def at(self, t: float) -> tuple[float, float] | None:
        """Anchor at time ``t``, or ``None`` when the track is not seen."""
        ts = [k[0] for k in self.keys]
        eps = 1e-9
        if t < ts[0] - eps or t > ts[-1] + eps or any(a - eps <= t <= b + eps for a, b in self.gaps):
            return None
        return float(np.interp(t, ts, [k[1] for k in self.keys])), float(np.interp(t, ts, [k[2] for k in self.keys]))


def still(track_id: int, x: float, y: float, t0: float, t1: float, **kw: Any) -> Track:
    """A track standing at ``(x, y)`` from ``t0`` to ``t1``."""
    return Track(track_id, ((t0, x, y), (t1, x, y)), **kw)


def timeline(tracks: Iterable[Track], until: float, fps: float = 5.0) -> list[tuple[float, Detections]]:
    """Frames ``(t, detections)`` at ``fps`` from 0 to ``until`` (inclusive) with every visible track."""
    tracks = list(tracks)
    frames = []
    for i in range(round(until * fps) + 1):
        t = i / fps
        seen = [(tr, p) for tr in tracks if (p := tr.at(t)) is not None]
        frames.append(
            (
                t,
                make_detections(
                    xyxy=[feet_box(*p, height=tr.height) for tr, p in seen],
                    tracker_id=[tr.track_id for tr, _ in seen],
                    class_id=[tr.class_id for tr, _ in seen],
                    confidence=[tr.confidence for tr, _ in seen],
                ),
            )
        )
    return frames


def make_camera(*rules: dict[str, Any]) -> CameraConfig:
    """The test camera (see module docstring) with the given rule configs."""
    return CameraConfig.model_validate(
        {
            "id": "cam1",
            "zones": [{"name": "door", "polygon": [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]}],
            "lines": [
                {"name": "gate", "a": [0.5, 0.9], "b": [0.5, 0.1]},
                {"name": "road", "a": [0.1, 0.5], "b": [0.9, 0.5]},
            ],
            "rules": list(rules),
        }
    )


def make_ctx(wall_origin: datetime = ORIGIN, source: str = "clip.mp4") -> RuleContext:
    """The test camera's context: 1000 x 1000 px."""
    return RuleContext("cam1", source, SIZE, SIZE, wall_origin)


def make_rule(config: dict[str, Any], wall_origin: datetime = ORIGIN, source: str = "clip.mp4") -> Rule:
    """One rule built through the registry from its config dict."""
    (rule,) = build_rules(make_camera(config), make_ctx(wall_origin, source))
    return rule


def drive(rule: Rule, frames: Iterable[tuple[float, Detections]], close_at: float | None = None) -> list[AnyEvent]:
    """Feed every frame to ``rule`` with its time, then ``close`` it; check and return all events."""
    events: list[AnyEvent] = []
    last = 0.0
    for t, dets in frames:
        events += rule.update(dets, t)
        last = t
    events += rule.close(last if close_at is None else close_at)
    for event in events:  # every event must be a valid message (model_copy does not validate)
        assert EVENT_ADAPTER.validate_json(event.model_dump_json()) == event
    return events


def summary(events: Iterable[AnyEvent]) -> list[tuple[str, tuple[int, ...], float, float]]:
    """``(status, track_ids, start_s, end_s)`` of each event, times rounded to 0.1 s."""
    return [(e.status, e.track_ids, round(e.start_s, 1), round(e.end_s, 1)) for e in events]
