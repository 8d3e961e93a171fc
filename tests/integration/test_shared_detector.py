"""The shared detector of live mode: one real detector process (packaged YOLO11n) serving two cameras.

Two handles (as two camera workers hold) send real frames through shared memory and get what a
detector of their own finds. A stalled detector (the process stopped with SIGSTOP) makes a camera drop
frames, counted, with one request in flight at most; a killed one is replaced and the cameras get
answers again. Every wait is bounded.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.apps.detector_pool import DetectorBusy, PoolSpec, SharedDetector, detector_main
from camsight.apps.rollout import ActiveModel
from camsight.apps.rollout import _write_active as write_active
from camsight.config.models import DetectorConfig
from camsight.core.detections import Detections
from camsight.core.frame import Frame
from camsight.models.registry import sha256_of
from camsight.perception.detect import OnnxDetector
from camsight.perception.regions import Region
from camsight.sources import VideoFile
from model_files import release_file

DATA = Path(__file__).resolve().parents[1] / "data"
CLIPS = (DATA / "intel_worker-zone-detection_preview.mp4", DATA / "intel_people-detection_preview.mp4")
CONFIG = DetectorConfig(threads=1)


def frames(clip: Path, n: int) -> list[NDArray[np.uint8]]:
    video = VideoFile(clip, camera="c", fps=1)
    return [frame.image for _, frame in zip(range(n), video, strict=False)]


def start(spec: PoolSpec) -> tuple[SpawnProcess, Event]:
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    process = ctx.Process(target=detector_main, args=(spec, stop), daemon=True)
    process.start()
    return process, stop


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PoolSpec, SpawnProcess]]:
    """One detector process for the module, following the active model of a models folder of its own."""
    spec = PoolSpec.make(CONFIG, models=tmp_path_factory.mktemp("models"))
    process, stop = start(spec)
    yield spec, process
    stop.set()
    process.join(10)
    if process.is_alive():
        process.kill()
    spec.cleanup()


def handle(spec: PoolSpec, timeout_s: float = 30.0) -> SharedDetector:
    detector = SharedDetector(spec.address, spec.authkey, timeout_s=timeout_s)
    assert detector.wait_ready(60), detector.problem
    return detector


def test_two_cameras_share_one_detector_process_and_find_what_a_local_detector_finds(
    pool: tuple[PoolSpec, SpawnProcess],
) -> None:
    spec, _ = pool
    local = OnnxDetector(CONFIG)
    cameras = [frames(clip, 3) for clip in CLIPS]
    found: dict[int, list[Detections]] = {}

    def camera(i: int) -> None:
        detector = handle(spec)
        try:
            found[i] = [detector.detect_image(image) for image in cameras[i]]
            detector.refresh()
            assert detector.version == "yolo11n"
        finally:
            detector.close()

    threads = [threading.Thread(target=camera, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(found) == [0, 1]
    people = 0
    for i, images in enumerate(cameras):
        for image, shared in zip(images, found[i], strict=True):
            mine = local.detect_image(image)
            assert len(shared) == len(mine)
            np.testing.assert_allclose(shared.xyxy, mine.xyxy, atol=0.5)
            np.testing.assert_array_equal(shared.class_id, mine.class_id)
            people += int((mine.class_id == 0).sum())
    assert people >= 4  # real people were found, not empty answers compared with empty answers


def test_region_crops_at_their_own_input_side_find_what_a_local_detector_finds_in_them(
    pool: tuple[PoolSpec, SpawnProcess],
) -> None:
    spec, _ = pool
    local = OnnxDetector(CONFIG)
    (image,) = frames(CLIPS[1], 1)
    frame = Frame(camera="c", source=str(CLIPS[1]), index=0, pts_s=0.0, wall=datetime.now(UTC), image=image)
    h, w = image.shape[:2]
    side = min(h, w) // 2
    people = local.detect_image(image)
    people = people[people.class_id == 0]
    assert len(people), "the clip's first frame shows people"
    cx, cy = (people.xyxy[0, :2] + people.xyxy[0, 2:]) / 2  # one square around a person, one in a corner
    x1, y1 = int(min(max(cx - side / 2, 0), w - side)), int(min(max(cy - side / 2, 0), h - side))
    regions = [Region(x1, y1, x1 + side, y1 + side, side_in=320), Region(0, 0, side, side, side_in=320)]
    detector = handle(spec)
    try:
        crops = [image[r.y1 : r.y2, r.x1 : r.x2] for r in regions]
        shared_crops = detector.detect_images(crops, [320, 320])
        shared_frame = detector.detect_regions(frame, regions)
    finally:
        detector.close()
    for crop, shared in zip(crops, shared_crops, strict=True):
        mine = local.detect_images([crop], [320])[0]
        assert len(shared) == len(mine)
        np.testing.assert_allclose(shared.xyxy, mine.xyxy, atol=0.5)
    mine_frame = local.detect_regions(frame, regions)
    assert len(shared_frame) == len(mine_frame) > 0
    np.testing.assert_allclose(shared_frame.xyxy, mine_frame.xyxy, atol=0.5)


def test_the_detector_follows_the_model_a_hub_made_active_and_tells_the_cameras(
    pool: tuple[PoolSpec, SpawnProcess],
) -> None:
    spec, _ = pool
    assert spec.models is not None
    detector = handle(spec)
    image = frames(CLIPS[0], 1)[0]
    before = detector.detect_image(image)
    assert detector.version == "yolo11n"
    release = release_file(spec.models / "2026.12-a.onnx", "camsight release 2026.12-a")
    write_active(spec.models, ActiveModel("2026.12-a", sha256_of(release), release))
    deadline = time.monotonic() + 60
    while detector.version != "2026.12-a" and time.monotonic() < deadline:
        time.sleep(0.2)
        detector.refresh()
    assert detector.version == "2026.12-a"
    after = detector.detect_image(image)  # the same network under a new checksum: the same boxes
    np.testing.assert_allclose(after.xyxy, before.xyxy, atol=0.5)
    detector.close()


def camera_then_hang(address: str, authkey: bytes, clip: Path, names: mp.Queue[str]) -> None:
    """A camera worker's part: one frame through the shared detector, then wait to be killed."""
    detector = SharedDetector(address, authkey, timeout_s=30.0)
    assert detector.wait_ready(60), detector.problem
    detector.detect_image(frames(clip, 1)[0])
    assert detector._block is not None
    names.put(detector._block.name)
    time.sleep(120)


