"""Search latency at a hub: p50, p95 and max over 1,000,000 track records in PostgreSQL (target: p95 < 200 ms).

Usage: python bench/hub_search_pg.py [--tracks 1000000] [--repeat 10] [--sites 4] [--cameras 8] [--days 30]
[--vehicles 0.2] [--events 0.05] [--postgres URL] [--keep] [--db URL] [--explain] [--workers 2]

Build (timed separately): a fresh PostgreSQL database migrated with the project's migrations, and
``--tracks`` track records of ``--sites`` sites with ``--cameras`` cameras each over the ``--days`` days
before today (one source per camera and day, as a live camera's daily run; busier and quieter cameras;
80% of tracks between 07:00 and 20:00 UTC). Every record is sampled from the real tracks of the
``--pool`` stores (default the two edge stores in ``tests/data/stores``: a real clip analysed): a person
takes its head, upper-body and lower-body colours from three real people drawn independently and the
rest of its appearance (head wear, carried objects, posture, motion, speed, garments), its duration,
path shape, frame count and confidence from a fourth; a vehicle (``--vehicles`` of them; the pool's own
share is 3%) is a real vehicle with the upper-body colours of any real track. ``--events`` of the people
take part in an event: one of the pool's events moved onto that track. Records are
:class:`~camsight.core.records.TrackRecord`s; their ``tracks`` rows are what ``upsert_tracks`` writes and
their search index rows what the hub's writer writes (:func:`camsight.search.features.feature_row` with
:func:`~camsight.search.features.nearness` over each source, ``run_id`` ``hub:<site>``, and
:func:`~camsight.search.features.vector`), loaded with COPY by ``--workers`` processes, then ``VACUUM
ANALYZE`` (as autovacuum would after a bulk load); events are what ``upsert_events`` writes, cameras are in
``cameras``. Then three sources are stored again the hub's way (``upsert_tracks`` and
:func:`~camsight.search.index_writer.store_tracks`, rolled back) and must come out unchanged. A million
records took 7.5 and 13 minutes on this project's 2-core machine, shared with other work (Python makes the
rows; PostgreSQL's COPY is not the limit).

Measurement: each query of :data:`QUERIES` (without and with a site) goes through
:func:`camsight.services.search.search`, the use case of ``camsight search --db postgresql://...`` and of
the hub's ``/api/search``, in a transaction of its own as the CLI does (its audit row included); a first run of each
is not timed (it may load the sentence embedder), then ``--repeat`` timed runs, twice: scored by the database (as
``camsight search --db``, one search per process), then scored in memory by one
:class:`~camsight.search.cache.FeatureCache` as the hub's API server keeps it (its load, once per
process, is timed apart; both paths must return the same pages). The last line is the hub's figure. ``--explain``
prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the statements the slowest query ran. The database is dropped
at the end unless ``--keep`` (or ``--db``: reuse a kept database, nothing built or dropped).

The last line is ``hub search p95: X ms over N tracks (p50 Y ms, Q queries x R)``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from camsight.core.records import Appearance, TrackRecord
from camsight.events.models import AnyEvent, event_id
from camsight.search import index_writer
from camsight.search.cache import FeatureCache
from camsight.search.features import (
    NUMERIC_COLUMNS,
    feature_row,
    feature_vectors,
    nearness,
    track_features,
    vector,
)
from camsight.services import search as search_service
from camsight.services.actor import os_actor
from camsight.store import connect, upsert_camera, upsert_tracks
from camsight.store.events_repo import _event_row, list_events
from camsight.store.schema import events as event_table
from camsight.store.schema import tracks as track_table
from camsight.store.tracks_repo import _track_row, list_tracks
from hub_pg import DEFAULT_SERVER, BenchError, fresh_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POOL = (ROOT / "tests/data/stores/edge-north.db", ROOT / "tests/data/stores/edge-south.db")
SITES = ("north-campus", "south-campus", "depot", "head-office", "warehouse", "clinic", "school", "garage")
CAMERAS = ("gate", "lobby", "car-park", "loading-bay", "yard", "north-door", "south-door", "corridor", "stairs")
TEXTS = (
    "person in a red top",
    "person near the gate after 5pm",
    "car",
    "person with a backpack",
    "person in a grey cardigan",
)
QUERIES: tuple[tuple[str, bool], ...] = tuple((text, site) for site in (False, True) for text in TEXTS)
"""Each text, searched across sites and with ``site`` set to the first site."""
BATCH = 10_000
"""Records per task of a worker (whole sources, so nearness sees every track of a source)."""

# -- records ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pool:
    """Real track records to sample from: people and vehicles."""

    people: list[TrackRecord]
    vehicles: list[TrackRecord]
    everyone: list[TrackRecord]
    events: list[AnyEvent]


def load_pool(paths: Sequence[Path]) -> Pool:
    """Every described track record and every event of the given stores.

    They are read from copies: SQLite in WAL mode would leave its -shm and -wal files beside the originals.
    """
    records: list[TrackRecord] = []
    events: list[AnyEvent] = []
    with tempfile.TemporaryDirectory(prefix="camsight-pool-") as tmp:
        for n, path in enumerate(paths):
            if not path.is_file():
                raise BenchError(f"no such store: {path}")
            copy = Path(tmp) / f"{n}-{path.name}"
            shutil.copyfile(path, copy)
            engine = connect(str(copy))
            try:
                with engine.connect() as conn:
                    records += [r for r in list_tracks(conn, limit=10**9) if r.appearance is not None]
                    events += list_events(conn, limit=10**9)
            finally:
                engine.dispose()
    people = [r for r in records if r.object_class == "person"]
    vehicles = [r for r in records if r.object_class != "person"]
    if not people or not vehicles:
        raise BenchError(f"the pool needs described people and vehicles; it has {len(people)} and {len(vehicles)}")
    if not events:
        raise BenchError("the pool stores hold no events")
    return Pool(people, vehicles, records, events)


_POOL: Pool | None = None
"""The pool of a worker process (set before the workers start; they inherit it)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One camera's daily run: where, when, and how many tracks."""

    site: str
    camera: str
    day_start: datetime
    tracks: int

    @property
    def id(self) -> str:
        """A stable id, 16 hex digits like the edge's."""
        key = f"{self.site}/{self.camera}/{self.day_start.date()}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def _draw(group: Sequence[TrackRecord], rng: np.random.Generator) -> Appearance:
    """The appearance of a record drawn from ``group`` (the pool holds described records only)."""
    found = group[int(rng.integers(len(group)))].appearance
    assert found is not None
    return found


