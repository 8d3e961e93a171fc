"""Many sites, one hub: nothing lost between an edge's store and the hub's, over a real broker and database.

Real Mosquitto (started on a free port with its in-memory defaults, killed -9), real PostgreSQL (a
fresh schema per test), real ``camsight hub`` and ``camsight analyze`` processes. The edges' stores
(``tests/data/stores/edge-*.db``) were written by analysing a real clip with a hub no broker answered,
so their outboxes hold every event version and track record of that clip, unsent. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import httpx
import numpy as np
import pytest
import sqlalchemy as sa
import yaml

import camsight
from camsight.config import Config
from camsight.config.models import HubConfig
from camsight.store import connect, open_store
from camsight.store.edges_repo import EdgeRow, list_edges
from camsight.store.schema import cameras, events, track_features, tracks
from camsight.transport import topics
from camsight.transport.ingest import Ingest
from camsight.transport.mqtt import BrokerSettings
from camsight.transport.publisher import Publisher
from mqtt_broker import Broker
from rtsp_helpers import DATA, DEMO, RtspServer, free_port, live_config, running, wait_for

log = logging.getLogger(__name__)
SRC = Path(camsight.__file__).resolve().parents[1]
STORES = DATA / "stores"
SHORT_CLIP = DATA / "intel_people-detection_preview.mp4"


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


def _wait_for_a_hub(broker: Broker) -> None:
    """Until a hub process has subscribed and set its presence (retained) ``online``, seen by a client of the test's."""
    seen: list[bytes] = []
    watcher = broker.client("presence-watcher")
    watcher.on_message = lambda _client, _data, message: seen.append(message.payload)
    watcher.subscribe(f"{topics.HUB_PRESENCE}/#", qos=1)
    try:
        wait_for(lambda: b"online" in seen, 60, "the hub to announce itself")
    finally:
        watcher.disconnect()
        watcher.loop_stop()


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
        _wait_for_a_hub(broker)
        hub.signal(signal.SIGSTOP)  # subscribed, but takes nothing: the broker queues it all
        edge = _publisher(db, "north", broker)
        edge.start()
        try:
            wait_for(lambda: edge.hub_online, 60, "the edge to see the hub's retained presence")
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
    assert sum(stored_by) >= 2 * (27 + 59)  # every event (its versions in one batch go as the newest), every track
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
    client = broker.client("intruder")
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


