"""One live camera in its own process: decode thread → bounded queue → analysis → store, plus recording.

:func:`worker_main` is the entry point the supervisor (:mod:`camsight.apps.edge`) starts in a
spawned process, so a decoder crash (PyAV has had segfaults on malformed streams) ends this camera's
process only. Inside it:

- a :class:`~camsight.sources.rtsp.LiveStream` thread reads the stream (reconnecting with backoff),
  hands every packet to the :class:`~camsight.apps.recorder.SegmentRecorder` when the camera records
  the same stream, and puts frames sampled at ``camera.fps`` on a :class:`DropQueue`;
- a second stream thread records ``record_source`` when it is a different URL;
- the main thread runs each frame through the drive loop (:mod:`camsight.apps.drive`: pipeline, alert
  gate, standing queries, store sink), measures the alert latency, tells the supervisor about every
  alert as it starts and ends (with Home Assistant configured, also every alert that opens or closes
  and each zone's people count, see :class:`~camsight.transport.homeassistant.WorkerNews`), and
  reports :class:`CameraHealth` about once a second through a pipe;
  every :data:`HEARTBEAT_S` it also writes a heartbeat to its source row
  (:func:`~camsight.store.recordings.heartbeat_stream`), so that if it is killed the supervisor
  closes its events at the time it was last alive; at each heartbeat it also looks at the model a hub
  made active (:mod:`camsight.apps.rollout`) and swaps a new one in between two frames.

Each run of a camera is its own source (``kind="stream"``): pts_s counts seconds since the worker
started, continuous across reconnects; wall times are the frames' capture times.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from types import FrameType

import sqlalchemy as sa

from camsight.apps.detector_pool import DetectorBusy, PoolSpec, SharedDetector
from camsight.apps.drive import Drive
from camsight.apps.health import CameraHealth
from camsight.apps.pipeline import CameraPipeline
from camsight.apps.recorder import SegmentRecorder, make_recorder
from camsight.apps.rollout import ActiveModel, detector_config, models_folder, read_active, running
from camsight.apps.wiring import enabled_suppressions, make_describer, make_drive, make_notifier
from camsight.config.models import CameraConfig, Config
from camsight.core.frame import Frame
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.events.notify import Notifier
from camsight.events.sinks import Published
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.pose import preload as preload_pose
from camsight.services.cameras import effective_camera
from camsight.sources.rtsp import Backoff, DropQueue, LiveStream, redact_url
from camsight.store import recordings as rec
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.handle import open_store
from camsight.transport.homeassistant import WorkerNews

log = logging.getLogger(__name__)
REPORT_EVERY_S = 1.0
HEARTBEAT_S = 2.0
DETECTOR_READY_S = 60.0
"""Longest a starting worker waits for the shared detector to load its model before its stream starts."""


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a camera worker needs (picklable: it crosses into a spawned process)."""

    config: Config
    camera_id: str
    database: str
    log_level: str = "WARNING"
    pool: PoolSpec | None = None
    """The shared detector to use (None: this worker loads its own model)."""


def alert_message(alert: AnyEvent, *, new: bool) -> dict[str, object]:
    """What a worker tells the supervisor about an alert that started (``new``) or ended."""
    return {
        "type": "alert",
        "camera": alert.camera,
        "kind": alert.kind,
        "rule": alert.rule,
        "id": alert.id,
        "status": "started" if new else "ended",
        "started_at": alert.started_at.isoformat(),
        "duration_s": round(alert.end_s - alert.start_s, 1),
        "zone": alert.zone,
        "score": round(alert.score, 2),
    }