def _appearance(pool: Pool, rng: np.random.Generator, base: TrackRecord) -> Appearance:
    """A record's appearance mixed from real ones (see the module docstring)."""
    assert base.appearance is not None
    if base.object_class != "person":
        return base.appearance.model_copy(update={"upper": _draw(pool.everyone, rng).upper})
    head, upper, lower = _draw(pool.people, rng), _draw(pool.people, rng), _draw(pool.people, rng)
    return base.appearance.model_copy(update={"head": head.head, "upper": upper.upper, "lower": lower.lower})


@dataclass(frozen=True, slots=True)
class Made:
    """One source's records, events, and the event kinds of each record (as the index writer finds them)."""

    records: list[TrackRecord]
    events: list[AnyEvent]
    kinds: dict[str, set[str]]


def _event(pool: Pool, rng: np.random.Generator, record: TrackRecord) -> AnyEvent:
    """An event of the pool's, moved onto one track (its only participant), closed."""
    template = pool.events[int(rng.integers(len(pool.events)))]
    made_id = event_id(record.source_id, template.kind, record.tracker_id)
    return template.model_copy(
        update={
            "id": made_id,
            "site": record.site,
            "camera": record.camera,
            "source": record.source,
            "source_id": record.source_id,
            "track_ids": (record.tracker_id,),
            "start_s": record.start_s,
            "end_s": record.end_s,
            "started_at": record.started_at,
            "status": "closed",
            "snapshot": f"{record.site}/{record.camera}/event-{made_id}.jpg",
        }
    )


