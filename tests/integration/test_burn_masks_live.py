"""``recording.burn_masks`` on a real RTSP stream: the recorded segments hold no pixel of the masked area.

The server (tests/rtsp_server.py) streams the bundled table clip (768x432, 10 fps) in real time; a
recording stream (as a camera's ``record_source`` is read) hands its packets to the burning recorder
for a few seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.apps.burn_recorder import BurningRecorder
from camsight.sources.rtsp import Backoff, LiveStream
from camsight.store import connect, upgrade
from camsight.store import recordings as rec
from rtsp_helpers import DEMO, RtspServer, wait_for

pytestmark = pytest.mark.solo  # a live stream against the wall clock: run alone

TABLE = [[0.2, 0.3], [0.8, 0.3], [0.85, 0.95], [0.15, 0.95]]  # the table and the chairs around it
BLACK = 32  # lossy coding leaves a little grey in black


def _inside(mask: list[list[float]], width: int, height: int) -> NDArray[np.bool_]:
    """The mask's pixels one pixel in from its outline (rasterised here, not by camsight)."""
    area = np.zeros((height, width), np.uint8)
    cv2.fillPoly(area, [np.array([[round(x * width), round(y * height)] for x, y in mask], np.int32)], 255)
    return cv2.erode(area, np.ones((3, 3), np.uint8)) > 0


def test_segments_recorded_from_a_live_stream_are_black_within_the_mask(
    servers: Callable[..., RtspServer], tmp_path: Path
) -> None:
    server = servers({"table": DEMO})
    engine = connect(str(tmp_path / "cs.db"))
    upgrade(engine, site="test")
    folder = tmp_path / "rec"
    recorder = BurningRecorder(engine, folder, "table", segment_s=3, masks=[TABLE])
    stream = LiveStream(
        server.url("table"),
        camera="table",
        fps=None,
        origin=time.time(),
        backoff=Backoff(0.5, 2),
        stall_timeout_s=5,
        sink=recorder,
    )
    stop = threading.Event()
    thread = threading.Thread(target=stream.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: recorder.segments_written >= 2, 30, "two segments recorded")
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
    with engine.connect() as conn:
        segments = rec.list_segments(conn, camera="table")
    assert len(segments) >= 2
    assert all((s.complete, s.codec, s.width, s.height) == (True, "h264", 768, 432) for s in segments)
    table = _inside(TABLE, 768, 432)
    with av.open(str(DEMO)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert float(first[table].mean()) > 60, "the masked area shows nothing to hide"
    frames = 0
    for segment in segments:
        with av.open(str(folder / segment.path)) as container:
            for frame in container.decode(video=0):
                image = frame.to_ndarray(format="bgr24")
                assert int(image[table].max()) <= BLACK, f"{segment.path}: a pixel of the masked area shows"
                assert float(image[~table].mean()) > 60  # the rest of the room is there
                frames += 1
    assert frames >= 50  # 5 s and more at 10 fps
    assert recorder.problem is None
