"""One detector for every live camera: a process holding one model, fed through shared memory.

With ``live.shared_detector`` on (the default), ``camsight run``'s supervisor starts one
:func:`detector_main` process beside the camera workers. It loads the model once (about 60-70 MB that
each worker would otherwise hold, measured by ``bench/live_capacity.py``) and listens on a Unix socket
that only processes given its random key can use. Each camera worker talks to it through a
:class:`SharedDetector`, which implements the :class:`~camsight.perception.detect.Detector` protocol:

- the worker copies its frame into a shared-memory block of its own
  (:mod:`multiprocessing.shared_memory`: the pixels never go through a pipe) and sends a small request
  (id, block name, height, width);
- the detector takes every request waiting, up to ``live.detector_batch`` at a time, detects on the
  frames in place and answers each camera with its boxes and the model version that found them;
- a camera has at most one request in flight and waits at most ``live.detector_timeout_s`` for its
  answer. A frame not answered in time raises :class:`DetectorBusy`: the worker drops it and counts it
  (its health's ``frames_dropped``, with a note saying why). The frame after it is not sent while the
  late answer is still due, so a slow or stalled detector makes cameras drop frames, never queue them:
  memory stays one frame per camera.

If the detector process dies, the supervisor starts it again (with backoff); the cameras drop frames
meanwhile, say so in their health, and connect again. If a camera worker dies, the detector closes
its connection and lets go of its block. The detector follows the model a hub made active
(``<media>/models/active.json``, :mod:`camsight.apps.rollout`) between two batches, and tells every
camera when it switched; a model that fails to load is not used.

Example:
    The detector runs ``detector_main(spec, stop)`` in a process of its own; a camera then asks it:

    >>> spec = PoolSpec.make(DetectorConfig(), models=None)           # doctest: +SKIP
    >>> detector = SharedDetector(spec.address, spec.authkey, timeout_s=2.0)  # doctest: +SKIP
    >>> detector.detect(frame)                                        # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, Listener, wait
from multiprocessing.shared_memory import SharedMemory
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camsight.config.models import DetectorConfig
from camsight.core.detections import Detections
from camsight.core.frame import Frame
from camsight.errors import CamsightError
from camsight.perception.detect import Detector, detect_regions
from camsight.perception.regions import Region

log = logging.getLogger(__name__)
FOLLOW_EVERY_S = 2.0
"""How often the detector process looks at the hub's active model."""
STUCK_S = 30.0
"""A request unanswered this long means the detector is gone or hung: the camera connects again."""
RETRY_S = 0.5
"""Least time between two attempts of a camera to connect to the detector."""


class DetectorBusy(CamsightError):
    """The shared detector did not answer this frame in time, or is down: the frame is dropped and counted."""


@dataclass(frozen=True)
class PoolSpec:
    """Where the shared detector listens and what it runs (picklable: it crosses into spawned processes).

    Attributes:
        detector: The configured detector settings.
        address: The Unix socket it listens on.
        authkey: The key a client must know to connect.
        models: The folder whose ``active.json`` it follows (None: the configured model only).
        batch: Most frames detected in one batch.
        workers: Frames of a batch run at once on the one model (ONNX Runtime sessions may be run from
            several threads; each run has its own buffers, the weights are loaded once); 0: one per core.
        log_level: Logging level of the detector process.
    """

    detector: DetectorConfig
    address: str
    authkey: bytes
    models: Path | None = None
    batch: int = 4
    workers: int = 0
    log_level: str = "WARNING"

    @classmethod
    def make(
        cls,
        detector: DetectorConfig,
        *,
        models: Path | None,
        batch: int = 4,
        workers: int = 0,
        log_level: str = "WARNING",
    ) -> PoolSpec:
        """A spec with a fresh socket in a new owner-only temporary folder and a random key."""
        folder = Path(tempfile.mkdtemp(prefix="camsight-det-"))  # mkdtemp makes it 0700
        key = secrets.token_bytes(24)
        return cls(detector, str(folder / "detector.sock"), key, models, batch, workers, log_level)

    @property
    def threads(self) -> int:
        """How many frames the detector runs at once."""
        return max(1, min(self.batch, self.workers or os.cpu_count() or 1))

    def cleanup(self) -> None:
        """Remove the socket and its folder (the supervisor, when it stops)."""
        path = Path(self.address)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()


