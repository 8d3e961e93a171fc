"""Hub ingest rate (events and track records per second) with one and with two ``camsight hub`` processes.

Usage: python bench/hub_ingest.py [--messages 5000] [--processes 1,2]
[--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--timeout 600]

Set-up: the two edge stores of ``tests/data/stores`` (``edge-north.db``, ``edge-south.db``: a real clip
analysed at two sites, 115 unsent outbox rows each: event versions and track records with thumbnails)
are copied and their outboxes multiplied up to ``--messages`` rows in all: copy ``k`` of a row is the
same message with ``-k`` appended to its source id and event ids (so the track ids, ``<source id>:<n>``,
change too), as if the clip had been analysed again as another source; the hub then stores new rows
instead of upserting the same ones. The copies are dated as the rows they copy (a backlog that waited
for its hub: older than the edge's ``hub.batch_s``, so it goes in full batches at once). A real
Mosquitto (``tests/mqtt_broker.py``, in-memory defaults) runs on a free port, and PostgreSQL gets a
fresh database per measurement, migrated before the hubs start and dropped after.

Measurement, for each count of hub processes: a fresh broker and database, N ``camsight hub``
processes (one shared-subscription group, ``--port 0``), waited for until each announces itself; then
both edges' :class:`~camsight.transport.publisher.Publisher` (as ``camsight outbox send`` and
``camsight run`` make it; in this process, one per site) start. The clock runs from the first message
sent until the hub's ``events`` and ``tracks`` tables hold every distinct event and track (polled every
0.1 s); the time until the edges' outboxes are empty (every row confirmed by the hub) is printed too,
and so are the rows sent again (not confirmed within the publisher's ``RESEND_S``) and the events whose
stored version is not the last one sent (two processes may store the versions of one event out of
order, and a row sent again may arrive after a newer version of its event).

Every process shares this machine's cores: the hub processes, the broker, PostgreSQL and the two
senders. The last line is ``hub ingest: 1 process X msg/s, 2 processes Y msg/s (Rx)``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import camsight
from camsight.store import connect
from camsight.store.schema import events as event_table
from camsight.store.schema import outbox as outbox_table
from camsight.store.schema import tracks as track_table
from camsight.transport import mqtt, outbox, topics
from camsight.transport.publisher import Publisher
from hub_pg import DEFAULT_SERVER, BenchError, fresh_database

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(camsight.__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from mqtt_broker import Broker  # noqa: E402  (the tests' broker: a real Mosquitto on a free port)

SITES = ("north", "south")
POLL_S = 0.1


@dataclass
class Expected:
    """What the multiplied outboxes hold: rows in all, distinct event and track ids, each event's last version."""

    rows: int = 0
    events: set[str] = field(default_factory=set)
    tracks: set[str] = field(default_factory=set)
    last_version: dict[str, tuple[str, float]] = field(default_factory=dict)


def _copy_of(topic: str, payload: str, k: int) -> str:
    """Copy ``k`` of an outbox message: its source id and event ids (and so its track id) made distinct."""
    data = json.loads(payload)
    kind = topics.parse(topic)[1]
    if kind == "events":
        data["id"] = f"{data['id']}-{k}"
        data["source_id"] = f"{data['source_id']}-{k}"
    elif kind == "tracks":
        record = data["record"]
        record["source_id"] = f"{record['source_id']}-{k}"
        record["id"] = f"{record['source_id']}:{record['tracker_id']}"
        record["events"] = [f"{e}-{k}" for e in record["events"]]
    return json.dumps(data, separators=(",", ":"))


def _note(expected: Expected, topic: str, payload: str) -> None:
    data = json.loads(payload)
    kind = topics.parse(topic)[1]
    expected.rows += 1
    if kind == "events":
        expected.events.add(data["id"])
        expected.last_version[data["id"]] = (data["status"], float(data["end_s"]))
    elif kind == "tracks":
        expected.tracks.add(data["record"]["id"])


def prepare(folder: Path, messages: int) -> Expected:
    """Copy the edge stores into ``folder`` and multiply their outboxes to ``messages`` rows in all."""
    expected = Expected()
    per_site = math.ceil(messages / len(SITES))
    for site in SITES:
        db = folder / f"edge-{site}.db"
        shutil.copyfile(ROOT / "tests/data/stores" / f"edge-{site}.db", db)
        engine = connect(str(db))
        try:
            with engine.begin() as conn:
                rows = outbox.take(conn, after_id=0, limit=10**9)
                if not rows:
                    raise BenchError(f"{db.name} has an empty outbox")
                made = [(r.topic, r.payload) for r in rows]
                k = 1
                while len(made) < per_site:
                    made += [(r.topic, _copy_of(r.topic, r.payload, k)) for r in rows]
                    k += 1
                made = made[:per_site]
                waiting_since = min(r.created_at for r in rows)  # a backlog: the copies as old as the rows they copy
                extra = [{"topic": t, "payload": p, "created_at": waiting_since} for t, p in made[len(rows) :]]
                for start in range(0, len(extra), 1000):
                    conn.execute(sa.insert(outbox_table), extra[start : start + 1000])
        finally:
            engine.dispose()
        for topic, payload in made:
            _note(expected, topic, payload)
    return expected


