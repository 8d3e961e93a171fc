"""``camsight run``: every live camera at once, each in a supervised worker process.

The :class:`Supervisor` starts one spawned process per camera (:mod:`camsight.apps.worker`), so a
decoder crash takes down one camera, never the box. A worker that dies is restarted after an
exponential backoff while the others go on, once the supervisor has closed what it left open: its
segments (repaired from the files), its open events (ended at its last heartbeat) and its source
row (``failed``, with the reason). The supervisor collects the workers' health reports,
writes the status file (``status.json`` next to the database) every second, serves Prometheus
metrics, enforces recording retention every minute and the retention of every other kind of data
(:mod:`camsight.services.retention`) every hour; with ``home_assistant`` configured it hands the
workers' news to the Home Assistant connection (:mod:`camsight.transport.homeassistant`) and tells it
every second which cameras are live. :meth:`Supervisor.stop` (Ctrl-C, SIGTERM)
asks every worker to flush its open events and tracks and close its recording, then waits.

A store has one live runner at a time: the supervisor holds the store's run lock
(:mod:`camsight.store.locks`) for its whole life, and a second one refuses to start, touching
nothing, rather than take the first one's open segments and events for a crash's leftovers.

Example:
    >>> supervisor = Supervisor(config, paths=open_store(config).paths)  # doctest: +SKIP
    >>> supervisor.run()  # until supervisor.stop() from a signal handler  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event as MpEvent
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from camsight.apps.detector_pool import PoolSpec, detector_main
from camsight.apps.health import CameraHealth, serve_metrics, write_status
from camsight.apps.recorder import enforce_retention, repair_segments
from camsight.apps.worker import WorkerSpec, worker_main
from camsight.config.models import Config
from camsight.errors import CamsightError, ConfigError
from camsight.services import retention
from camsight.sources.rtsp import Backoff, is_live_url, redact_url
from camsight.store import recordings as rec
from camsight.store.db import connect
from camsight.store.locks import StoreLock
from camsight.store.media import MediaStore
from camsight.store.paths import StorePaths

if TYPE_CHECKING:
    from camsight.apps.rollout import ModelFollower
    from camsight.transport.homeassistant import HomeAssistant
    from camsight.transport.publisher import Publisher

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 60.0
STORE_RETENTION_EVERY_S = 3600.0  # thumbnails and snapshots, tracks, events, audit: config `retention:`
STABLE_AFTER_S = 60.0  # a worker that ran this long restarts from the initial backoff
WATCHDOG_S = 90.0  # a worker that reports nothing this long is hung: killed and restarted
LEFT_OPEN = "camsight run ended without closing this run (killed or crashed)"


def live_cameras(config: Config) -> list[str]:
    """Ids of the cameras with a stream URL.

    Raises:
        ConfigError: No camera has one, or a camera has a file as source (use ``camsight analyze``).
    """
    ids = []
    for cam in config.cameras:
        if cam.source is None:
            continue
        if not is_live_url(cam.source):
            raise ConfigError(
                f"camera {cam.id!r}: source {cam.source!r} is not a stream URL; `camsight run` "
                "follows rtsp:// cameras, analyse files with `camsight analyze`"
            )
        ids.append(cam.id)
    if not ids:
        raise ConfigError("no camera has a stream source (source: rtsp://...); nothing to run")
    return ids


@dataclass
class _Slot:
    """One camera's worker process and its restart bookkeeping."""

    camera: str
    backoff: Backoff
    process: SpawnProcess | None = None
    stop: MpEvent | None = None
    reader: Connection | None = None
    started: float = 0.0
    restart_at: float | None = 0.0
    restarts: int = 0
    health: CameraHealth | None = None
    base: CameraHealth | None = None
    seen: float = 0.0  # monotonic time of the last report


