"""Fewer bytes a packet: topic aliases, and the short user properties to hubs that read them; nothing lost.

Real Mosquitto (its default ``max_topic_alias`` of 10; frozen with SIGSTOP, killed -9), real PostgreSQL,
the real outbox of tests/data/stores/edge-north.db (a real clip analysed with no broker answering). The
hub runs in this process (:class:`~camsight.transport.ingest.Ingest`), as ``camsight hub`` runs it. A
subscriber of the test's own sees each message as the broker delivers it (with its full topic and the
user properties the edge set).
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from camsight.config import Config
from camsight.store import connect, open_store
from camsight.store.schema import events, tracks
from camsight.transport import batch, compact, topics
from camsight.transport.ingest import Ingest
from camsight.transport.mqtt import BrokerSettings
from camsight.transport.publisher import Publisher
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for

SITE = "north"


def _edge(tmp_path: Path) -> tuple[Path, dict[str, set[str]]]:
    """A private copy of the north edge's store, and the event and track ids it holds."""
    db = tmp_path / "edge-north.db"
    shutil.copyfile(DATA / "stores" / "edge-north.db", db)
    return db, _ids(str(db))


def _ids(url: str) -> dict[str, set[str]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return {
                name: set(conn.execute(sa.select(table.c.id).where(table.c.site == SITE)).scalars())
                for name, table in (("events", events), ("tracks", tracks))
            }
    finally:
        engine.dispose()


def _hold_back(db: Path) -> list[dict[str, Any]]:
    """Take every row out of a store's outbox (to be put back with :func:`_put_back`)."""
    engine = connect(str(db))
    try:
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, topic, payload, created_at FROM outbox ORDER BY id")).all()
            conn.execute(sa.text("DELETE FROM outbox"))
    finally:
        engine.dispose()
    return [row._asdict() for row in rows]


def _put_back(db: Path, rows: list[dict[str, Any]]) -> None:
    """Put outbox rows back, as the edge wrote them."""
    engine = connect(str(db))
    try:
        with engine.begin() as conn:
            insert = "INSERT INTO outbox (id, topic, payload, created_at) VALUES (:id, :topic, :payload, :created_at)"
            conn.execute(sa.text(insert), rows)
    finally:
        engine.dispose()


def _sent(edge: Publisher, rows: int) -> Callable[[], bool]:
    return lambda: edge.sent >= rows


class Spy:
    """A subscriber to the edge's topics: each message's topic and user properties, as delivered."""

    def __init__(self, broker: Broker) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self.client = broker.client("spy")
        self.client.on_message = self._on_message
        self.client.subscribe([(f"camsight/{SITE}/events/+", 1), (f"camsight/{SITE}/tracks/+", 1)])

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        props = dict(getattr(getattr(message, "properties", None), "UserProperty", None) or [])
        with self._lock:
            self.seen.append((message.topic, props))

    def messages(self) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return list(self.seen)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_topics_go_by_alias_and_a_broker_killed_with_aliased_messages_in_flight_loses_nothing(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """Messages handed to the client by alias, then the broker dies: they are sent again whole, not by alias.

    paho would send its unacknowledged messages again as they were (an empty topic and an alias the new
    connection does not know), and the broker would drop the connection each time: the outbox would
    never drain.
    """
    db, expected = _edge(tmp_path)
    held = _hold_back(db)
    ingest = Ingest(open_store(Config(), fresh_postgres_url), BrokerSettings.parse(broker.url), instance="a")
    ingest.start()
    spy = Spy(broker)
    edge = Publisher(
        connect(str(db)),
        BrokerSettings.parse(broker.url),
        site=SITE,
        client_id=topics.edge_client_id(SITE),
        batch_s=0,
        resend_s=600,  # only the reconnection sends anything again
    )
    edge.start()
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        wait_for(lambda: edge.hub_online, 30, "the edge to see the hub")
        third = len(held) // 3 + 1
        _put_back(db, held[:third])  # the first round sets each topic's alias, and the hub confirms it
        wait_for(lambda: edge.pending() == 0, 60, "the hub to confirm the first rows")
        assert broker.process is not None
        broker.process.send_signal(signal.SIGSTOP)  # takes the packets, answers none
        for start in range(third, len(held), third):  # two more rounds, each topic by its alias alone
            _put_back(db, held[start : start + third])
            wait_for(_sent(edge, min(start + third, len(held))), 30, "the edge to hand over its rows")
        assert edge.aliased > 0  # sent with an empty topic and the alias that stands for it
        assert edge.pending() == len(held) - third  # none of those confirmed
        broker.process.send_signal(signal.SIGKILL)
        broker.process.wait(timeout=10)
        broker.start()
        wait_for(lambda: edge.pending() == 0, 120, "the hub to confirm every row after the broker came back")
    finally:
        edge.stop()
        spy.close()
        ingest.stop()
    assert _ids(fresh_postgres_url) == expected
    assert all(topic.startswith(f"camsight/{SITE}/") for topic, _ in spy.messages())  # delivered whole


def test_the_short_properties_go_only_while_every_hub_present_reads_them(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    """With a hub of the release before present, each message names its edge; with only this release's, not."""
    db, expected = _edge(tmp_path)
    ingest = Ingest(open_store(Config(), fresh_postgres_url), BrokerSettings.parse(broker.url), instance="a")
    ingest.start()
    old_hub = broker.client("old-hub")
    presence = topics.presence_topic("camsight-hub", "old")
    old_reads = [batch.READS, *compact.HUB_READS]  # what a hub of the release before says

    def say(online: bool) -> None:
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.UserProperty = old_reads
        payload = b"online" if online else b""
        old_hub.publish(presence, payload, qos=1, retain=True, properties=props).wait_for_publish(timeout=10)

    spy = Spy(broker)
    held = _hold_back(db)
    _put_back(db, held[: len(held) // 2])  # the second half waits out the first send
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        say(True)
        _drain(db, broker)
        with_old = spy.messages()
        say(False)
        _put_back(db, held[len(held) // 2 :])
        _drain(db, broker)
        only_new = spy.messages()[len(with_old) :]
    finally:
        spy.close()
        old_hub.disconnect()
        old_hub.loop_stop()
        ingest.stop()
    assert _ids(fresh_postgres_url) == expected
    assert with_old
    assert only_new
    assert all(props.get("edge") == topics.edge_client_id(SITE) for _, props in with_old)
    assert not any("-" in props["outbox"] for _, props in with_old)  # ids one by one, as that hub reads them
    assert not any("edge" in props for _, props in only_new)  # the hub confirms to the site's own edge
    assert any("-" in props["outbox"] for _, props in only_new)  # runs of ids as first-last


def _drain(db: Path, broker: Broker) -> None:
    """Send a store's outbox as ``camsight run`` would (the site's own client id) until the hub confirmed it."""
    settings = BrokerSettings.parse(broker.url)
    edge = Publisher(connect(str(db)), settings, site=SITE, client_id=topics.edge_client_id(SITE))
    edge.start()
    try:
        wait_for(lambda: edge.hub_online, 30, "the edge to see the hub")
        time.sleep(0.5)  # every hub's presence, retained, has come
        assert edge.drain(120), "the outbox did not drain"
    finally:
        edge.stop()
