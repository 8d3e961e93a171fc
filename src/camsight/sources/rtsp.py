"""Live streams (RTSP over TCP) through PyAV: reconnect with backoff, bounded frame queue, gap reports.

:class:`LiveStream` runs in its own thread. It demuxes every packet (handing it to a recorder, if
any), decodes every video packet (H.264/H.265 need all of them), converts only the frames sampled
at the analysis rate to pixels and puts them on a :class:`DropQueue`. When the analysis falls
behind, the queue drops its oldest frame and counts it: never an unbounded backlog.

Time: a frame's ``wall`` is its capture time estimated from the stream's presentation times,
anchored to the arrival time of the least-delayed packet (:class:`StreamClock`); ``pts_s`` is the
seconds since the run started (``origin``), continuous across reconnects.

Example:
    >>> queue: DropQueue[int] = DropQueue(2)
    >>> [queue.put(i) for i in range(3)]
    [True, True, False]
    >>> queue.get(0), queue.dropped
    (1, 1)
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import av
import av.error
import numpy as np

from camsight.core.frame import Frame

log = logging.getLogger(__name__)
T = TypeVar("T")
State = Literal["connecting", "live", "backoff", "failed", "stopped"]


def redact_url(url: str) -> str:
    """The URL without its ``user:password@`` part, for messages, events and the store.

    Example:
        >>> redact_url("rtsp://admin:secret@10.0.0.5:554/stream1")
        'rtsp://10.0.0.5:554/stream1'
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def is_live_url(source: str | None) -> bool:
    """Whether a camera source is a network stream (``rtsp://``, ``rtsps://``, ``http(s)://``...)."""
    return bool(source) and "://" in str(source) and not str(source).startswith("file://")


class Backoff:
    """Exponential backoff: ``initial_s``, doubling on each failure up to ``max_s``; reset on success.

    Example:
        >>> b = Backoff(1, 5)
        >>> [b.next() for _ in range(5)]
        [1.0, 2.0, 4.0, 5.0, 5.0]
    """

    def __init__(self, initial_s: float, max_s: float, factor: float = 2.0) -> None:
        """Validate and start at ``initial_s``.

        Raises:
            ValueError: ``initial_s`` is not positive, ``max_s < initial_s`` or ``factor < 1``.
        """
        if initial_s <= 0 or max_s < initial_s or factor < 1:
            raise ValueError(f"bad backoff: initial {initial_s}, max {max_s}, factor {factor}")
        self.initial_s = float(initial_s)
        self.max_s = float(max_s)
        self.factor = factor
        self.failures = 0
        self._next = self.initial_s

    def next(self) -> float:
        """The delay before the next attempt; each call doubles the following one."""
        delay = self._next
        self.failures += 1
        self._next = min(self.max_s, self._next * self.factor)
        return delay

    def reset(self) -> None:
        """Back to ``initial_s`` after a success."""
        self.failures = 0
        self._next = self.initial_s


