"""The store as a sink: alerts (with snapshots), track records (with thumbnails) and their search index rows.

:class:`StoreSink` writes everything of one :class:`~camsight.events.sinks.Batch` in one transaction:
each alert (a snapshot JPEG for a new one, heads blurred) and what it is about, each alert a suppression
held back (kept apart, with its snapshot: :mod:`camsight.store.held_repo`), each finished track's record (its best crop
as thumbnail, head blurred), the search index rows of those tracks
(:mod:`camsight.search.index_writer`) and, with an image-text embedder, the thumbnails' embeddings.
So a search only ever reads, and a crash never leaves a track without its index row. Extra writers
(:class:`BatchWriter`, e.g. the hub's outbox) run in the same transaction.

The file analyser and the live worker both store through it, so a stored event or track looks the
same whichever produced it. The sink keeps only what open alerts need in memory (a stream never ends,
so nothing may grow with it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np
import sqlalchemy as sa

from camsight.core.detections import PERSON, Detections
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.core.tracks import FinishedTrack
from camsight.events.alerts import Held, Placement
from camsight.events.models import AnyEvent
from camsight.events.sinks import Batch, Published
from camsight.perception.privacy import blur_heads, fit_within
from camsight.perception.tracklog import thumbnail_image
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.media import MediaStore
from camsight.store.paths import snapshot_path, thumbnail_path

SNAPSHOT_MAX_SIDE = 960
"""Longest side of an event snapshot, pixels."""


class BatchWriter(Protocol):
    """Something else written in the store's transaction (the hub's outbox)."""

    def write(self, conn: sa.Connection, alerts: Sequence[AnyEvent], records: Sequence[TrackRecord]) -> None:
        """Write this batch's alerts and records."""
        ...


class ThumbnailEmbedder(Protocol):
    """Embeds stored thumbnails for open-vocabulary search (see :mod:`camsight.search.clip_embedder`)."""

    def __call__(self, conn: sa.Connection, records: Sequence[TrackRecord], media_root: Path) -> None:
        """Embed the thumbnails of these records."""
        ...


def save_snapshot(
    media: MediaStore, event: AnyEvent, frame: Frame, people: np.ndarray, *, source_id: str, blur: bool
) -> str:
    """Save the frame that raised an event as a JPEG (heads blurred, longest side at most 960 px)."""
    image = frame.image
    if blur and len(people):
        dets = Detections.from_arrays(xyxy=people, confidence=np.ones(len(people)), class_id=np.full(len(people), 0))
        image = blur_heads(image, dets)
    return media.save_jpeg(snapshot_path(event.camera, source_id, event.id), fit_within(image, SNAPSHOT_MAX_SIDE))


def save_thumbnail(media: MediaStore, track: FinishedTrack, *, blur: bool) -> str | None:
    """Save a finished track's best crop (head blurred for people); returns its media path."""
    crop = track.best_crop
    if crop is None:
        return None
    image = thumbnail_image(crop, blur_head=blur and track.class_id == PERSON)
    ctx = track.context
    return media.save_jpeg(thumbnail_path(ctx.camera, ctx.source_id, track.tracker_id), image)