def make_source(pool: Pool, source: Source, rng: np.random.Generator, vehicles: float, events: float) -> Made:
    """The track records and events of one source, sampled from the pool (see the module docstring)."""
    daytime = rng.random(source.tracks) < 0.8
    starts = np.sort(
        np.where(daytime, rng.uniform(7 * 3600, 20 * 3600, source.tracks), rng.uniform(0, 86_340, source.tracks))
    )
    made = Made([], [], {})
    for n, start in enumerate(starts.tolist(), start=1):
        group = pool.vehicles if rng.random() < vehicles else pool.people
        base = group[int(rng.integers(len(group)))]
        length = base.end_s - base.start_s
        at = source.day_start + timedelta(seconds=start)
        track_id = f"{source.id}:{n}"
        record = base.model_copy(
            update={
                "id": track_id,
                "site": source.site,
                "camera": source.camera,
                "source": f"rtsp://{source.site}/{source.camera}",
                "source_id": source.id,
                "tracker_id": n,
                "start_s": start,
                "end_s": start + length,
                "started_at": at,
                "ended_at": at + timedelta(seconds=length),
                "path": tuple((start + t - base.start_s, x, y) for t, x, y in base.path),
                "events": (),
                "thumbnail": f"{source.site}/{source.camera}/{track_id.replace(':', '_')}.jpg",
                "appearance": _appearance(pool, rng, base),
            }
        )
        made.kinds[track_id] = set()
        if record.object_class == "person" and rng.random() < events:
            event = _event(pool, rng, record)
            record = record.model_copy(update={"events": (event.id,)})
            made.events.append(event)
            made.kinds[track_id].add(event.kind)
        made.records.append(record)
    return made


# -- COPY text -------------------------------------------------------------------------------------


def _escaped(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is float or kind is int:
        return repr(value)
    if kind is str:
        return _escaped(value)
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    raise TypeError(f"no COPY text for {kind.__name__}")


def _line(values: Sequence[Any]) -> str:
    return "\t".join(map(_text, values)) + "\n"


FEATURE_COLUMNS = tuple(c.name for c in track_features.columns if c.name not in NUMERIC_COLUMNS) + NUMERIC_COLUMNS
"""The index's columns, the numeric ones (floats) last, so they are written with ``repr`` alone."""
FEATURE_OTHERS = len(FEATURE_COLUMNS) - len(NUMERIC_COLUMNS)
TRACK_COLUMNS = tuple(c.name for c in track_table.columns)


def _feature_line(row: dict[str, Any]) -> str:
    others = _line([row[c] for c in FEATURE_COLUMNS[:FEATURE_OTHERS]])
    return others[:-1] + "\t" + "\t".join([repr(float(row[c])) for c in NUMERIC_COLUMNS]) + "\n"


def _track_line(record: TrackRecord, run_id: str) -> str:
    """The ``tracks`` row ``upsert_tracks`` writes (the same values; JSON as pydantic or ``json`` writes it)."""
    row = _track_row(record, run_id=run_id)
    row["record"] = record.model_dump_json()
    row["appearance"] = None if record.appearance is None else record.appearance.model_dump_json()
    for name in ("zones", "events", "path"):
        row[name] = json.dumps(row[name])
    return _line([row[c] for c in TRACK_COLUMNS])


EVENT_COLUMNS = tuple(c.name for c in event_table.columns)


def _event_line(event: AnyEvent, now: datetime) -> str:
    """The ``events`` row the hub's ``upsert_events`` writes (``run_id`` ``hub:<site>``)."""
    row = _event_row(event, source_id=event.source_id, run_id=f"hub:{event.site}", now=now)
    row["payload"] = event.model_dump_json()
    row["track_ids"] = json.dumps(row["track_ids"])
    return _line([row[c] for c in EVENT_COLUMNS])


Task = tuple[int, list[Source], float, float]
"""``(seq, sources, vehicle share, event share)``."""
Batch = tuple[int, int, bytes, bytes, bytes, bytes]
"""``(records, events, COPY text of search_features, search_vectors, tracks, events)``."""


def build_task(task: Task) -> Batch:
    """One worker task: the COPY text of the four tables for some sources."""
    seq, sources, vehicles, share = task
    assert _POOL is not None
    rng = np.random.default_rng(seq)
    now = datetime.now(UTC)
    features, vectors, tracks, events = [], [], [], []
    count = 0
    for source in sources:
        made = make_source(_POOL, source, rng, vehicles, share)
        near = nearness(made.records)
        for record in made.records:
            run_id = f"hub:{record.site}"
            row = feature_row(record, run_id=run_id, near=near[record.id], event_kinds=made.kinds[record.id])
            row["seq"] = seq
            features.append(_feature_line(row))
            vectors.append(_line([record.id, vector(row)]))
            tracks.append(_track_line(record, run_id))
        events += [_event_line(e, now) for e in made.events]
        count += len(made.records)
    text = ["".join(lines).encode() for lines in (features, vectors, tracks, events)]
    return count, len(events), text[0], text[1], text[2], text[3]


# -- build -------------------------------------------------------------------------------------------


def plan(tracks: int, sites: int, cameras: int, days: int, now: datetime) -> list[Source]:
    """Sources (camera-days) with their track counts: cameras busier or quieter, every day alike."""
    rng = np.random.default_rng(12345)
    places = [(s, c) for s in SITES[:sites] for c in CAMERAS[:cameras]]
    weights = rng.lognormal(0.0, 0.5, size=len(places)).repeat(days)
    counts = rng.multinomial(tracks, weights / weights.sum())
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        Source(site, camera, today - timedelta(days=days - d), int(counts[i * days + d]))
        for i, (site, camera) in enumerate(places)
        for d in range(days)
        if counts[i * days + d] > 0
    ]