class HubProcess:
    """One ``camsight hub`` subprocess (no HTTP port), its output in a file."""

    def __init__(self, folder: Path, db: str, broker_url: str, group: str, instance: str) -> None:
        self.out = folder / f"hub-{instance}.out"
        self.folder = folder
        self.args = [sys.executable, "-m", "camsight", "hub", "--db", db, "--mqtt", broker_url, "--port", "0"]
        self.args += ["--group", group, "--instance", instance]
        env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(self.args, cwd=folder, env=env, stdout=out, stderr=out)

    def check(self) -> None:
        """Raise if the process has exited."""
        if self.process.poll() is not None:
            tail = self.out.read_text().strip().splitlines()[-1:] or ["no output"]
            raise BenchError(f"a hub process exited {self.process.returncode}: {tail[0]}")

    def stop(self) -> int | None:
        """SIGTERM (then SIGKILL); returns how many messages it said it stored."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        text = self.out.read_text()
        if "stored " not in text:
            return None
        return int(text.rsplit("stored ", 1)[1].split(" ", 1)[0])


class Presence:
    """Watches the hub processes' retained presence topics on the broker."""

    def __init__(self, broker_url: str) -> None:
        self.online: set[str] = set()
        self._lock = threading.Lock()
        self._client = mqtt.client(mqtt.BrokerSettings.parse(broker_url), client_id=f"bench-{uuid.uuid4().hex[:8]}")
        self._client.on_connect = lambda client, *_: client.subscribe(topics.HUB_PRESENCE + "/#", qos=1)
        self._client.on_message = self._on_message
        settings = mqtt.BrokerSettings.parse(broker_url)
        self._client.connect(settings.host, settings.port)
        self._client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        with self._lock:
            (self.online.add if message.payload == b"online" else self.online.discard)(message.topic)

    def count(self) -> int:
        """How many hub processes are online."""
        with self._lock:
            return len(self.online)

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()