class StoreSink:
    """Writes one source's batches to the store.

    Args:
        engine: The store.
        media: Media folder for snapshots and thumbnails.
        source_id: The source (or live run) the batches come from.
        run_id: This run's id (a re-analysis replaces the rows of earlier runs when it completes).
        blur: Blur heads in snapshots and thumbnails (``store.blur_heads``).
        embed: Embeds thumbnails as they are stored (optional open-vocabulary search).
        extras: More writers in the same transaction.
    """

    def __init__(
        self,
        engine: sa.Engine,
        media: MediaStore,
        *,
        source_id: str,
        run_id: str,
        blur: bool = True,
        embed: ThumbnailEmbedder | None = None,
        extras: Sequence[BatchWriter] = (),
    ) -> None:
        self.engine = engine
        self.media = media
        self.source_id = source_id
        self.run_id = run_id
        self.blur = blur
        self.embed = embed
        self.extras = tuple(extras)
        self.events_stored = 0
        self.tracks_stored = 0
        self.held_stored = 0
        self._snapshots: dict[str, str | None] = {}

    def publish(self, batch: Batch) -> Published:
        """Write the batch in one transaction; returns the new alerts (with latency), updates and records."""
        if not batch:
            return Published()
        records = [t.record(thumbnail=save_thumbnail(self.media, t, blur=self.blur)) for t in batch.tracks]
        thumbs = {(r.source_id, r.tracker_id): r.thumbnail for r in records}
        alerts = [self._with_snapshot(a, batch, thumbs) for a in batch.alerts]
        held = [replace(h, event=self._with_snapshot(h.event, batch, thumbs)) for h in batch.held]
        new = [a for a in alerts if a.id not in self._snapshots]
        new_held = {h.event.id for h in held if h.event.id not in self._snapshots}
        with writing(self.engine) as conn:
            if alerts:
                repo.upsert_events(conn, events=alerts, source_id=self.source_id, run_id=self.run_id)
            if held or batch.subjects:
                self._keep_held(conn, alerts, held, batch.subjects)
            if records:
                repo.upsert_tracks(conn, records=records, run_id=self.run_id)
                from camsight.search.index_writer import store_tracks

                store_tracks(conn, records)
                if self.embed is not None:
                    self.embed(conn, records, self.media.root)
            for extra in self.extras:
                extra.write(conn, alerts, records)
        self._remember(alerts)
        self._remember([h.event for h in held])
        self.events_stored += len(new)
        self.held_stored += len(new_held)
        self.tracks_stored += len(records)
        done = time.time()
        captured = batch.frame.wall.timestamp() if batch.frame is not None else done
        new_ids = {a.id for a in new}
        return Published(
            new=[(a, max(0.0, done - captured)) for a in new],
            updated=[a for a in alerts if a.id not in new_ids],
            records=records,
            held=[h for h in held if h.event.id in new_held or h.released],
        )

    def _keep_held(
        self,
        conn: sa.Connection,
        alerts: Sequence[AnyEvent],
        held: Sequence[Held],
        subjects: Mapping[str, Placement],
    ) -> None:
        """Held alerts, and the subjects of this batch's alerts (events merged into another alert are left out)."""
        from camsight.store.held_repo import store_held, store_subjects

        store_held(conn, held=held, source_id=self.source_id, run_id=self.run_id, now=datetime.now(UTC))
        ids = {h.event.id for h in held} | {a.id for a in alerts}
        store_subjects(conn, subjects={k: v for k, v in subjects.items() if k in ids})

    def _with_snapshot(self, alert: AnyEvent, batch: Batch, thumbs: dict[tuple[str, int], str | None]) -> AnyEvent:
        """The alert with its snapshot: from the frame, or a standing query's track's thumbnail; kept for updates."""
        if alert.id in self._snapshots:
            snapshot = self._snapshots[alert.id]
        elif alert.kind == "standing_query" and alert.track_ids:  # the matching track (gone from the frame)
            snapshot = thumbs.get((self.source_id, alert.track_ids[0]))
        elif batch.frame is not None:
            snapshot = save_snapshot(
                self.media, alert, batch.frame, batch.people, source_id=self.source_id, blur=self.blur
            )
        else:
            snapshot = None
        return alert.model_copy(update={"snapshot": snapshot}) if snapshot and not alert.snapshot else alert

    def _remember(self, alerts: Sequence[AnyEvent]) -> None:
        for alert in alerts:
            if alert.status == "closed":
                self._snapshots.pop(alert.id, None)
            else:
                self._snapshots[alert.id] = alert.snapshot
        if len(self._snapshots) > 10_000:  # a stream that never closes its alerts must not grow memory
            for key in list(self._snapshots)[:5_000]:
                del self._snapshots[key]
