"""The one drive loop, for file analysis and live cameras alike.

For every frame: the camera's pipeline (mask → motion gate → detect → track → rules → finished tracks,
described), the alert gate (one alert per track and rule, cooldown, budget, suppression regions),
standing queries over the tracks that ended, then one :class:`~camsight.events.sinks.Batch` to the
sink. At the end of a stream, :meth:`Drive.close` closes what is open the same way. The loop keeps no
history (a live stream never ends): whoever wants to see what was written passes ``on_published``.

Example:
    >>> drive = Drive(pipe, AlertGate(), sink, standing=StandingMatcher(engine))  # doctest: +SKIP
    >>> drive.run(VideoFile("clip.mp4", camera="gate", fps=5))                   # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from camsight.apps.pipeline import CameraPipeline
from camsight.core.detections import PERSON, Detections
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.core.tracks import FinishedTrack
from camsight.events.alerts import AlertGate, Where, placement
from camsight.events.models import AnyEvent
from camsight.events.sinks import Batch, EventSink, Published

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
    """Where an event's first track stands in this frame (for suppression regions), if known."""
    if frame is None or dets is None:
        return None
    height, width = frame.image.shape[:2]
    return lambda e: placement(dets, e.track_ids[0], width, height) if e.track_ids else None


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
        published = self._publish(Batch(tuple(alerts), tuple(result.finished), result.frame, people))
        if self.heartbeat is not None and time.monotonic() - self._beat >= HEARTBEAT_S:
            self._beat = time.monotonic()
            self.heartbeat()
        return published

    def close(self) -> Published:
        """End of the stream: close open events and store every remaining track."""
        events, finished = self.pipe.close(self.now)
        alerts = self.gate.admit(events, self.now) + self._standing(finished)
        return self._publish(Batch(tuple(alerts), tuple(finished)))

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
        return self.gate.admit(raised, self.now) if raised else []

    def _publish(self, batch: Batch) -> Published:
        if not batch:
            return Published()
        published = self.sink.publish(batch)
        if self.on_published is not None:
            self.on_published(published)
        return published