@dataclass
class _DetectorSlot:
    """The shared detector's process (``live.shared_detector``) and its restart bookkeeping."""

    spec: PoolSpec
    backoff: Backoff
    process: SpawnProcess | None = None
    stop: MpEvent | None = None
    started: float = 0.0
    restart_at: float | None = 0.0
    restarts: int = 0


class Supervisor:
    """Runs and watches the camera workers.

    Args:
        config: The configuration (cameras with ``rtsp://`` sources run).
        paths: The store's database, media, recordings and status file (the store is upgraded already).
        log_level: Logging level for the workers.
        on_alert: Called with every alert message a worker sends (an alert started or ended).
        command: How the store lock names this runner; default the process's command line.
        lock: The store's run lock, when the caller took it already (before opening the store).
    """

    def __init__(
        self,
        config: Config,
        *,
        paths: StorePaths,
        log_level: str = "WARNING",
        on_alert: Callable[[dict[str, Any]], None] | None = None,
        command: str | None = None,
        lock: StoreLock | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.log_level = log_level
        self.on_alert = on_alert
        self.store_lock = lock or StoreLock(paths.database, command=command)
        self.ctx = mp.get_context("spawn")
        live = config.live
        self.slots = {
            cam: _Slot(cam, Backoff(live.backoff_initial_s, live.backoff_max_s)) for cam in live_cameras(config)
        }
        self.started_at = time.time()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._retaining: threading.Thread | None = None
        self.home_assistant: HomeAssistant | None = None
        self.follower: ModelFollower | None = None
        self.detector: _DetectorSlot | None = None  # the shared detector, made when the run starts

    def claim(self) -> None:
        """Take the store's run lock now (:meth:`run` does it too); nothing else is touched.

        Raises:
            StoreLockedError: Another ``camsight run`` holds the store (the message names it).
        """
        self.store_lock.acquire()

    def stop(self) -> None:
        """Ask :meth:`run` to stop (safe from a signal handler)."""
        self._stop.set()

    def snapshots(self) -> list[CameraHealth]:
        """Every camera's latest health (counters of earlier workers included)."""
        with self._lock:
            return [self._snapshot(slot) for slot in self.slots.values()]

    def _snapshot(self, slot: _Slot) -> CameraHealth:
        health = slot.health or CameraHealth(
            slot.camera, source=redact_url(self.config.camera(slot.camera).source or "")
        )
        out = health.plus(slot.base)
        out.restarts = slot.restarts
        if slot.process is None or not slot.process.is_alive():
            if slot.restart_at is not None and not self._stop.is_set():
                wait_s = max(0.0, slot.restart_at - time.time())
                out.state = "failed" if health.state == "failed" else "backoff"
                out.reason = f"{health.reason or 'worker stopped'}; worker restarts in {wait_s:.0f} s"
            elif self._stop.is_set():
                out.state = "stopped"
        return out

    def run(self) -> None:
        """Hold the store lock, start the workers and watch them until :meth:`stop`; then stop them cleanly.

        Raises:
            StoreLockedError: Another ``camsight run`` holds the store; nothing was touched.
        """
        self.claim()
        try:
            self._run()
        finally:
            self.store_lock.release()

    def _shared_detector(self) -> _DetectorSlot | None:
        """With ``live.shared_detector``, the detector process's slot (its socket in a new private folder)."""
        live = self.config.live
        if not live.shared_detector:
            return None
        from camsight.apps.rollout import models_folder

        spec = PoolSpec.make(
            self.config.detector,
            models=models_folder(self.paths.media),
            batch=live.detector_batch,
            workers=live.detector_workers,
            log_level=self.log_level,
        )
        return _DetectorSlot(spec, Backoff(live.backoff_initial_s, live.backoff_max_s))

    def _run(self) -> None:
        self._prepare()
        serve_metrics(self.config.live.metrics_port, self.snapshots)
        publisher = self._publisher()
        self.home_assistant = self._home_assistant()
        next_status = next_retention = next_store_retention = 0.0
        self.detector = self._shared_detector()
        try:
            while not self._stop.is_set():
                self._start_detector()
                self._start_due()
                self._drain(0.25)
                self._check_exits()
                now = time.monotonic()
                if now >= next_status:
                    self.write_status()
                    if publisher is not None:
                        publisher.report_cameras({h.camera: (h.state, h.reason) for h in self.snapshots()})
                        self._report_model(publisher)
                    self._tell_home_assistant()
                    next_status = now + 1.0
                if now >= next_retention:
                    self.retention()
                    next_retention = now + RETENTION_EVERY_S
                if now >= next_store_retention:
                    self._retain_in_background()
                    next_store_retention = now + STORE_RETENTION_EVERY_S
        finally:
            self._shutdown()
            if self._retaining is not None:
                self._retaining.join(30)  # a pass is one short transaction; no new one starts once stopping
            self.write_status(running=False)
            if self.home_assistant is not None:
                self._tell_home_assistant()
                self.home_assistant.stop()
            if self.follower is not None:
                self.follower.stop()
            if publisher is not None:
                publisher.report_cameras({h.camera: ("stopped", None) for h in self.snapshots()})
                publisher.drain(5.0)  # what the workers stored last; the rest waits in the outbox
                publisher.stop()

    def _publisher(self) -> Publisher | None:
        """With a hub configured, the outbox's publisher, started (the workers only write the outbox).

        Unless ``hub.models`` is off, it also feeds the hub's model announcements to :attr:`follower`.
        """
        if self.config.hub is None:
            return None
        from camsight.apps.rollout import ModelFollower, models_folder
        from camsight.apps.wiring import make_publisher
        from camsight.store.handle import open_store
        from camsight.transport import topics

        store = open_store(self.config, self.paths.database)
        if self.config.hub.models:
            self.follower = ModelFollower(
                site=store.site, folder=models_folder(self.paths.media), configured=self.config.detector
            )
            self.follower.start()
        offer = self.follower.offer if self.follower is not None else None
        publisher = make_publisher(self.config, store, client_id=topics.edge_client_id(store.site), on_model=offer)
        if publisher is not None:
            publisher.start()
        return publisher

    def _report_model(self, publisher: Publisher) -> None:
        """The model the workers are told to run (``active.json``), and why a release was refused, if one was."""
        from camsight.apps.rollout import models_folder, running

        model = running(self.config.detector, models_folder(self.paths.media))
        publisher.set_model(model, self.follower.problem if self.follower is not None else None)

    def _home_assistant(self) -> HomeAssistant | None:
        """With ``home_assistant`` configured, its connection, started, announcing the live cameras' entities."""
        from camsight.apps.wiring import make_home_assistant

        engine = connect(self.paths.database)
        try:
            bridge = make_home_assistant(self.config, engine, cameras=list(self.slots))
        finally:
            engine.dispose()
        if bridge is not None:
            bridge.start()
        return bridge

    def _tell_home_assistant(self) -> None:
        if self.home_assistant is not None:
            self.home_assistant.cameras({h.camera: h.state == "live" for h in self.snapshots()})

    def _prepare(self) -> None:
        engine = connect(self.paths.database)
        try:
            for camera in self.slots:
                self._close_dead(engine, camera, LEFT_OPEN)
        finally:
            engine.dispose()

    def _close_dead(self, engine: sa.Engine, camera: str, reason: str) -> None:
        """Close what dead workers of a camera left open: segments, open events, source rows (``failed``)."""
        repaired = repair_segments(engine, self.paths.recordings, camera)
        if repaired:
            log.warning("camera %s: repaired %d segment(s) a dead worker left open", camera, repaired)
        with engine.begin() as conn:
            dead = rec.close_dead_runs(conn, camera=camera, error=reason)
        for run in dead:
            log.warning(
                "camera %s: run %s closed as failed (%s), last seen %s; %d open event(s) closed",
                camera,
                run.source_id,
                reason,
                run.last_seen_at.isoformat(timespec="seconds"),
                run.events_closed,
            )

    def _after_exit(self, camera: str, code: int | None) -> None:
        """A worker has exited: close what it left open (a clean exit left nothing; errors are logged)."""
        engine = None
        try:
            engine = connect(self.paths.database)
            self._close_dead(engine, camera, _exit_reason(code))
        except (CamsightError, sa.exc.SQLAlchemyError, OSError):
            log.exception("camera %s: cannot close what the dead worker left open", camera)
        finally:
            if engine is not None:
                engine.dispose()

    def _start_due(self) -> None:
        now = time.time()
        for slot in self.slots.values():
            if slot.process is None and slot.restart_at is not None and now >= slot.restart_at:
                self._start(slot)

    def _start_detector(self) -> None:
        """Start the shared detector when it is due; restart it (after a backoff) when it died."""
        slot = self.detector
        if slot is None:
            return
        process = slot.process
        if process is not None and not process.is_alive():
            process.join()
            if time.time() - slot.started >= STABLE_AFTER_S:
                slot.backoff.reset()
            delay = slot.backoff.next()
            log.error("shared detector: %s; restarting it in %.1f s", _exit_reason(process.exitcode), delay)
            slot.process, slot.restart_at = None, time.time() + delay
            slot.restarts += 1
        if slot.process is None and slot.restart_at is not None and time.time() >= slot.restart_at:
            stop = self.ctx.Event()
            slot.process = self.ctx.Process(
                target=detector_main, args=(slot.spec, stop), name="camsight-detector", daemon=False
            )
            slot.process.start()
            slot.stop, slot.started, slot.restart_at = stop, time.time(), None
            log.info("shared detector started (pid %s)", slot.process.pid)

    def _stop_detector(self) -> None:
        slot = self.detector
        if slot is None:
            return
        slot.restart_at = None
        if slot.process is not None:
            assert slot.stop is not None
            slot.stop.set()
            slot.process.join(10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(5)
            slot.process = None
        slot.spec.cleanup()

    def _start(self, slot: _Slot) -> None:
        pool = self.detector.spec if self.detector is not None else None
        spec = WorkerSpec(self.config, slot.camera, self.paths.database, self.log_level, pool)
        reader, writer = self.ctx.Pipe(duplex=False)
        stop = self.ctx.Event()
        process = self.ctx.Process(
            target=worker_main, args=(spec, stop, writer), name=f"camsight-{slot.camera}", daemon=False
        )
        process.start()
        writer.close()  # the child holds its end; EOF on ours means the child is gone
        slot.process, slot.stop, slot.reader = process, stop, reader
        slot.started, slot.restart_at, slot.seen = time.time(), None, time.monotonic()
        log.info("camera %s: worker started (pid %s)", slot.camera, process.pid)

    def _drain(self, timeout: float) -> None:
        readers = {slot.reader: slot for slot in self.slots.values() if slot.reader is not None}
        if not readers:
            time.sleep(timeout)
            return
        for ready in wait(list(readers), timeout=timeout):
            slot = readers[ready]  # type: ignore[index]
            try:
                while slot.reader is not None and slot.reader.poll():
                    data = slot.reader.recv()
                    if not isinstance(data, dict):  # news for Home Assistant
                        if self.home_assistant is not None:
                            self.home_assistant.observe(data)
                        continue
                    if data.get("type") == "alert":
                        if self.on_alert is not None:
                            self.on_alert(data)
                        continue
                    with self._lock:
                        slot.health = CameraHealth.from_dict(data)
                        slot.seen = time.monotonic()
            except (EOFError, OSError):
                slot.reader = None

    def _check_exits(self) -> None:
        for slot in self.slots.values():
            process = slot.process
            if process is not None and process.is_alive() and time.monotonic() - slot.seen > WATCHDOG_S:
                log.error("camera %s: worker silent for %.0f s (hung); killing it", slot.camera, WATCHDOG_S)
                process.kill()
                process.join(5)
            if process is None or process.is_alive():
                continue
            process.join()
            code = process.exitcode
            reason = _exit_reason(code)
            self._after_exit(slot.camera, code)
            if self.home_assistant is not None:
                self.home_assistant.camera_gone(slot.camera)
            with self._lock:
                last = slot.health
                if last is not None:
                    slot.base = last.plus(slot.base)  # counters so far; the next worker counts from zero
                    failed = last.state == "failed"
                    slot.health = CameraHealth(
                        slot.camera,
                        state="failed" if failed else "backoff",
                        reason=last.reason if failed else reason,
                        source=last.source,
                        last_frame_at=last.last_frame_at,
                        last_outage=last.last_outage,
                        size=last.size,
                    )
                if time.time() - slot.started >= STABLE_AFTER_S:
                    slot.backoff.reset()
                delay = slot.backoff.next()
                slot.process, slot.stop, slot.reader = None, None, None
                slot.restart_at = time.time() + delay
                slot.restarts += 1
            log.warning("camera %s: %s; restarting it in %.1f s", slot.camera, reason, delay)

    def write_status(self, *, running: bool = True) -> None:
        """Write the status file now."""
        write_status(self.paths.status, self.snapshots(), pid=os.getpid(), started_at=self.started_at, running=running)

    def retention(self) -> None:
        """One retention pass over the recordings (errors are logged, never fatal)."""
        recording = self.config.recording
        engine = connect(self.paths.database)
        try:
            enforce_retention(
                engine,
                now=datetime.now(UTC),
                folder=self.paths.recordings,
                retain_days=recording.retain_days,
                max_bytes=int(recording.max_disk_gb * 1e9),
                pre_s=recording.pre_s,
            )
        except Exception:
            log.exception("retention pass failed")
        finally:
            engine.dispose()

    def _retain_in_background(self) -> None:
        """Start :meth:`store_retention` in a thread, unless the last one still runs (a backlog takes passes)."""
        if self._retaining is not None and self._retaining.is_alive():
            return
        self._retaining = threading.Thread(target=self.store_retention, name="camsight-retention", daemon=True)
        self._retaining.start()

    def store_retention(self) -> None:
        """The hourly retention of every kind of stored data, audited as ``retention.run`` (errors are logged).

        It runs beside the loop that watches the workers, so a long backlog never holds their reports up.
        """
        engine = connect(self.paths.database)
        try:
            report = retention.run(
                engine,
                actor=retention.SYSTEM,
                config=self.config,
                media=MediaStore(self.paths.media),
                recordings=self.paths.recordings,
                keep_going=lambda: not self._stop.is_set(),
            )
            if any(report.counts.values()):
                log.info("retention: deleted %s", ", ".join(f"{n} {kind}" for kind, n in report.counts.items() if n))
        except Exception:
            log.exception("store retention pass failed")
        finally:
            engine.dispose()

    def _shutdown(self) -> None:
        slots = [s for s in self.slots.values() if s.process is not None]
        for slot in slots:
            assert slot.stop is not None
            slot.stop.set()
        deadline = time.monotonic() + self.config.live.stall_timeout_s + 15
        while any(s.process is not None and s.process.is_alive() for s in slots) and time.monotonic() < deadline:
            self._drain(0.2)
        for slot in slots:
            assert slot.process is not None
            if slot.process.is_alive():
                log.warning("camera %s: worker did not stop in time; terminating it", slot.camera)
                slot.process.terminate()
                slot.process.join(5)
                if slot.process.is_alive():
                    slot.process.kill()
            slot.process.join()
            if slot.process.exitcode != 0:
                self._after_exit(slot.camera, slot.process.exitcode)
                if self.home_assistant is not None:
                    self.home_assistant.camera_gone(slot.camera)
        self._drain(0)
        for slot in self.slots.values():
            slot.restart_at = None
        self._stop_detector()


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "worker is gone"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"worker crashed ({name})"
    return f"worker exited with code {code}"