def _load(spec: PoolSpec) -> tuple[Detector, str, object]:
    """The detector to run, its version and the active-model note it follows."""
    from camsight.apps.rollout import detector_config, read_active, running
    from camsight.models.registry import active_detector
    from camsight.perception.detect import OnnxDetector

    config = spec.detector
    if config.threads == 0 and spec.threads > 1:  # one frame per core, each on one core: no oversubscription
        config = config.model_copy(update={"threads": 1})
    if spec.models is None:
        return OnnxDetector(config), active_detector(config)[0], None
    active = read_active(spec.models)
    detector = OnnxDetector(detector_config(config, active))
    return detector, running(config, spec.models)[0], active


@dataclass
class _Client:
    """One connected camera: its connection and the shared-memory block it last sent."""

    conn: Connection
    block: SharedMemory | None = None

    def image(self, name: str, height: int, width: int) -> NDArray[np.uint8]:
        """The frame in the client's block (attached once per block)."""
        if self.block is None or self.block.name != name.lstrip("/"):
            self.release()
            self.block = SharedMemory(name=name)
        if height * width * 3 > self.block.size:
            raise ValueError(f"a {width}x{height} frame does not fit the {self.block.size}-byte block")
        return np.ndarray((height, width, 3), dtype=np.uint8, buffer=self.block.buf)

    def release(self, unlink: bool = False) -> None:
        """Detach the block; ``unlink``: remove it too (its camera hung up or died, and will not send it again)."""
        if self.block is not None:
            with contextlib.suppress(BufferError, OSError):
                self.block.close()
            if unlink:
                with contextlib.suppress(OSError):  # the camera removed it first
                    self.block.unlink()
            self.block = None


