"""Recording with the privacy masks burned in (``recording.burn_masks``), fed the packets of a real clip."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.apps.burn_recorder import BurningRecorder
from camsight.apps.recorder import SegmentRecorder, make_recorder
from camsight.config import Config
from camsight.store import connect, upgrade
from camsight.store import recordings as rec

DATA = Path(__file__).resolve().parents[2] / "data"
CARS = DATA / "intel_car-detection.mp4"  # 768x432, 30.2 s, 12.5 fps, a keyframe every 4.8 s
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ROAD = [[0.25, 0.2], [0.7, 0.25], [0.8, 0.9], [0.2, 0.95]]  # the cars drive through it
BLACK = 32  # lossy coding leaves a little grey in black (measured: at most 12 here)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = connect(str(tmp_path / "cs.db"))
    upgrade(engine, site="test")
    return engine


def _inside(mask: list[list[float]], width: int, height: int) -> NDArray[np.bool_]:
    """The mask's pixels one pixel in from its outline (rasterised here, not by camsight)."""
    area = np.zeros((height, width), np.uint8)
    cv2.fillPoly(area, [np.array([[round(x * width), round(y * height)] for x, y in mask], np.int32)], 255)
    return cv2.erode(area, np.ones((3, 3), np.uint8)) > 0


def _feed(recorder: SegmentRecorder, path: Path, *, until_s: float | None = None, end: bool = True) -> int:
    """Hand a file's packets to the recorder as a live stream would, with wall = NOW + pts."""
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        recorder.start(stream)
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            t = float(packet.pts * stream.time_base)
            if until_s is not None and t > until_s:
                break
            recorder.write(packet, NOW.timestamp() + t)
            count += 1
    if end:
        recorder.end()
    return count


def _brightest(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Each pixel's brightest channel."""
    return np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])


def _decoded(path: Path) -> list[NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_every_recorded_frame_is_black_within_the_masks(engine: sa.Engine, tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    recorder = BurningRecorder(engine, folder, "cars", segment_s=10, masks=[ROAD])
    packets = _feed(recorder, CARS)
    with engine.connect() as conn:
        segments = rec.list_segments(conn, camera="cars")
    starts = [(s.start_at - NOW).total_seconds() for s in segments]
    assert starts == pytest.approx([0.0, 10.0, 20.0, 30.0], abs=0.01)  # cut every 10 s: each starts a keyframe
    assert [(s.codec, s.width, s.height, s.complete) for s in segments] == [("h264", 768, 432, True)] * 4
    for a, b in zip(segments, segments[1:], strict=False):  # back to back
        assert (b.start_at - a.end_at).total_seconds() == pytest.approx(0, abs=0.01)
    assert sum(s.frames for s in segments) == packets == 377
    road = _inside(ROAD, 768, 432)
    source = _decoded(CARS)
    assert np.stack([f[road] for f in source[::25]]).mean() > 60, "the road shows nothing to hide"
    recorded = [frame for s in segments for frame in _decoded(folder / s.path)]
    assert len(recorded) == 377
    leaks = {i: n for i, f in enumerate(recorded) if (n := int((_brightest(f)[road] > BLACK).sum()))}
    assert leaks == {}, f"frames showing pixels of the masked area (frame: pixels): {leaks}"
    outside = ~cv2.dilate(road.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    noise = [
        float(np.abs(r.astype(int) - s)[outside].mean()) for r, s in zip(recorded[::10], source[::10], strict=True)
    ]
    assert max(noise) < 4  # the rest is the picture as recorded, re-encoding noise only
    assert (recorder.problem, recorder.decode_errors, recorder.segments_written) == (None, 0, 4)


def test_a_segment_being_written_plays_up_to_its_last_fragment(engine: sa.Engine, tmp_path: Path) -> None:
    """The encoder holds no frames back and fragments reach the file as written, as the copy's do."""
    folder = tmp_path / "rec"
    recorder = BurningRecorder(engine, folder, "cars", segment_s=60, masks=[ROAD])
    fed = _feed(recorder, CARS, until_s=9.5, end=False)  # still open, as when the writer is killed
    with engine.connect() as conn:
        (row,) = rec.list_segments(conn, camera="cars")
    assert not row.complete
    playable = _decoded(folder / row.path)
    assert fed - len(playable) <= 2.0 * 12.5  # at most FRAGMENT_S behind
    recorder.end()


@pytest.mark.parametrize(
    ("recording", "masks", "kind"),
    [
        ({"burn_masks": True}, [ROAD], BurningRecorder),
        ({"burn_masks": True}, [], SegmentRecorder),  # nothing to burn in: copied
        ({}, [ROAD], SegmentRecorder),  # by default recordings are stream copies
        ({"enabled": False, "burn_masks": True}, [ROAD], type(None)),
    ],
)
def test_make_recorder_burns_masks_in_only_when_asked_and_there_are_some(
    engine: sa.Engine, tmp_path: Path, recording: dict[str, object], masks: list[object], kind: type
) -> None:
    config = Config.model_validate({"cameras": [{"id": "cars", "masks": masks}], "recording": recording})
    recorder = make_recorder(config, config.cameras[0], engine, tmp_path)
    assert type(recorder) is kind