class DropQueue(Generic[T]):
    """A bounded FIFO between threads that drops its oldest item when full, and counts the drops."""

    def __init__(self, maxsize: int) -> None:
        """An empty queue holding at most ``maxsize`` items."""
        if maxsize < 1:
            raise ValueError(f"queue size must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self.dropped = 0
        self._items: collections.deque[T] = collections.deque()
        self._cond = threading.Condition()

    def put(self, item: T) -> bool:
        """Add an item; returns False when the oldest item had to be dropped to make room."""
        with self._cond:
            kept = len(self._items) < self.maxsize
            if not kept:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self._cond.notify()
            return kept

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, waiting up to ``timeout`` seconds; None if there was none."""
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def __len__(self) -> int:
        """Items waiting."""
        with self._cond:
            return len(self._items)


class StreamClock:
    """Maps a stream's presentation times to wall-clock capture times (seconds since the epoch).

    A frame's capture time is estimated as its presentation time plus the smallest
    ``arrival - presentation`` offset seen over the last ``window_s`` seconds: the least-delayed
    packet is taken to have arrived as it was captured. The window lets the estimate follow clock
    drift and forget a start-up burst (servers often send the first packets ahead of time). A jump of
    the presentation time (a camera reset, a looped file) of more than ``jump_s`` re-anchors at once.
    """

    def __init__(self, jump_s: float = 5.0, window_s: float = 10.0) -> None:
        """A clock with no anchor yet."""
        self.jump_s = jump_s
        self.window_s = window_s
        self._window: collections.deque[tuple[float, float]] = collections.deque()  # (arrival, offset), offsets rise

    @property
    def offset(self) -> float | None:
        """Current ``wall - presentation`` offset, or None before the first packet."""
        return self._window[0][1] if self._window else None

    def observe(self, pts_s: float, received: float) -> float:
        """Record a packet's arrival; returns its estimated capture wall time."""
        offset = received - pts_s
        window = self._window
        if window and abs(offset - window[0][1]) > self.jump_s:
            window.clear()
        while window and window[-1][1] >= offset:
            window.pop()
        window.append((received, offset))
        while window[0][0] < received - self.window_s:
            window.popleft()
        return pts_s + window[0][1]

    def wall(self, pts_s: float, received: float) -> float:
        """Capture wall time of a presentation time (the arrival time when not anchored yet)."""
        offset = self.offset
        return received if offset is None else pts_s + offset

    def reset(self) -> None:
        """Forget the anchor (a new connection has its own time line)."""
        self._window.clear()


class PacketSink(Protocol):
    """Receives every video packet of a stream (a recorder)."""

    def start(self, stream: Any) -> None:
        """A new connection: ``stream`` is the input video stream (a template for an output stream)."""

    def write(self, packet: Any, wall: float) -> None:
        """One packet with its capture wall time."""

    def end(self) -> None:
        """The connection ended (the current segment can be closed)."""


@dataclass
class LiveStats:
    """Counters and state of one live stream, written by its thread and read by others."""

    state: State = "connecting"
    reason: str | None = None
    frames_in: int = 0
    frames_sampled: int = 0
    frames_dropped: int = 0
    decode_errors: int = 0
    reconnects: int = 0
    connected_at: float | None = None
    last_frame_at: float | None = None
    outage_start: float | None = None
    outage_reason: str | None = None
    last_outage: tuple[float, float, str] | None = None
    size: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


GapHook = Callable[[float, float, str], None]


def error_reason(exc: BaseException) -> tuple[str, bool]:
    """A one-line reason for a stream error (never the URL, which may hold a password).

    Returns:
        The reason, and whether it is permanent until someone fixes the config (wrong credentials,
        unknown path), so retrying fast is pointless.
    """
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return "the camera refused the credentials (401/403); check user and password in the URL", True
    if isinstance(exc, av.error.HTTPNotFoundError):
        return "the camera has no stream at this path (404); check the URL's path", True
    if isinstance(exc, av.error.ExitError | TimeoutError):
        return "no data from the camera within the stall timeout", False
    text = getattr(exc, "strerror", None) or type(exc).__name__
    if isinstance(exc, av.error.InvalidDataError):
        text = "no valid stream answered (unreachable host, or not an RTSP stream)"
    return str(text), False


def open_stream(url: str, *, timeout_s: float) -> Any:
    """Open a stream: RTSP over TCP, short probing, socket and read timeouts of ``timeout_s``.

    Raises:
        av.error.FFmpegError: The stream cannot be opened (see :func:`error_reason`).
    """
    options = {"analyzeduration": "1000000", "probesize": "500000"}
    if url.startswith(("rtsp://", "rtsps://")):
        options |= {"rtsp_transport": "tcp", "timeout": str(int(timeout_s * 1e6))}
    return av.open(url, mode="r", options=options, timeout=(timeout_s, timeout_s))


class LiveStream:
    """One camera stream read by a thread until stopped, reconnecting with backoff.

    Args:
        url: Stream URL (may hold credentials; they never appear in messages).
        camera: Camera id for the frames.
        fps: Analysis rate; frames are sampled to it. ``None`` decodes nothing (recording only).
        origin: Wall time (epoch seconds) of ``pts_s == 0``.
        backoff: Reconnection delays.
        stall_timeout_s: A connection that yields nothing this long is closed and retried.
        queue: Where sampled frames go (needed when ``fps`` is set).
        sink: Receives every video packet (recorder), or None.
        on_gap: Called ``(start, end, reason)`` when a stream comes back after an outage.
    """

    def __init__(
        self,
        url: str,
        *,
        camera: str,
        fps: float | None,
        origin: float,
        backoff: Backoff,
        stall_timeout_s: float,
        queue: DropQueue[Frame] | None = None,
        sink: PacketSink | None = None,
        on_gap: GapHook | None = None,
    ) -> None:
        self.url = url
        self.display = redact_url(url)
        self.camera = camera
        self.fps = fps
        self.origin = origin
        self.backoff = backoff
        self.stall_timeout_s = stall_timeout_s
        self.queue = queue
        self.sink = sink
        self.on_gap = on_gap
        self.stats = LiveStats()
        self.clock = StreamClock()
        self._next_t = 0.0
        self._last_pts_s = 0.0
        self._resized = False

    def run(self, stop: threading.Event) -> None:
        """Read until ``stop`` is set; every failure leads to a reconnection after a backoff delay."""
        stats = self.stats
        stats.outage_start = time.time()
        while not stop.is_set():
            self._set_state("connecting", stats.reason)
            reason, permanent = self._session(stop)
            if stop.is_set():
                break
            if stats.outage_start is None:
                stats.outage_start = time.time()
            stats.outage_reason = stats.outage_reason or reason  # what started the outage
            delay = self.backoff.next()
            self._set_state("failed" if permanent else "backoff", f"{reason}; retrying in {delay:.0f} s")
            log.warning("camera %s (%s): %s; retrying in %.1f s", self.camera, self.display, reason, delay)
            stop.wait(delay)
        self._set_state("stopped", None)

    def _set_state(self, state: State, reason: str | None) -> None:
        self.stats.state = state
        self.stats.reason = reason

    def _session(self, stop: threading.Event) -> tuple[str, bool]:
        """One connection, from opening to its end; returns why it ended."""
        try:
            container = open_stream(self.url, timeout_s=self.stall_timeout_s)
        except (av.error.FFmpegError, OSError) as exc:
            return error_reason(exc)
        try:
            if not container.streams.video:
                return "the stream has no video", True
            stream = container.streams.video[0]
            stream.thread_type = "SLICE"  # frame threading would hold frames back (latency)
            self.clock.reset()
            if self.sink is not None:
                self.sink.start(stream)
            self._read(container, stream, stop)
            return "the camera ended the stream", False
        except (av.error.FFmpegError, OSError) as exc:
            return error_reason(exc)
        finally:
            if self.sink is not None:
                self.sink.end()
            container.close()

    def _connected(self) -> None:
        """The first packet of a connection arrived: live again; report the gap if there was one."""
        now = time.time()
        stats = self.stats
        if stats.connected_at is not None:
            stats.reconnects += 1
        start, reason = stats.outage_start, stats.outage_reason
        if start is not None and reason is not None:
            stats.last_outage = (start, now, reason)
            log.warning("camera %s: stream back after %.1f s (%s)", self.camera, now - start, reason)
            if self.on_gap is not None:
                self.on_gap(start, now, reason)
        stats.connected_at = now
        stats.outage_start = stats.outage_reason = None
        self._set_state("live", None)
        self.backoff.reset()

    def _read(self, container: Any, stream: Any, stop: threading.Event) -> None:
        base = stream.time_base
        rate = stream.average_rate or stream.guessed_rate or 25
        tick = max(1, int(round(1 / (float(rate) * base))))
        last_pts = (stream.start_time or tick) - tick
        first = True
        for packet in container.demux(stream):
            if stop.is_set():
                return
            if packet.size == 0:
                continue
            if packet.pts is None:  # RTSP's first keyframe often comes without times
                packet.pts = packet.dts if packet.dts is not None else max(0, last_pts + tick)
            last_pts = packet.pts
            received = time.time()
            wall = self.clock.observe(float(packet.pts * base), received)
            if first:
                self._connected()
                first = False
            if self.fps is not None:
                self._decode(packet, received)
            if self.sink is not None:  # after decoding: muxing rebinds the packet to the output stream
                if self._resized:  # a new segment, with the new size, from the next keyframe
                    self.sink.start(stream)
                    self._resized = False
                self.sink.write(packet, wall)
            self.stats.last_frame_at = received

    def _decode(self, packet: Any, received: float) -> None:
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:  # one damaged packet: the decoder recovers at the next keyframe
            self.stats.decode_errors += 1
            return
        for frame in frames:
            self._frame(frame, received)

    def _frame(self, frame: Any, received: float) -> None:
        stats = self.stats
        stats.frames_in += 1
        self._check_size(int(frame.width), int(frame.height))
        t_pts = float(frame.pts * frame.time_base) if frame.pts is not None else None
        wall = self.clock.wall(t_pts, received) if t_pts is not None else received
        pts_s = max(0.0, wall - self.origin, self._last_pts_s)  # never backwards when the clock re-anchors
        self._last_pts_s = pts_s
        assert self.fps is not None
        step = 1.0 / self.fps
        if pts_s + 1e-6 < self._next_t - step / 2:
            return
        self._next_t = max(self._next_t + step, pts_s + step / 2)
        image = np.ascontiguousarray(frame.to_ndarray(format="bgr24"))
        item = Frame(self.camera, self.display, stats.frames_in - 1, pts_s, datetime.fromtimestamp(wall, UTC), image)
        stats.frames_sampled += 1
        if self.queue is not None and not self.queue.put(item):
            stats.frames_dropped += 1

    def _check_size(self, width: int, height: int) -> None:
        """Note a resolution change (the pipeline rebinds itself; the recorder starts a new segment)."""
        stats = self.stats
        size = (width, height)
        if stats.size is not None and size != stats.size:
            note = f"resolution changed from {stats.size[0]}x{stats.size[1]} to {width}x{height}"
            stats.notes = [*stats.notes[-9:], note]
            self._resized = True
            log.warning("camera %s: %s; zones and tracks restart", self.camera, note)
        stats.size = size