class DetectorServer:
    """The detector process's work: accept cameras, detect their frames in batches, follow the active model.

    Args:
        spec: Where to listen and what to run.
        detector: A detector to use instead of loading the configured one (it is then never switched).
    """

    def __init__(self, spec: PoolSpec, detector: Detector | None = None) -> None:
        self.spec = spec
        self.following = detector is None
        if detector is None:
            self.detector, self.version, self._active = _load(spec)
        else:
            self.detector, self.version, self._active = detector, "given", None
        Path(spec.address).unlink(missing_ok=True)  # a socket a dead detector left behind
        self.listener = Listener(spec.address, family="AF_UNIX", authkey=spec.authkey)
        self.clients: dict[Connection, _Client] = {}
        self.frames = 0
        self.batches = 0
        self._lock = threading.Lock()
        self._next_follow = time.monotonic() + FOLLOW_EVERY_S
        self._pool = ThreadPoolExecutor(spec.threads, thread_name_prefix="detect")
        self._accepting = threading.Thread(target=self._accept, name="detector-accept", daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn = self.listener.accept()
            except OSError:  # the listener was closed: stopping
                return
            except Exception as exc:  # a client with the wrong key (AuthenticationError) or one that hung up
                log.warning("detector: refused a connection: %s", exc)
                continue
            with contextlib.suppress(OSError):
                conn.send(("model", self.version))
                with self._lock:
                    self.clients[conn] = _Client(conn)

    def serve(self, stop: Callable[[], bool]) -> None:
        """Answer requests until ``stop()`` is true (checked at least every 0.2 s)."""
        while not stop():
            with self._lock:
                conns = list(self.clients)
            if not conns:
                time.sleep(0.05)
            else:
                requests: list[tuple[_Client, tuple[Any, ...]]] = []
                for conn in wait(conns, timeout=0.2):
                    client = self.clients[conn]  # type: ignore[index]
                    try:
                        requests.append((client, client.conn.recv()))
                    except (EOFError, OSError):  # the camera worker stopped or died
                        self._drop(client)
                for start in range(0, len(requests), self.spec.batch):
                    self._detect(requests[start : start + self.spec.batch])
            if self.following and time.monotonic() >= self._next_follow:
                self._next_follow = time.monotonic() + FOLLOW_EVERY_S
                self.follow_model()

    def _detect(self, requests: list[tuple[_Client, tuple[Any, ...]]]) -> None:
        """One batch: detect on each frame in its block, answer each camera."""
        images: list[NDArray[np.uint8]] = []
        sides: list[int | None] = []
        answers: list[tuple[Any, ...] | None] = []
        for client, (request_id, name, height, width, *rest) in requests:
            try:
                images.append(client.image(name, height, width))
                sides.append(rest[0] if rest else None)  # a region's input side (None: the detector's)
                answers.append(None)
            except (OSError, ValueError) as exc:
                answers.append(("dets", request_id, self.version, f"frame not readable: {exc}", None, None, None))
        found: list[Detections] = []
        error: str | None = None
        try:
            detector = self.detector

            def one(image: NDArray[np.uint8], side: int | None) -> Detections:
                return detector.detect_image(image) if side is None else detector.detect_images([image], [side])[0]

            if len(images) > 1 and self.spec.threads > 1:  # one model, several frames at once
                found = list(self._pool.map(one, images, sides))
            else:
                found = [one(image, side) for image, side in zip(images, sides, strict=True)]
        except Exception as exc:  # a model that fails on a frame must not end every camera's detection
            log.exception("detector: a batch of %d frame(s) failed", len(images))
            error = f"the detector failed: {type(exc).__name__}: {exc}"
        del images  # no view of a block outlives the batch (a block with views cannot be closed)
        results = iter(found)
        for (client, request), answer in zip(requests, answers, strict=True):
            if answer is None:
                request_id = request[0]
                if error is not None:
                    answer = ("dets", request_id, self.version, error, None, None, None)
                else:
                    d = next(results)
                    answer = ("dets", request_id, self.version, None, d.xyxy, d.confidence, d.class_id)
            try:
                client.conn.send(answer)
            except OSError:
                self._drop(client)
        self.frames += len(requests)
        self.batches += 1

    def _drop(self, client: _Client) -> None:
        """Forget a camera that hung up or died, and remove its block.

        A block belongs to one connection, so it goes with it: a camera killed with SIGKILL cannot remove
        its own, and it would stay until the supervisor exits.
        """
        with self._lock:
            self.clients.pop(client.conn, None)
        client.release(unlink=True)
        with contextlib.suppress(OSError):
            client.conn.close()

    def follow_model(self) -> None:
        """Load the model a hub made active when it changed; every camera is told (a bad one is not used)."""
        if self.spec.models is None:
            return
        from camsight.apps.rollout import read_active

        active = read_active(self.spec.models)
        if active == self._active:
            return
        previous = self._active
        try:
            detector, version, self._active = _load(self.spec)
        except CamsightError as exc:
            self._active = active  # not tried again until the note changes
            log.error("detector: model in %s not loaded (%s); keeping %s", self.spec.models, exc, self.version)
            return
        log.warning("detector: now detecting with model %s (was %s)", version, previous and self.version)
        self.detector, self.version = detector, version
        with self._lock:
            clients = list(self.clients.values())
        for client in clients:
            try:
                client.conn.send(("model", version))
            except OSError:
                self._drop(client)

    def close(self) -> None:
        """Stop listening and let every camera go."""
        self.listener.close()
        with self._lock:
            clients = list(self.clients.values())
        for client in clients:
            self._drop(client)
        self._accepting.join(timeout=2)
        self._pool.shutdown(wait=True)
        Path(self.spec.address).unlink(missing_ok=True)


def detector_main(spec: PoolSpec, stop: MpEvent) -> None:
    """Process entry point of the shared detector: serve until ``stop`` or until the supervisor is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    logging.basicConfig(level=spec.log_level, format="%(levelname)s [detector] %(name)s: %(message)s")
    parent = os.getppid()
    try:
        server = DetectorServer(spec)
    except CamsightError as exc:
        log.error("detector: %s", exc)
        raise SystemExit(1) from None
    try:
        server.serve(lambda: stop.is_set() or os.getppid() != parent)
    finally:
        server.close()


class SharedDetector:
    """A camera's handle on the shared detector; a :class:`~camsight.perception.detect.Detector`.

    Args:
        address: The detector's socket (:attr:`PoolSpec.address`).
        authkey: Its key.
        timeout_s: Longest wait for the answer to one frame.

    Attributes:
        version: The model version the detector last said it runs (None until it said).
        dropped: Frames not detected because the detector did not answer in time or was down.
        problem: Why the last frame was dropped (None once a frame got through again).
        sent: Frames sent to the detector.
    """

    def __init__(
        self, address: str, authkey: bytes, *, timeout_s: float, iou: float = 0.5, input_size: int = 640
    ) -> None:
        self.address = address
        self.authkey = authkey
        self.timeout_s = timeout_s
        self.iou = iou
        self.input_size = input_size
        self.version: str | None = None
        self.dropped = 0
        self.problem: str | None = None
        self.sent = 0
        self._conn: Connection | None = None
        self._block: SharedMemory | None = None
        self._ids = itertools.count(1)
        self._waiting: int | None = None
        self._sent_at = 0.0
        self._retry_at = 0.0

    def wait_ready(self, timeout_s: float) -> bool:
        """Connect, trying for at most ``timeout_s`` (the detector may still be loading its model)."""
        deadline = time.monotonic() + timeout_s
        while self._connect() is None and time.monotonic() < deadline:
            time.sleep(min(RETRY_S, max(0.0, deadline - time.monotonic())))
        return self._conn is not None

    def detect(self, frame: Frame) -> Detections:
        """Detections in one frame.

        Raises:
            DetectorBusy: Not answered in time (or the detector is down): drop the frame.
        """
        return self.detect_image(frame.image)

    def detect_images(
        self, images: Sequence[NDArray[np.uint8]], sides: Sequence[int] | None = None
    ) -> list[Detections]:
        """Detections in each image, in order, each at its input side (one after another: one in flight).

        Raises:
            DetectorBusy: One was not answered in time.
        """
        per_image: Sequence[int | None] = list(sides) if sides is not None else [None] * len(images)
        return [self._ask(image, side) for image, side in zip(images, per_image, strict=True)]

    def detect_regions(self, frame: Frame, regions: Sequence[Region]) -> Detections:
        """Detections in these regions of a frame, in the frame's pixels (crops sent one after the other).

        Raises:
            DetectorBusy: A crop was not answered in time: drop the frame.
        """
        return detect_regions(self, frame, regions, iou=self.iou, input_size=self.input_size)

    def detect_image(self, image: NDArray[np.uint8]) -> Detections:
        """Detections in one BGR ``H x W x 3`` uint8 image.

        Raises:
            DetectorBusy: Not answered in time (or the detector is down): drop the frame.
        """
        return self._ask(image, None)

    def _ask(self, image: NDArray[np.uint8], side: int | None) -> Detections:
        conn = self._connect()
        if conn is None:
            self._drop(self.problem or "the shared detector is not running")
        assert conn is not None
        if self._waiting is not None and self._read(conn, 0.0) is None:
            if self._conn is not None and time.monotonic() - self._sent_at > STUCK_S:
                self._disconnect(f"the shared detector has not answered for {STUCK_S:.0f} s")
            busy = "the shared detector is still busy with this camera's frame before"
            self._drop((self.problem or "the shared detector went away") if self._conn is None else busy)
        conn = self._conn
        if conn is None:
            self._drop(self.problem or "the shared detector went away")
        assert conn is not None
        height, width = image.shape[:2]
        block = self._room(height * width * 3)
        np.copyto(np.ndarray((height, width, 3), dtype=np.uint8, buffer=block.buf), image)
        request = next(self._ids)
        try:
            conn.send((request, block.name, height, width, side))
        except OSError as exc:
            self._disconnect(f"the shared detector went away: {exc}")
            self._drop(self.problem or "the shared detector went away")
        self._waiting, self._sent_at = request, time.monotonic()
        self.sent += 1
        answer = self._read(conn, self.timeout_s)
        if answer is None:
            late = f"the shared detector did not answer within {self.timeout_s:g} s"
            self._drop((self.problem or "the shared detector went away") if self._conn is None else late)
        assert answer is not None
        if isinstance(answer, str):
            self._drop(answer)
        assert isinstance(answer, Detections)
        self.problem = None
        return answer

    def refresh(self) -> None:
        """Read what the detector said meanwhile (a model switch; a late answer, whose frame was dropped)."""
        if self._conn is not None:
            self._read(self._conn, 0.0)

    def _read(self, conn: Connection, timeout_s: float) -> Detections | str | None:
        """Messages until the answer to the request in flight or ``timeout_s``.

        Returns:
            The answer's detections, or the detector's error for that frame; None while it is still due
            or when the detector went away (then :attr:`problem` says so and the connection is closed).
        """
        deadline = time.monotonic() + timeout_s
        try:
            while conn.poll(max(0.0, deadline - time.monotonic())):
                message = conn.recv()
                if message[0] == "model":
                    self.version = message[1]
                    continue
                _, request, version, error, xyxy, confidence, class_id = message
                self.version = version
                if request != self._waiting:
                    continue  # cannot happen with one request in flight; never taken for another frame's
                self._waiting = None
                if error is not None:
                    return str(error)
                return Detections.from_arrays(xyxy=xyxy, confidence=confidence, class_id=class_id)
        except (EOFError, OSError) as exc:
            self._disconnect(f"the shared detector went away ({type(exc).__name__})")
        return None

    def _connect(self) -> Connection | None:
        if self._conn is not None:
            return self._conn
        if time.monotonic() < self._retry_at:
            return None
        self._retry_at = time.monotonic() + RETRY_S
        try:
            conn = Client(self.address, family="AF_UNIX", authkey=self.authkey)
        except (OSError, EOFError) as exc:
            self.problem = f"the shared detector is not running ({exc.__class__.__name__})"
            return None
        except Exception as exc:  # AuthenticationError: another run's socket
            self.problem = f"cannot use the shared detector: {exc}"
            return None
        self._conn, self._waiting = conn, None
        return conn

    def _disconnect(self, reason: str) -> None:
        self.problem = reason
        self._waiting = None
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._conn = None
        self._free()  # the detector removes a block whose connection ended; the next connection gets a new one

    def _room(self, size: int) -> SharedMemory:
        """This camera's block, large enough for ``size`` bytes (a larger frame gets a new block)."""
        if self._block is None or self._block.size < size:
            self._free()
            self._block = SharedMemory(create=True, size=size)
        return self._block

    def _free(self) -> None:
        if self._block is not None:
            with contextlib.suppress(OSError, BufferError):
                self._block.close()
            with contextlib.suppress(OSError):
                self._block.unlink()
            self._block = None

    def _drop(self, reason: str) -> None:
        self.dropped += 1
        self.problem = reason
        raise DetectorBusy(reason)

    def close(self) -> None:
        """Hang up and free the block."""
        self._disconnect(self.problem or "closed")
        self._free()
