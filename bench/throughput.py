"""Throughput: video-seconds analysed per wall-second, against baselines measured in the same run.

For each clip:
  (a) camsight as configured (motion gate on, describer on, events and tracks stored),
  (b) the same detector on every sampled frame (motion gate off),
  (c) decode only at the same sampling rate: the floor no analysis can beat,
  (d) as (a) without the describer, to show what describing tracks costs.
Prints a table with the ratios a/b, a/c and the describer's overhead, the events each mode found
(a and b must agree on intel_one-by-one: six loitering events), and the peak memory of the process.

Usage: python bench/throughput.py [DATA_DIR] [--clips a.mp4,b.mp4] [--fps 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from camsight.apps.analyze import Analyzer
from camsight.config import Config, load_config
from camsight.config.models import MotionConfig
from camsight.perception.detect import OnnxDetector
from camsight.sources import SourceSpec, VideoFile
from camsight.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = [
    "intel_one-by-one-person-detection.mp4",
    "opencv_vtest.mp4",
    "intel_car-detection.mp4",
    "gmdcsa24_s1_fall_14.mp4",
    "meva_rvmot-a1c9.mp4",
    "intel_worker-zone-detection_preview.mp4",
]


def find(data: Path, name: str) -> Path | None:
    for candidate in (data / name, data / "videos" / name):
        if candidate.exists():
            return candidate
    return None


def config_for(name: str, fps: float) -> Config:
    cfg = load_config(ROOT / "src/camsight/demo/demo.yaml") if name.startswith("intel_one-by-one") else Config()
    cams = tuple(c.model_copy(update={"fps": fps}) for c in cfg.cameras)
    return cfg.model_copy(update={"cameras": cams})


def run_mode(cfg: Config, clip: Path, detector: OnnxDetector, *, describe: bool) -> tuple[float, float, Counter[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(cfg, str(Path(tmp) / "bench.db"))
        engine = store.engine
        analyzer = Analyzer(cfg, store, detector=detector, describe=describe)
        start = time.perf_counter()
        result = analyzer.analyze(SourceSpec(clip, "video"), cfg.cameras[0])
        wall = time.perf_counter() - start
        engine.dispose()
    return result.video_s, wall, Counter(e.kind for e in result.events.values())


def decode_only(clip: Path, fps: float) -> tuple[float, float]:
    start = time.perf_counter()
    video = VideoFile(clip, camera="bench", fps=fps)
    for _ in video:
        pass
    return video.stats.last_pts_s, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "tests" / "data")
    parser.add_argument("--clips", default=",".join(DEFAULT_CLIPS))
    parser.add_argument("--fps", type=float, default=5.0)
    args = parser.parse_args()
    detector = OnnxDetector(Config().detector)
    header = (
        f"{'clip':42} {'video s':>7} {'a x-rt':>7} {'b x-rt':>7} {'c x-rt':>7} {'a/b':>5} {'a/c':>5} "
        f"{'describe +%':>11}  events a | b"
    )
    print(header)
    for name in args.clips.split(","):
        clip = find(args.data, name)
        if clip is None:
            print(f"{name:42} (not found in {args.data})")
            continue
        cfg = config_for(name, args.fps)
        no_gate = cfg.model_copy(update={"motion": MotionConfig(enabled=False)})
        video_s, wall_a, ev_a = run_mode(cfg, clip, detector, describe=True)
        _, wall_b, ev_b = run_mode(no_gate, clip, detector, describe=True)
        _, wall_c = decode_only(clip, args.fps)
        _, wall_d, _ = run_mode(cfg, clip, detector, describe=False)
        a, b, c = video_s / wall_a, video_s / wall_b, video_s / wall_c
        overhead = (wall_a - wall_d) / wall_d * 100
        print(
            f"{name:42} {video_s:7.1f} {a:7.1f} {b:7.1f} {c:7.1f} {a / b:5.2f} {a / c:5.2f} {overhead:10.1f}%  "
            f"{dict(ev_a)} | {dict(ev_b)}"
        )
        sys.stdout.flush()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
