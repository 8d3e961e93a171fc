"""Search latency over 100,000 synthetic track records in SQLite: p50 and p95 per query and overall.

Usage: python bench/search_latency.py [--tracks 100000] [--repeat 20] [--db PATH]

The records are random but plausible: 2,000 sources of 50 tracks over 10 cameras and 30 days; 80%
people (colours per region from the describer's names, some hats, carried objects, postures,
motions, garment cues), 20% vehicles. They are written with the store's ``upsert_tracks`` and
indexed with :func:`camsight.search.features.index_tracks` (setup, timed separately). Each query is
then parsed once and searched ``--repeat`` times (first page of 10, each in its own transaction as the
CLI does); the time of :func:`camsight.search.search` is measured, once scoring in SQLite (the command
line) and once in memory with a :class:`~camsight.search.cache.FeatureCache` (a long-running process).
The last line is ``latency: p50=X ms p95=Y ms searches=N tracks=T`` for the in-memory path.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from camsight.core.records import Appearance, TrackRecord
from camsight.search import index_writer, parse, search
from camsight.search.cache import FeatureCache
from camsight.search.lexicon import CARRIED, COLOURS
from camsight.store import connect, upgrade, upsert_tracks

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
QUERIES = (
    "person in a red jacket",
    "worker in a yellow hard hat",
    "red car",
    "people sitting down",
    "group of people standing together",
    "someone with a backpack yesterday after 5pm",
    "person in a grey cardigan and blue jeans on camera cam3",
    "person lying on the floor in the last 2 hours",
)
BASIC = [c for c in COLOURS if c not in ("navy", "light blue")]


def _colours(rng: np.random.Generator) -> dict[str, float]:
    names = rng.choice(BASIC, size=int(rng.integers(1, 4)), replace=False)
    shares = rng.dirichlet(np.ones(len(names))) * rng.uniform(0.6, 1.0)
    out = {str(n): round(float(s), 3) for n, s in zip(names, shares, strict=True) if s >= 0.1}
    if "blue" in out and rng.random() < 0.5:
        out["navy" if rng.random() < 0.5 else "light blue"] = round(out["blue"] * 0.8, 3)
    return out


def _appearance(rng: np.random.Generator, person: bool) -> Appearance:
    if not person:
        return Appearance(
            upper=_colours(rng),
            motion=str(rng.choice(["still", "moving"])),  # type: ignore[arg-type]
            speed=float(rng.uniform(0, 80)),
        )
    posture = str(rng.choice(["standing", "standing", "standing", "sitting", "lying"]))
    return Appearance(
        head=_colours(rng),
        upper=_colours(rng),
        lower=_colours(rng),
        headwear=round(float(rng.beta(0.5, 3)), 3),
        carried={str(rng.choice(CARRIED)): 0.5} if rng.random() < 0.15 else {},
        posture=posture,
        postures={posture: 1.0},  # type: ignore[arg-type]
        motion=str(rng.choice(["still", "walking", "walking", "running"])),  # type: ignore[arg-type]
        speed=float(rng.uniform(0, 1.5)),
        garments={"vest": 0.8} if rng.random() < 0.05 else ({"jeans": 0.9} if rng.random() < 0.3 else {}),
    )


def make_records(n: int, seed: int = 0) -> list[TrackRecord]:
    """``n`` synthetic records: 50 per source, 10 cameras, spread over the 30 days before NOW."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        source, tid = divmod(i, 50)
        person = rng.random() < 0.8
        start = NOW - timedelta(days=30) + timedelta(seconds=float(source * 1296 + tid * 20))
        x, y = rng.uniform(0.1, 0.9, size=2)
        records.append(
            TrackRecord(
                site="test",
                id=f"src{source:05d}:{tid}",
                camera=f"cam{source % 10}",
                source=f"/footage/{source:05d}.mp4",
                source_id=f"src{source:05d}",
                tracker_id=tid,
                object_class="person" if person else "car",
                start_s=tid * 20.0,
                end_s=tid * 20.0 + 15,
                started_at=start,
                ended_at=start + timedelta(seconds=15),
                frames=int(rng.integers(2, 80)),
                confidence=round(float(rng.uniform(0.3, 0.95)), 3),
                path=tuple((tid * 20.0 + k * 5, float(x), float(y)) for k in range(4)),
                thumbnail=f"cam{source % 10}/src{source:05d}/track-{tid}.jpg",
                appearance=_appearance(rng, person),
            )
        )
    return records


def build(db: Path, n: int) -> float:
    """Write and index ``n`` records into ``db``; returns the seconds it took."""
    engine = connect(str(db))
    upgrade(engine, site="test")
    started = time.perf_counter()
    records = make_records(n)
    for start in range(0, n, 5000):
        chunk = records[start : start + 5000]
        with engine.begin() as conn:
            upsert_tracks(conn, records=chunk, run_id="bench")
            index_writer.index_tracks(conn, chunk, run_ids=dict.fromkeys((r.id for r in chunk), "bench"))
    engine.dispose()
    return time.perf_counter() - started


def measure(db: Path, repeat: int, *, cached: bool) -> list[float]:
    """Search each query ``repeat`` times; prints a line per query and returns all timings (ms).

    ``cached``: score in memory with a :class:`FeatureCache` (a long-running process; its first load is
    timed separately), else in SQLite (the command line: one search per process).
    """
    engine = connect(str(db))
    cache = FeatureCache() if cached else None
    if cache is not None:
        with engine.begin() as conn:
            started = time.perf_counter()
            cache.view(conn)
            print(f"cache loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
    timings: list[float] = []
    print(f"{'query':58s} {'hits':>4s} {'p50 ms':>7s} {'p95 ms':>7s}")
    for text in QUERIES:
        query = parse(text, now=NOW, tz=UTC, semantic=False)
        times = []
        hits = 0
        for _ in range(repeat):
            with engine.begin() as conn:
                started = time.perf_counter()
                hits = len(search(conn, query, limit=10, cache=cache).hits)
                times.append((time.perf_counter() - started) * 1000)
        timings += times
        print(f"{text:58s} {hits:4d} {np.percentile(times, 50):7.1f} {np.percentile(times, 95):7.1f}")
    engine.dispose()
    return timings


def main() -> None:
    """Build the synthetic store (unless --db exists) and time the searches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000, help="number of synthetic track records")
    parser.add_argument("--repeat", type=int, default=20, help="searches per query")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse (kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="camsight-search-latency-") as tmp:
        db = args.db or Path(tmp) / "latency.db"
        if not db.exists():
            print(f"building {args.tracks} records in {db} ...")
            print(f"built and indexed in {build(db, args.tracks):.0f} s")
        print("\nscored in SQLite (command line: one search per process)")
        sql = measure(db, args.repeat, cached=False)
        print("\nscored in memory (long-running process with a FeatureCache)")
        cached = measure(db, args.repeat, cached=True)
    print(f"sql: p50={np.percentile(sql, 50):.1f} ms p95={np.percentile(sql, 95):.1f} ms")
    print(
        f"latency: p50={np.percentile(cached, 50):.1f} ms p95={np.percentile(cached, 95):.1f} ms "
        f"searches={len(cached)} tracks={args.tracks} (in memory; sql above)"
    )


if __name__ == "__main__":
    main()
