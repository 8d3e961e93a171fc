"""Analysing recorded files and stills into the store: the ``camsight analyze`` job.

Events are written as they happen (so a crash or a corrupt file keeps what was found), tracks as
they end. Re-analysing a source replaces its earlier rows instead of adding to them.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from camsight.apps.persist import StoreWriter, TrackHook
from camsight.apps.pipeline import CameraPipeline, PipelineStats
from camsight.config.models import CameraConfig, Config
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.events.lifecycle import AlertPolicy, EventLog, Suppression
from camsight.events.models import AnyEvent
from camsight.perception.detect import OnnxDetector
from camsight.perception.tracklog import Describer
from camsight.sources import SourceSpec, StillImage, VideoFile
from camsight.store import repository as repo
from camsight.store.media import MediaStore
from camsight.store.repository import SourceStatus
from camsight.store.repository import source_id as make_source_id

log = logging.getLogger(__name__)
Progress = Callable[[float, float | None], None]


@dataclass
class SourceResult:
    """What analysing one source produced."""

    source: str
    source_id: str
    camera: str
    kind: str
    frames_decoded: int = 0
    video_s: float = 0.0
    wall_s: float = 0.0
    stats: PipelineStats = field(default_factory=PipelineStats)
    events: dict[str, AnyEvent] = field(default_factory=dict)
    tracks: list[TrackRecord] = field(default_factory=list)
    problem: str | None = None


class Analyzer:
    """Runs the pipeline over files and writes events, tracks and media."""

    def __init__(
        self,
        config: Config,
        *,
        engine: sa.Engine,
        media: MediaStore,
        detector: OnnxDetector | None = None,
        describer: Describer | None = None,
        on_track: TrackHook | None = None,
        suppressions: Sequence[Suppression] = (),
    ) -> None:
        """Share one detector (one ONNX session) across every source; rule events pass an EventLog per source."""
        self.config = config
        self.engine = engine
        self.media = media
        self.detector = detector or OnnxDetector(config.detector)
        self.describer = describer
        self.on_track = on_track
        self.suppressions = tuple(suppressions)

    def analyze(self, spec: SourceSpec, camera: CameraConfig, progress: Progress | None = None) -> SourceResult:
        """Analyse one video file or still, storing everything it finds."""
        uri = str(spec.path.resolve())
        sid = make_source_id(uri)
        result = SourceResult(source=uri, source_id=sid, camera=camera.id, kind=spec.kind)
        if spec.kind == "still":
            still = StillImage(spec.path, camera=camera.id)
            frames: Iterable[Frame] = still
            reader: VideoFile | None = None
            wall_origin, fps, duration = still.wall, 1.0, 0.0
        else:
            reader = VideoFile(spec.path, camera=camera.id, fps=camera.fps)
            frames, wall_origin, fps, duration = reader, reader.wall_origin, camera.fps, reader.stats.duration_s or 0.0
        run_id = uuid.uuid4().hex
        writer = self._writer(result, run_id)
        started = time.perf_counter()
        with self.engine.begin() as conn:
            repo.upsert_camera(conn, camera_id=camera.id, source=camera.source)
            repo.start_source(
                conn,
                source_id=sid,
                camera=camera.id,
                uri=uri,
                kind="folder" if spec.folder else "file",
                run_id=run_id,
                started_at=datetime.now(UTC),
            )
        pipe = CameraPipeline(
            self.config,
            camera,
            source=uri,
            source_id=sid,
            wall_origin=wall_origin,
            fps=fps,
            detector=self.detector,
            still=spec.kind == "still",
        )
        status: SourceStatus = "failed"  # interrupted or crashed: keep what an earlier run stored
        try:
            now = self._run(pipe, writer, frames, progress, duration)
            events, finished = pipe.close(now)
            writer.store_events(events, None)
            writer.store_tracks(pipe, finished)
            status = "complete"
        finally:
            if reader is not None:
                result.frames_decoded = reader.stats.frames_decoded
                result.video_s = reader.stats.last_pts_s
                result.problem = reader.stats.problem
                if result.problem and status == "complete":
                    status = "partial"  # decoding broke part-way: what was found replaces the old run
            else:
                result.frames_decoded = 1
            result.stats = pipe.stats
            result.wall_s = time.perf_counter() - started
            self._finish(result, run_id, status)
        return result

    def _writer(self, result: SourceResult, run_id: str) -> StoreWriter:
        """A writer for one source that collects what it stores into ``result``."""

        def on_track(record: TrackRecord) -> list[AnyEvent]:
            result.tracks.append(record)
            return self.on_track(record) if self.on_track else []

        def on_stored(event: AnyEvent) -> None:
            result.events[event.id] = event

        return StoreWriter(
            self.config,
            self.engine,
            self.media,
            source_id=result.source_id,
            run_id=run_id,
            describer=self.describer,
            on_track=on_track,
            event_log=make_event_log(self.config, self.suppressions),
            on_stored=on_stored,
        )

    @staticmethod
    def _run(
        pipe: CameraPipeline,
        writer: StoreWriter,
        frames: Iterable[Frame],
        progress: Progress | None,
        duration: float,
    ) -> float:
        now = 0.0
        for frame in frames:
            now = frame.pts_s
            step = pipe.step(frame)
            if step.events:
                writer.store_events(step.events, step.frame, step.detections)
            if step.finished:
                writer.store_tracks(pipe, step.finished)
            if progress:
                progress(now, duration)
        return now

    def _finish(self, result: SourceResult, run_id: str, status: SourceStatus) -> None:
        with self.engine.begin() as conn:
            repo.finish_source(
                conn,
                source_id=result.source_id,
                run_id=run_id,
                status=status,
                error=result.problem,
                frames_decoded=result.frames_decoded,
                frames_analysed=result.stats.frames_analysed,
                frames_skipped=result.stats.frames_skipped,
                duration_s=result.video_s,
                finished_at=datetime.now(UTC),
            )


def make_event_log(config: Config, suppressions: Sequence[Suppression]) -> EventLog:
    """The alert policy between rules and the store (one per source), from the config."""
    return EventLog(AlertPolicy(config.alerts.cooldown_s, config.alerts.max_per_hour), suppressions=suppressions)
