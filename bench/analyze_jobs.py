"""``analyze --jobs``: a model per job process against the shared detector, and both against one at a time.

Usage: python bench/analyze_jobs.py [--clips a.mp4,b.mp4,...] [--jobs 2]

The same files are analysed three ways in one run, each into a fresh store:
  (a) one after the other in this process (what ``--jobs 1`` does),
  (b) ``--jobs N`` with a model in each job process,
  (c) ``--jobs N`` with one shared detector process (live mode's) detecting for every job.
Prints, per mode, the wall time (spawning the jobs and loading their models included), its speed against
(a), the events stored (all three must agree) and the largest PSS of all its processes together (sampled
every 0.2 s from ``/proc``). Timings on a shared machine are noisy: compare the ratios of one run. The
last line is ``jobs: N=... own=...x shared=...x`` (speed of b and c against a).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from camsight.apps.analyze import Analyzer
from camsight.apps.jobs import Job, run_jobs
from camsight.config import Config, parse_config
from camsight.sources import SourceSpec, expand_paths
from camsight.store import list_events, open_store
from live_capacity import proc_pss_mb

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CLIPS = (
    "intel_worker-zone-detection_preview.mp4",
    "intel_people-detection_preview.mp4",
    "gmdcsa24_s1_fall_14.mp4",
    "gmdcsa24_s4_adl_19.mp4",
)
CONFIG = """
cameras:
  - id: floor
    zones:
      - name: floor
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: floor
        min_inside_s: 0.5
"""


def descendants(root: int) -> list[int]:
    """``root`` and every process under it (from ``/proc``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


class PeakPss:
    """The largest PSS of this process and its descendants together while the block runs."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            total = 0.0
            for pid in descendants(os.getpid()):
                try:
                    total += proc_pss_mb(pid)
                except OSError:
                    continue
            self.peak_mb = max(self.peak_mb, total)

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def events(config: Config, db: str) -> list[tuple[str, str, float]]:
    with open_store(config, db).engine.connect() as conn:
        return sorted((Path(e.source).name, e.kind, round(e.start_s, 1)) for e in list_events(conn, limit=100_000))


def one_at_a_time(specs: list[SourceSpec], config: Config, db: str) -> None:
    analyzer = Analyzer(config, open_store(config, db))
    for spec in specs:
        analyzer.analyze(spec, config.cameras[0])


def as_jobs(specs: list[SourceSpec], config: Config, db: str, workers: int, shared: bool) -> None:
    open_store(config, db)
    jobs = [Job(i, spec, config.cameras[0]) for i, spec in enumerate(specs)]
    for done in run_jobs(jobs, config, db, workers=workers, tick=lambda *_: None, shared_detector=shared):
        if done.problem:
            sys.exit(f"analyze_jobs: {done.problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default=",".join(str(DATA / c) for c in CLIPS), help="comma-separated videos")
    parser.add_argument("--jobs", type=int, default=2, help="job processes for (b) and (c)")
    args = parser.parse_args()
    specs = expand_paths([Path(c) for c in args.clips.split(",")])
    config = parse_config(CONFIG)
    modes: list[tuple[str, Callable[[str], None]]] = [
        ("one at a time", lambda db: one_at_a_time(specs, config, db)),
        (f"--jobs {args.jobs}, a model each", lambda db: as_jobs(specs, config, db, args.jobs, False)),
        (f"--jobs {args.jobs}, shared detector", lambda db: as_jobs(specs, config, db, args.jobs, True)),
    ]
    print(f"{len(specs)} files, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    walls: list[float] = []
    found: list[list[tuple[str, str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, run) in enumerate(modes):
            db = str(Path(tmp) / f"mode{i}.db")
            with PeakPss() as pss:
                start = time.perf_counter()
                run(db)
                walls.append(time.perf_counter() - start)
            found.append(events(config, db))
            speed = walls[0] / walls[-1]
            print(f"{name:32} {walls[-1]:7.1f} s  {speed:5.2f}x  events={len(found[-1])}  pss={pss.peak_mb:.0f} MB")
    if not found[0] == found[1] == found[2]:
        print("the modes stored different events:", *(len(f) for f in found))
    print(f"jobs: N={args.jobs} own={walls[0] / walls[1]:.2f}x shared={walls[0] / walls[2]:.2f}x")


if __name__ == "__main__":
    main()
