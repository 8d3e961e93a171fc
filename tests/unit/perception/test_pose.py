"""Body parts from pose (BlazePose via MediaPipe) on real photos and real fall footage.

What the pictures show (tests/data, see NOTICE): intel_one-by-one_t130s, a man seen from behind at a table
in a grey shirt and blue jeans; t80s, a man in a black T-shirt; intel_worker-zone_f20, a worker in a
yellow hard hat, an orange hi-vis vest over a long-sleeved shirt; GMDCSA24 s1_fall_14 (a man standing at
frame 10, lying on the floor after a backward fall at frame 140) and s4_adl_19 (standing at frame 150,
bending over to pick up a jar at frame 60, seated on the bed at frame 260).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.core.detections import PERSON
from camsight.core.tracks import Crop
from camsight.perception.describe import AppearanceDescriber, describe_image_box
from camsight.perception.detect import OnnxDetector
from camsight.perception.pose import MIN_POSE_HEIGHT_PX, PoseEstimator, available, make_estimator
from camsight.perception.posture import PoseReading, pose_lying
from camsight.perception.privacy import fit_within
from camsight.perception.tracklog import Box, crop_box, thumbnail_image

DATA = Path(__file__).resolve().parents[2] / "data"
Image = NDArray[np.uint8]

if not available():
    if os.environ.get("CI") == "true":
        pytest.fail("MediaPipe is not installed (pip install -e '.[pose]', see DEVELOPERS.md)", pytrace=False)
    pytest.skip("MediaPipe is not installed (the 'pose' extra)", allow_module_level=True)


@pytest.fixture(scope="module")
def pose() -> PoseEstimator:
    estimator = make_estimator()
    assert estimator is not None
    return estimator


def person(detector: OnnxDetector, image: Image) -> Box:
    """The most confident person's box."""
    dets = detector.detect_image(image)
    dets = dets[dets.class_id == PERSON]
    assert len(dets), "no person found"
    x1, y1, x2, y2 = (float(v) for v in dets.xyxy[int(np.argmax(dets.confidence))])
    return (x1, y1, x2, y2)


def frame(name: str, index: int) -> Image:
    cap = cv2.VideoCapture(str(DATA / f"{name}.mp4"))
    try:
        for _ in range(index):
            cap.grab()
        ok, image = cap.read()
    finally:
        cap.release()
    assert ok, (name, index)
    return np.asarray(image, dtype=np.uint8)


def reading(pose: PoseEstimator, image: Image, box: Box) -> PoseReading | None:
    crop, inner = crop_box(image, box, pad=0.15)
    parts = pose.estimate(crop, inner, longer_side=True)
    if parts is None:
        return None
    dy = box[1] - inner[1]
    return PoseReading(0.0, parts.torso_angle_deg, parts.hip_y + dy, parts.head[1] + dy)


def test_regions_of_a_standing_person(
    pose: PoseEstimator, detector: OnnxDetector, photo: Callable[[str], Image]
) -> None:
    image = photo("intel_one-by-one_t130s.jpg")
    box = person(detector, image)
    crop, inner = crop_box(image, box)
    parts = pose.estimate(crop, inner)
    assert parts is not None
    height = inner[3] - inner[1]
    hx1, hy1, hx2, hy2 = parts.head
    tx1, ty1, tx2, ty2 = parts.torso
    assert hy2 <= inner[1] + 0.3 * height  # the head at the top
    assert hy2 <= ty1 + 0.1 * height  # above the torso
    assert inner[0] <= (hx1 + hx2) / 2 <= inner[2]
    assert ty2 < inner[1] + 0.65 * height  # hips above two thirds of the body
    assert len(parts.shins) == 2
    assert all(min(s[1], s[3]) > ty2 for s in parts.shins)  # shins below the hips
    assert parts.torso_angle_deg < 15
    assert pose.estimate(crop, (inner[0], inner[1], inner[2], inner[1] + MIN_POSE_HEIGHT_PX - 1)) is None


def test_attributes_from_parts_on_real_photos(detector: OnnxDetector, photo: Callable[[str], Image]) -> None:
    describer = AppearanceDescriber()
    seen = {}
    for name in ("intel_one-by-one_t130s.jpg", "intel_one-by-one_t80s.jpg", "intel_worker-zone_f20.jpg"):
        image = photo(name)
        seen[name] = describe_image_box(image, person(detector, image), "person", describer=describer)
    grey_jeans, black, worker = seen.values()
    assert all(a.posed for a in seen.values())
    assert grey_jeans.garments["trousers"] >= 0.8
    assert black.garments["trousers"] >= 0.8
    assert grey_jeans.garments.get("shorts", 0.0) < 0.2
    assert black.lightness["upper"] < 0.2  # black T-shirt: dark
    assert grey_jeans.lightness["upper"] > black.lightness["upper"] + 0.3  # grey shirt: much lighter
    assert worker.garments["long sleeves"] > worker.garments["short sleeves"]
    assert black.patterns["upper"]["plain"] >= 0.8  # a plain T-shirt


