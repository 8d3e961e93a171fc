from __future__ import annotations

import socket
import threading
import time

import av
import av.error
import pytest

from camsight.sources.rtsp import (
    Backoff,
    DropQueue,
    LiveStream,
    StreamClock,
    error_reason,
    is_live_url,
    open_stream,
    redact_url,
)


@pytest.mark.parametrize(
    ("initial", "maximum", "factor", "expected"),
    [
        (1, 30, 2, [1, 2, 4, 8, 16, 30, 30]),
        (0.5, 2, 2, [0.5, 1, 2, 2, 2, 2, 2]),
        (3, 3, 2, [3, 3, 3, 3, 3, 3, 3]),
        (1, 10, 3, [1, 3, 9, 10, 10, 10, 10]),
    ],
)
def test_backoff_doubles_up_to_the_maximum(
    initial: float, maximum: float, factor: float, expected: list[float]
) -> None:
    backoff = Backoff(initial, maximum, factor)
    assert [backoff.next() for _ in expected] == expected
    assert backoff.failures == len(expected)


def test_backoff_reset_starts_over() -> None:
    backoff = Backoff(1, 60)
    for _ in range(5):
        backoff.next()
    backoff.reset()
    assert (backoff.failures, backoff.next(), backoff.next()) == (0, 1, 2)


@pytest.mark.parametrize(("initial", "maximum", "factor"), [(0, 1, 2), (2, 1, 2), (1, 2, 0.5), (-1, 5, 2)])
def test_backoff_rejects_nonsense(initial: float, maximum: float, factor: float) -> None:
    with pytest.raises(ValueError, match="bad backoff"):
        Backoff(initial, maximum, factor)


@pytest.mark.parametrize(("size", "puts", "kept", "dropped"), [(3, 2, [0, 1], 0), (3, 5, [2, 3, 4], 2), (1, 4, [3], 3)])
def test_drop_queue_drops_the_oldest_and_counts(size: int, puts: int, kept: list[int], dropped: int) -> None:
    queue: DropQueue[int] = DropQueue(size)
    results = [queue.put(i) for i in range(puts)]
    assert results.count(False) == dropped == queue.dropped
    assert len(queue) == len(kept)
    assert [queue.get(0) for _ in kept] == kept
    assert queue.get(0) is None


def test_drop_queue_get_waits_for_an_item() -> None:
    queue: DropQueue[str] = DropQueue(2)
    threading.Timer(0.05, queue.put, args=("late",)).start()
    t0 = time.monotonic()
    assert queue.get(timeout=2) == "late"
    assert time.monotonic() - t0 < 1.5
    t0 = time.monotonic()
    assert queue.get(timeout=0.05) is None
    assert time.monotonic() - t0 >= 0.04


def test_drop_queue_between_threads_loses_nothing_uncounted() -> None:
    queue: DropQueue[int] = DropQueue(4)
    got: list[int] = []
    done = threading.Event()

    def consume() -> None:
        while not done.is_set() or len(queue):
            item = queue.get(timeout=0.01)
            if item is not None:
                got.append(item)
                time.sleep(0.0005)  # slower than the producer: the queue fills up

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(2000):
        queue.put(i)
    done.set()
    consumer.join()
    assert queue.dropped > 0
    assert len(got) + queue.dropped == 2000
    assert got == sorted(got)  # order is kept
    assert got[-1] == 1999  # the newest frame always survives


def test_drop_queue_needs_room() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DropQueue(0)


def test_stream_clock_anchors_to_the_least_delayed_packet() -> None:
    clock = StreamClock()
    # packets 0.0, 0.1, 0.2 s arrive in a burst at 100.5 (buffered), then on time from 0.3 s on
    assert clock.observe(0.0, 100.5) == pytest.approx(100.5)
    assert clock.observe(0.1, 100.5) == pytest.approx(100.4 + 0.1)
    assert clock.observe(0.2, 100.5) == pytest.approx(100.3 + 0.2)
    assert clock.observe(0.3, 100.35) == pytest.approx(100.35)  # least delay so far: re-anchored
    assert clock.observe(0.4, 100.47) == pytest.approx(100.45)  # 20 ms late: keeps the anchor
    assert clock.wall(0.4, 999.0) == pytest.approx(100.45)