def _tasks(sources: list[Source], vehicles: float, events: float) -> list[Task]:
    tasks: list[Task] = []
    batch: list[Source] = []
    for source in sources:
        batch.append(source)
        if sum(s.tracks for s in batch) >= BATCH:
            tasks.append((len(tasks) + 1, batch, vehicles, events))
            batch = []
    if batch:
        tasks.append((len(tasks) + 1, batch, vehicles, events))
    return tasks


def _copy(conn: sa.Connection, table: str, columns: Sequence[str], data: bytes) -> None:
    dbapi: Any = conn.connection.dbapi_connection
    with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def build(url: str, args: argparse.Namespace, pool: Pool, now: datetime) -> float:
    """Fill the database; returns the seconds it took."""
    global _POOL
    started = time.perf_counter()
    sources = plan(args.tracks, args.sites, args.cameras, args.days, now)
    _POOL = pool  # the workers inherit it; they are forked before any database connection is open
    try:
        with multiprocessing.get_context("fork").Pool(args.workers) as workers:
            engine = connect(url)
            try:
                with engine.begin() as conn:
                    for site, camera in sorted({(s.site, s.camera) for s in sources}):
                        upsert_camera(conn, camera_id=camera, source=f"rtsp://{site}/{camera}", site=site)
                batches = workers.imap_unordered(build_task, _tasks(sources, args.vehicles, args.events))
                _load(engine, batches, args.tracks, started)
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    for table in (track_features.name, feature_vectors.name, track_table.name, event_table.name):
                        conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
            finally:
                engine.dispose()
    finally:
        _POOL = None
    return time.perf_counter() - started


