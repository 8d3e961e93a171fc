"""One transaction per message at the hub: a batch's good items stored together, or none of them.

Real PostgreSQL (a fresh schema per test) and SQLite, the real outboxes of tests/data/stores (a real
clip analysed at two sites); the hub's :meth:`~camsight.transport.ingest.Ingest.handle` is called as
``camsight hub`` calls it for each message. The database failure is a real one: another connection
holds a row lock on an event of the batch, and the hub's connections give up waiting for it after
``lock_timeout``; the last test has the real broker send the unacknowledged message again.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from camsight.config import Config
from camsight.errors import StoreError
from camsight.store import connect, open_store
from camsight.store.handle import Store
from camsight.store.schema import cameras, events, track_features, tracks
from camsight.transport import batch, topics
from camsight.transport.ingest import Ingest
from camsight.transport.mqtt import BrokerSettings
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for

NOWHERE = BrokerSettings.parse("mqtt://127.0.0.1:1")  # handle() never connects


def _outbox(tmp_path: Path, site: str, kind: str) -> list[tuple[str, str]]:
    """``(topic, payload)`` of a real edge outbox's rows of one kind, in the order the edge wrote them."""
    db = tmp_path / f"edge-{site}.db"
    shutil.copyfile(DATA / "stores" / f"edge-{site}.db", db)
    engine = connect(str(db))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT topic, payload FROM outbox WHERE topic LIKE :k ORDER BY id"), {"k": f"%/{kind}/%"}
            ).all()
    finally:
        engine.dispose()
    return [(str(t), str(p)) for t, p in rows]


def _config(tmp_path: Path) -> Config:
    return Config.model_validate({"store": {"media": str(tmp_path / "hub-media")}})


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The hub's store on SQLite and on PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        store = open_store(_config(tmp_path), str(tmp_path / "hub.db"))
    else:
        store = open_store(_config(tmp_path), request.getfixturevalue("fresh_postgres_url"))
    yield store
    store.engine.dispose()


def _ids(engine: sa.Engine, table: sa.Table) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.id)).scalars())


def _event_versions(engine: sa.Engine) -> dict[str, tuple[str, float]]:
    with engine.connect() as conn:
        return {
            r.id: (r.status, float(r.end_s))
            for r in conn.execute(sa.select(events.c.id, events.c.status, events.c.end_s))
        }