def test_stream_clock_forgets_a_start_up_burst_after_its_window() -> None:
    clock = StreamClock(window_s=10)
    # the server sends the first second ahead of time (offset 1000.0), then paces (offset 1000.4)
    for i in range(10):
        clock.observe(i * 0.1, 1000.0 + i * 0.1)
    walls = [clock.observe(1.0 + i * 0.1, 1001.4 + i * 0.1) for i in range(200)]
    assert walls[0] == pytest.approx(1001.0)  # still anchored to the burst
    assert walls[-1] == pytest.approx(1001.4 + 199 * 0.1)  # 10 s later: capture time = arrival time
    assert clock.offset == pytest.approx(1000.4)


def test_stream_clock_reanchors_on_a_time_jump_and_reset() -> None:
    clock = StreamClock(jump_s=5)
    clock.observe(100.0, 1000.0)
    assert clock.observe(0.0, 1001.0) == pytest.approx(1001.0)  # presentation time restarted
    clock.reset()
    assert clock.wall(50.0, 2000.0) == 2000.0  # no anchor: the arrival time


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://admin:secret@10.0.0.5:554/stream1", "rtsp://10.0.0.5:554/stream1"),
        ("rtsp://user@cam/live?ch=1", "rtsp://cam/live?ch=1"),
        ("rtsp://cam/live", "rtsp://cam/live"),
        ("/videos/a.mp4", "/videos/a.mp4"),
    ],
)
def test_redact_url_drops_credentials(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("source", "live"),
    [
        ("rtsp://cam/1", True),
        ("rtsps://cam/1", True),
        ("http://cam/mjpg", True),
        ("/a.mp4", False),
        ("file:///a.mp4", False),
        (None, False),
        ("", False),
    ],
)
def test_is_live_url(source: str | None, live: bool) -> None:
    assert is_live_url(source) is live


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_connection_gives_a_clear_reason_without_the_password() -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{_closed_port()}/stream"
    with pytest.raises(av.error.FFmpegError) as info:
        open_stream(url, timeout_s=2)
    reason, permanent = error_reason(info.value)
    assert "refused" in reason.lower()
    assert "hunter2" not in reason
    assert not permanent


@pytest.mark.parametrize(
    ("exc", "words", "permanent"),
    [
        (TimeoutError(), "stall timeout", False),
        (OSError(5, "Input/output error"), "Input/output error", False),
    ],
)
def test_error_reasons(exc: BaseException, words: str, permanent: bool) -> None:
    reason, perm = error_reason(exc)
    assert words in reason
    assert perm is permanent


def test_unreachable_stream_backs_off_and_stops_cleanly() -> None:
    url = f"rtsp://127.0.0.1:{_closed_port()}/cam"
    stream = LiveStream(
        url, camera="c", fps=5, origin=time.time(), backoff=Backoff(0.1, 0.4), stall_timeout_s=2, queue=DropQueue(2)
    )
    stop = threading.Event()
    thread = threading.Thread(target=stream.run, args=(stop,))
    thread.start()
    time.sleep(1.2)
    state, reason, failures = stream.stats.state, stream.stats.reason, stream.backoff.failures
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert state in ("backoff", "connecting")
    assert failures >= 3  # 0.1 + 0.2 + 0.4 ...: retried, with growing delays
    assert reason is None or "refused" in reason.lower()
    assert stream.stats.state == "stopped"
    assert stream.stats.outage_start is not None
    assert stream.stats.last_outage is None
    assert stream.stats.frames_in == 0
