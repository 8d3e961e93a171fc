"""Detection evaluation: person recall of the product's default detection path on a labelled clip.

Usage: python bench/detection_eval.py LABELS VIDEO [--step 3] [--min-height 40] [--full-frame] [--config FILE]

LABELS is a JSON-lines file in the MEVA format of ``labels/meva_cvbench/`` (one object per object per
frame: ``bbox_xyxy``, ``class_id``, ``target_id``, ``source_timestamp_ns``; the frame index is
``source_timestamp_ns / 33_333_333``); VIDEO the clip it labels.

Every ``--step``-th frame (3 by default) goes through what ``camsight analyze`` runs on a frame
(:class:`camsight.apps.pipeline.CameraPipeline` with the default configuration, or ``--config``'s
first camera: motion gate, region detection, tracker), at the analysis rate of one frame in
``step``. The boxes scored for a frame are the detector's when it ran on that frame, and the boxes the
pipeline holds for its tracks when the motion gate skipped it (what the rules see). ``--full-frame``
scores the plain detector on the whole frame instead, the baseline region detection is compared with.

A labelled person counts when at least ``--min-height`` px tall (40); it is found when a person box
overlaps it with IoU >= 0.5 (one-to-one, Hungarian matching). Precision is the share of person boxes
that matched a labelled person of any height (boxes matching only people under the height floor are
left out of both counts). The last line is exactly
``detection: person_recall=R precision=P frames=N``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from camsight.apps.pipeline import CameraPipeline
from camsight.config import CameraConfig, Config, load_config
from camsight.core.detections import PERSON, box_iou
from camsight.core.frame import Frame
from camsight.errors import CamsightError
from camsight.perception.detect import OnnxDetector

FRAME_NS = 33_333_333
"""Nanoseconds per frame of the MEVA labels (30 fps)."""

Truth = dict[int, tuple[NDArray[np.float32], NDArray[np.bool_]]]


def read_labels(path: Path, min_height: float) -> Truth:
    """Frame index -> (every labelled person box, whether it is at least ``min_height`` tall)."""
    by_frame: dict[int, list[list[float]]] = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                box = [float(v) for v in row["bbox_xyxy"]]
                if row["class_id"] == "person":
                    by_frame[round(int(row["source_timestamp_ns"]) / FRAME_NS)].append(box)
            except (ValueError, KeyError, TypeError) as exc:
                raise SystemExit(f"error: {path} line {n} is not a MEVA label row ({exc}); check LABELS") from exc
    out: Truth = {}
    for index, boxes in by_frame.items():
        arr = np.array(boxes, np.float32).reshape(-1, 4)
        out[index] = (arr, (arr[:, 3] - arr[:, 1]) >= min_height)
    return out


def frames(path: Path, step: int) -> Iterator[Frame]:
    """Every ``step``-th decoded frame, timed as the labels are (30 fps)."""
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % step == 0:
                t = index * FRAME_NS / 1e9
                wall = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=t)
                image = frame.to_ndarray(format="bgr24")
                yield Frame(camera="eval", source=str(path), index=index, pts_s=t, wall=wall, image=image)


def score_frame(
    truth: NDArray[np.float32], tall: NDArray[np.bool_], found: NDArray[np.float32]
) -> tuple[int, int, int]:
    """(tall people found, tall people labelled, person boxes that count for precision) in one frame."""
    hit_truth = np.zeros(len(truth), bool)
    hit_found = np.zeros(len(found), bool)
    if len(truth) and len(found):
        iou = box_iou(truth, found)
        rows, cols = linear_sum_assignment(-iou)
        ok = iou[rows, cols] >= 0.5
        hit_truth[rows[ok]] = True
        hit_found[cols[ok]] = True
    matched_short = int(np.count_nonzero(hit_truth & ~tall))  # neither right nor wrong: under the floor
    return int(np.count_nonzero(hit_truth & tall)), int(np.count_nonzero(tall)), len(found) - matched_short


def camera_config(config_path: Path | None, fps: float) -> tuple[Config, CameraConfig]:
    config = load_config(config_path) if config_path else Config()
    base = config.cameras[0] if config.cameras else CameraConfig(id="eval")
    # Zones and rules do not change what is detected; the eval's rate is the labels' rate over the step.
    return config, base.model_copy(update={"fps": fps, "rules": ()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labels", type=Path)
    parser.add_argument("video", type=Path)
    parser.add_argument("--step", type=int, default=3, help="score every STEP-th frame (default 3)")
    parser.add_argument("--min-height", type=float, default=40.0, help="smallest labelled person counted, px")
    parser.add_argument("--full-frame", action="store_true", help="the plain detector on every whole frame")
    parser.add_argument("--config", type=Path, default=None, help="camsight config (default: the defaults)")
    args = parser.parse_args()
    for path, what in ((args.labels, "LABELS"), (args.video, "VIDEO")):
        if not path.is_file():
            raise SystemExit(f"error: {path} not found; check {what}")
    if args.step < 1:
        raise SystemExit("error: --step must be at least 1")
    truth = read_labels(args.labels, args.min_height)
    fps = 30.0 / args.step
    try:
        config, camera = camera_config(args.config, fps)
        detector = OnnxDetector(config.detector)
    except CamsightError as exc:
        raise SystemExit(f"error: {exc}") from exc
    pipe = CameraPipeline(
        config,
        camera,
        source=str(args.video),
        source_id="eval",
        wall_origin=datetime(2024, 1, 1, tzinfo=UTC),
        fps=fps,
        detector=detector,
    )
    found = labelled = boxes = frames_n = 0
    start = time.perf_counter()
    try:
        for frame in frames(args.video, args.step):
            if args.full_frame:
                dets = detector.detect(frame)
            else:
                before = pipe.stats.frames_analysed
                result = pipe.step(frame)
                dets = result.detected if pipe.stats.frames_analysed > before else result.detections
            people = dets[dets.class_id == PERSON].xyxy
            t_boxes, tall = truth.get(frame.index, (np.zeros((0, 4), np.float32), np.zeros(0, bool)))
            f, n, b = score_frame(t_boxes, tall, people)
            found, labelled, boxes, frames_n = found + f, labelled + n, boxes + b, frames_n + 1
    except av.error.FFmpegError as exc:
        raise SystemExit(f"error: cannot decode {args.video}: {exc}; check VIDEO") from exc
    wall = time.perf_counter() - start
    recall = found / labelled if labelled else 1.0
    precision = (found / boxes) if boxes else 1.0
    mode = "full frame" if args.full_frame else "default path"
    print(f"{args.video.name} ({mode}): found {found}/{labelled} labelled people >= {args.min_height:g} px")
    if not args.full_frame:
        s = pipe.stats
        print(f"detector ran on {s.frames_analysed}/{frames_n} frames; {s.regions.describe()}")
    print(f"wall {wall:.1f} s ({wall / max(frames_n, 1) * 1000:.0f} ms/frame, decode included; shared CPU, noisy)")
    print(f"detection: person_recall={recall:.3f} precision={precision:.3f} frames={frames_n}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
