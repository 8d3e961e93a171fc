"""The compact forms through a real Mosquitto into a real hub on PostgreSQL: the same store, search and all.

Three real clips are analysed (real detector and describer) by an edge whose hub no broker answers, so
its outbox keeps every row; a loitering rule of 1 s with ``hub.event_update_s: 0`` writes every version
of its events (sent as one backlog, an event's versions travel in one batch). The same outbox then goes
four times, to four hub stores: once to a hub of this release (compact form 3: defaults and what the
topic and the edge's naming rules give left out, packed paths in track messages of version 2, an event's
newest version per batch, a source the hub confirmed by its id, raw DEFLATE with the preset dictionary),
once while a hub process of the release before (form 2, not 3) is present too, once while one that reads
only compact form 1 is, and once while one that reads batches and no compact forms is: to the last two
the edge sends full items of version 1, every version, no dictionary. Every hub store holds exactly what
the edge stored (every track record, every event's last version), and the same searches give the same
results. A hub whose store holds nothing of a source named by id gets the message again, each source whole.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import pg
from camsight.apps.analyze import Analyzer
from camsight.config import Config
from camsight.core.records import TrackRecord
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.services import search
from camsight.services.actor import Actor
from camsight.sources import SourceSpec
from camsight.store import connect, events_repo, list_tracks, open_store
from camsight.store.schema import outbox, track_features
from camsight.transport import batch, compact, topics
from camsight.transport.ingest import Ingest
from camsight.transport.messages import TrackMessage
from camsight.transport.mqtt import BrokerSettings
from camsight.transport.publisher import Publisher
from mqtt_broker import Broker
from rtsp_helpers import DATA, wait_for

CLIPS = ("intel_worker-zone-detection_preview.mp4", "intel_people-detection_preview.mp4", "gmdcsa24_s4_adl_19.mp4")
SEARCHES = ("person", "person in black", "person standing still", "person walking", "person in a white top")


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An edge store with its outbox unsent: the clips analysed with site east and a hub no broker answers."""
    folder = tmp_path_factory.mktemp("edge")
    config = Config.model_validate(
        {
            "site": "east",
            "hub": {"mqtt": "mqtt://127.0.0.1:1", "drain_timeout_s": 0, "event_update_s": 0},
            "cameras": [{"id": "gate", "fps": 5, "rules": [{"kind": "loitering", "name": "stay", "min_dwell_s": 1}]}],
        }
    )
    store = open_store(config, str(folder / "edge.db"))
    analyzer = Analyzer(config, store)
    for clip in CLIPS:
        analyzer.analyze(SourceSpec(DATA / clip, "video"), config.cameras[0])
    store.engine.dispose()
    return folder / "edge.db"


def _stored(url: str) -> tuple[dict[str, TrackRecord], dict[str, AnyEvent], list[tuple[Any, ...]]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            tracks = {r.id: r for r in list_tracks(conn, limit=10**6)}
            events = {e.id: e for e in events_repo.list_events(conn, limit=10**6)}
            features = sorted(tuple(r) for r in conn.execute(sa.select(track_features)))
        return tracks, events, features
    finally:
        engine.dispose()


def _searches(url: str) -> list[list[tuple[str, float, tuple[str, ...]]]]:
    engine = connect(url)
    try:
        with engine.begin() as conn:
            return [
                [
                    (h.record.id, h.score, h.evidence)
                    for h in search.search(
                        conn, actor=Actor(name="test"), text=text, now=datetime.now(UTC), semantic=False, limit=50
                    ).result.hits
                ]
                for text in SEARCHES
            ]
    finally:
        engine.dispose()


def _rows(db: Path) -> int:
    engine = connect(str(db))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one())
    finally:
        engine.dispose()


