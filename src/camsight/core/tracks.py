"""A track as perception hands it on: its sightings, best crops and appearance, frozen.

When a track ends, :class:`~camsight.perception.tracklog.TrackLog` turns what it remembered into a
:class:`FinishedTrack`, the describer has already filled in its appearance, and everything downstream
(the store's sink, standing queries, the hub's outbox) works from this object alone: the geometry is
in the frame size the track was seen in (:attr:`TrackContext.width` and ``height``), so a resolution
change later in the stream cannot distort it.

Example:
    >>> from datetime import UTC, datetime
    >>> ctx = TrackContext("site-a", "gate", "gate.mp4", "src1", 640, 480, datetime(2024, 1, 1, tzinfo=UTC))
    >>> seen = (Sighting(1.0, (100, 100, 140, 300), 0.9, (), 0.0), Sighting(2.0, (120, 100, 160, 300), 0.8, (), 0.0))
    >>> track = FinishedTrack(ctx, tracker_id=7, class_id=0, sightings=seen, crops=(), zones=("door",),
    ...                       events=(), appearance=None)
    >>> record = track.record(thumbnail=None)
    >>> record.id, record.object_class, record.path[0]
    ('src1:7', 'person', (1.0, 0.188, 0.625))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import COCO_NAMES
from camsight.core.records import Appearance, TrackRecord

Box = tuple[float, float, float, float]
"""``x1, y1, x2, y2`` in pixels."""

PATH_SAMPLES = 64
"""Most points a record's path keeps."""
PATH_DECIMALS = 3
"""Decimals of a path point's x and y (frame shares): a thousandth of the frame is finer than a pixel of the
detector's 640-px input, so more digits would store only noise (and cost bytes upstream)."""


@dataclass(frozen=True, slots=True)
class Sighting:
    """One sighting of a track.

    Attributes:
        t: Source time, seconds.
        box: ``x1, y1, x2, y2`` in pixels.
        confidence: Detection score.
        near: Class ids of other objects overlapping the box (carried objects, a ridden bicycle).
        occluded: Largest IoU with another box of the same kind (0 = free).
    """

    t: float
    box: Box
    confidence: float
    near: tuple[int, ...]
    occluded: float


@dataclass(frozen=True, slots=True, eq=False)
class Crop:
    """A kept picture of the track (privacy masks applied), its quality score and the box inside the crop."""

    quality: float
    t: float
    image: NDArray[np.uint8]
    box: Box


@dataclass(frozen=True, slots=True)
class TrackContext:
    """Where the tracks are: site, camera, source and the frame geometry they were seen in."""

    site: str
    camera: str
    source: str
    source_id: str
    width: int
    height: int
    wall_origin: datetime


@dataclass(frozen=True, slots=True, eq=False)
class FinishedTrack:
    """Everything known about one track that has ended.

    Attributes:
        context: Site, camera, source and frame size.
        tracker_id: Track number within the source.
        class_id: COCO class id.
        sightings: Every sighting, in time order (at least one).
        crops: The best crops, best first.
        zones: Zones the track entered.
        events: Ids of the rule events it took part in.
        appearance: What the describer saw, when it ran.
    """

    context: TrackContext
    tracker_id: int
    class_id: int
    sightings: tuple[Sighting, ...]
    crops: tuple[Crop, ...]
    zones: tuple[str, ...]
    events: tuple[str, ...]
    appearance: Appearance | None

    @property
    def id(self) -> str:
        """The record id: ``<source id>:<tracker id>``."""
        return f"{self.context.source_id}:{self.tracker_id}"

    @property
    def object_class(self) -> str:
        """COCO class name."""
        return COCO_NAMES.get(self.class_id, str(self.class_id))

    @property
    def best_crop(self) -> Crop | None:
        """The highest-quality crop, if any was kept."""
        return self.crops[0] if self.crops else None

    def record(self, *, thumbnail: str | None) -> TrackRecord:
        """The stored summary, with the path normalised by the frame size the track was seen in."""
        ctx = self.context
        seen = self.sightings
        step = max(1, len(seen) // PATH_SAMPLES)
        path = tuple(
            (
                round(s.t, 2),
                round((s.box[0] + s.box[2]) / 2 / ctx.width, PATH_DECIMALS),
                round(s.box[3] / ctx.height, PATH_DECIMALS),
            )
            for s in seen[::step]
        )
        return TrackRecord(
            id=self.id,
            site=ctx.site,
            camera=ctx.camera,
            source=ctx.source,
            source_id=ctx.source_id,
            tracker_id=self.tracker_id,
            object_class=self.object_class,
            start_s=seen[0].t,
            end_s=seen[-1].t,
            started_at=ctx.wall_origin + timedelta(seconds=seen[0].t),
            ended_at=ctx.wall_origin + timedelta(seconds=seen[-1].t),
            frames=len(seen),
            confidence=round(float(np.mean([s.confidence for s in seen])), 4),
            path=path,
            zones=self.zones,
            events=self.events,
            thumbnail=thumbnail,
            appearance=self.appearance,
        )
