"""The int8 detector against the float one: speed, person recall on MEVA, and the demo's loitering events.

1. Quantizes the packaged YOLO11n (``camsight models quantize``'s recipe) on ``--frames`` frames spread
   over four dev clips (intel_one-by-one, opencv_vtest, intel_car-detection, MEVA rvmot-a1c9), unless
   ``--int8 PATH`` names one already made.
2. ``detect()`` ms/frame of both models on the same MEVA frames, on 1 and 2 intra-op threads, the models
   alternating round by round so both see the same machine load; the ratio is the figure to read.
3. Person recall at IoU >= 0.5 on the two labelled MEVA clips (every 3rd frame, people >= 40 px tall,
   one-to-one matching: tests/integration/test_detection_meva.py's scoring, imported).
4. The bundled demo (intel_one-by-one with src/camsight/demo/demo.yaml, as ``camsight analyze`` runs it):
   loitering events with each model (six people visit the table: six expected).
5. ``bench/detection_eval.py`` on both MEVA clips with each model (``detector.model`` in a config file):
   the product's default detection path (motion gate, region crops at their own pixels, tracker), whose
   last line ``detection: person_recall=R precision=P frames=N`` is printed per clip and model.

Usage: python bench/int8_eval.py [--int8 PATH] [--frames 32] [--method minmax] [--rounds 3]
Last line: ``int8: person_recall=R float_person_recall=R speedup_1t=X speedup_2t=Y loitering=N float_loitering=M``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from camsight.apps.analyze import Analyzer
from camsight.config import DetectorConfig, load_config
from camsight.core.frame import Frame
from camsight.models.quantize import quantize_detector
from camsight.perception.detect import OnnxDetector
from camsight.sources import SourceSpec
from camsight.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import test_detection_meva as meva  # noqa: E402  # the MEVA labels and their scoring

CALIBRATION = [
    DATA / "intel_one-by-one-person-detection.mp4",
    DATA / "opencv_vtest.mp4",
    DATA / "intel_car-detection.mp4",
    DATA / "videos" / "meva_rvmot-a1c9.mp4",
]
DEMO = ROOT / "src" / "camsight" / "demo"


def detector(model: Path | None, threads: int) -> OnnxDetector:
    return OnnxDetector(DetectorConfig(model=model, threads=threads))


def timed(models: dict[str, Path | None], frames: list[Frame], threads: int, rounds: int) -> dict[str, float]:
    """Median detect() ms/frame of each model, the models alternating round by round."""
    dets = {name: detector(path, threads) for name, path in models.items()}
    for d in dets.values():  # warm-up
        d.detect(frames[0])
    ms: dict[str, list[float]] = {name: [] for name in dets}
    for _ in range(rounds):
        for name, d in dets.items():
            for frame in frames:
                start = time.perf_counter()
                d.detect(frame)
                ms[name].append((time.perf_counter() - start) * 1000)
    return {name: float(np.median(v)) for name, v in ms.items()}


def recall(model: Path | None) -> tuple[int, int, int, dict[str, float]]:
    d = detector(model, 0)
    scores = {clip: meva.score_clip(d, clip) for clip in meva.CLIPS}
    found = sum(s.found for s in scores.values())
    labelled = sum(s.labelled for s in scores.values())
    fps = sum(s.false_positives for s in scores.values())
    return found, labelled, fps, {clip: s.recall for clip, s in scores.items()}


def loitering(model: Path | None) -> int:
    cfg = load_config(DEMO / "demo.yaml")
    cfg = cfg.model_copy(update={"detector": cfg.detector.model_copy(update={"model": model})})
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(cfg, str(Path(tmp) / "bench.db"))
        result = Analyzer(cfg, store, detector=detector(model, 0)).analyze(
            SourceSpec(DEMO / "intel_one-by-one-person-detection.mp4", "video"), cfg.cameras[0]
        )
        store.engine.dispose()
    return Counter(e.kind for e in result.events.values())["loitering"]


def detection_eval(model: Path | None, tmp: Path) -> dict[str, str]:
    """``bench/detection_eval.py``'s last line for each MEVA clip, with the model set in a config file."""
    config = tmp / f"detector-{'float' if model is None else 'int8'}.yaml"
    config.write_text(f"detector:\n  model: {model}\n" if model else "detector: {}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    lines: dict[str, str] = {}
    for clip in meva.CLIPS:
        labels = DATA / "labels" / "meva_cvbench" / f"rvmot-{clip}.ground_truth.jsonl"
        video = DATA / "videos" / f"meva_rvmot-{clip}.mp4"
        args = [sys.executable, str(ROOT / "bench" / "detection_eval.py"), str(labels), str(video)]
        done = subprocess.run(
            [*args, "--config", str(config)], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        out = done.stdout.strip().splitlines()
        lines[clip] = out[-1] if done.returncode == 0 and out else f"failed: {done.stderr.strip()[-200:]}"
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--int8", type=Path, default=None, help="an int8 model already made (default: make one)")
    parser.add_argument("--frames", type=int, default=32, help="calibration frames")
    parser.add_argument("--method", choices=("minmax", "entropy", "percentile"), default="minmax")
    parser.add_argument("--keep-head-float", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds per model and thread count")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        int8 = args.int8
        if int8 is None:
            report = quantize_detector(
                videos=CALIBRATION,
                frames=args.frames,
                out=Path(tmp) / "yolo11n-int8.onnx",
                method=args.method,
                keep_head_float=args.keep_head_float,
            )
            int8 = report.path
            print(
                f"quantized: {report.frames} frames, {report.method}, head float={args.keep_head_float}, "
                f"{report.seconds:.0f} s, {report.float_size / 1e6:.1f} MB -> {report.int8_size / 1e6:.1f} MB"
            )
        models: dict[str, Path | None] = {"float": None, "int8": int8}
        frames = [f for clip in meva.CLIPS for f in meva.frames(clip, 6)]
        speedup: dict[int, float] = {}
        for threads in (1, 2):
            ms = timed(models, frames, threads, args.rounds)
            speedup[threads] = ms["float"] / ms["int8"]
            print(
                f"{threads} thread(s): float {ms['float']:.1f} ms/frame, int8 {ms['int8']:.1f} ms/frame, "
                f"int8 speed-up {speedup[threads]:.2f}x ({len(frames)} MEVA frames x {args.rounds} rounds)"
            )
            sys.stdout.flush()
        recalls: dict[str, float] = {}
        loiter: dict[str, int] = {}
        for name, path in models.items():
            found, labelled, fps, per_clip = recall(path)
            recalls[name] = found / labelled
            clips = ", ".join(f"{clip} {r:.3f}" for clip, r in per_clip.items())
            print(f"{name}: MEVA person recall {found}/{labelled} = {recalls[name]:.3f} ({clips}), unmatched {fps}")
            loiter[name] = loitering(path)
            print(f"{name}: demo loitering events {loiter[name]} (expected 6)")
            for clip, line in detection_eval(path, Path(tmp)).items():
                print(f"{name}: bench/detection_eval.py {clip}: {line}")
            sys.stdout.flush()
    print(
        f"int8: person_recall={recalls['int8']:.3f} float_person_recall={recalls['float']:.3f} "
        f"speedup_1t={speedup[1]:.2f} speedup_2t={speedup[2]:.2f} "
        f"loitering={loiter['int8']} float_loitering={loiter['float']}"
    )


if __name__ == "__main__":
    main()
