"""Decoding ahead in a thread of its own, so the next frame is decoded while this one is analysed.

PyAV releases the GIL while it decodes and converts pixels, and ONNX Runtime while it detects, so a
reader thread a few frames ahead overlaps the two on a machine with more than one core. The queue
between them is bounded (``depth`` frames): a fast decoder waits, it never fills memory. Whatever the
source raises is raised to the consumer at the same place in the sequence; when the consumer stops
early (an error, Ctrl-C, ``break``), the reader thread stops too, within one frame's decoding, and the
source is closed in that thread.

Example:
    >>> list(prefetch(range(5), depth=2))
    [0, 1, 2, 3, 4]
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_POLL_S = 0.1
JOIN_S = 60.0
"""Longest wait for the reader to stop once the consumer has (one frame's decoding, in practice)."""


class _End:
    """The reader's last item: the end of the source, or what it raised."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``items``, read in a background thread at most ``depth`` ahead of the consumer.

    Raises:
        ValueError: ``depth`` is below 1.
    """
    if depth < 1:
        raise ValueError(f"prefetch depth must be at least 1, got {depth}")
    ahead: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _End) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put(item):
                    break
            else:
                put(_End())
        except BaseException as exc:  # handed to the consumer, raised there
            put(_End(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's own cleanup (closing the file) runs in the thread that ran it

    reader = threading.Thread(target=read, name="prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        reader.join(JOIN_S)