def worker_main(spec: WorkerSpec, stop: MpEvent, reports: Connection) -> None:
    """Process entry point: run one camera until ``stop`` is set; Ctrl-C is left to the supervisor."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    logging.basicConfig(level=spec.log_level, format=f"%(levelname)s [{spec.camera_id}] %(name)s: %(message)s")
    try:
        CameraWorker(spec, reports).run(stop)
    except Exception as exc:
        expected = isinstance(exc, CamsightError)
        log.error("camera %s: worker failed: %s", spec.camera_id, exc, exc_info=not expected)
        reason = str(exc) if expected else f"worker error: {type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError, ValueError):
            reports.send(CameraHealth(spec.camera_id, state="failed", reason=reason).to_dict())
        raise SystemExit(1) from None


class CameraWorker:
    """The threads and state of one camera (see the module docstring)."""

    def __init__(self, spec: WorkerSpec, reports: Connection, *, detector: Detector | None = None) -> None:
        """Open the store and prepare the streams; the detector is loaded in :meth:`start` unless given."""
        self.spec = spec
        self.detector = detector
        self.shared = detector if isinstance(detector, SharedDetector) else None  # the shared detector's handle
        self.config = spec.config
        self.camera: CameraConfig = spec.config.camera(spec.camera_id)
        self.reports = reports
        self.url = self.camera.source or ""
        self.display = redact_url(self.url)
        self.origin = time.time()
        self.run_id = uuid.uuid4().hex
        self.store = open_store(spec.config, spec.database)
        self.site = self.store.site
        self.source_id = repo.source_id(f"{self.display}#run={self.run_id}", site=self.site)
        self.engine = self.store.engine
        self.halt = threading.Event()
        self.queue: DropQueue[Frame] = DropQueue(self.config.live.queue_size)
        self.recorder = self._recorder()
        self.stream = self._stream(self.url, fps=self.camera.fps, record=self._same_stream())
        record_url = self.camera.record_source
        self.record_stream = (
            None
            if self._same_stream() or self.recorder is None or not record_url
            else self._stream(record_url, fps=None, record=True)
        )
        self.pipe: CameraPipeline | None = None
        self.drive: Drive | None = None
        self.notifier: Notifier | None = None
        self.news: WorkerNews | None = None  # what Home Assistant should hear, when it is configured
        self.active: ActiveModel | None = None  # the hub's model this worker runs (None: the configured one)
        self.model_version: str | None = None
        self.events_stored = 0
        self.tracks_stored = 0
        self.latency = CameraHealth(self.camera.id).latency
        self._last_report = self._last_beat = 0.0
        self._now = 0.0
        self.parent = os.getppid()

    def _same_stream(self) -> bool:
        record = self.camera.record_source
        return record is None or record == self.url

    def _recorder(self) -> SegmentRecorder | None:
        """The camera's recorder (None when recording is off), burning in the masks saved in the console too."""
        if not self.config.recording.enabled:
            return None
        with self.engine.connect() as conn:
            camera = effective_camera(conn, self.camera, site=self.site)
        return make_recorder(self.config, camera, self.engine, self.store.paths.recordings)

    def _stream(self, url: str, *, fps: float | None, record: bool) -> LiveStream:
        live = self.config.live
        prefix = "" if fps is not None else "recording stream: "

        def gap(start: float, end: float, reason: str) -> None:
            with self.engine.begin() as conn:
                rec.add_gap(
                    conn,
                    camera=self.camera.id,
                    start_at=datetime.fromtimestamp(start, UTC),
                    end_at=datetime.fromtimestamp(end, UTC),
                    reason=prefix + reason,
                    run_id=self.run_id,
                )

        return LiveStream(
            url,
            camera=self.camera.id,
            fps=fps,
            origin=self.origin,
            backoff=Backoff(live.backoff_initial_s, live.backoff_max_s),
            stall_timeout_s=live.stall_timeout_s,
            queue=self.queue if fps is not None else None,
            sink=self.recorder if record else None,
            on_gap=gap,
        )

    def _models(self) -> Path:
        return models_folder(self.store.paths.media)

    def start(self) -> None:
        """Load the detector, build the drive loop and record the run's start (everything but the streams)."""
        self.active = read_active(self._models())
        self.model_version = running(self.config.detector, self._models())[0]
        detector = self.detector or self._own_detector()
        with self.engine.connect() as conn:  # the zones, lines and masks drawn in the console, if any
            camera = effective_camera(conn, self.camera, site=self.site)
        self.pipe = CameraPipeline(
            self.config,
            camera,
            source=self.display,
            source_id=self.source_id,
            wall_origin=datetime.fromtimestamp(self.origin, UTC),
            fps=self.camera.fps,
            detector=detector,
            site=self.site,
            describer=make_describer(self.config),
        )
        preload_pose()  # now, not at the first tall person mid-stream (frames would be dropped meanwhile)
        self.notifier = make_notifier(self.config, self.store, self.camera)
        ha = self.config.home_assistant
        if ha is not None and ha.enabled:
            self.news = WorkerNews(camera.id, [zone.name for zone in camera.zones], every_s=ha.counts_every_s)
        self.drive = make_drive(
            self.config,
            self.store,
            self.pipe,
            run_id=self.run_id,
            suppressions=enabled_suppressions(self.engine),
            on_published=self._observe,
            notifier=self.notifier,
        )
        self._begin()

    def _own_detector(self) -> Detector:
        """The shared detector's handle (waiting a bounded time for it to load), else a model of this worker's."""
        pool = self.spec.pool
        if pool is None:
            return OnnxDetector(detector_config(self.config.detector, self.active))
        det = self.config.detector
        self.shared = SharedDetector(
            pool.address,
            pool.authkey,
            timeout_s=self.config.live.detector_timeout_s,
            iou=det.iou,
            input_size=det.input_size,
        )
        if not self.shared.wait_ready(DETECTOR_READY_S):
            log.warning("camera %s: the shared detector is not up yet (%s)", self.camera.id, self.shared.problem)
        self.shared.refresh()
        self.model_version = self.shared.version or self.model_version
        return self.shared

    def run(self, stop: MpEvent) -> None:
        """Analyse frames until ``stop``; then flush open events and tracks and close the recording."""
        self.report()
        self.start()
        streams = [s for s in (self.stream, self.record_stream) if s is not None]
        threads = [
            threading.Thread(target=s.run, args=(self.halt,), name=f"stream-{i}", daemon=True)
            for i, s in enumerate(streams)
        ]
        for thread in threads:
            thread.start()
        try:
            while not stop.is_set():
                frame = self.queue.get(timeout=0.2)
                if frame is not None:
                    self._analyse(frame)
                if time.monotonic() - self._last_beat >= HEARTBEAT_S:
                    self.heartbeat()
                    self.follow_model()
                if time.monotonic() - self._last_report >= REPORT_EVERY_S:
                    self.report()
                    if os.getppid() != self.parent:  # the supervisor was killed: do not run on as an orphan
                        log.warning("camera %s: supervisor gone; stopping", self.camera.id)
                        break
        finally:
            self.halt.set()
            for thread in threads:
                thread.join(timeout=self.config.live.stall_timeout_s + 5)
            self._finish()

    def _begin(self) -> None:
        with writing(self.engine) as conn:
            repo.upsert_camera(conn, camera_id=self.camera.id, source=self.display, site=self.site)
            repo.start_source(
                conn,
                source_id=self.source_id,
                site=self.site,
                camera=self.camera.id,
                uri=self.display,
                kind="stream",
                run_id=self.run_id,
                started_at=datetime.fromtimestamp(self.origin, UTC),
                wall_clock="capture",
            )
            closed = rec.close_stale_events(conn, camera=self.camera.id, keep_source_id=self.source_id)
        if closed:
            log.warning("camera %s: closed %d event(s) an earlier run left open", self.camera.id, closed)

    def analyse(self, frame: Frame) -> None:
        """One frame through the drive loop (the main thread's work; :meth:`start` first)."""
        self._analyse(frame)

    def finish(self) -> None:
        """End the run: close open events, store the remaining tracks, record how it ended."""
        self._finish()

    def _analyse(self, frame: Frame) -> None:
        assert self.drive is not None
        self._now = frame.pts_s
        try:
            self.drive.step(frame)
        except DetectorBusy:  # counted by the shared detector's handle; the frame is dropped
            return
        if self.news is not None and self.news.due(frame.pts_s):
            assert self.pipe is not None
            counts = self.news.counts(frame.pts_s, self.pipe.occupancy())
            if counts is not None:
                self._tell(counts)

    def _observe(self, published: Published) -> None:
        """Latency of each new alert; every alert start and end goes to the supervisor (it prints them)."""
        self.events_stored += len(published.new)
        self.tracks_stored += len(published.records)
        for alert, latency_s in published.new:
            self.latency.observe(latency_s)
            log.info(
                "camera %s: %s event %s stored %.3f s after its frame",
                self.camera.id,
                alert.kind,
                alert.id[:10],
                latency_s,
            )
            self._tell(alert_message(alert, new=True))
            if alert.status == "closed":
                self._tell(alert_message(alert, new=False))
        for alert in published.updated:
            if alert.status == "closed":
                self._tell(alert_message(alert, new=False))
        for news in self.news.alerts(published) if self.news is not None else ():
            self._tell(news)

    def _tell(self, message: object) -> None:
        try:
            self.reports.send(message)
        except (OSError, ValueError):  # the supervisor is gone
            log.debug("camera %s: status pipe closed", self.camera.id)

    def _finish(self) -> None:
        status, error = "complete", None
        if self.pipe is not None and self.drive is not None:
            self.drive.close()
            cleared = self.news.cleared() if self.news is not None else None
            if cleared is not None:
                self._tell(cleared)
            stats = self.pipe.stats
            with self.engine.begin() as conn:
                rec.finish_stream(
                    conn,
                    source_id=self.source_id,
                    status=status,
                    error=error,
                    frames_decoded=self.stream.stats.frames_in,
                    frames_analysed=stats.frames_analysed,
                    frames_skipped=stats.frames_skipped,
                    duration_s=time.time() - self.origin,
                    finished_at=datetime.now(UTC),
                )
        if self.notifier is not None:  # what the last alerts queued is sent, for at most drain_s
            self.notifier.close(self.config.notifications.drain_s)
        if self.shared is not None:
            self.shared.close()
        self.report(state="stopped")
        self.store.close()

    def follow_model(self) -> None:
        """Swap in the model the hub made active (``active.json``), between two frames; a bad one is not used."""
        if self.shared is not None:  # the shared detector follows the active model; this reports what it runs
            self.shared.refresh()
            if self.shared.version is not None and self.shared.version != self.model_version:
                self.model_version = self.shared.version
                log.warning("camera %s: now detecting with model %s", self.camera.id, self.model_version)
            return
        if self.detector is not None or self.pipe is None:  # a detector given by the caller (tests) stays
            return
        active = read_active(self._models())
        if active == self.active:
            return
        self.active = active
        version = running(self.config.detector, self._models())[0]
        try:
            detector = OnnxDetector(detector_config(self.config.detector, active))
        except CamsightError as exc:
            log.error(
                "camera %s: model %s not loaded (%s); keeping %s", self.camera.id, version, exc, self.model_version
            )
            return
        self.pipe.detector = detector
        self.model_version = version
        log.warning("camera %s: now detecting with model %s", self.camera.id, version)

    def heartbeat(self) -> None:
        """Store this run's latest sign of life and counters (a failed write is logged, not fatal)."""
        self._last_beat = time.monotonic()
        assert self.pipe is not None
        stats, now = self.pipe.stats, time.time()
        try:
            with self.engine.begin() as conn:
                rec.heartbeat_stream(
                    conn,
                    source_id=self.source_id,
                    seen_at=datetime.fromtimestamp(now, UTC),
                    duration_s=now - self.origin,
                    frames_decoded=self.stream.stats.frames_in,
                    frames_analysed=stats.frames_analysed,
                    frames_skipped=stats.frames_skipped,
                )
        except sa.exc.OperationalError as exc:  # the database is busy or gone: the next beat may get through
            log.warning("camera %s: heartbeat not stored: %s", self.camera.id, exc)

    def health(self) -> CameraHealth:
        """This camera's health now."""
        s = self.stream.stats
        pipe = self.pipe.stats if self.pipe is not None else None
        times = os.times()
        recording = None
        if self.recorder is not None:
            recording = self.recorder.problem or "on"
        return CameraHealth(
            camera=self.camera.id,
            state=s.state,
            reason=s.reason,
            source=self.display,
            pid=os.getpid(),
            frames_in=s.frames_in,
            frames_analysed=(pipe.frames_analysed + pipe.frames_skipped) if pipe else 0,
            frames_skipped=pipe.frames_skipped if pipe else 0,
            frames_dropped=s.frames_dropped + (self.shared.dropped if self.shared is not None else 0),
            decode_errors=s.decode_errors,
            reconnects=s.reconnects,
            events=self.events_stored,
            tracks=self.tracks_stored,
            segments=self.recorder.segments_written if self.recorder else 0,
            cpu_s=times.user + times.system,
            memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            queue_depth=len(self.queue),
            started_at=self.origin,
            last_frame_at=s.last_frame_at,
            last_outage=s.last_outage,
            outage_since=s.outage_start,
            size=s.size,
            recording=recording,
            model=self.model_version,
            notes=list(s.notes) + self._detector_notes(),
            latency=self.latency,
        )

    def _detector_notes(self) -> list[str]:
        shared = self.shared
        if shared is None or not shared.dropped:
            return []
        why = f" (now: {shared.problem})" if shared.problem else ""
        return [f"{shared.dropped} frame(s) dropped waiting for the shared detector{why}"]

    def report(self, *, state: str | None = None, reason: str | None = None) -> None:
        """Send the health snapshot to the supervisor (optionally overriding the state)."""
        self._last_report = time.monotonic()
        health = self.health()
        if state is not None:
            health.state, health.reason = state, reason
        try:
            self.reports.send(health.to_dict())
        except (OSError, ValueError):  # the supervisor is gone; nothing to report to
            log.debug("camera %s: status pipe closed", self.camera.id)
