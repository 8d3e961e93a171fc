"""Many sites, one hub: nothing lost between an edge's store and the hub's, over a real broker and database.

Real Mosquitto (started on a free port with its in-memory defaults, killed -9), real PostgreSQL (a
fresh schema per test), real ``camsight hub`` and ``camsight analyze`` processes. The edges' stores
(``tests/data/stores/edge-*.db``) were written by analysing a real clip with a hub no broker answered,
so their outboxes hold every event version and track record of that clip, unsent. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
import yaml
from paho.mqtt.enums import CallbackAPIVersion

import camsight
from camsight.config import Config
from camsight.store import connect, open_store
from camsight.store.schema import cameras, events, track_features, tracks
from camsight.transport import topics
from camsight.transport.ingest import Ingest
from camsight.transport.mqtt import BrokerSettings
from camsight.transport.publisher import Publisher
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for

log = logging.getLogger(__name__)
SRC = Path(camsight.__file__).resolve().parents[1]
STORES = DATA / "stores"
SHORT_CLIP = DATA / "intel_people-detection_preview.mp4"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    made = Broker(tmp_path / "broker")
    made.start()
    yield made
    made.kill()


def _edge_copy(tmp_path: Path, site: str) -> Path:
    """A private copy of the edge store of ``site`` (north or south) with its unsent outbox."""
    folder = tmp_path / site
    folder.mkdir(exist_ok=True)
    db = folder / "edge.db"
    shutil.copyfile(STORES / f"edge-{site}.db", db)
    return db


def _stored(url: str) -> dict[str, Any]:
    """What a store holds: event and track ids with their sites, and the (site, camera) pairs."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return {
                "events": dict(conn.execute(sa.select(events.c.id, events.c.site)).all()),
                "tracks": dict(conn.execute(sa.select(tracks.c.id, tracks.c.site)).all()),
                "indexed": dict(conn.execute(sa.select(track_features.c.id, track_features.c.site)).all()),
                "cameras": set(conn.execute(sa.select(cameras.c.site, cameras.c.id)).all()),
            }
    finally:
        engine.dispose()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}


def _camsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "camsight", *args]


class Hub:
    """``camsight hub`` in a process of its own (no HTTP port): paused, killed -9, stopped."""

    def __init__(self, folder: Path, db: str, broker: Broker, *, instance: str = "1") -> None:
        self.folder = folder
        self.args = _camsight("hub", "--db", db, "--mqtt", broker.url, "--port", "0", "--instance", instance)
        self.out = folder / f"hub-{instance}.out"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> Hub:
        with self.out.open("ab") as out:
            self.process = subprocess.Popen(self.args, cwd=self.folder, env=_env(), stdout=out, stderr=out)
        return self

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM, wait; returns what it printed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.out.read_text()


@contextlib.contextmanager
def _hubs(folder: Path, db: str, broker: Broker, count: int = 1) -> Iterator[list[Hub]]:
    started = [Hub(folder, db, broker, instance=str(i + 1)).start() for i in range(count)]
    try:
        yield started
    finally:
        for hub in started:
            output = hub.stop()
            log.info("hub %s said: %s", hub.args[-1], output.strip())


def _publisher(db: Path, site: str, broker: Broker, **kwargs: Any) -> Publisher:
    """The edge's publisher as ``camsight run`` makes it, re-sending unconfirmed rows after 2 s."""
    return Publisher(
        connect(str(db)),
        BrokerSettings.parse(broker.url),
        site=site,
        client_id=f"camsight-edge-{site}",
        resend_s=2.0,
        heartbeat_s=5.0,
        **kwargs,
    )


def _pending(db: Path) -> int:
    out = subprocess.run(
        _camsight("outbox", "--db", str(db), "--json"), env=_env(), capture_output=True, check=True, timeout=60
    )
    return int(json.loads(out.stdout)["pending"])