def test_a_live_edge_reports_its_cameras_and_events_and_says_when_it_stops(
    servers: Callable[..., RtspServer], tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """``camsight run`` with a hub: a live camera's state, its events and the edge's own state reach the hub."""
    server = servers({"door": DEMO})
    config = live_config(
        [
            {
                "id": "door",
                "source": server.url("door"),
                "fps": 5,
                "rules": [{"kind": "loitering", "name": "stay", "min_dwell_s": 1}],
            },
            {"id": "down", "source": f"rtsp://127.0.0.1:{free_port()}/nothing", "fps": 5},
        ]
    ).model_copy(update={"site": "east", "hub": HubConfig(mqtt=broker.url, heartbeat_s=1)})
    hub = Ingest(open_store(Config(), fresh_postgres_url), BrokerSettings.parse(broker.url), instance="live")
    hub.start()
    hub_engine = connect(fresh_postgres_url)

    def edge() -> EdgeRow | None:
        with hub_engine.connect() as conn:
            return next((e for e in list_edges(conn) if e.site == "east"), None)

    def cameras_are(door: str, down: set[str]) -> bool:
        row = edge()
        return (
            row is not None
            and row.cameras.get("door", {}).get("state") == door
            and (row.cameras.get("down", {}).get("state") in down)
        )

    try:
        with running(config, tmp_path / "edge.db"):
            wait_for(lambda: cameras_are("live", {"backoff", "connecting", "failed"}), 90, "the cameras' states")
            online = edge()
            assert online is not None
            assert online.status == "online"
            assert online.model_version == "yolo11n"
            wait_for(lambda: bool(_stored(fresh_postgres_url)["events"]), 120, "a live event at the hub")
        wait_for(lambda: (e := edge()) is not None and e.status == "offline", 30, "the edge to say it stopped")
        assert cameras_are("offline", {"offline"})
    finally:
        hub.stop()
        hub_engine.dispose()
    assert set(_stored(fresh_postgres_url)["events"].values()) == {"east"}
    edge_events = _stored(str(tmp_path / "edge.db"))["events"]
    assert set(edge_events) <= set(_stored(fresh_postgres_url)["events"])  # all it stored, sent before it stopped


def _cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> str:
    out = subprocess.run(
        _camsight(*args), env=_env(), input=stdin, capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert out.returncode == 0, f"camsight {' '.join(args)}: {out.stdout}{out.stderr}"
    return out.stdout


def _account(db: str, name: str, role: str, *extra: str, cwd: Path | None = None) -> str:
    """An account on a store and an API token of it."""
    _cli(
        "users", "add", name, "--role", role, *extra, "--db", db, "--password-stdin", stdin="long enough pw\n", cwd=cwd
    )
    return _cli("users", "token", name, "--db", db, cwd=cwd).strip()


@contextlib.contextmanager
def _served(args: list[str], port: int, folder: Path, name: str) -> Iterator[str]:
    """A camsight process serving the API on ``port`` (``serve`` or ``hub``), stopped at the end."""
    with (folder / f"{name}.out").open("wb") as out:
        process = subprocess.Popen(_camsight(*args), cwd=folder, env=_env(), stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), 60, f"{name} to serve its API")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.info("%s said: %s", name, (folder / f"{name}.out").read_text().strip())


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_one_hub_searches_both_sites_fetches_clips_from_the_right_edge_and_keeps_accounts_to_their_sites(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    edges: dict[str, dict[str, Any]] = {}
    analyses = []
    for site in ("north", "south"):  # the same clip, the same camera name, analysed at two sites
        folder = tmp_path / site
        folder.mkdir()
        clip = folder / "gate.mp4"
        shutil.copyfile(SHORT_CLIP, clip)
        config = _edge_config(folder, site, broker.url, drain_timeout_s=0)
        edges[site] = {"folder": folder, "config": config, "db": folder / "edge.db", "port": free_port()}
        analyses.append(
            subprocess.Popen(
                _camsight("analyze", str(clip), "--config", str(config), "--db", str(folder / "edge.db")),
                cwd=folder,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    assert [a.wait(timeout=300) for a in analyses] == [0, 0]
    for site, edge in edges.items():  # each edge gives the hub an operator account of its own
        token = _account(str(edge["db"]), "hub", "operator", cwd=edge["folder"])
        (tmp_path / f"{site}.token").write_text(token + "\n")
        edge["token"] = token
    hub_folder = tmp_path / "hub"
    hub_folder.mkdir()
    hub_config = hub_folder / "hub.yaml"
    hub_config.write_text(
        yaml.safe_dump(
            {
                "site": "hub",
                "edges": [
                    {"site": s, "url": f"http://127.0.0.1:{e['port']}", "token_file": str(tmp_path / f"{s}.token")}
                    for s, e in edges.items()
                ],
            }
        )
    )
    hub_port = free_port()
    with contextlib.ExitStack() as stack:
        for site, edge in edges.items():
            stack.enter_context(
                _served(
                    ["serve", "--config", str(edge["config"]), "--db", str(edge["db"]), "--port", str(edge["port"])],
                    edge["port"],
                    edge["folder"],
                    f"edge-{site}",
                )
            )
        hub_url = stack.enter_context(
            _served(
                [
                    "hub",
                    "--config",
                    str(hub_config),
                    "--db",
                    fresh_postgres_url,
                    "--mqtt",
                    broker.url,
                    "--port",
                    str(hub_port),
                ],
                hub_port,
                hub_folder,
                "hub",
            )
        )
        for edge in edges.values():
            _cli("outbox", "send", "--config", str(edge["config"]), "--db", str(edge["db"]), "--timeout", "120")
        everyone = {"Authorization": f"Bearer {_account(fresh_postgres_url, 'ana', 'operator', cwd=hub_folder)}"}
        bo = _account(fresh_postgres_url, "bo", "operator", "--site", "north", cwd=hub_folder)
        north_only = {"Authorization": f"Bearer {bo}"}
        # cross-site search, and a site filter
        hits = httpx.get(f"{hub_url}/api/search", params={"q": "person", "limit": 50}, headers=everyone).json()["hits"]
        assert {h["record"]["site"] for h in hits} == {"north", "south"}
        only = httpx.get(f"{hub_url}/api/search", params={"q": "person", "site": "south"}, headers=everyone).json()
        assert {h["record"]["site"] for h in only["hits"]} == {"south"}
        # an account limited to one site sees only it, everywhere
        listed = httpx.get(f"{hub_url}/api/events", headers=north_only).json()
        assert listed
        assert {item["event"]["site"] for item in listed} == {"north"}
        seen = httpx.get(f"{hub_url}/api/search", params={"q": "person", "limit": 50}, headers=north_only).json()
        assert {h["record"]["site"] for h in seen["hits"]} == {"north"}
        # thumbnails stay at the edges (hub.thumbnails: false) and are fetched on demand, once, audited
        shown = {h["record"]["site"]: h for h in hits if h["thumbnail_url"]}
        assert set(shown) == {"north", "south"}
        south_thumb = shown["south"]["thumbnail_url"]
        assert httpx.get(f"{hub_url}{south_thumb}", headers=north_only).status_code == 404
        thumbs: dict[str, str] = {}
        for site, hit in shown.items():
            for _ in range(2):  # the second view is served from the hub's copy
                answer = httpx.get(f"{hub_url}{hit['thumbnail_url']}", headers=everyone, timeout=60)
                assert answer.status_code == 200, answer.text
                assert answer.headers["content-type"] == "image/jpeg"
            image = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
            assert image is not None
            assert max(image.shape[:2]) <= 160
            thumbs[site] = hit["record"]["id"]
        # the hub's copy of a site's thumbnail stays out of the reach of accounts limited to other sites
        assert httpx.get(f"{hub_url}{south_thumb}", headers=north_only).status_code == 404
        # a hit's moment is cut at the edge of its site (its masks, its blurring), fetched on demand, audited
        moments: dict[str, tuple[str, float]] = {}
        for site, hit in shown.items():
            record = hit["record"]
            at = round(record["start_s"], 2)  # first seen: in the frame (he then walks out at its border)
            path = f"/api/media/moments/{record['id']}"
            assert httpx.get(f"{hub_url}{path}", params={"at": at}, headers=north_only).status_code in (
                (200,) if site == "north" else (404,)
            )
            answer = httpx.get(f"{hub_url}{path}", params={"at": at}, headers=everyone, timeout=120)
            assert answer.status_code == 200, answer.text
            assert answer.headers["x-camsight-moment"] == f"{at:g}"  # cut, not the thumbnail
            edge = edges[site]
            direct = httpx.get(
                f"http://127.0.0.1:{edge['port']}{path}",
                params={"at": at},
                headers={"Authorization": f"Bearer {edge['token']}"},
                timeout=120,
            )
            assert direct.headers["x-camsight-moment"] == f"{at:g}"
            hub_image, edge_image = (
                cv2.imdecode(np.frombuffer(a.content, np.uint8), cv2.IMREAD_COLOR) for a in (answer, direct)
            )
            assert hub_image.shape == edge_image.shape  # the edge's picture, kept by the hub
            assert float(np.abs(hub_image.astype(int) - edge_image.astype(int)).mean()) < 3
            moments[site] = (record["id"], at)
        events = {
            item["event"]["site"]: item["event"]["id"]
            for item in httpx.get(f"{hub_url}/api/events", headers=everyone).json()
        }
        assert set(events) == {"north", "south"}
        assert httpx.get(f"{hub_url}/api/events/{events['south']}", headers=north_only).status_code == 404
        assert httpx.get(f"{hub_url}/api/events/{events['south']}/clip.mp4", headers=north_only).status_code == 404
        # a clip comes from the edge of its site, on demand
        for site, event_id in events.items():
            fetched = httpx.get(f"{hub_url}/api/events/{event_id}/clip.mp4", headers=everyone, timeout=300)
            assert fetched.status_code == 200, fetched.text
            assert fetched.headers["content-type"] == "video/mp4"
            edge = edges[site]
            direct = httpx.get(
                f"http://127.0.0.1:{edge['port']}/api/events/{event_id}/clip.mp4",
                headers={"Authorization": f"Bearer {edge['token']}"},
                timeout=300,
            )
            assert fetched.content == direct.content
            with av.open(io.BytesIO(fetched.content)) as video:
                assert sum(1 for _ in video.decode(video=0)) > 5
    # audited at both ends: at the edge under the hub's account, at the hub under the person who asked
    for site, event_id in events.items():
        rows = [
            json.loads(line)
            for line in _cli("audit", "--db", str(edges[site]["db"]), "--action", "view.clip", "--json").splitlines()
        ]
        assert {(r["actor"], r["detail"]["event_id"]) for r in rows} == {("user:hub", event_id)}
    at_hub = [
        json.loads(line)
        for line in _cli(
            "audit", "--db", fresh_postgres_url, "--action", "view.clip", "--json", cwd=hub_folder
        ).splitlines()
    ]
    assert {(r["actor"], r["detail"]["site"], r["detail"]["event_id"]) for r in at_hub} == {
        ("user:ana", site, event_id) for site, event_id in events.items()
    }
    for site, track_id in thumbs.items():  # the edge gave each thumbnail once, to the hub's account
        rows = [
            json.loads(line)
            for line in _cli(
                "audit", "--db", str(edges[site]["db"]), "--action", "view.thumbnail", "--json"
            ).splitlines()
        ]
        assert [(r["actor"], r["detail"]["track_id"]) for r in rows if "at_s" not in r["detail"]] == [
            ("user:hub", track_id)
        ]
        # its moment: cut once for the hub, and once more asked directly with the hub's token (from its cache)
        assert [(r["actor"], r["detail"]["track_id"], r["detail"]["at_s"]) for r in rows if "at_s" in r["detail"]] == [
            ("user:hub", *moments[site])
        ] * 2
    seen_at_hub = [
        json.loads(line)
        for line in _cli(
            "audit", "--db", fresh_postgres_url, "--action", "view.thumbnail", "--json", cwd=hub_folder
        ).splitlines()
    ]
    assert sorted((r["actor"], r["detail"]["track_id"]) for r in seen_at_hub if "at_s" not in r["detail"]) == sorted(
        [("user:ana", t) for t in thumbs.values()] * 2
    )
    moments_at_hub = [
        (r["actor"], r["detail"]["track_id"], r["detail"]["at_s"]) for r in seen_at_hub if "at_s" in r["detail"]
    ]
    assert sorted(moments_at_hub) == sorted(
        [("user:ana", *moments[s]) for s in moments] + [("user:bo", *moments["north"])]
    )
    assert not list((hub_folder).rglob("gate.mp4"))  # the hub never held the footage itself
