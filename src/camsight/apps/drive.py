"""The one drive loop, for file analysis and live cameras alike.

For every frame: the camera's pipeline (mask → motion gate → detect → track → rules → finished tracks,
described), the alert gate (one alert per track and rule, cooldown, budget, suppressions), standing
queries over the tracks that ended (through the same gate: suppressions apply to them too), then one
:class:`~camsight.events.sinks.Batch` to the sink, with what the gate held back and what each new alert
is about. At the end of a stream, :meth:`Drive.close` closes what is open the same way. The loop keeps no
history (a live stream never ends): whoever wants to see what was written passes ``on_published``.

Example:
    >>> drive = Drive(pipe, AlertGate(), sink, standing=StandingMatcher(engine))  # doctest: +SKIP
    >>> drive.run(VideoFile("clip.mp4", camera="gate", fps=5))                   # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from camsight.apps.pipeline import CameraPipeline
from camsight.core.detections import PERSON, Detections
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.core.tracks import FinishedTrack
from camsight.events.alerts import AlertGate, Placement, Where, placement
from camsight.events.models import AnyEvent
from camsight.events.sinks import Batch, EventSink, Published
from camsight.events.suppress import colours_of

HEARTBEAT_S = 2.0
"""How often (wall clock) a running drive calls its ``heartbeat``."""

Progress = Callable[[float], None]


class Standing(Protocol):
    """Standing queries: the alerts finished tracks raise (see :class:`camsight.search.standing.StandingMatcher`)."""

    def __call__(self, record: TrackRecord) -> list[AnyEvent]:
        """The alerts this track raises."""
        ...


def people_boxes(detected: Detections, tracked: Detections) -> NDArray[np.float32]:
    """Every person box of a frame, detected or tracked (held), for blurring heads in its snapshot."""
    boxes = [d.xyxy[d.class_id == PERSON] for d in (detected, tracked) if len(d)]
    return np.concatenate(boxes) if boxes else np.zeros((0, 4), np.float32)


def where_in(frame: Frame | None, dets: Detections | None) -> Where | None:
    """What an event's first track is in this frame: position, box size, class and colours (if known)."""
    if frame is None or dets is None:
        return None
    height, width = frame.image.shape[:2]

    def about(event: AnyEvent) -> Placement | None:
        found = placement(dets, event.track_ids[0], width, height) if event.track_ids else None
        if found is None:
            return None
        from camsight.perception.describe import describe_image_box

        i = int(np.flatnonzero(dets.tracker_id == event.track_ids[0])[0])
        box = tuple(float(v) for v in dets.xyxy[i])
        look = describe_image_box(frame.image, (box[0], box[1], box[2], box[3]), found.object_class)
        return replace(found, colours=colours_of(look))

    return about


def where_finished(tracks: Sequence[FinishedTrack]) -> Where:
    """What a standing-query alert is about: its track where it was first seen, with the track's colours."""
    by_id = {t.tracker_id: t for t in tracks}

    def about(event: AnyEvent) -> Placement | None:
        track = by_id.get(event.track_ids[0]) if event.track_ids else None
        if track is None:
            return None
        ctx, first = track.context, track.sightings[0]
        x1, y1, x2, y2 = first.box
        return Placement(
            (x1 + x2) / 2 / ctx.width,
            y2 / ctx.height,
            track.object_class,
            w=(x2 - x1) / ctx.width,
            h=(y2 - y1) / ctx.height,
            colours=colours_of(track.appearance),
        )

    return about


class Drive:
    """Runs one source through its pipeline, the alert gate and standing queries into a sink.

    Args:
        pipe: The camera's pipeline.
        gate: The alert gate for this source.
        sink: Where batches go (the store; with the hub, also the outbox).
        standing: Standing-query matching for finished tracks, if any.
        on_published: Called with what the sink wrote, after every batch.
        heartbeat: Called about every :data:`HEARTBEAT_S` seconds while frames flow (the run's sign of life).
    """

    def __init__(
        self,
        pipe: CameraPipeline,
        gate: AlertGate,
        sink: EventSink,
        *,
        standing: Standing | None = None,
        on_published: Callable[[Published], None] | None = None,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        self.pipe = pipe
        self.gate = gate
        self.sink = sink
        self.standing = standing
        self.on_published = on_published
        self.heartbeat = heartbeat
        self.now = 0.0
        self._beat = time.monotonic()

    def step(self, frame: Frame) -> Published:
        """Analyse one frame and publish what it produced."""
        self.now = frame.pts_s
        result = self.pipe.step(frame)
        alerts = self.gate.admit(result.events, frame.pts_s, where=where_in(result.frame, result.detections))
        alerts += self._standing(result.finished)
        people = people_boxes(result.detected, result.detections)
        held, subjects = self.gate.drain()
        published = self._publish(
            Batch(tuple(alerts), tuple(result.finished), result.frame, people, tuple(held), subjects)
        )
        if self.heartbeat is not None and time.monotonic() - self._beat >= HEARTBEAT_S:
            self._beat = time.monotonic()
            self.heartbeat()
        return published

    def close(self) -> Published:
        """End of the stream: close open events and store every remaining track."""
        events, finished = self.pipe.close(self.now)
        alerts = self.gate.admit(events, self.now) + self._standing(finished)
        held, subjects = self.gate.drain()
        return self._publish(Batch(tuple(alerts), tuple(finished), held=tuple(held), subjects=subjects))

    def run(self, frames: Iterable[Frame], progress: Progress | None = None) -> None:
        """Every frame through :meth:`step` (not :meth:`close`: the caller decides how a stream ends)."""
        for frame in frames:
            self.step(frame)
            if progress is not None:
                progress(frame.pts_s)

    def _standing(self, finished: Sequence[FinishedTrack]) -> list[AnyEvent]:
        if self.standing is None or not finished:
            return []
        raised = [alert for track in finished for alert in self.standing(track.record(thumbnail=None))]
        return self.gate.admit(raised, self.now, where=where_finished(finished)) if raised else []

    def _publish(self, batch: Batch) -> Published:
        if not batch:
            return Published()
        published = self.sink.publish(batch)
        if self.on_published is not None:
            self.on_published(published)
        return published