def _send(
    db: Path, broker: Broker, hub_url: str, *, old_hub: list[tuple[str, str]] | None, form: int = 3
) -> tuple[Publisher, Ingest]:
    """Send the whole outbox of ``db`` to a hub storing into ``hub_url``; returns the stopped edge and hub.

    ``old_hub``: what a hub process of an earlier release present too says it reads; none: no such hub.
    ``form``: the compact form the edge must then send (0: none).
    Each hub is a group of its own: what one had not yet acknowledged to the broker when it stopped is not
    given to the next.
    """
    old_hub_present = old_hub is not None
    group = f"old-{len(old_hub)}" if old_hub is not None else "compact-only"
    sends = "no compact form" if form == 0 else f"compact form {form}"
    ingest = Ingest(open_store(Config(), hub_url), BrokerSettings.parse(broker.url), group=group, instance="1")
    ingest.start()
    old = paho.Client(CallbackAPIVersion.VERSION2, client_id="old-hub", protocol=paho.MQTTv5)
    old.connect("127.0.0.1", broker.port)
    old.loop_start()
    presence = topics.presence_topic("camsight-hub", "old")
    # The whole backlog in one take, whatever its age: with the default batch_s an outbox younger than it
    # sends the events' first versions at once as live alerts, apart from the versions that follow them.
    edge = Publisher(
        connect(str(db)),
        BrokerSettings.parse(broker.url),
        site="east",
        client_id="edge-east",
        batch_s=0,
        in_flight=100_000,
    )
    try:
        wait_for(lambda: ingest.state == "subscribed", 30, "the hub to subscribe")
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.UserProperty = old_hub or [batch.READS]  # a hub of a release before: not compact form 2
        said = b"online" if old_hub_present else b""
        old.publish(presence, said, qos=1, retain=True, properties=props).wait_for_publish(timeout=10)
        edge.start()
        # the retained presences arrive one by one: wait until the edge has read both (an old hub: not compact)
        wait_for(
            lambda: edge.hub_online and edge.batching and (edge.form if edge.compact else 0) == form,
            30,
            f"the edge to see the hubs and send {sends}",
        )
        assert edge.drain(120), "the outbox did not drain"
    finally:
        edge.stop()
        old.publish(presence, b"", qos=1, retain=True).wait_for_publish(timeout=10)
        old.disconnect()
        old.loop_stop()
        ingest.stop()
    return edge, ingest


def test_a_hub_stores_and_finds_the_same_from_compact_forms_as_from_full_ones(
    tmp_path: Path, edge: Path, broker: Broker, postgres_server: str
) -> None:
    at_edge_tracks, at_edge_events, _ = _stored(str(edge))
    rows = _rows(edge)
    versions = rows - len(at_edge_tracks)
    assert len(at_edge_tracks) >= 3
    assert versions > len(at_edge_events)  # every version of every event waits in the outbox
    for record in at_edge_tracks.values():  # the edge stores places in thousandths of the frame
        assert all(round(v, 3) == v for _, x, y in record.path for v in (x, y))
    assert all(round(e.score, 4) == e.score for e in at_edge_events.values())  # and scores to 4 decimals
    copies = [tmp_path / n for n in ("compact.db", "full.db", "beside-compact-1.db", "beside-compact-2.db")]
    for copy in copies:
        shutil.copyfile(edge, copy)
    with (
        pg.schema_url(postgres_server) as compact_url,
        pg.schema_url(postgres_server) as full_url,
        pg.schema_url(postgres_server) as beside_url,
        pg.schema_url(postgres_server) as form_2_url,
    ):
        small, small_hub = _send(copies[0], broker, compact_url, old_hub=None)
        whole, whole_hub = _send(copies[1], broker, full_url, old_hub=[batch.READS], form=0)
        # a hub process of two releases before reads compact form 1 only: the edge sends it no form 2 or 3
        beside, beside_hub = _send(copies[2], broker, beside_url, old_hub=[batch.READS, compact.READS_1], form=0)
        # one of the release before reads form 2 and not 3: the edge sends form 2
        form_2_reads = [batch.READS, compact.READS_1, compact.READS, batch.READS_SHORT]
        form_2, form_2_hub = _send(copies[3], broker, form_2_url, old_hub=form_2_reads, form=2)
        assert [_rows(c) for c in copies] == [0, 0, 0, 0]  # every row confirmed and deleted at the edge
        assert min(small.sent, whole.sent, beside.sent, form_2.sent) >= rows
        assert small_hub.refused == whole_hub.refused == beside_hub.refused == form_2_hub.refused == {}
        for hub in (whole_hub, beside_hub):  # full items, every version
            assert (hub.accepted["events"], hub.accepted["tracks"]) == (versions, len(at_edge_tracks))
        assert small_hub.accepted["tracks"] == form_2_hub.accepted["tracks"] == len(at_edge_tracks)
        assert small_hub.accepted["events"] < versions  # an event's older versions left out of its batches
        by_compact, by_full = _stored(compact_url), _stored(full_url)
        assert by_compact == by_full == _stored(beside_url) == _stored(form_2_url)  # tracks, events, search index
        tracks, events, _ = by_compact
        assert events == at_edge_events  # every event, at its last version
        assert set(tracks) == set(at_edge_tracks)
        for track_id, record in at_edge_tracks.items():  # every field as the edge stored it; the hub's thumbnail
            assert tracks[track_id] == record.model_copy(update={"thumbnail": tracks[track_id].thumbnail})
        found = _searches(compact_url)
        assert found == _searches(full_url)
        assert found[0]  # "person" finds them