def wait_until(check: Callable[[], bool], timeout: float, what: str, alive: Callable[[], None]) -> float:
    """Poll ``check`` every :data:`POLL_S` (``alive`` raises if a process died); returns the monotonic time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        if check():
            return time.monotonic()
        time.sleep(POLL_S)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass(frozen=True, slots=True)
class Result:
    """One measurement."""

    processes: int
    stored_s: float
    confirmed_s: float
    stored_by: list[int | None]
    stale_events: int
    resent: int


def _counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        events = conn.execute(sa.select(sa.func.count()).select_from(event_table)).scalar_one()
        tracks = conn.execute(sa.select(sa.func.count()).select_from(track_table)).scalar_one()
    return int(events), int(tracks)


def _holds(engine: sa.Engine, want: tuple[int, int]) -> bool:
    events, tracks = _counts(engine)
    return events >= want[0] and tracks >= want[1]


def _stale(engine: sa.Engine, expected: Expected) -> int:
    """Events whose stored status and end are not those of the last version sent."""
    with engine.connect() as conn:
        stored = {r.id: (r.status, float(r.end_s)) for r in conn.execute(sa.select(event_table))}
    return sum(1 for i, last in expected.last_version.items() if stored.get(i) != last)


def _send_and_wait(
    engine: sa.Engine,
    edges: dict[str, Path],
    broker: Broker,
    expected: Expected,
    hubs: list[HubProcess],
    timeout: float,
) -> tuple[float, float, int]:
    """Start both edges' publishers; seconds from the first send until all is stored, and until all is confirmed.

    Also returns how many rows were sent more than once (the hub had not confirmed them within
    :data:`~camsight.transport.publisher.RESEND_S`).
    """
    publishers = [
        Publisher(connect(str(db)), mqtt.BrokerSettings.parse(broker.url), site=site, client_id=f"camsight-edge-{site}")
        for site, db in edges.items()
    ]

    def alive() -> None:
        for hub in hubs:
            hub.check()
        for p in publishers:
            if p.problem is not None:
                raise BenchError(f"an edge could not send: {p.problem}")

    want = (len(expected.events), len(expected.tracks))
    try:
        for publisher in publishers:
            publisher.start()
        deadline = time.monotonic() + 60
        while not any(p.sent for p in publishers):
            if time.monotonic() > deadline:
                raise BenchError("no edge sent anything within 60 s (no hub seen online?)")
            time.sleep(0.002)
        first = time.monotonic()
        stored = wait_until(lambda: _holds(engine, want), timeout, "the hub to store every event and track", alive)
        confirmed = wait_until(
            lambda: all(p.pending() == 0 for p in publishers), timeout, "the hub to confirm every row", alive
        )
        return stored - first, confirmed - first, sum(p.sent for p in publishers) - expected.rows
    finally:
        for publisher in publishers:
            publisher.stop()
            publisher.engine.dispose()


def measure(folder: Path, prepared: Path, admin_url: str, processes: int, expected: Expected, timeout: float) -> Result:
    """One measurement with ``processes`` hub processes on a fresh broker and database."""
    edges = {}
    for site in SITES:
        edges[site] = folder / f"edge-{site}.db"
        shutil.copyfile(prepared / f"edge-{site}.db", edges[site])
    broker = Broker(folder / "broker")
    try:
        broker.start()
    except (AssertionError, OSError) as exc:
        raise BenchError(f"mosquitto did not start: {str(exc).splitlines()[0]}") from None
    hubs: list[HubProcess] = []
    presence: Presence | None = None
    try:
        with fresh_database(admin_url) as url:
            engine = connect(url)
            try:
                presence = Presence(broker.url)
                group = f"bench-{uuid.uuid4().hex[:6]}"
                hubs = [HubProcess(folder, url, broker.url, group, str(i + 1)) for i in range(processes)]

                def alive() -> None:
                    for hub in hubs:
                        hub.check()

                watching = presence
                wait_until(lambda: watching.count() >= processes, 120, "every hub process to subscribe", alive)
                stored_s, confirmed_s, resent = _send_and_wait(engine, edges, broker, expected, hubs, timeout)
                stale = _stale(engine, expected)
            finally:
                stored_by = [hub.stop() for hub in hubs]
                hubs = []
                engine.dispose()
        return Result(processes, stored_s, confirmed_s, stored_by, stale, resent)
    finally:
        for hub in hubs:
            hub.stop()
        if presence is not None:
            presence.close()
        broker.kill()


def main() -> None:
    """Prepare the outboxes, then measure each count of hub processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="outbox rows in all (both edges)")
    parser.add_argument("--processes", default="1,2", help="counts of hub processes to measure, comma-separated")
    parser.add_argument("--postgres", default=DEFAULT_SERVER, help="a PostgreSQL server URL (any database on it)")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up on one measurement after this many s")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    load = os.getloadavg()
    print(
        f"this machine: {os.cpu_count()} cores, load average {load[0]:.2f} at the start; the hub processes, "
        "Mosquitto, PostgreSQL and both edges' senders (this process) share them"
    )
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="camsight-hub-ingest-") as tmp:
            prepared = Path(tmp) / "prepared"
            prepared.mkdir()
            expected = prepare(prepared, args.messages)
            print(
                f"outboxes: {expected.rows} messages from {len(SITES)} edges: {len(expected.events)} distinct events "
                f"(with their versions) and {len(expected.tracks)} track records with thumbnails"
            )
            for n in counts:
                folder = Path(tmp) / f"run-{n}"
                folder.mkdir()
                result = measure(folder, prepared, args.postgres, n, expected, args.timeout)
                results.append(result)
                rate = expected.rows / result.stored_s
                print(
                    f"{n} hub process(es): all stored in {result.stored_s:.1f} s = {rate:.0f} msg/s "
                    f"({(len(expected.events) + len(expected.tracks)) / result.stored_s:.0f} distinct rows/s); "
                    f"all confirmed to the edges in {result.confirmed_s:.1f} s; stored per process "
                    f"{result.stored_by}; rows sent again: {result.resent}; events left at an older version: "
                    f"{result.stale_events}"
                )
    except BenchError as exc:
        raise SystemExit(f"error: {exc}") from None
    rates = {r.processes: expected.rows / r.stored_s for r in results}
    if 1 in rates and 2 in rates:
        print(
            f"hub ingest: 1 process {rates[1]:.0f} msg/s, 2 processes {rates[2]:.0f} msg/s ({rates[2] / rates[1]:.2f}x)"
        )
    else:
        print("hub ingest: " + ", ".join(f"{n} process(es) {r:.0f} msg/s" for n, r in rates.items()))


if __name__ == "__main__":
    main()
