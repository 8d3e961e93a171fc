"""Analysing recorded files and stills into the store: the ``camsight analyze`` job.

Events are written as they happen (so a crash or a corrupt file keeps what was found), tracks as
they end, both through the one drive loop (:mod:`camsight.apps.drive`) the live cameras use. A video
is decoded a few frames ahead in a thread of its own (:mod:`camsight.sources.prefetch`), so decoding the
next frame overlaps detecting this one.
Re-analysing a source replaces its earlier rows when the new run has finished, in one transaction;
while it runs, the source is leased to this process, so a second analysis of the same file at the
same time refuses to start instead of deleting this one's rows (see :mod:`camsight.store.sources_repo`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from camsight.apps.pipeline import CameraPipeline, PipelineStats
from camsight.apps.wiring import enabled_suppressions, make_describer, make_drive, make_notifier
from camsight.config.models import CameraConfig, Config
from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.events.sinks import Published
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.track import preload as preload_tracker
from camsight.perception.tracklog import Describer
from camsight.services.cameras import effective_camera
from camsight.sources import SourceSpec, StillImage, VideoFile
from camsight.sources.prefetch import prefetch
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.handle import Store
from camsight.store.repository import Purged, SourceStatus

log = logging.getLogger(__name__)
Progress = Callable[[float, float | None], None]
PREFETCH = 2
"""Frames decoded ahead of the analysis, in a thread of their own (decoding overlaps detection)."""


@dataclass
class SourceResult:
    """What analysing one source produced (``status`` is ``running`` until it ends)."""

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
    status: str = "running"
    purged: Purged | None = None
    wall_clock: str = "file_mtime"

    held: dict[str, int] = field(default_factory=dict)
    """Alerts suppressions held back (and did not raise later): the suppression id, by alert id."""

    def collect(self, published: Published) -> None:
        """Keep what the sink wrote (the latest version of each alert, every record, what was held back)."""
        for alert, _latency in published.new:
            self.events[alert.id] = alert
        for alert in published.updated:
            self.events[alert.id] = alert
        self.tracks.extend(published.records)
        for h in published.held:
            if h.released:  # a threshold was reached: raised after all
                self.held.pop(h.event.id, None)
            else:
                self.held[h.event.id] = h.suppression_id


class Analyzer:
    """Runs files and stills through the drive loop into one store, sharing one detector (one ONNX session)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        detector: Detector | None = None,
        describer: Describer | None = None,
        describe: bool = True,
        prefetch: int = PREFETCH,
    ) -> None:
        """Load the detector now (once for every source) unless one is given.

        Args:
            config: The configuration.
            store: Where results go.
            detector: The detector to share; default: the configured one.
            describer: Describes each finished track; default: the packaged appearance describer.
            describe: False leaves appearances out (a benchmark of the rest).
            prefetch: Frames decoded ahead in a thread of their own; 0 decodes in the analysis thread.
        """
        self.config = config
        self.store = store
        self.prefetch = prefetch
        self.detector = detector or OnnxDetector(config.detector)
        self.describer = (describer or make_describer(config)) if describe else None
        self.suppressions = enabled_suppressions(store.engine)
        preload_tracker()  # imported before any source is leased: a Ctrl-C then never lands inside an import
        self.current: SourceResult | None = None
        """The source being analysed (or the last one): what an interrupted run had stored so far."""

    def analyze(self, spec: SourceSpec, camera: CameraConfig, progress: Progress | None = None) -> SourceResult:
        """Analyse one video file or still, storing everything it finds.

        Raises:
            SourceError: The file cannot be opened as a video or picture.
            SourceBusy: Another process is analysing the same file right now.
            StoreError: The store cannot be written.
        """
        with self.store.engine.connect() as conn:  # the zones, lines and masks drawn in the console, if any
            camera = effective_camera(conn, camera, site=self.store.site)
        uri = str(spec.path.resolve())
        frames, reader, wall_origin, fps, duration = self._open(spec, camera)
        run_id = uuid.uuid4().hex
        sid = self._lease(spec, camera, uri, run_id)
        result = self.current = SourceResult(source=uri, source_id=sid, camera=camera.id, kind=spec.kind)
        status: SourceStatus = "failed"  # interrupted or crashed: keep what an earlier run stored
        started = time.perf_counter()
        drain_s = self.config.notifications.drain_s
        pipe: CameraPipeline | None = None
        notifier = None
        try:  # from the lease on: a Ctrl-C while the pipeline is still being built also ends the run as failed
            pipe = CameraPipeline(
                self.config,
                camera,
                source=uri,
                source_id=sid,
                wall_origin=wall_origin,
                fps=fps,
                detector=self.detector,
                still=spec.kind == "still",
                site=self.store.site,
                describer=self.describer,
            )
            notifier = make_notifier(self.config, self.store, camera)
            drive = make_drive(
                self.config,
                self.store,
                pipe,
                run_id=run_id,
                suppressions=self.suppressions,
                on_published=result.collect,
                heartbeat=lambda: self._heartbeat(sid, run_id),
                notifier=notifier,
            )
            ahead = prefetch(frames, self.prefetch) if self.prefetch else frames
            drive.run(ahead, (lambda now: progress(now, duration)) if progress else None)
            drive.close()
            status = "complete"
        except CamsightError as exc:
            result.problem = str(exc)
            raise
        except KeyboardInterrupt:
            result.problem = "interrupted (Ctrl-C) before the end"
            drain_s = 0.0  # whoever pressed Ctrl-C wants out, not to wait for the network
            raise
        finally:
            if pipe is not None:
                self._account(result, reader, pipe)
            if result.problem and status == "complete":
                status = "partial"  # decoding broke part-way: what was found replaces the old run
            result.wall_s = time.perf_counter() - started
            self._finish(result, run_id, status)
            if notifier is not None:
                notifier.close(drain_s)  # bounded; logs a warning when it gave up
        return result

    def _open(
        self, spec: SourceSpec, camera: CameraConfig
    ) -> tuple[Iterable[Frame], VideoFile | None, datetime, float, float]:
        if spec.kind == "still":
            still = StillImage(spec.path, camera=camera.id)
            return still, None, still.wall, 1.0, 0.0
        reader = VideoFile(spec.path, camera=camera.id, fps=camera.fps)
        return reader, reader, reader.wall_origin, camera.fps, reader.stats.duration_s or 0.0

    def _lease(self, spec: SourceSpec, camera: CameraConfig, uri: str, run_id: str) -> str:
        site = self.store.site
        with writing(self.store.engine) as conn:
            repo.upsert_camera(conn, camera_id=camera.id, source=camera.source, site=site)  # a write first
            sid = repo.resolve_source_id(conn, uri=uri, site=site)
            repo.lease_source(
                conn,
                source_id=sid,
                site=site,
                camera=camera.id,
                uri=uri,
                kind="folder" if spec.folder else "file",
                run_id=run_id,
                started_at=datetime.now(UTC),
                wall_clock="file_mtime",
            )
        return sid

    def _heartbeat(self, source_id: str, run_id: str) -> None:
        with writing(self.store.engine) as conn:
            repo.heartbeat(conn, source_id=source_id, run_id=run_id, at=datetime.now(UTC))

    @staticmethod
    def _account(result: SourceResult, reader: VideoFile | None, pipe: CameraPipeline) -> None:
        if reader is not None:
            result.frames_decoded = reader.stats.frames_decoded
            result.video_s = reader.stats.last_pts_s
            result.problem = result.problem or reader.stats.problem
        else:
            result.frames_decoded = 1
        result.stats = pipe.stats

    def _finish(self, result: SourceResult, run_id: str, status: SourceStatus) -> None:
        result.status = status
        error = result.problem if status != "failed" else (result.problem or "analysis stopped before the end")
        with writing(self.store.engine) as conn:
            result.purged = repo.finish_source(
                conn,
                source_id=result.source_id,
                run_id=run_id,
                status=status,
                error=error,
                frames_decoded=result.frames_decoded,
                frames_analysed=result.stats.frames_analysed,
                frames_skipped=result.stats.frames_skipped,
                duration_s=result.video_s,
                finished_at=datetime.now(UTC),
            )
