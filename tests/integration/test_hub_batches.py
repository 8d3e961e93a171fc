"""Rows several to a message: batched only to hubs that read them, each row deleted once the hub confirmed it.

Real Mosquitto, real PostgreSQL, the real outboxes of tests/data/stores (a real clip analysed). The
hub runs in this process (:class:`~camsight.transport.ingest.Ingest`), as ``camsight hub`` runs it.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from camsight.config import Config
from camsight.store import connect, open_store
from camsight.store.schema import events, track_features, tracks
from camsight.transport import batch, topics, wire
from camsight.transport.ingest import Ingest
from camsight.transport.mqtt import BrokerSettings
from camsight.transport.publisher import Publisher
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for


def _copy(tmp_path: Path, site: str) -> Path:
    db = tmp_path / f"edge-{site}.db"
    shutil.copyfile(DATA / "stores" / f"edge-{site}.db", db)
    return db


def _ids(url: str, site: str) -> dict[str, set[str]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return {
                name: set(conn.execute(sa.select(table.c.id).where(table.c.site == site)).scalars())
                for name, table in (("events", events), ("tracks", tracks), ("indexed", track_features))
            }
    finally:
        engine.dispose()


def _rows(db: Path) -> int:
    engine = connect(str(db))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one())
    finally:
        engine.dispose()


def _send_all(db: Path, site: str, broker: Broker) -> Publisher:
    """Publish a store's whole outbox (as ``camsight outbox send``) and return the stopped publisher."""
    edge = Publisher(connect(str(db)), BrokerSettings.parse(broker.url), site=site, client_id=f"edge-{site}")
    edge.start()
    try:
        wait_for(lambda: edge.hub_online, 30, "the hub to announce itself")
        assert edge.drain(120), "the outbox did not drain"
    finally:
        edge.stop()
    return edge


def test_batches_go_only_to_hubs_that_read_them_and_every_row_arrives(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    north, south = _copy(tmp_path, "north"), _copy(tmp_path, "south")
    expected = {site: _ids(str(db), site) for site, db in (("north", north), ("south", south))}
    rows = {"north": _rows(north), "south": _rows(south)}
    ingest = Ingest(open_store(Config(), fresh_postgres_url), BrokerSettings.parse(broker.url), instance="b")
    ingest.start()
    old_hub = broker.client("old-hub")
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        # a hub process of a release before batches is present too: one row per message for now
        old_hub.publish(topics.presence_topic("camsight-hub", "old"), b"online", qos=1, retain=True).wait_for_publish(
            timeout=10
        )
        sent_alone = _send_all(north, "north", broker)
        assert sent_alone.messages == sent_alone.sent >= rows["north"]  # one row a message (and any sent again)
        old_hub.publish(topics.presence_topic("camsight-hub", "old"), b"", qos=1, retain=True).wait_for_publish(
            timeout=10
        )
        batched = _send_all(south, "south", broker)
        assert batched.sent >= rows["south"]
        assert batched.messages * 10 <= batched.sent  # the events and the tracks of one camera, in a few batches
    finally:
        old_hub.disconnect()
        old_hub.loop_stop()
        ingest.stop()
    for site, db in (("north", north), ("south", south)):
        assert _ids(fresh_postgres_url, site) == expected[site]
        assert _rows(db) == 0


def test_a_bad_item_of_a_batch_is_refused_the_others_stored_and_all_confirmed(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    engine = connect(str(_copy(tmp_path, "north")))
    with engine.connect() as conn:
        (topic,) = conn.execute(sa.text("SELECT topic FROM outbox WHERE topic LIKE '%/events/%' LIMIT 1")).one()
        good = [
            p for (p,) in conn.execute(sa.text("SELECT payload FROM outbox WHERE topic = :t LIMIT 3"), {"t": topic})
        ]
    engine.dispose()
    wrong = json.loads(good[0]) | {"schema_version": 99, "id": "not-this-one"}
    text = batch.envelope([good[0], json.dumps(wrong), good[1], good[2]])
    ingest = Ingest(open_store(Config(), fresh_postgres_url), BrokerSettings.parse(broker.url), instance="b")
    ingest.start()
    client = broker.client("edge-x")
    confirmed: list[Any] = []
    got = threading.Event()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        confirmed.append(json.loads(message.payload))
        got.set()

    client.on_message = on_message
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        client.subscribe(topics.ack_topic("north", "edge-x"), qos=1)
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.UserProperty = [("outbox", "7,8,9,10"), ("edge", "edge-x")]
        data, props.ContentType = wire.encode(text)
        client.publish(topic, data, qos=1, properties=props).wait_for_publish(timeout=10)
        assert got.wait(30), "no confirmation came"
    finally:
        client.disconnect()
        client.loop_stop()
        ingest.stop()
    assert confirmed == [{"ids": [7, 8, 9, 10]}]
    assert ingest.refused == {"unknown version": 1}
    assert ingest.accepted["events"] == 3
    stored = _ids(fresh_postgres_url, "north")["events"]
    assert stored == {json.loads(p)["id"] for p in good}
