"""``camsight analyze --jobs N``: files analysed side by side, each job process with a model of its own.

Each of the ``N`` spawned processes opens the store and loads the detector once, then takes files
one after the other (a pool: a long file does not hold the others up). Every analysis is the one
:meth:`~camsight.apps.analyze.Analyzer.analyze` runs for a single file, so a file analysed in a job
stores exactly what it would alone. Progress (seconds of video done) comes back through a queue as
it happens; each file's :class:`~camsight.apps.analyze.SourceResult` comes back when it is done.

Why a model per process rather than the shared detector of live mode: a file's analysis never waits
for a camera, so each job keeps its core busy with its own detection; the shared detector saves
memory (one model instead of ``N``) but adds a hop per frame. For a handful of jobs on a small box the
memory is affordable (about 350 MB a job) and the jobs are not slowed down by one another's frames.

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
from dataclasses import dataclass
from multiprocessing.queues import Queue

from camsight.apps.analyze import Analyzer, SourceResult
from camsight.config.models import CameraConfig, Config
from camsight.errors import SourceError
from camsight.sources import SourceSpec
from camsight.store.sources_repo import SourceBusy

log = logging.getLogger(__name__)
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


_analyzer: Analyzer | None = None
_ticks: Queue[tuple[int, float, float | None]] | None = None


def _start(config: Config, database: str, ticks: Queue[tuple[int, float, float | None]], level: int) -> None:
    """A job process's start: open the store, load the detector once."""
    global _analyzer, _ticks  # noqa: PLW0603 - one analyzer per job process, kept between its files
    from camsight.store.handle import open_store

    logging.basicConfig(level=level, format="%(levelname)s [job] %(name)s: %(message)s")
    _analyzer = Analyzer(config, open_store(config, database))
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


def run_jobs(jobs: list[Job], config: Config, database: str, *, workers: int, tick: Tick) -> Iterator[JobDone]:
    """Analyse ``jobs`` in ``workers`` processes; yields each as it finishes, calling ``tick`` as they go.

    Raises:
        CamsightError: A job's store could not be written (the other jobs are cancelled).
    """
    ctx = mp.get_context("spawn")
    ticks: Queue[tuple[int, float, float | None]] = ctx.Queue()
    level = logging.getLogger("camsight").getEffectiveLevel()
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(jobs))),
        mp_context=ctx,
        initializer=_start,
        initargs=(config, database, ticks, level),
    ) as pool:
        pending: set[Future[JobDone]] = {pool.submit(_analyze, job) for job in jobs}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(ticks, tick)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()
            _drain(ticks, tick)


def _drain(ticks: Queue[tuple[int, float, float | None]], tick: Tick) -> None:
    while True:
        try:
            index, now, duration = ticks.get_nowait()
        except queue.Empty:
            return
        tick(index, now, duration)
