"""``camsight analyze --jobs N``: files analysed side by side, each job process with a model of its own or one shared.

Each of the ``N`` spawned processes opens the store and loads the detector once, then takes files
one after the other (a pool: a long file does not hold the others up). Every analysis is the one
:meth:`~camsight.apps.analyze.Analyzer.analyze` runs for a single file, so a file analysed in a job
stores exactly what it would alone. Progress (seconds of video done) comes back through a queue as
it happens; each file's :class:`~camsight.apps.analyze.SourceResult` comes back when it is done.

Why a model per process by default rather than the shared detector of live mode (``shared_detector``,
``--shared-detector``): a file's analysis never waits for a camera, so each job keeps its core busy with
its own detection, while the shared detector adds a hop per frame and saves little memory, because the
model is a small part of a job (about 70 MB of 350-400 MB) and the detector process costs about 300 MB
itself. ``bench/analyze_jobs.py`` measures the three ways (one at a time, a model each, shared) in one
run.

Example:
    >>> for done in run_jobs(jobs, config, database, workers=2, tick=print):  # doctest: +SKIP
    ...     print(done.index, done.problem or done.result.status)
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.queues import Queue

from camsight.apps.analyze import Analyzer, SourceResult
from camsight.apps.detector_pool import DetectorBusy, PoolSpec, SharedDetector, detector_main
from camsight.config.models import CameraConfig, Config
from camsight.errors import CamsightError, SourceError
from camsight.perception.detect import Detector
from camsight.sources import SourceSpec
from camsight.store.sources_repo import SourceBusy

log = logging.getLogger(__name__)
SHARED_READY_S = 60.0
"""Longest wait for the shared detector to load its model and answer, per job process."""
Tick = Callable[[int, float, float | None], None]
"""Progress of one job: its index, seconds of video analysed, the video's length (None: unknown)."""


@dataclass(frozen=True)
class Job:
    """One file to analyse and the camera whose zones and rules apply."""

    index: int
    spec: SourceSpec
    camera: CameraConfig


@dataclass(frozen=True)
class JobDone:
    """A finished job: what it stored, or why the file could not be analysed."""

    index: int
    result: SourceResult | None
    problem: str | None = None


SHARED_TIMEOUT_S = 300.0
"""Longest wait for the shared detector's answer to one frame of a file: a file's frames are never dropped,
so a detector that does not answer in this time fails the file (with its reason) instead."""

_analyzer: Analyzer | None = None
_ticks: Queue[tuple[int, float, float | None]] | None = None


def _start(
    config: Config,
    database: str,
    ticks: Queue[tuple[int, float, float | None]],
    level: int,
    pool: PoolSpec | None,
) -> None:
    """A job process's start: open the store, load the detector once (or connect to the shared one)."""
    global _analyzer, _ticks  # noqa: PLW0603 - one analyzer per job process, kept between its files
    from camsight.store.handle import open_store

    logging.basicConfig(level=level, format="%(levelname)s [job] %(name)s: %(message)s")
    detector: Detector | None = None
    if pool is not None:
        shared = SharedDetector(
            pool.address,
            pool.authkey,
            timeout_s=SHARED_TIMEOUT_S,
            iou=config.detector.iou,
            input_size=config.detector.input_size,
        )
        if not shared.wait_ready(SHARED_READY_S):
            raise CamsightError(f"the shared detector did not start: {shared.problem}")
        detector = shared
    _analyzer = Analyzer(config, open_store(config, database), detector=detector)
    _ticks = ticks


def _analyze(job: Job) -> JobDone:
    assert _analyzer is not None
    assert _ticks is not None
    ticks = _ticks

    def progress(now: float, duration: float | None) -> None:
        ticks.put((job.index, now, duration))

    try:
        return JobDone(job.index, _analyzer.analyze(job.spec, job.camera, progress))
    except (SourceError, SourceBusy) as exc:
        return JobDone(job.index, None, str(exc))
    except DetectorBusy as exc:
        return JobDone(job.index, None, f"the shared detector did not answer: {exc}")


def run_jobs(
    jobs: list[Job],
    config: Config,
    database: str,
    *,
    workers: int,
    tick: Tick,
    shared_detector: bool = False,
) -> Iterator[JobDone]:
    """Analyse ``jobs`` in ``workers`` processes; yields each as it finishes, calling ``tick`` as they go.

    ``shared_detector``: one detector process (live mode's, :mod:`camsight.apps.detector_pool`) holds the
    model and detects for every job, instead of a model in each.

    Raises:
        CamsightError: A job's store could not be written, or the shared detector did not start (the other
            jobs are cancelled).
    """
    ctx = mp.get_context("spawn")
    ticks: Queue[tuple[int, float, float | None]] = ctx.Queue()
    level = logging.getLogger("camsight").getEffectiveLevel()
    workers = max(1, min(workers, len(jobs)))
    pool_spec = (
        PoolSpec.make(config.detector, models=None, batch=workers, log_level=logging.getLevelName(level))
        if shared_detector
        else None
    )
    stop = ctx.Event()
    detector = (
        ctx.Process(target=detector_main, args=(pool_spec, stop), name="camsight-detector", daemon=True)
        if pool_spec is not None
        else None
    )
    if detector is not None:
        detector.start()
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_start,
            initargs=(config, database, ticks, level, pool_spec),
        ) as pool:
            pending: set[Future[JobDone]] = {pool.submit(_analyze, job) for job in jobs}
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                    _drain(ticks, tick)
                    for future in done:
                        yield _result(future)
            finally:
                for future in pending:
                    future.cancel()
                _drain(ticks, tick)
    finally:
        if detector is not None and pool_spec is not None:
            stop.set()
            detector.join(10)
            if detector.is_alive():
                detector.kill()
            pool_spec.cleanup()


def _result(future: Future[JobDone]) -> JobDone:
    try:
        return future.result()
    except BrokenProcessPool as exc:  # a job process that could not start (its initializer raised) or died
        raise CamsightError(f"a job process stopped: {exc}; run without --jobs to see why") from None


def _drain(ticks: Queue[tuple[int, float, float | None]], tick: Tick) -> None:
    while True:
        try:
            index, now, duration = ticks.get_nowait()
        except queue.Empty:
            return
        tick(index, now, duration)