def _two_versions(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An event's open and closed versions (the first event of the outbox that has both)."""
    by_id: dict[str, list[str]] = {}
    for _topic, payload in rows:
        by_id.setdefault(json.loads(payload)["id"], []).append(payload)
    opened, closed = next(v for v in by_id.values() if len(v) == 2)
    return [(json.loads(opened)["status"], opened), (json.loads(closed)["status"], closed)]


def test_a_batch_of_tracks_stores_every_good_item_and_refuses_each_bad_one(tmp_path: Path, hub_store: Store) -> None:
    rows = _outbox(tmp_path, "north", "tracks")[:12]
    topic = rows[0][0]
    good = [p for _t, p in rows]
    bad_thumbnail = json.loads(good[3]) | {"thumbnail_jpeg": "bm90IGEganBlZw=="}  # base64 of "not a jpeg"
    south = json.loads(_outbox(tmp_path, "south", "tracks")[0][1])  # south's track published under north
    wrong_version = json.loads(good[5]) | {"schema_version": 7}
    items = [*good[:3], json.dumps(bad_thumbnail), *good[4:5], json.dumps(south), json.dumps(wrong_version)]
    items += [*good[6:], "[1, 2]"]
    ingest = Ingest(hub_store, NOWHERE, instance="tx")

    assert ingest.handle(topic, batch.envelope(items).encode()) == "tracks"

    expected = {json.loads(p)["record"]["id"] for p in good} - {bad_thumbnail["record"]["id"]}
    expected -= {wrong_version["record"]["id"]}
    assert len(expected) == 10
    assert _ids(hub_store.engine, tracks) == expected
    assert _ids(hub_store.engine, track_features) == expected  # the search index, written with them
    assert _ids(hub_store.engine, cameras) == {"gate"}
    assert ingest.refused == {"bad thumbnail": 1, "wrong site": 1, "unknown version": 1, "malformed": 1}
    saved = {p.stem for p in (tmp_path / "hub-media" / "north" / "gate").glob("*.jpg")}
    sent = {m["record"]["id"].replace(":", "_") for m in map(json.loads, good) if m["thumbnail_jpeg"]}
    assert saved == sent - {m["record"]["id"].replace(":", "_") for m in (bad_thumbnail, wrong_version)}


@pytest.mark.parametrize("order", ["open then closed", "closed then open"])
def test_two_versions_of_one_event_in_one_batch_store_the_newer(tmp_path: Path, hub_store: Store, order: str) -> None:
    rows = _outbox(tmp_path, "north", "events")
    topic = rows[0][0]
    versions = _two_versions(rows)
    if order == "closed then open":  # an old version sent again after the newer one
        versions.reverse()
    others = [p for _t, p in rows[:6] if json.loads(p)["id"] != json.loads(versions[0][1])["id"]]
    items = [others[0], versions[0][1], *others[1:3], versions[1][1], *others[3:]]
    ingest = Ingest(hub_store, NOWHERE, instance="tx")

    ingest.handle(topic, batch.envelope(items).encode())

    closed = json.loads(next(p for status, p in versions if status == "closed"))
    stored = _event_versions(hub_store.engine)
    assert stored[closed["id"]] == ("closed", closed["end_s"])
    # stored one message at a time, the same versions end the same way
    one_by_one = open_store(_config(tmp_path), str(tmp_path / f"one-by-one-{hub_store.engine.dialect.name}.db"))
    try:
        alone = Ingest(one_by_one, NOWHERE, instance="alone")
        for payload in items:
            alone.handle(topic, payload.encode())
        assert _event_versions(one_by_one.engine) == stored
    finally:
        one_by_one.engine.dispose()


def _impatient(url: str) -> str:
    """The same schema, but connections that give up waiting for a lock after 2 s (instead of forever)."""
    parsed = sa.make_url(url)
    options = f"{parsed.query.get('options', '')} -clock_timeout=2000".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(False)


class RowLock:
    """Another connection's transaction holding one event's row (``SELECT ... FOR UPDATE``) until released."""

    def __init__(self, url: str, event_id: str) -> None:
        self._engine = sa.create_engine(url, poolclass=sa.NullPool)
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        locked = self._conn.execute(sa.select(events.c.id).where(events.c.id == event_id).with_for_update()).all()
        assert len(locked) == 1

    def release(self) -> None:
        """End the transaction (nothing written) and close."""
        self._tx.rollback()
        self._conn.close()
        self._engine.dispose()


def _held_batch(tmp_path: Path) -> tuple[str, list[str], str, str]:
    """``(topic, batch items, the event stored before, its newer version)``: items around that newer version."""
    rows = _outbox(tmp_path, "north", "events")
    topic = rows[0][0]
    (_, opened), (_, closed) = _two_versions(rows)
    locked_id = json.loads(opened)["id"]
    others = [p for _t, p in rows if json.loads(p)["id"] != locked_id][:6]
    return topic, [*others[:4], closed, *others[4:]], opened, locked_id


def test_a_batch_whose_transaction_fails_stores_nothing_and_all_of_it_when_it_comes_again(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    topic, items, opened, locked_id = _held_batch(tmp_path)
    store = open_store(_config(tmp_path), _impatient(fresh_postgres_url))
    ingest = Ingest(store, NOWHERE, instance="tx")
    ingest.handle(topic, opened.encode())  # the event's first version, stored before the batch comes
    before = _event_versions(store.engine)
    payload = batch.envelope(items).encode()
    lock = RowLock(fresh_postgres_url, locked_id)
    try:
        # the first four items are upserted, then the fifth waits for the locked row and the statement fails
        with pytest.raises(StoreError):
            ingest.handle(topic, payload)
    finally:
        lock.release()
    assert _event_versions(store.engine) == before  # none of the four before it, nothing half-stored

    assert ingest.handle(topic, payload) == "events"  # the broker sends it again

    expected = {json.loads(p)["id"] for p in items}
    stored = _event_versions(store.engine)
    assert set(stored) == expected
    assert stored[locked_id][0] == "closed"
    assert ingest.refused == {}
    store.engine.dispose()


def test_the_broker_sends_a_batch_the_database_failed_on_again_and_it_is_stored_then(
    tmp_path: Path, broker: Broker, fresh_postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="camsight.transport.ingest")
    topic, items, opened, locked_id = _held_batch(tmp_path)
    store = open_store(_config(tmp_path), _impatient(fresh_postgres_url))
    settings = BrokerSettings.parse(broker.url)
    Ingest(store, settings, instance="tx").handle(topic, opened.encode())
    before = _event_versions(store.engine)
    confirmed: list[Any] = []
    got = threading.Event()

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        confirmed.append(json.loads(message.payload))
        got.set()

    edge = broker.client("edge-x")
    edge.on_message = on_message
    edge.subscribe(topics.ack_topic("north", "edge-x"), qos=1)
    first = Ingest(store, settings, instance="tx")
    first.start()
    lock = RowLock(fresh_postgres_url, locked_id)
    try:
        wait_for(lambda: first.state == "subscribed", 30, "the hub to subscribe")
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.UserProperty = [("outbox", ",".join(str(i) for i in range(1, len(items) + 1))), ("edge", "edge-x")]
        edge.publish(topic, batch.envelope(items), qos=1, properties=props).wait_for_publish(timeout=10)
        wait_for(
            lambda: any("could not store a message" in r.getMessage() for r in caplog.records),
            30,
            "the hub to fail on the locked row",
        )
        first.stop()  # unacknowledged: the broker keeps it in this hub's session
    finally:
        lock.release()
    assert _event_versions(store.engine) == before
    assert confirmed == []
    again = Ingest(store, settings, instance="tx")  # the same client id: the same session
    again.start()
    try:
        assert got.wait(30), "the batch did not come again"
    finally:
        again.stop()
        edge.disconnect()
        edge.loop_stop()
    assert confirmed == [{"ids": list(range(1, len(items) + 1))}]
    assert again.accepted["events"] == len(items)
    assert set(_event_versions(store.engine)) == {json.loads(p)["id"] for p in items}
    store.engine.dispose()
