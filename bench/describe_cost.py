"""The describer's cost per track, with body parts from pose and with box fractions only.

Usage: python bench/describe_cost.py [DATA] [--clip NAME] [--fps 5] [--seconds 40]

Runs the real detector and tracker over the start of a clip (default ``intel_one-by-one-person-detection.mp4``,
people 350-400 px tall, so every track is tall enough for pose; found in DATA, DATA/videos or tests/data)
and keeps the finished person tracks. Then describes each of them with both describers, alternating, in
the same run, so the figures are comparable on a shared machine: box fractions only (``pose=False``) and
pose on the best crops (the default). Prints ms per track for each and their ratio; the last line is
exactly ``describe: tracks=N box_ms=A pose_ms=B ratio=R pose_calls=C``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from camsight.apps.pipeline import CameraPipeline
from camsight.config import Config
from camsight.core.detections import PERSON
from camsight.core.tracks import FinishedTrack
from camsight.perception.describe import AppearanceDescriber
from camsight.perception.detect import OnnxDetector
from camsight.perception.pose import make_estimator
from camsight.sources import VideoFile

ROOT = Path(__file__).resolve().parents[1]


def find(data: Path, name: str) -> Path | None:
    for candidate in (data / name, data / "videos" / name, ROOT / "tests" / "data" / name):
        if candidate.exists():
            return candidate
    return None


def person_tracks(clip: Path, fps: float, seconds: float) -> list[FinishedTrack]:
    cfg = Config()
    camera = cfg.cameras[0].model_copy(update={"fps": fps}) if cfg.cameras else None
    if camera is None:
        from camsight.config.models import CameraConfig

        camera = CameraConfig(id="bench", source=str(clip), fps=fps)
    pipeline = CameraPipeline(
        cfg,
        camera,
        source=str(clip),
        source_id="bench",
        wall_origin=datetime(2026, 1, 1, tzinfo=UTC),
        fps=fps,
        detector=OnnxDetector(cfg.detector),
        describer=None,
    )
    finished: list[FinishedTrack] = []
    now = 0.0
    for frame in VideoFile(clip, camera="bench", fps=fps):
        if frame.pts_s > seconds:
            break
        finished += pipeline.step(frame).finished
        now = frame.pts_s
    finished += pipeline.close(now)[1]
    return [t for t in finished if t.class_id == PERSON]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(ROOT / "tests" / "data"), help="Data folder.")
    parser.add_argument("--clip", default="intel_one-by-one-person-detection.mp4", help="Clip name.")
    parser.add_argument("--fps", type=float, default=5.0, help="Analysis rate.")
    parser.add_argument("--seconds", type=float, default=40.0, help="How much of the clip to analyse.")
    args = parser.parse_args()
    clip = find(Path(args.data), args.clip)
    if clip is None:
        sys.exit(f"error: {args.clip} not found in {args.data}; give the data folder that holds it")
    estimator = make_estimator()
    if estimator is None:
        sys.exit("error: MediaPipe is not installed; pip install -e '.[pose]' (see DEVELOPERS.md)")
    tracks = person_tracks(clip, args.fps, args.seconds)
    if not tracks:
        sys.exit(f"error: no person track in the first {args.seconds:g} s of {clip.name}")
    box, posed = AppearanceDescriber(pose=False), AppearanceDescriber(pose=estimator)
    spent = {"box": 0.0, "pose": 0.0}
    calls = estimator.calls
    for track in tracks:
        for name, describer in (("box", box), ("pose", posed)):
            start = time.perf_counter()
            describer.describe(object_class="person", observations=track.sightings, crops=track.crops)
            spent[name] += time.perf_counter() - start
    n = len(tracks)
    box_ms, pose_ms = 1000 * spent["box"] / n, 1000 * spent["pose"] / n
    sys.stdout.write(f"clip {clip.name}: {n} person tracks, {sum(len(t.crops) for t in tracks)} crops kept\n")
    sys.stdout.write(
        f"describe: tracks={n} box_ms={box_ms:.1f} pose_ms={pose_ms:.1f} ratio={pose_ms / max(box_ms, 1e-9):.1f} "
        f"pose_calls={estimator.calls - calls}\n"
    )


if __name__ == "__main__":
    main()