def _load(engine: sa.Engine, batches: Iterator[Batch], total: int, started: float) -> None:
    """COPY each batch into the four tables, one transaction a batch; prints progress every tenth."""
    done = events = 0
    step = max(total // 10, 1)
    for count, made_events, features, vectors, tracks, event_lines in batches:
        with engine.begin() as conn:
            _copy(conn, track_features.name, FEATURE_COLUMNS, features)
            _copy(conn, feature_vectors.name, ("id", "vector"), vectors)
            _copy(conn, track_table.name, TRACK_COLUMNS, tracks)
            _copy(conn, event_table.name, EVENT_COLUMNS, event_lines)
        events += made_events
        if (done + count) // step > done // step:
            print(f"  {done + count} records and {events} events written, {time.perf_counter() - started:.0f} s")
        done += count


def _snapshot(conn: sa.Connection, source_id: str) -> dict[str, tuple[Any, ...]]:
    """Every column of one source's ``search_features``, ``search_vectors`` and ``tracks`` rows (``seq`` aside)."""
    f, v, t = track_features, feature_vectors, track_table
    stmt = sa.select(f, v.c.vector, t).join(v, v.c.id == f.c.id).join(t, t.c.id == f.c.id)
    rows = conn.execute(stmt.where(f.c.source_id == source_id)).mappings()
    return {r["id"]: tuple(value for key, value in r.items() if key != "seq") for r in rows}


def verify(url: str, samples: int = 3) -> int:
    """Check that the loaded rows are what the hub's writers write: re-store some sources the hub's way, compare.

    For ``samples`` sources with events (in a transaction rolled back afterwards) the records are read back, stored
    again with ``upsert_tracks`` and indexed with :func:`camsight.search.index_writer.store_tracks` (as
    :class:`~camsight.transport.ingest.Ingest` does); every ``tracks`` and ``search_features`` column and
    every ``search_vectors`` value must come out as loaded (``seq`` aside). Returns the rows compared.

    Raises:
        BenchError: Some value differs.
    """
    engine = connect(url)
    compared = 0
    try:
        with engine.connect() as conn:
            table = event_table if conn.execute(sa.select(event_table.c.id).limit(1)).first() else track_table
            stmt = sa.select(table.c.source_id).distinct().order_by(table.c.source_id).limit(samples)
            ids = list(conn.execute(stmt).scalars())  # sources with events, if there are any
            conn.rollback()
            for source_id in ids:
                trans = conn.begin()
                try:
                    before = _snapshot(conn, source_id)
                    records = list_tracks(conn, source_id=source_id, limit=10**9)
                    upsert_tracks(conn, records=records, run_id=f"hub:{records[0].site}")
                    index_writer.store_tracks(conn, records)
                    after = _snapshot(conn, source_id)
                finally:
                    trans.rollback()
                differ = [i for i in before if before[i] != after.get(i)]
                if differ or len(before) != len(records):
                    raise BenchError(f"source {source_id}: {len(differ)} row(s) differ from what the hub writes")
                compared += len(before)
    finally:
        engine.dispose()
    return compared


# -- measure ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def captured(engine: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements run on ``engine`` meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def search_once(
    engine: sa.Engine, text: str, site: str | None, now: datetime, cache: FeatureCache | None = None
) -> tuple[float, int]:
    """One search as ``camsight search`` (no cache) or the hub's ``/api/search`` (its cache) runs it: ms, hits."""
    started = time.perf_counter()
    with engine.begin() as conn:
        outcome = search_service.search(conn, actor=os_actor(), text=text, now=now, site=site, limit=10, cache=cache)
    return (time.perf_counter() - started) * 1000, len(outcome.result.hits)


def hit_ids(engine: sa.Engine, text: str, site: str | None, now: datetime, cache: FeatureCache | None) -> list[str]:
    """The ids and scores of one search's page, to compare both paths."""
    with engine.begin() as conn:
        outcome = search_service.search(conn, actor=os_actor(), text=text, now=now, site=site, limit=10, cache=cache)
    return [f"{h.record.id}={h.score}" for h in outcome.result.hits]


