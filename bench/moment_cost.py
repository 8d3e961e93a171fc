"""Cost of timing motion and posture per moment, against the describer's other track summaries, in one run.

Usage: python bench/moment_cost.py [--seconds 60] [--fps 5]

A person walking across a large frame for ``--seconds`` at ``--fps``; each summary of
:mod:`camsight.perception.describe` is timed over 20 repeats. Figures are ratios against
:func:`~camsight.perception.describe.posture_labels` measured in the same run (shared CPUs are noisy).
The last line is ``moments: ms_per_track=M ratio_to_posture=R sightings=N``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from camsight.perception.describe import moment_summary, motion_summary, posture_labels
from camsight.perception.tracklog import Sighting

REPEATS = 20


def _ms(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(REPEATS):
        work()
    return (time.perf_counter() - started) / REPEATS * 1e3


def main(argv: list[str] | None = None) -> None:
    """Time the summaries and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the track")
    parser.add_argument("--fps", type=float, default=5.0, help="sightings per second")
    args = parser.parse_args(argv)
    n = int(args.seconds * args.fps)
    obs = [
        Sighting(t=i / args.fps, box=(100 + i * 3.0, 100, 150 + i * 3.0, 300), confidence=0.9, near=(), occluded=0.0)
        for i in range(n)
    ]
    labels = posture_labels(obs)
    posture = _ms(lambda: posture_labels(obs))
    motion = _ms(lambda: motion_summary(obs, vehicle=False))
    moments = _ms(lambda: moment_summary(obs, labels, (10_000, 2_000)))
    print(f"posture_labels {posture:.2f} ms, motion_summary {motion:.2f} ms, moment_summary {moments:.2f} ms")
    print(f"moments: ms_per_track={moments:.2f} ratio_to_posture={moments / posture:.2f} sightings={n}")


if __name__ == "__main__":
    main()
