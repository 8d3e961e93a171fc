"""The live alert feed's read at a hub: how long one poll takes over many events in PostgreSQL.

Usage: python bench/live_feed_pg.py [--events 300000] [--sites 4] [--repeat 21] [--postgres URL]

Set-up: a fresh PostgreSQL database migrated with the project's migrations (``hub_pg.fresh_database``)
and ``--events`` loitering events of ``--sites`` sites, one written per second before now (``updated_at``),
inserted by one ``INSERT ... SELECT`` (the payload is a real event's JSON; the feed reads it back
through the event model), then ``ANALYZE``.

Measurement: :func:`camsight.services.events.changed_since` as the console's live alerts call it every
second (``GET /api/stream``): the events written in the last 10 s, of one site (an account limited to
it), a page of 200. ``--repeat`` timed reads after two untimed ones, with the index of revision 0009
(``ix_events_updated_at_id``) and then, in the same database, without it (dropped): the baseline. The
last line is ``live feed: N events, p50 X ms with the index, Y ms without (Rx)``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from camsight.events.models import LoiteringEvent
from camsight.services import events
from camsight.services.actor import Actor
from camsight.store import connect
from hub_pg import DEFAULT_SERVER, BenchError, fresh_database

INDEX = "ix_events_updated_at_id"


def fill(engine: sa.Engine, count: int, sites: int, now: datetime) -> None:
    """``count`` events, one written per second before ``now``, of ``sites`` sites in turn."""
    sample = LoiteringEvent(
        id="x",
        site="site-0",
        rule="stay",
        camera="gate",
        source="rtsp://10.0.0.5/stream1",
        source_id="src",
        track_ids=(1,),
        start_s=1.0,
        end_s=31.0,
        started_at=now,
        score=0.9,
        status="closed",
        dwell_s=30.0,
    )
    statement = sa.text(
        "INSERT INTO events (id, site, kind, rule, camera, source, source_id, zone, start_s, end_s, started_at,"
        " score, status, track_ids, snapshot, payload, run_id, created_at, updated_at)"
        " SELECT 'e' || g, 'site-' || (g % :sites), 'loitering', 'stay', 'gate', :source, 'src', NULL, g, g + 30,"
        " :now - make_interval(secs => g), 0.9, 'closed', CAST('[1]' AS json), NULL,"
        " CAST(:payload AS json), 'r', :now, :now - make_interval(secs => g) FROM generate_series(1, :count) g"
    )
    with engine.begin() as conn:
        conn.execute(
            statement,
            {
                "sites": sites,
                "source": sample.source,
                "now": now,
                "payload": sample.model_dump_json(),
                "count": count,
            },
        )
        conn.execute(sa.text("ANALYZE events"))


def p50_ms(engine: sa.Engine, actor: Actor, after: datetime, repeat: int) -> tuple[float, int]:
    """Median milliseconds of one feed read, and how many events it returned."""
    times, found = [], 0
    for n in range(repeat + 2):
        with engine.connect() as conn:
            started = time.perf_counter()
            found = len(events.changed_since(conn, actor=actor, after=after, limit=200))
            if n >= 2:
                times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), found


def main() -> None:
    """Fill a fresh database, time the feed with and without the index, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000, help="events in the hub's store")
    parser.add_argument("--sites", type=int, default=4, help="sites the events are of")
    parser.add_argument("--repeat", type=int, default=21, help="timed reads per measurement")
    parser.add_argument("--postgres", default=DEFAULT_SERVER, help="a PostgreSQL URL to create the database on")
    args = parser.parse_args()
    now = datetime.now(UTC)
    actor = Actor("user:bench", role="operator", sites=frozenset({"site-1"}))
    try:
        with fresh_database(args.postgres, prefix="camsight_feed") as url:
            engine = connect(url)
            try:
                started = time.perf_counter()
                fill(engine, args.events, args.sites, now)
                print(f"built {args.events} events of {args.sites} sites in {time.perf_counter() - started:.1f} s")
                after = now - timedelta(seconds=10)
                with_index, found = p50_ms(engine, actor, after, args.repeat)
                with engine.begin() as conn:
                    conn.execute(sa.text(f"DROP INDEX {INDEX}"))
                    conn.execute(sa.text("ANALYZE events"))
                without, found_without = p50_ms(engine, actor, after, args.repeat)
            finally:
                engine.dispose()
    except BenchError as exc:
        raise SystemExit(f"error: {exc}") from None
    if found != found_without:
        raise SystemExit(f"error: the reads differ with and without the index ({found} and {found_without} events)")
    print(f"each read: the events of one site written in the last 10 s ({found}), {args.repeat} timed reads")
    print(
        f"live feed: {args.events} events, p50 {with_index:.2f} ms with the index, {without:.2f} ms without "
        f"({without / with_index:.0f}x)"
    )


if __name__ == "__main__":
    main()