def test_a_fall_is_lying_by_pose_and_bending_or_sitting_is_not(pose: PoseEstimator, detector: OnnxDetector) -> None:
    standing = frame("gmdcsa24_s1_fall_14", 10)
    upright = person(detector, standing)
    down_image = frame("gmdcsa24_s1_fall_14", 140)
    down = person(detector, down_image)
    fallen = reading(pose, down_image, down)
    assert fallen is not None
    assert fallen.torso_angle_deg > 60
    assert pose_lying(fallen, down, upright[3] - upright[1])

    adl_upright = person(detector, frame("gmdcsa24_s4_adl_19", 150))
    for index in (60, 260):  # bending over to pick up a jar; sitting on the bed
        image = frame("gmdcsa24_s4_adl_19", index)
        box = person(detector, image)
        r = reading(pose, image, box)  # None: pose found no body (then it cannot say "lying" either)
        assert r is None or not pose_lying(r, box, adl_upright[3] - adl_upright[1]), (index, r)
    assert r is not None
    assert r.torso_angle_deg < 30


def blurred(before: Image, after: Image) -> NDArray[np.bool_]:
    return np.asarray(np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=2) > 0)


def test_head_blur_covers_the_head_only_on_a_seated_person(pose: PoseEstimator, detector: OnnxDetector) -> None:
    clip, index, head = "gmdcsa24_s4_adl_19", 260, (304, 116)  # seated on the bed
    image = frame(clip, index)
    box = person(detector, image)
    crop, inner = crop_box(image, box)
    c = Crop(quality=1.0, t=0.0, image=crop, box=inner)
    out = thumbnail_image(c, blur_head=True, max_side=10_000, pose=pose, mark=False)
    changed = blurred(crop, out)
    hx, hy = round(head[0] - (box[0] - inner[0])), round(head[1] - (box[1] - inner[1]))
    assert changed[hy - 3 : hy + 4, hx - 3 : hx + 4].mean() > 0.9  # the head is blurred
    x1, y1, x2, y2 = (round(v) for v in inner)
    share = changed[y1:y2, x1:x2].mean()
    old = blurred(crop, thumbnail_image(c, blur_head=True, max_side=10_000, pose=False, mark=False))
    assert share < 0.35, share  # not the whole person
    assert share < 0.6 * old[y1:y2, x1:x2].mean()  # much less than the box rule takes


@pytest.mark.parametrize(
    ("clip", "index", "head"),
    [
        ("gmdcsa24_s4_adl_19", 60, (370, 190)),  # bent over: no plausible pose, the box rule
        ("gmdcsa24_s1_fall_14", 140, (320, 374)),  # lying toward the camera: pose not trusted, the whole box
    ],
)
def test_head_blur_falls_back_to_the_box_rule(
    pose: PoseEstimator, detector: OnnxDetector, clip: str, index: int, head: tuple[int, int]
) -> None:
    image = frame(clip, index)
    box = person(detector, image)
    crop, inner = crop_box(image, box)
    out = thumbnail_image(Crop(quality=1.0, t=0.0, image=crop, box=inner), blur_head=True, pose=pose, mark=False)
    changed = blurred(fit_within(crop, 256), out)
    scale = out.shape[0] / crop.shape[0]
    hx, hy = round((head[0] - box[0] + inner[0]) * scale), round((head[1] - box[1] + inner[1]) * scale)
    assert changed[hy - 2 : hy + 3, hx - 2 : hx + 3].mean() > 0.9


def test_mediapipe_is_imported_on_the_first_crop_tall_enough(
    pose: PoseEstimator, detector: OnnxDetector, photo: Callable[[str], Image]
) -> None:
    """In a fresh process: making the shared estimator and asking about a short box import nothing; the first
    tall crop imports MediaPipe, makes the model once, and finds the same parts as a long-lived estimator."""
    image = photo("intel_one-by-one_t130s.jpg")
    box = person(detector, image)
    crop, inner = crop_box(image, box)
    expected = pose.estimate(crop, inner)
    assert expected is not None
    short = (inner[0], inner[1], inner[2], inner[1] + MIN_POSE_HEIGHT_PX - 1)
    script = f"""
import json, sys
import cv2
from camsight.perception.pose import make_estimator
from camsight.perception.tracklog import crop_box
image = cv2.imread({str(DATA / "photos" / "intel_one-by-one_t130s.jpg")!r}, cv2.IMREAD_COLOR)
crop, inner = crop_box(image, {box!r})
estimator = make_estimator()
seen = {{"made": "mediapipe" in sys.modules or estimator.loaded}}
seen["short"] = estimator.estimate(crop, {short!r})
seen["after_short"] = "mediapipe" in sys.modules or estimator.loaded
parts = estimator.estimate(crop, inner)
seen["loaded"] = "mediapipe" in sys.modules and estimator.loaded and make_estimator() is estimator
seen["torso"] = parts.torso
seen["calls"] = estimator.calls
print("SEEN=" + json.dumps(seen))
"""
    src = Path(__file__).resolve().parents[3] / "src"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(src)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("SEEN=")).removeprefix("SEEN="))
    assert seen["made"] is False
    assert seen["short"] is None
    assert seen["after_short"] is False
    assert seen["loaded"] is True
    assert seen["calls"] == 1
    assert seen["torso"] == pytest.approx(list(expected.torso))