def _source(row: dict[str, Any]) -> str:
    return str(compact.source_of(row["topic"], row["payload"]))


def test_a_hub_that_holds_nothing_of_a_source_named_by_id_gets_it_again_whole(
    tmp_path: Path, edge: Path, broker: Broker, postgres_server: str
) -> None:
    """Form 3 names a source the hub confirmed by its id; a hub whose store lacks it (a new database) leaves
    the message unconfirmed, and the edge sends it again with every source whole: nothing is lost."""
    copy = tmp_path / "edge.db"
    shutil.copyfile(edge, copy)
    engine = connect(str(copy))
    with engine.begin() as conn:
        saved = [dict(r) for r in conn.execute(sa.select(outbox).order_by(outbox.c.id)).mappings()]
        first = {_source(r): r["id"] for r in reversed(saved)}  # each source's first row
        conn.execute(outbox.delete().where(outbox.c.id.not_in(list(first.values()))))
    later = [r for r in saved if r["id"] not in first.values()]
    for row in (r for r in later if "/tracks/" in r["topic"]):  # form 3: the paths go in thousandths
        assert json.loads(compact.compact(row["topic"], row["payload"], form=3))["path"]["p"] == 3
    at_edge_tracks, at_edge_events, _ = _stored(str(copy))
    publisher = Publisher(
        engine, BrokerSettings.parse(broker.url), site="east", client_id="edge-east-3", batch_s=0, resend_s=3
    )
    with pg.schema_url(postgres_server) as first_url, pg.schema_url(postgres_server) as new_url:
        hub = Ingest(open_store(Config(), first_url), BrokerSettings.parse(broker.url), group="held", instance="1")
        hub.start()
        publisher.start()
        try:
            wait_for(lambda: publisher.form == 3, 30, "the edge to see a hub that reads form 3")
            assert publisher.drain(60), "the first rows did not drain"
            assert publisher.held_sources == set(first)  # each confirmed with its source whole
            hub.stop()
            wait_for(lambda: not publisher.hub_online, 30, "the edge to see the hub go")
            new = Ingest(open_store(Config(), new_url), BrokerSettings.parse(broker.url), group="new", instance="1")
            new.start()
            try:
                with engine.begin() as conn:
                    conn.execute(outbox.insert(), later)
                wait_for(lambda: publisher.form == 3, 30, "the edge to see the new hub")
                assert publisher.drain(90), "the outbox did not drain"
            finally:
                new.stop()
        finally:
            publisher.stop()
        assert new.unconfirmed >= 1  # it held nothing of the sources named by id: not confirmed at first
        assert new.refused == {}
        tracks, events, _ = _stored(new_url)
        sent_tracks = {
            TrackMessage.model_validate_json(r["payload"]).record.id for r in later if "/tracks/" in r["topic"]
        }
        sent_events = {EVENT_ADAPTER.validate_json(r["payload"]).id for r in later if "/events/" in r["topic"]}
        assert sent_tracks
        assert sent_events
        assert sent_tracks <= set(tracks)  # none lost
        assert sent_events <= set(events)
        assert {i: tracks.get(i) for i in sent_tracks} == {  # every field as the edge stored it
            i: at_edge_tracks[i].model_copy(update={"thumbnail": tracks[i].thumbnail}) for i in sent_tracks
        }
        assert {i: events.get(i) for i in sent_events} == {i: at_edge_events[i] for i in sent_events}
    engine.dispose()