def explain(engine: sa.Engine, text: str, site: str | None, now: datetime) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of each reading statement one search runs."""
    with captured(engine) as seen:
        search_once(engine, text, site, now)
    for statement, parameters in seen:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        with engine.connect() as conn:
            dbapi: Any = conn.connection.dbapi_connection
            with dbapi.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan_lines = [r[0] for r in cursor.fetchall()]
        head = " ".join(statement.split())[:160]
        print(f"\n-- {head}{' ...' if len(head) == 160 else ''}")
        print("\n".join(plan_lines))


def measure(
    url: str, repeat: int, first_site: str, now: datetime, cache: FeatureCache | None = None
) -> tuple[list[float], str, str | None]:
    """Time every query; prints a line each; returns all timings and the slowest query (text, site)."""
    engine = connect(url)
    times: list[float] = []
    slowest: tuple[float, str, str | None] = (0.0, TEXTS[0], None)
    print(f"{'query':48s} {'site':>14s} {'hits':>4s} {'first':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s}")
    try:
        for text, with_site in QUERIES:
            site = first_site if with_site else None
            first, hits = search_once(engine, text, site, now, cache)
            runs = [search_once(engine, text, site, now, cache)[0] for _ in range(repeat)]
            times += runs
            p50, p95 = np.percentile(runs, 50), np.percentile(runs, 95)
            print(f"{text:48s} {site or '-':>14s} {hits:4d} {first:7.1f} {p50:7.1f} {p95:7.1f} {max(runs):7.1f}")
            if p95 > slowest[0]:
                slowest = (float(p95), text, site)
    finally:
        engine.dispose()
    return times, slowest[1], slowest[2]


def _count(url: str) -> int:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(track_features)).scalar_one())
    finally:
        engine.dispose()


def _sites(url: str) -> list[str]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return sorted(str(s) for s in conn.execute(sa.select(track_features.c.site).distinct()).scalars())
    finally:
        engine.dispose()


def run(url: str, args: argparse.Namespace, now: datetime) -> None:
    """Measure on a built database and print the summary."""
    total = _count(url)
    sites = _sites(url)
    if not sites:
        raise BenchError("the database holds no indexed tracks")
    print(f"load average before the searches: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print("scored by the database (camsight search --db, one search per process):")
    slow, text, site = measure(url, args.repeat, sites[0], now)
    cache = FeatureCache()
    engine = connect(url)
    try:
        started = time.perf_counter()
        with engine.connect() as conn:
            cache.view(conn)
        print(f"\nthe hub's copy of the index loaded in {time.perf_counter() - started:.1f} s (once per process)")
        differ = [
            q
            for q in QUERIES
            if hit_ids(engine, q[0], sites[0] if q[1] else None, now, None)
            != hit_ids(engine, q[0], sites[0] if q[1] else None, now, cache)
        ]
    finally:
        engine.dispose()
    if differ:
        raise BenchError(f"the hub's in-memory scoring ranks {len(differ)} query(s) unlike the database: {differ}")
    print(f"checked: both paths return the same pages for all {len(QUERIES)} queries")
    print("scored in memory (the hub's /api/search, its FeatureCache):")
    times, _, _ = measure(url, args.repeat, sites[0], now, cache)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"database-scored p95: {np.percentile(slow, 95):.1f} ms; in memory {np.percentile(times, 95):.1f} ms "
        f"({np.percentile(slow, 95) / np.percentile(times, 95):.1f}x faster, same run)"
    )
    if args.explain:
        print(f"\nEXPLAIN ANALYZE of the slowest query: {text!r}{f' (site {site})' if site else ''}")
        explain(connect(url), text, site, now)
    print(f"\n{len(times)} searches: mean {statistics.fmean(times):.1f} ms")
    print(
        f"hub search p95: {np.percentile(times, 95):.1f} ms over {total} tracks "
        f"(p50 {np.percentile(times, 50):.1f} ms, {len(QUERIES)} queries x {args.repeat})"
    )


def main() -> None:
    """Build the database (unless --db), then time the searches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1_000_000, help="track records to build")
    parser.add_argument("--repeat", type=int, default=10, help="timed searches per query")
    parser.add_argument("--sites", type=int, default=4, choices=range(1, len(SITES) + 1), help="sites")
    parser.add_argument("--cameras", type=int, default=8, choices=range(1, len(CAMERAS) + 1), help="cameras per site")
    parser.add_argument("--days", type=int, default=30, help="days of tracks, ending today")
    parser.add_argument("--vehicles", type=float, default=0.2, help="share of vehicle tracks")
    parser.add_argument("--events", type=float, default=0.05, help="share of people tracks with an event")
    parser.add_argument("--pool", type=Path, nargs="+", default=list(DEFAULT_POOL), help="stores to sample from")
    parser.add_argument("--workers", type=int, default=2, help="processes making the rows")
    parser.add_argument("--postgres", default=DEFAULT_SERVER, help="a PostgreSQL server URL (any database on it)")
    parser.add_argument("--db", default=None, help="a database built before (--keep): reuse it as it is")
    parser.add_argument("--keep", action="store_true", help="keep the built database (its URL is printed)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query's statements")
    args = parser.parse_args()
    now = datetime.now(UTC)
    try:
        if args.db:
            run(args.db, args, now)
            return
        pool = load_pool(args.pool)
        print(f"pool: {len(pool.people)} people and {len(pool.vehicles)} vehicles from {len(args.pool)} store(s)")
        with fresh_database(args.postgres, prefix="camsight_search", keep=args.keep) as url:
            where = f"{args.sites} sites x {args.cameras} cameras x {args.days} days"
            print(f"building {args.tracks} track records ({where})")
            print(f"built, indexed and analysed in {build(url, args, pool, now):.0f} s")
            print(f"checked: the {verify(url)} tracks of 3 sources are as the hub's writers write them")
            if args.keep:
                print(f"kept: --db {url}")
            run(url, args, now)
    except BenchError as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
