"""Decoding ahead in a thread: order kept, errors raised in place, bounded, the source closed when stopped early."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from camsight.sources import VideoFile
from camsight.sources.prefetch import prefetch

CLIP = Path(__file__).resolve().parents[2] / "data" / "intel_people-detection_preview.mp4"


def test_real_frames_come_in_the_same_order_as_read_directly() -> None:
    direct = [(f.index, f.pts_s, f.image.sum()) for f in VideoFile(CLIP, camera="c", fps=5)]
    ahead = [(f.index, f.pts_s, f.image.sum()) for f in prefetch(VideoFile(CLIP, camera="c", fps=5))]
    assert len(direct) >= 5
    assert ahead == direct


def test_an_error_of_the_source_is_raised_after_the_items_before_it() -> None:
    def broken() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    items = prefetch(broken())
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(OSError, match="disk gone"):
        next(items)


def test_the_reader_stays_at_most_depth_ahead_and_stops_with_the_consumer() -> None:
    produced: list[int] = []
    closed = threading.Event()
    gate = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            closed.set()

    items = prefetch(endless(), depth=2)
    assert next(items) == 0
    gate.wait(0.5)  # the reader fills the queue meanwhile, and must stop there
    assert len(produced) <= 1 + 2 + 1  # the one taken, two queued, one waiting to be put
    items.close()  # the consumer stops early
    assert closed.wait(5)


def test_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next(prefetch([1], depth=0))
