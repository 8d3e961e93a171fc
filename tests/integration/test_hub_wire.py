"""Compressed payloads (zlib, MQTT 5 content type) through a real Mosquitto into a real hub store; plain JSON too.

The rows are the real outbox rows of the edge stores in tests/data/stores (a real clip analysed): north's
go as the publisher sends them now (:func:`camsight.transport.wire.encode`, content type
``application/json+zlib``), south's as edges before it sent them (JSON text, no content type). Both are
stored alike; a payload that inflates past the limit or has an unknown content type is refused.
"""

from __future__ import annotations

import json
import logging
import shutil
import zlib
from pathlib import Path

import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from camsight.config import Config
from camsight.core.records import TrackRecord
from camsight.store import connect, list_tracks, open_store
from camsight.store.schema import events, track_features
from camsight.transport import wire
from camsight.transport.ingest import Ingest
from camsight.transport.messages import MAX_PAYLOAD
from camsight.transport.mqtt import BrokerSettings
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for

ROWS = 6
"""Event rows and track rows taken from each edge's outbox."""


def _rows(tmp_path: Path, site: str) -> list[tuple[str, str]]:
    copy = tmp_path / f"edge-{site}.db"
    shutil.copyfile(DATA / "stores" / f"edge-{site}.db", copy)
    engine = connect(str(copy))
    with engine.connect() as conn:
        rows = [
            (str(t), str(p))
            for kind in ("events", "tracks")
            for t, p in conn.execute(
                sa.text("SELECT topic, payload FROM outbox WHERE topic LIKE :k ORDER BY id LIMIT :n"),
                {"k": f"%/{kind}/%", "n": ROWS},
            )
        ]
    engine.dispose()
    return rows


def _publish(client: paho.Client, topic: str, data: bytes | str, content_type: str | None) -> None:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    if content_type is not None:
        props.ContentType = content_type
    client.publish(topic, data, qos=1, properties=props).wait_for_publish(timeout=10)


def test_compressed_and_plain_payloads_are_stored_alike_and_bombs_refused(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="camsight.transport.ingest")
    north, south = _rows(tmp_path, "north"), _rows(tmp_path, "south")
    packed = [(topic, *wire.encode(payload)) for topic, payload in north]
    assert all(kind == wire.ZLIB for _, _, kind in packed)
    assert sum(len(data) for _, data, _ in packed) < 0.8 * sum(len(p.encode()) for _, p in north)
    store = open_store(Config(), fresh_postgres_url)
    ingest = Ingest(store, BrokerSettings.parse(broker.url), instance="wire")
    ingest.start()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="wire-test", protocol=paho.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        for topic, data, kind in packed:
            _publish(client, topic, data, kind)
        for topic, payload in south:
            _publish(client, topic, payload, None)
        bomb = zlib.compress(b" " * (4 * MAX_PAYLOAD), 9)
        _publish(client, north[0][0], bomb, wire.ZLIB)
        _publish(client, north[0][0], zlib.compress(north[0][1].encode()), "application/x-brotli")
        _publish(client, north[0][0], b"\x78\x9c not zlib", wire.ZLIB)
        wait_for(lambda: sum(ingest.refused.values()) == 3, 60, "the bad payloads to be refused")
        wait_for(lambda: sum(ingest.accepted.values()) == 4 * ROWS, 60, "every good row to be stored")
    finally:
        client.disconnect()
        client.loop_stop()
        ingest.stop()
    assert ingest.refused == {"too large": 1, "malformed": 2}
    assert any(f"too large: it inflates past {MAX_PAYLOAD} bytes" in r.getMessage() for r in caplog.records)
    assert any("unknown content type 'application/x-brotli'" in r.getMessage() for r in caplog.records)
    sent = [json.loads(p) for _, p in north + south]
    hub = connect(fresh_postgres_url)
    with hub.connect() as conn:
        stored = {r.id: r for r in list_tracks(conn, limit=10**6)}
        event_ids = set(conn.execute(sa.select(events.c.id)).scalars())
        indexed = set(conn.execute(sa.select(track_features.c.id)).scalars())
    hub.dispose()
    records = [TrackRecord.model_validate(m["record"]) for m in sent if "record" in m]
    assert len(records) == 2 * ROWS
    assert {r.site for r in records} == {"north", "south"}
    # every field as the edge stored it; the thumbnail is the hub's copy of the one sent
    assert all(stored[r.id].model_copy(update={"thumbnail": r.thumbnail}) == r for r in records)
    assert all(stored[r.id].thumbnail == f"{r.site}/{r.camera}/{r.id.replace(':', '_')}.jpg" for r in records)
    assert indexed >= {r.id for r in records}
    assert event_ids == {m["id"] for m in sent if "record" not in m}