def _expect_all_of(edge_db: Path, hub_url: str) -> dict[str, Any]:
    """The hub holds exactly the edge's events and tracks, under the edge's site, and indexed for search."""
    edge, hub = _stored(str(edge_db)), _stored(hub_url)
    assert edge["events"]
    assert edge["tracks"]
    assert {k: v for k, v in hub["events"].items() if k in edge["events"]} == edge["events"]
    assert {k: v for k, v in hub["tracks"].items() if k in edge["tracks"]} == edge["tracks"]
    assert {k: v for k, v in hub["indexed"].items() if k in edge["tracks"]} == edge["tracks"]
    return hub


def test_a_broker_killed_with_everything_queued_loses_nothing(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """The broker acknowledged every message and then died -9 before the hub had any: all arrive anyway."""
    db = _edge_copy(tmp_path, "north")
    rows = _pending(db)
    with _hubs(tmp_path / "hub", fresh_postgres_url, broker) as (hub,):
        edge = _publisher(db, "north", broker)
        edge.start()
        try:
            wait_for(lambda: edge.hub_online, 60, "the hub to announce itself")
            hub.signal(signal.SIGSTOP)  # subscribed, but takes nothing: the broker queues it all
            wait_for(lambda: edge.sent >= rows, 30, "the edge to send its outbox")
            time.sleep(0.5)  # the last PUBACKs
            assert edge.pending() == rows  # nothing confirmed by the hub yet
            broker.kill()
            broker.start()
            hub.signal(signal.SIGCONT)
            wait_for(lambda: edge.pending() == 0, 120, "the hub to confirm every row")
            assert edge.sent > rows  # what the broker lost was sent again
        finally:
            edge.stop()
    hub_rows = _expect_all_of(db, fresh_postgres_url)
    assert len(hub_rows["events"]) == 27
    assert len(hub_rows["tracks"]) == 59
    assert set(hub_rows["events"].values()) == {"north"}


def test_a_hub_killed_and_restarted_loses_nothing(tmp_path: Path, broker: Broker, fresh_postgres_url: str) -> None:
    """The hub is killed -9 with the broker holding its share; it restarts and gets it."""
    db = _edge_copy(tmp_path, "north")
    rows = _pending(db)
    folder = tmp_path / "hub"
    hub = Hub(folder, fresh_postgres_url, broker).start()
    edge = _publisher(db, "north", broker)
    edge.start()
    try:
        wait_for(lambda: edge.hub_online, 60, "the hub to announce itself")
        hub.signal(signal.SIGSTOP)
        wait_for(lambda: edge.sent >= rows, 30, "the edge to send its outbox")
        hub.kill()
        wait_for(lambda: not edge.hub_online, 30, "the hub's last will to say it left")
        assert edge.pending() == rows
        again = Hub(folder, fresh_postgres_url, broker).start()
        try:
            wait_for(lambda: edge.pending() == 0, 120, "the restarted hub to confirm every row")
        finally:
            log.info("restarted hub said: %s", again.stop().strip())
    finally:
        edge.stop()
    assert len(_expect_all_of(db, fresh_postgres_url)["events"]) == 27


def _waiting_to_publish(db: Path) -> bool:
    """Whether the edge store holds an event and at least two outbox rows (its tables may not exist yet)."""
    try:
        return db.exists() and _stored(str(db))["events"] != {} and _pending(db) >= 2
    except (sa.exc.OperationalError, subprocess.CalledProcessError):
        return False


def _edge_config(folder: Path, site: str, broker_url: str, **hub: Any) -> Path:
    config = {
        "site": site,
        "hub": {"mqtt": broker_url, **hub},
        "detector": {"threads": 1},
        "cameras": [{"id": "gate", "fps": 5, "rules": [{"kind": "loitering", "name": "stay", "min_dwell_s": 1}]}],
    }
    path = folder / f"{site}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_an_edge_killed_after_storing_sends_it_all_later(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """``camsight analyze`` killed -9 while it waits to publish; ``camsight outbox send`` delivers it all."""
    folder = tmp_path / "edge"
    folder.mkdir()
    config = _edge_config(folder, "north", broker.url, drain_timeout_s=600)
    db = folder / "edge.db"
    analyze = subprocess.Popen(
        _camsight("analyze", str(SHORT_CLIP), "--config", str(config), "--db", str(db)),
        cwd=folder,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # no hub is listening, so it stores, then waits to publish: kill it there
        wait_for(lambda: _waiting_to_publish(db), 180, "the analysis to store its events")
    finally:
        analyze.kill()
        analyze.wait(timeout=10)
    waiting = _pending(db)
    assert waiting >= 2
    with _hubs(tmp_path / "hub", fresh_postgres_url, broker):
        sent = subprocess.run(
            _camsight("outbox", "send", "--config", str(config), "--db", str(db), "--timeout", "120"),
            cwd=folder,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert f"sent {waiting} message(s); 0 left" in sent.stdout
    assert _pending(db) == 0
    _expect_all_of(db, fresh_postgres_url)


def test_two_sites_and_two_hub_processes_store_every_event_once(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """Same clip, same camera name at two sites; two hub processes split the messages; none confused."""
    edges = {site: _edge_copy(tmp_path, site) for site in ("north", "south")}
    configs = {site: _edge_config(edges[site].parent, site, broker.url) for site in edges}
    with _hubs(tmp_path / "hub", fresh_postgres_url, broker, count=2) as hubs:
        senders = [
            subprocess.Popen(
                _camsight(
                    "outbox", "send", "--config", str(configs[site]), "--db", str(edges[site]), "--timeout", "120"
                ),
                cwd=edges[site].parent,
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for site in edges
        ]
        outputs = [sender.communicate(timeout=180)[0] for sender in senders]
        assert [s.returncode for s in senders] == [0, 0], outputs
    said = [hub.out.read_text() for hub in hubs]
    stored_by = [int(text.rsplit("stored ", 1)[1].split(" ", 1)[0]) for text in said]
    assert all(n > 0 for n in stored_by), said  # both processes took a share
    assert sum(stored_by) >= 2 * 115
    north = _expect_all_of(edges["north"], fresh_postgres_url)
    _expect_all_of(edges["south"], fresh_postgres_url)
    assert len(north["events"]) == 54
    assert len(north["tracks"]) == 118
    assert {("north", "gate"), ("south", "gate")} <= north["cameras"]

    # the hub's store answers the same commands as an edge's, across sites and per site
    def cli(*args: str) -> list[dict[str, Any]]:
        out = subprocess.run(
            _camsight(*args, "--db", fresh_postgres_url, "--json"),
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    listed = cli("events", "--limit", "1000")
    assert {e["site"] for e in listed} == {"north", "south"}
    assert len(listed) == 54
    assert {e["site"] for e in cli("events", "--site", "south")} == {"south"}
    found = cli("search", "person", "--limit", "40")
    assert {hit["site"] for hit in found} == {"north", "south"}
    assert {hit["site"] for hit in cli("search", "person", "--site", "north")} == {"north"}


def _raw_client(broker: Broker) -> paho.Client:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="intruder", protocol=paho.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def test_bad_messages_are_refused_with_a_reason_and_ingestion_goes_on(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="camsight.transport.ingest")
    edge = connect(str(_edge_copy(tmp_path, "north")))
    with edge.connect() as conn:
        topic, good = conn.execute(
            sa.text("SELECT topic, payload FROM outbox WHERE topic LIKE '%/events/%' LIMIT 1")
        ).one()
    event = json.loads(good)
    store = open_store(Config(), fresh_postgres_url)
    ingest = Ingest(store, BrokerSettings.parse(broker.url), instance="bad-input")
    ingest.start()
    client = _raw_client(broker)
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        bad = [
            (topic, b"{not json"),
            (topic, b"[1, 2, 3]"),
            (topic, b"x" * (300 * 1024)),
            (topic, json.dumps({**event, "schema_version": 99})),
            (topic, json.dumps({**event, "kind": "teleport"})),
            (topics.event_topic("south", "gate"), good),  # north's event published as south's
            (topics.track_topic("north", "gate"), json.dumps({"schema_version": 1, "record": {"id": "x"}})),
        ]
        for bad_topic, payload in bad:
            client.publish(bad_topic, payload, qos=1).wait_for_publish(timeout=10)
        client.publish(topic, good, qos=1).wait_for_publish(timeout=10)
        wait_for(lambda: ingest.accepted["events"] == 1, 30, "the good event after the bad ones")
    finally:
        client.disconnect()
        client.loop_stop()
        ingest.stop()
    assert ingest.refused == {"malformed": 4, "too large": 1, "unknown version": 1, "wrong site": 1}
    assert set(_stored(fresh_postgres_url)["events"]) == {event["id"]}
    reasons = [r.getMessage() for r in caplog.records]
    assert any("malformed: not JSON" in r for r in reasons)
    assert any("unknown version: event schema_version 99" in r for r in reasons)
    assert any("wrong site: the payload is of north/gate, published under south/gate" in r for r in reasons)
    assert any("too large: 307200 bytes" in r for r in reasons)


def test_wrong_broker_credentials_are_one_clear_line_and_the_outbox_is_kept(tmp_path: Path) -> None:
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "edge-north", "right"], check=True)
    secured = Broker(tmp_path / "secured", password_file=passwords)
    secured.start()
    try:
        db = _edge_copy(tmp_path, "north")
        rows = _pending(db)
        url = f"mqtt://edge-north:wrong-secret@127.0.0.1:{secured.port}"
        config = _edge_config(db.parent, "north", url)
        sent = subprocess.run(
            _camsight("outbox", "send", "--config", str(config), "--db", str(db), "--timeout", "3"),
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        secured.kill()
    output = sent.stdout + sent.stderr
    assert sent.returncode == 1
    assert "Traceback" not in output
    assert "wrong-secret" not in output
    assert f"the broker at mqtt://127.0.0.1:{secured.port} refused: Not authorized" in output
    assert f"{rows} left" in output
    assert _pending(db) == rows


def _documented_acl() -> str:
    text = (SRC.parent / "docs" / "mqtt.md").read_text()
    block = text.split("<!-- acl:start -->", 1)[1].split("<!-- acl:end -->", 1)[0]
    return block.strip().removeprefix("```").removesuffix("```").strip() + "\n"


def test_the_documented_acl_lets_an_edge_speak_only_for_its_own_site(tmp_path: Path, fresh_postgres_url: str) -> None:
    passwords, acl = tmp_path / "passwords", tmp_path / "camsight.acl"
    for i, (user, secret) in enumerate({"north": "n-pw", "south": "s-pw", "camsight-hub": "h-pw"}.items()):
        subprocess.run(
            ["mosquitto_passwd", *(["-c"] if i == 0 else []), "-b", str(passwords), user, secret], check=True
        )
    acl.write_text(_documented_acl())
    locked = Broker(tmp_path / "locked", password_file=passwords, acl_file=acl)
    locked.start()
    north, south = _edge_copy(tmp_path, "north"), _edge_copy(tmp_path, "south")
    hub = Hub(tmp_path / "hub", fresh_postgres_url, locked)
    hub.args[hub.args.index("--mqtt") + 1] = f"mqtt://camsight-hub:h-pw@127.0.0.1:{locked.port}"
    hub.start()
    as_north = BrokerSettings.parse(f"mqtt://north:n-pw@127.0.0.1:{locked.port}")
    honest = Publisher(connect(str(north)), as_north, site="north", client_id="camsight-edge-north", resend_s=2)
    pretender = Publisher(connect(str(south)), as_north, site="south", client_id="camsight-edge-south", resend_s=2)
    try:
        honest.start()
        pretender.start()
        wait_for(lambda: honest.pending() == 0, 120, "the north edge's outbox to be confirmed")
        wait_for(lambda: pretender.problem is not None, 30, "the broker to refuse north's account south's topics")
        assert pretender.pending() == 115  # kept
    finally:
        honest.stop()
        pretender.stop()
        log.info("hub said: %s", hub.stop().strip())
        locked.kill()
    assert "the broker refused a message on camsight/south/" in (pretender.problem or "")
    assert "Not authorized" in (pretender.problem or "")
    stored = _expect_all_of(north, fresh_postgres_url)
    assert set(stored["events"].values()) == {"north"}
