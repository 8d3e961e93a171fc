"""Writing what the pipeline found: events (with snapshots) and track records (with thumbnails).

The file analyser (:mod:`camsight.apps.analyze`) and the live worker (:mod:`camsight.apps.worker`)
both store through :class:`StoreWriter`, so a stored event or track looks the same whichever
produced it. The writer keeps only what open events need in memory (a stream never ends, so
nothing may grow with it); a caller that wants every stored event passes ``on_stored``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from camsight.apps.pipeline import CameraPipeline, min_frames
from camsight.config.models import Config
from camsight.core.detections import COCO_NAMES, PERSON, Detections
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.events.lifecycle import EventLog, Where, placement
from camsight.events.models import AnyEvent
from camsight.perception.privacy import blur_heads, fit_within
from camsight.perception.tracklog import Describer, TrackLog, TrackState, thumbnail_image
from camsight.store import repository as repo
from camsight.store.media import MediaStore
from camsight.store.repository import source_id as make_source_id

TrackHook = Callable[[TrackRecord], list[AnyEvent]]


def save_snapshot(media: MediaStore, event: AnyEvent, frame: Frame, dets: Detections | None, *, blur: bool) -> str:
    """Save the frame that raised an event as a JPEG (heads blurred, longest side at most 960 px)."""
    image = frame.image
    if blur and dets is not None:
        image = blur_heads(image, dets[dets.class_id == PERSON])
    rel = f"{event.camera}/{make_source_id(event.source)}/event-{event.id}.jpg"
    return media.save_jpeg(rel, fit_within(image, 960))


def where_in(frame: Frame | None, dets: Detections | None) -> Where | None:
    """Where an event's first track stands in this frame (for suppression regions), if known."""
    if frame is None or dets is None:
        return None
    height, width = frame.image.shape[:2]
    return lambda e: placement(dets, e.track_ids[0], width, height) if e.track_ids else None


def track_record(
    media: MediaStore, log_: TrackLog, state: TrackState, *, blur: bool, describer: Describer | None
) -> TrackRecord:
    """The stored record of a finished track, with its best thumbnail saved (head blurred for people)."""
    crop = state.best_crop
    thumb = None
    if crop is not None:
        image = thumbnail_image(crop, blur_head=blur and state.class_id == PERSON)
        thumb = media.save_jpeg(f"{log_.ctx.camera}/{log_.ctx.source_id}/track-{state.tracker_id}.jpg", image)
    appearance = None
    if describer is not None:
        appearance = describer.describe(
            object_class=COCO_NAMES.get(state.class_id, "object"),
            observations=state.observations,
            crops=state.kept_crops(),
        )
    return log_.record(state, thumbnail=thumb, appearance=appearance)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event stored for the first time, and how long after its frame was captured."""

    event: AnyEvent
    latency_s: float


class StoreWriter:
    """Stores one source's events and tracks as they happen.

    Args:
        config: For the head-blur setting.
        engine: The store.
        media: Media folder for snapshots and thumbnails.
        source_id: This run's source id.
        run_id: This run's id.
        describer: Optional appearance describer for track records.
        on_track: Optional hook called with each stored track; the events it returns are stored too.
        event_log: Dedupe, cooldown, budget and suppression regions between rules and the store
            (one per source); None stores rule events as they are.
        on_stored: Optional callback with every event version written (the file analyser collects them).
    """

    def __init__(
        self,
        config: Config,
        engine: sa.Engine,
        media: MediaStore,
        *,
        source_id: str,
        run_id: str,
        describer: Describer | None = None,
        on_track: TrackHook | None = None,
        event_log: EventLog | None = None,
        on_stored: Callable[[AnyEvent], None] | None = None,
    ) -> None:
        self.event_log = event_log
        self.on_stored = on_stored
        self.blur = config.store.blur_heads
        self.engine = engine
        self.media = media
        self.source_id = source_id
        self.run_id = run_id
        self.describer = describer
        self.on_track = on_track
        self.events_stored = 0
        self.tracks_stored = 0
        self._snapshots: dict[str, str | None] = {}

    def store_events(
        self, events: list[AnyEvent], frame: Frame | None, dets: Detections | None = None
    ) -> list[StoredEvent]:
        """Publish rule events through the event log and upsert the alerts (a snapshot for each new one).

        Returns the alerts stored for the first time, each with its latency: from its frame's
        capture time to the commit.
        """
        if self.event_log is not None:
            now = frame.pts_s if frame is not None else max((e.end_s for e in events), default=0.0)
            events = self.event_log.publish(events, now, where=where_in(frame, dets))
        if not events:
            return []
        new: list[AnyEvent] = []
        with self.engine.begin() as conn:
            for event in events:
                known = event.id in self._snapshots
                snapshot = self._snapshots.get(event.id)
                if not known and frame is not None:
                    snapshot = save_snapshot(self.media, event, frame, dets, blur=self.blur)
                stored = event.model_copy(update={"snapshot": snapshot}) if snapshot else event
                repo.upsert_event(conn, event=stored, source_id=self.source_id, run_id=self.run_id)
                if self.on_stored is not None:
                    self.on_stored(stored)
                if not known:
                    new.append(stored)
                if stored.status == "closed":
                    self._snapshots.pop(event.id, None)
                else:
                    self._snapshots[event.id] = snapshot
        done = time.time()
        self.events_stored += len(new)
        captured = frame.wall.timestamp() if frame is not None else done
        return [StoredEvent(e, max(0.0, done - captured)) for e in new]

    def store_tracks(self, pipe: CameraPipeline, states: list[TrackState]) -> list[StoredEvent]:
        """Store finished tracks; returns the new events raised by ``on_track`` for them."""
        log_ = pipe.tracklog
        if log_ is None:
            return []
        records = [
            track_record(self.media, log_, s, blur=self.blur, describer=self.describer)
            for s in min_frames(states, still=pipe.still)
        ]
        if not records:
            return []
        with self.engine.begin() as conn:
            for record in records:
                repo.upsert_track(conn, record=record, run_id=self.run_id)
        self.tracks_stored += len(records)
        if self.on_track is None:
            return []
        extra = [e for record in records for e in self.on_track(record)]
        return self.store_events(extra, None) if extra else []
