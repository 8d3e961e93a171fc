"""Person recall of the packaged detector on two real MEVA security-camera clips with per-frame boxes.

Labels: one JSON object per object per frame (``tests/data/labels/meva_cvbench``); the frame index is
``source_timestamp_ns / 33_333_333``. A labelled person counts when at least ``MIN_HEIGHT`` px tall; it is
found when a person detection overlaps it with IoU >= 0.5 (one-to-one matching). Every ``STEP``-th frame.

Measured on this project's 2-core CPU box (YOLO11n, confidence 0.3, every 3rd frame):

=====  ==========================  ============================  =======  ===========
input  rvmot-a1c9 (1 near person)  rvmot-c4f6 (4 far, occluded)  overall  ms / frame
=====  ==========================  ============================  =======  ===========
640    50/68 = 0.74                22/104 = 0.21                 0.42     ~16
960    50/68 = 0.74                23/104 = 0.22                 0.42     ~35
=====  ==========================  ============================  =======  ===========

The misses are real limits of a nano model, not decoding errors: in a1c9 the second "person" is a sliver
at the left edge behind the SUV (all 18 misses), in c4f6 three of the four people are 20x40 px figures
standing between parked cars; the fourth, in the open, is found in 22/23 frames. The floors below sit a
little under those figures, so a regression in pre/post-processing (wrong letterbox, wrong NMS, wrong
frame alignment) fails the test.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from camsight.config import DetectorConfig
from camsight.core.detections import PERSON, box_iou
from camsight.core.frame import Frame
from camsight.perception.detect import OnnxDetector

DATA = Path(__file__).resolve().parents[1] / "data"
FRAME_NS = 33_333_333
STEP = 3
MIN_HEIGHT = 40
CLIPS = ("a1c9", "c4f6")

# (input size) -> floors for a1c9, c4f6, overall
FLOORS: dict[int, tuple[float, float, float]] = {640: (0.70, 0.17, 0.38), 960: (0.70, 0.17, 0.38)}


@dataclass
class Score:
    found: int = 0
    labelled: int = 0
    false_positives: int = 0
    frames: int = 0
    ms: list[float] = field(default_factory=list)
    per_target: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def recall(self) -> float:
        return self.found / max(self.labelled, 1)

    def target_recall(self, target: str) -> float:
        found, labelled = self.per_target[target]
        return found / max(labelled, 1)


def labelled_people(clip: str) -> dict[int, tuple[list[str], NDArray[np.float32]]]:
    """Frame index -> (target ids, boxes) of the people at least MIN_HEIGHT tall."""
    by_frame: dict[int, list[tuple[str, list[float]]]] = defaultdict(list)
    with open(DATA / "labels" / "meva_cvbench" / f"rvmot-{clip}.ground_truth.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            x1, y1, x2, y2 = row["bbox_xyxy"]
            if row["class_id"] == "person" and y2 - y1 >= MIN_HEIGHT:
                by_frame[round(row["source_timestamp_ns"] / FRAME_NS)].append((row["target_id"], [x1, y1, x2, y2]))
    return {k: ([t for t, _ in v], np.array([b for _, b in v], np.float32)) for k, v in by_frame.items()}


def frames(clip: str, step: int) -> Iterator[Frame]:
    path = DATA / "videos" / f"meva_rvmot-{clip}.mp4"
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % step == 0:
                t = index * FRAME_NS / 1e9
                image = frame.to_ndarray(format="bgr24")
                wall = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=t)
                yield Frame(camera=clip, source=str(path), index=index, pts_s=t, wall=wall, image=image)


def matched(truth: NDArray[np.float32], found: NDArray[np.float32]) -> NDArray[np.bool_]:
    """Which truth boxes a detection covers at IoU >= 0.5, one detection per truth box."""
    hit = np.zeros(len(truth), dtype=bool)
    if len(truth) and len(found):
        iou = box_iou(truth, found)
        rows, cols = linear_sum_assignment(-iou)
        hit[rows[iou[rows, cols] >= 0.5]] = True
    return hit


def score_clip(detector: OnnxDetector, clip: str) -> Score:
    truth = labelled_people(clip)
    score = Score()
    for frame in frames(clip, STEP):
        start = time.perf_counter()
        dets = detector.detect(frame)
        score.ms.append((time.perf_counter() - start) * 1000)
        people = dets[dets.class_id == PERSON].xyxy
        targets, boxes = truth.get(frame.index, ([], np.zeros((0, 4), np.float32)))
        hit = matched(boxes, people)
        for target, ok in zip(targets, hit, strict=True):
            score.per_target[target][0] += int(ok)
            score.per_target[target][1] += 1
        score.found += int(hit.sum())
        score.labelled += len(boxes)
        score.false_positives += len(people) - int(hit.sum())
        score.frames += 1
    return score


@pytest.fixture(scope="module", params=sorted(FLOORS))
def scores(request: pytest.FixtureRequest) -> tuple[int, dict[str, Score]]:
    size = int(request.param)
    detector = OnnxDetector(DetectorConfig(input_size=size))
    return size, {clip: score_clip(detector, clip) for clip in CLIPS}


def test_labels_line_up_with_the_video() -> None:
    """150 labelled frames per clip, and every labelled frame exists in the video."""
    for clip in CLIPS:
        truth = labelled_people(clip)
        n = sum(1 for _ in frames(clip, 1))
        assert n == 150
        assert max(truth) < n


def test_person_recall_meets_the_floor(scores: tuple[int, dict[str, Score]]) -> None:
    size, by_clip = scores
    found = sum(s.found for s in by_clip.values())
    labelled = sum(s.labelled for s in by_clip.values())
    for clip, s in by_clip.items():
        print(  # noqa: T201 - the measured figures are part of the test's report
            f"\nMEVA {clip} @ {size}: person recall {s.found}/{s.labelled} = {s.recall:.3f}, "
            f"unmatched person boxes {s.false_positives} in {s.frames} frames, "
            f"detect() {np.mean(s.ms):.1f} ms/frame (median {np.median(s.ms):.1f})"
        )
    print(f"MEVA overall @ {size}: person recall {found}/{labelled} = {found / labelled:.3f}")  # noqa: T201
    floor_a, floor_c, floor_all = FLOORS[size]
    assert by_clip["a1c9"].recall >= floor_a
    assert by_clip["c4f6"].recall >= floor_c
    assert found / labelled >= floor_all


@pytest.mark.parametrize(("clip", "target"), [("a1c9", "p-001"), ("c4f6", "p-004")])
def test_people_in_the_open_are_found_almost_always(
    scores: tuple[int, dict[str, Score]], clip: str, target: str
) -> None:
    """The unoccluded people (a1c9's man at the SUV, c4f6's walker at the bottom edge) are found in >= 90%."""
    _, by_clip = scores
    assert by_clip[clip].per_target[target][1] >= 20
    assert by_clip[clip].target_recall(target) >= 0.9
