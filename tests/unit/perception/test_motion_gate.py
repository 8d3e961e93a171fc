from __future__ import annotations

import numpy as np
import pytest

from camsight.config import MotionConfig
from camsight.perception.motion import MotionGate

from .conftest import MakeFrame

H, W = 360, 640
STILL = MotionConfig(keyframe_s=1000)


def scene(seed: int = 0) -> np.ndarray:
    """A textured static background."""
    rng = np.random.default_rng(seed)
    small = rng.integers(40, 200, (H // 40, W // 40, 3), dtype=np.uint8)
    return np.kron(small, np.ones((40, 40, 1), np.uint8))


def with_square(x: int, size: int = 60) -> np.ndarray:
    image = scene()
    image[150 : 150 + size, x : x + size] = 255
    return image


def run(gate: MotionGate, make_frame: MakeFrame, images: list[np.ndarray], fps: float = 5.0, tracking: bool = False):
    return [
        gate.gate(make_frame(img, t=i / fps, index=i), tracking=tracking, now=i / fps) for i, img in enumerate(images)
    ]


def test_first_frame_runs_then_static_scene_is_skipped(make_frame: MakeFrame) -> None:
    results = run(MotionGate(STILL), make_frame, [scene() for _ in range(10)])
    assert [r.reason for r in results] == ["first"] + ["still"] * 9
    assert [r.run_detector for r in results] == [True] + [False] * 9
    assert max(r.moving_share for r in results) == 0.0


def test_sensor_noise_is_not_motion(make_frame: MakeFrame) -> None:
    rng = np.random.default_rng(1)
    base = scene().astype(np.int16)
    images = [np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8) for _ in range(10)]
    results = run(MotionGate(STILL), make_frame, images)
    assert not any(r.run_detector for r in results[1:])


def test_moving_square_runs_the_detector(make_frame: MakeFrame) -> None:
    images = [scene()] * 3 + [with_square(100 + 20 * i) for i in range(6)]
    results = run(MotionGate(STILL), make_frame, images)
    assert [r.reason for r in results[1:3]] == ["still", "still"]
    assert all(r.run_detector and r.reason == "motion" for r in results[3:])
    assert 0.005 < results[3].moving_share < 0.05  # a 60x60 square in 640x360 is 1.6% of the image


def test_small_change_below_min_area_is_ignored(make_frame: MakeFrame) -> None:
    images = [scene()] * 3 + [with_square(300, size=4)]
    results = run(MotionGate(STILL), make_frame, images)
    assert results[-1].reason == "still"


def test_lost_tracks_are_looked_for_at_a_reduced_rate(make_frame: MakeFrame) -> None:
    results = run(MotionGate(STILL), make_frame, [scene() for _ in range(5)], tracking=True)
    assert [r.reason for r in results] == ["first", "still", "tracking", "still", "tracking"]


def held(gate: MotionGate, make_frame: MakeFrame, images: list[np.ndarray], boxes: np.ndarray) -> list[str]:
    return [
        gate.gate(make_frame(img, t=i / 5.0), tracking=True, now=i / 5.0, boxes=boxes).reason
        for i, img in enumerate(images)
    ]


def test_motion_inside_a_tracked_box_is_held(make_frame: MakeFrame) -> None:
    """A tracked object fidgeting inside its own box: detect only at the refresh interval."""
    images = [scene()] + [with_square(100 + (i % 2) * 4) for i in range(12)]
    box = np.array([[80.0, 130.0, 190.0, 240.0]], dtype=np.float32)  # around the square (x 100..164)
    reasons = held(MotionGate(MotionConfig(track_refresh_s=2.0)), make_frame, images, box)
    assert reasons[0] == "first"
    assert reasons.count("motion") == 0
    assert reasons.count("tracking") == 1  # at 2.0 s
    assert reasons.count("still") == 11


def test_motion_far_from_tracked_boxes_runs_every_frame(make_frame: MakeFrame) -> None:
    images = [scene()] * 3 + [with_square(300 + 20 * i) for i in range(4)]
    box = np.array([[0.0, 0.0, 40.0, 40.0]], dtype=np.float32)  # a tracked object far from the square
    reasons = held(MotionGate(STILL), make_frame, images, box)
    assert reasons[3:] == ["motion"] * 4


def test_absorb_forgets_a_person_who_left(make_frame: MakeFrame) -> None:
    gate = MotionGate(STILL)
    images = [with_square(100)] * 3 + [scene()] * 3  # the square (a person) leaves at frame 3
    results = [gate.gate(make_frame(img, t=i / 5.0), tracking=False, now=i / 5.0) for i, img in enumerate(images[:4])]
    assert results[3].reason == "motion"  # the place they stood now differs from the background
    gate.absorb()  # the detector found nobody there
    after = gate.gate(make_frame(images[4], t=0.8), tracking=False, now=0.8)
    assert after.reason == "still"


@pytest.mark.parametrize(("fps", "keyframe_s"), [(5.0, 2.0), (10.0, 1.0), (2.0, 3.0)])
def test_keyframe_runs_at_the_configured_interval(make_frame: MakeFrame, fps: float, keyframe_s: float) -> None:
    gate = MotionGate(MotionConfig(keyframe_s=keyframe_s))
    results = run(gate, make_frame, [scene() for _ in range(int(fps * keyframe_s * 3) + 1)], fps=fps)
    ran = [i / fps for i, r in enumerate(results) if r.run_detector]
    assert ran == pytest.approx([0.0, keyframe_s, 2 * keyframe_s, 3 * keyframe_s])
    assert {r.reason for r in results if r.run_detector} == {"first", "keyframe"}


def test_disabled_gate_always_runs(make_frame: MakeFrame) -> None:
    results = run(MotionGate(MotionConfig(enabled=False)), make_frame, [scene()] * 4)
    assert all(r.run_detector and r.reason == "disabled" for r in results)


def test_resolution_change_starts_over(make_frame: MakeFrame) -> None:
    gate = MotionGate(STILL)
    run(gate, make_frame, [scene()] * 3)
    bigger = np.zeros((720, 1280, 3), np.uint8)
    result = gate.gate(make_frame(bigger, t=1.0), tracking=False, now=1.0)
    assert (result.run_detector, result.reason) == (True, "first")
    assert gate.gate(make_frame(bigger, t=1.2), tracking=False, now=1.2).reason == "still"


def test_stopped_object_fades_into_background(make_frame: MakeFrame) -> None:
    """A square that appears and stays counts as motion at first, then stops counting within seconds."""
    images = [scene()] * 2 + [with_square(200)] * 40  # 8 s at 5 fps
    results = run(MotionGate(STILL), make_frame, images)
    assert results[2].reason == "motion"
    assert results[-1].reason == "still"


def test_clock_going_back_runs_a_keyframe(make_frame: MakeFrame) -> None:
    gate = MotionGate(STILL)
    gate.gate(make_frame(scene(), t=10.0), tracking=False, now=10.0)
    assert gate.gate(make_frame(scene(), t=10.2), tracking=False, now=10.2).reason == "still"
    assert gate.gate(make_frame(scene(), t=0.0), tracking=False, now=0.0).reason == "keyframe"


def test_reset_forgets_the_background(make_frame: MakeFrame) -> None:
    gate = MotionGate(STILL)
    run(gate, make_frame, [scene()] * 3)
    gate.reset()
    assert gate.gate(make_frame(scene(), t=5.0), tracking=False, now=5.0).reason == "first"


def test_grey_frames_work(make_frame: MakeFrame) -> None:
    grey = np.full((240, 320), 90, np.uint8)
    moved = grey.copy()
    moved[100:160, 100:160] = 250
    results = run(MotionGate(STILL), make_frame, [grey, grey, moved])
    assert [r.reason for r in results] == ["first", "still", "motion"]