def test_a_camera_killed_by_sigkill_leaves_no_shared_memory_block_behind(
    pool: tuple[PoolSpec, SpawnProcess],
) -> None:
    spec, _ = pool
    ctx = mp.get_context("spawn")
    names: mp.Queue[str] = ctx.Queue()
    camera = ctx.Process(target=camera_then_hang, args=(spec.address, spec.authkey, CLIPS[0], names), daemon=True)
    camera.start()
    try:
        block = Path("/dev/shm") / names.get(timeout=90).lstrip("/")
        assert block.exists()  # the frame went through it
        camera.kill()
        camera.join(10)
        for _ in range(100):  # the detector sees the connection end, and removes the block with it
            if not block.exists():
                break
            time.sleep(0.1)
        assert not block.exists()
    finally:
        if camera.is_alive():
            camera.kill()


def test_a_stalled_detector_makes_frames_drop_counted_and_a_dead_one_is_replaced(
    pool: tuple[PoolSpec, SpawnProcess],
) -> None:
    spec, process = pool
    image = frames(CLIPS[0], 1)[0]
    replacement: SpawnProcess | None = None
    try:
        detector = handle(spec)
        detector.detect_image(image)  # warmed up: answered
        detector.timeout_s = 0.3
        os.kill(process.pid or 0, signal.SIGSTOP)  # stalled
        try:
            for _ in range(5):
                with pytest.raises(DetectorBusy):
                    detector.detect_image(image)
            assert detector.dropped == 5
            assert detector.sent == 2  # the warm-up and the first stalled frame: the others were never queued
            assert detector.problem is not None
            assert "still busy" in detector.problem
        finally:
            os.kill(process.pid or 0, signal.SIGCONT)
        detector.timeout_s = 30.0
        for _ in range(50):  # the late answer arrives, then frames get through again
            try:
                assert len(detector.detect_image(image)) >= 1
                break
            except DetectorBusy:
                time.sleep(0.1)
        assert detector.problem is None
        process.kill()
        process.join(10)
        with pytest.raises(DetectorBusy):
            detector.detect_image(image)
        assert detector.problem is not None
        assert "shared detector" in detector.problem
        replacement, stop = start(spec)  # what the supervisor does; the camera connects again by itself
        assert detector.wait_ready(60)
        assert len(detector.detect_image(image)) >= 1
        detector.close()
    finally:
        if replacement is not None:
            stop.set()
            replacement.join(10)
            if replacement.is_alive():
                replacement.kill()
