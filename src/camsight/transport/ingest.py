"""A hub's side of MQTT: subscribe (shared, so hub processes split the load), check, store, then acknowledge.

Every message is checked before anything is stored: its size (:data:`~.messages.MAX_PAYLOAD`), that it
parses as the model its topic announces with a ``schema_version`` this hub knows, and that the site in
the payload is the site of the topic (an edge may not speak for another). A bad message is refused with
a logged reason and counted (:attr:`Ingest.refused`), never stops ingestion, and is acknowledged so the
broker does not send it again. A good one is stored through the same tables and repositories as at the
edge (events and tracks upserted by id, the search index written with them, the thumbnail saved in the
hub's media folder), in one transaction per message, and acknowledged only after the commit: a hub
killed mid-message, or one whose database failed, gets the whole message again.

After the commit the hub also confirms the message to the edge that sent it (the outbox row id and
client id travel as MQTT 5 user properties; the confirmation goes to :func:`~.topics.ack_topic`): the
edge deletes its row only then, so a broker that loses what it had acknowledged loses nothing (no
``edge`` property: the site's own edge, :func:`~.topics.edge_client_id`; the hub says it reads that and
runs of ids with ``reads`` = ``short-properties``). Once
subscribed, each hub process sets its retained presence (:func:`~.topics.presence_topic`) to ``online``;
its last will clears it. Edges send only while some hub is present.

A message may be a batch of rows of one topic (:mod:`camsight.transport.batch`; the hub says it reads
them with the ``reads`` = ``batch`` user property on its presence): each item is checked as a message of
its own would be (a bad item is refused and counted, never stopping the others), then every good item is
stored in that one transaction (one statement per table, so a batch of 100 rows costs one commit, not 100),
and all the rows listed are confirmed together after the commit. The hub reads the compact forms too
(:mod:`camsight.transport.compact`; it says so with ``reads`` = ``compact-1``, ``compact-2`` and ``compact-3``): fields
at their default left out, a track message of version 2 with its path packed (stored unpacked, as the
edge stored it), payloads compressed with the preset dictionary of :mod:`~camsight.transport.wire`; in
form 2 also what the hub derives exactly (site and camera from the topic, ids and media paths from the
edge's naming rules), restored by :func:`~camsight.transport.compact.expand` before an item is checked;
in form 3 a source it holds named by id (read from what it stored of it). A message with an item naming
a source this hub holds nothing of is stored without that item and not confirmed (:attr:`Ingest.unconfirmed`):
its edge sends it again with every source whole.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from typing import Any, TypeAlias

import numpy as np
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from camsight.core.records import TrackRecord
from camsight.events.models import EVENT_ADAPTER, SCHEMA_VERSION, AnyEvent, EventBase
from camsight.search.index_writer import store_tracks
from camsight.store import edges_repo, events_repo, sources_repo
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.handle import Store
from camsight.transport import batch, compact, mqtt, topics, wire
from camsight.transport.messages import MAX_PAYLOAD, CameraStatus, EdgeStatus, TrackMessage

log = logging.getLogger(__name__)

#: One checked item of a message, as :meth:`Ingest._one` makes it of the item's JSON object.
Item: TypeAlias = AnyEvent | TrackRecord | CameraStatus | EdgeStatus


class Refused(ValueError):
    """A message the hub does not store, and why."""


class Ingest:
    """Subscribes to every site's messages and stores them in the hub's store.

    Args:
        store: The hub's store (PostgreSQL in production; SQLite works for one hub process).
        settings: The broker.
        group: The shared-subscription group; hub processes of one group split the messages.
        instance: This process's name within the group (each process of a group needs its own).
    """

    def __init__(
        self, store: Store, settings: mqtt.BrokerSettings, *, group: str = "camsight-hub", instance: str = "1"
    ) -> None:
        self.store = store
        self.settings = settings
        self.group = group
        self.instance = instance
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.unconfirmed = 0  # messages stored without the items that named a source not held here, not confirmed
        self.state = "connecting"
        self._sources: dict[tuple[str, str], str] = {}  # (site, source id) -> uri, of sources stored here
        # a stable client id: the broker keeps this process's session (and queues its share) while it is down
        self._client = mqtt.client(settings, client_id=f"camsight-hub-{group}-{instance}", manual_ack=True)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.on_connect_fail = self._on_connect_fail
        self._presence = topics.presence_topic(group, instance)
        self._client.will_set(self._presence, b"", qos=1, retain=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Connect and subscribe (in paho's network thread)."""
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=30,
            clean_start=False,
            properties=mqtt.connect_properties(),
        )
        self._client.loop_start()

    def stop(self) -> None:
        """Clear this process's presence and disconnect."""
        with contextlib.suppress(RuntimeError, ValueError):  # not connected: the will clears it
            self._client.publish(self._presence, b"", qos=1, retain=True).wait_for_publish(timeout=5)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self.state = f"refused by the broker: {reason}"
            log.error("hub: the broker at %s refused: %s", self.settings.display, reason)
            return
        self.state = "connected"
        client.subscribe([(topic, 1) for topic in topics.hub_subscriptions(self.group)])

    def _on_connect_fail(self, _client: Any, _userdata: Any) -> None:
        if self.state in ("connecting", "connected", "subscribed"):  # say it once; paho retries
            self.state = mqtt.why_unreachable(self.settings)
            log.error("hub: %s; retrying", self.state)

    def _on_subscribe(self, client: Any, _userdata: Any, _mid: int, reasons: list[Any], _props: Any) -> None:
        refused = [str(r) for r in reasons if r.is_failure]
        if refused:
            self.state = f"subscription refused by the broker: {', '.join(refused)}"
            log.error("hub: the broker at %s refused the subscriptions: %s", self.settings.display, refused)
            return
        self.state = "subscribed"
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        props.UserProperty = [batch.READS, *compact.HUB_READS, batch.READS_SHORT]
        client.publish(self._presence, b"online", qos=1, retain=True, properties=props)

    def _on_message(self, client: Any, _userdata: Any, message: Any) -> None:
        later = 0  # items naming a source not held here
        try:
            content_type = getattr(getattr(message, "properties", None), "ContentType", None)
            kind, stored, later = self._handle(message.topic, bytes(message.payload), content_type)
            with self._lock:
                self.accepted[kind] += stored
                self.unconfirmed += bool(later)
        except Refused as why:
            with self._lock:
                self.refused[str(why).split(":", 1)[0]] += 1
            log.warning("hub: refused a message on %s: %s", message.topic, why)
        except Exception:  # a database problem: not acknowledged, so the broker sends it again
            log.exception("hub: could not store a message on %s; it will come again", message.topic)
            return
        if later:  # its edge sends it again, each source whole; the rest of it is stored (upserts: harmless)
            log.warning(
                "hub: %d item(s) on %s name a source this hub holds nothing of; not confirmed, the edge sends "
                "them again",
                later,
                message.topic,
            )
        else:
            self._confirm(client, message)
        client.ack(message.mid, message.qos)

    def _confirm(self, client: Any, message: Any) -> None:
        """Tell the sending edge its outbox row is stored (refused rows too: they would never be accepted)."""
        props = dict(getattr(getattr(message, "properties", None), "UserProperty", None) or [])
        row = props.get("outbox")
        ids = batch.parse_ids(row) if row is not None else None
        if ids is None:
            return
        try:
            site = topics.parse(message.topic)[0]
        except ValueError:
            site = message.topic.split("/")[1] if message.topic.count("/") >= 1 else ""
        edge = props.get("edge") or topics.edge_client_id(site)  # left out: the site's own edge
        if not site or "/" in edge or "+" in edge or "#" in edge:
            return
        client.publish(topics.ack_topic(site, edge), json.dumps({"ids": ids}), qos=1)

    def handle(self, topic: str, payload: bytes, content_type: str | None = None) -> str:
        """Check and store one message (JSON, or zlib-compressed JSON: see :mod:`~camsight.transport.wire`).

        A batch's items are checked one by one: a bad item is refused (logged, counted) and the rest stored,
        all in one transaction. Returns the message's kind (``events``, ``tracks``, ``status``, ``edge``).

        Raises:
            Refused: The message is malformed, too large, of an unknown version, or speaks for another site.
            StoreError: The database failed; nothing of the message is stored (it may be handled again).
        """
        return self._handle(topic, payload, content_type)[0]

    def _handle(self, topic: str, payload: bytes, content_type: str | None) -> tuple[str, int, int]:
        """``(kind, items stored, items left for later)`` of one message (see :meth:`handle`).

        An item left for later names a source this hub holds nothing of (compact form 3): the message is
        not confirmed, so the edge sends it again, carrying each source whole.
        """
        if len(payload) > MAX_PAYLOAD:
            raise Refused(f"too large: {len(payload)} bytes (at most {MAX_PAYLOAD})")
        try:
            site, kind, camera = topics.parse(topic)
        except ValueError as exc:
            raise Refused(f"unknown topic: {exc}") from None
        try:
            text = wire.decode(payload, content_type)
        except wire.WireError as exc:
            raise Refused(str(exc)) from None
        data = _json(text.encode())
        if not batch.is_batch(data):
            try:
                alone = self._one(kind, site, camera, data)
            except compact.UnknownSource:
                return kind, 0, 1
            self._store(site, [alone])
            return kind, 1, 0
        if data.get("schema_version") != batch.SCHEMA_VERSION:
            raise Refused(
                f"unknown version: batch schema_version {data.get('schema_version')!r} "
                f"(this hub knows {batch.SCHEMA_VERSION})"
            )
        items = data.get("items")
        if not isinstance(items, list) or kind not in ("events", "tracks"):
            raise Refused("malformed: a batch has a list of items, of events or tracks")
        checked: list[Item] = []
        later = 0
        for item in items:
            try:
                one = self._item(topic, kind, site, camera, item)
            except compact.UnknownSource:
                later += 1
                continue
            if one is not None:
                checked.append(one)
        self._store(site, checked)
        return kind, len(checked), later

    def _item(self, topic: str, kind: str, site: str, camera: str | None, item: object) -> Item | None:
        """A batch's item checked, or None when it is refused (logged and counted here).

        Raises:
            UnknownSource: It names a source this hub holds nothing of (it is not refused: it comes again).
        """
        try:
            if not isinstance(item, dict):
                raise Refused("malformed: a batch item is not a JSON object")
            return self._one(kind, site, camera, item)
        except Refused as why:
            with self._lock:
                self.refused[str(why).split(":", 1)[0]] += 1
            log.warning("hub: refused an item of a batch on %s: %s", topic, why)
            return None

    def _one(self, kind: str, site: str, camera: str | None, data: dict[str, Any]) -> Item:
        """The one place an item's JSON object becomes a model: checked, nothing stored yet (raises Refused)."""
        data = compact.expand(kind, site, camera, data, sources=self._source_of)  # left-out fields, as at the edge
        version = data.get("schema_version")
        if kind == "events":
            return self._event(site, camera, data, version)
        if kind == "tracks":
            return self._track(site, camera, data, version)
        if kind == "status":
            return self._status(site, camera, data, version)
        return self._edge(site, data, version)

    def _source_of(self, site: str, source_id: str) -> str | None:
        """The uri of a source this hub stored something of (form 3 names it by id), or None."""
        key = (site, source_id)
        with self._lock:
            found = self._sources.get(key)
        if found is None:
            with self.store.engine.connect() as conn:
                found = sources_repo.uri_of(conn, site=site, source_id=source_id)
            if found is not None:
                with self._lock:
                    self._sources[key] = found  # a source id stands for one uri (it is made of it, or per run)
        return found

    def _store(self, site: str, items: Sequence[Item]) -> None:
        """Store a message's checked items in one transaction: all of them, or none when the database fails.

        Events go through :func:`~camsight.store.events_repo.upsert_newer_events` in their order (one call
        per run of items of one source), so a newer version wins within a batch as across messages; track
        records in one upsert, their cameras once each, and the search index once for them all.
        """
        if not items:
            return
        run_id = f"hub:{site}"
        events = [i for i in items if isinstance(i, EventBase)]
        records = [i for i in items if isinstance(i, TrackRecord)]
        with writing(self.store.engine) as conn:
            for source_id, same_source in groupby(events, key=lambda e: e.source_id or f"{site}:{e.source}"):
                events_repo.upsert_newer_events(conn, events=list(same_source), source_id=source_id, run_id=run_id)
            if records:
                for camera in dict.fromkeys(r.camera for r in records):
                    repo.upsert_camera(conn, camera_id=camera, source=None, site=site)
                repo.upsert_tracks(conn, records=records, run_id=run_id)
                store_tracks(conn, records)
            for item in items:
                if isinstance(item, CameraStatus):
                    repo.upsert_camera(conn, camera_id=item.camera, source=None, site=site)
                    edges_repo.record_camera(
                        conn, site=site, camera=item.camera, state=item.state, reason=item.reason, at=item.at
                    )
                elif isinstance(item, EdgeStatus):
                    edges_repo.record_edge(
                        conn,
                        site=site,
                        state=item.state,
                        url=item.url,
                        model=(item.model_version, item.model_sha256),
                        model_problem=item.model_problem,
                        at=item.at,
                    )

    def _event(self, site: str, camera: str | None, data: dict[str, Any], version: object) -> AnyEvent:
        if version != SCHEMA_VERSION:
            raise Refused(f"unknown version: event schema_version {version!r} (this hub knows {SCHEMA_VERSION})")
        event: AnyEvent = _valid(lambda: EVENT_ADAPTER.validate_python(data), "event")
        _same_place(site, camera, event.site, event.camera)
        return event

    def _track(self, site: str, camera: str | None, data: dict[str, Any], version: object) -> TrackRecord:
        if version not in (1, 2):
            raise Refused(f"unknown version: track message schema_version {version!r} (this hub knows 1, 2)")
        message: TrackMessage = _valid(lambda: TrackMessage.model_validate(data), "track")
        record = message.full_record()
        _same_place(site, camera, record.site, record.camera)
        thumbnail = self._thumbnail(
            record.site, record.camera, record.id, message.thumbnail_jpeg, at_edge=bool(record.thumbnail)
        )
        return record.model_copy(update={"thumbnail": thumbnail})

    def _thumbnail(self, site: str, camera: str, track_id: str, data: str | None, at_edge: bool) -> str | None:
        """Where the hub keeps the track's thumbnail: saved now when it came along.

        When only the edge has it (``at_edge``), the same path, written on demand
        (:func:`camsight.services.remote_clips.thumbnail`).
        """
        safe = track_id.replace(":", "_").replace("/", "_")
        relpath = f"{site}/{camera}/{safe}.jpg"
        if not data:
            return relpath if at_edge else None
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("bad thumbnail: not base64") from None
        import cv2

        image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise Refused("bad thumbnail: not a JPEG")
        return self.store.media.save_jpeg(relpath, np.asarray(image, np.uint8))

    def _status(self, site: str, camera: str | None, data: dict[str, Any], version: object) -> CameraStatus:
        if version != 1:
            raise Refused(f"unknown version: camera status schema_version {version!r} (this hub knows 1)")
        status: CameraStatus = _valid(lambda: CameraStatus.model_validate(data), "camera status")
        _same_place(site, camera, status.site, status.camera)
        return status

    def _edge(self, site: str, data: dict[str, Any], version: object) -> EdgeStatus:
        if version != 1:
            raise Refused(f"unknown version: edge status schema_version {version!r} (this hub knows 1)")
        status: EdgeStatus = _valid(lambda: EdgeStatus.model_validate(data), "edge status")
        _same_place(site, None, status.site, None)
        return status


def _json(payload: bytes) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise Refused("malformed: not JSON") from None
    if not isinstance(data, dict):
        raise Refused("malformed: not a JSON object")
    return data


def _valid(parse: Any, what: str) -> Any:
    try:
        return parse()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Refused(f"malformed: {what} {where}: {first['msg']}") from None


def _same_place(site: str, camera: str | None, payload_site: str, payload_camera: str | None) -> None:
    if payload_site != site or (camera is not None and payload_camera != camera):
        raise Refused(f"wrong site: the payload is of {payload_site}/{payload_camera}, published under {site}/{camera}")
