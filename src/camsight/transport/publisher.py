"""Sending the outbox: QoS 1 on a persistent session, and a row deleted only when it is safe at the hub.

:class:`Publisher` runs paho's network loop in its own thread and feeds it the outbox in id order,
at most :data:`IN_FLIGHT` rows at a time. Each message carries its outbox row id (an MQTT 5 user
property). The broker's PUBACK says the broker has it; the row is deleted when the hub says it stored
it: the hub answers on ``camsight/{site}/acks/{client id}`` with the row ids it committed. This matters
because a broker on Mosquitto's in-memory defaults that is killed -9 loses what it had acknowledged but
not yet delivered: with the broker's PUBACK alone, those rows would be gone. Rows the hub has not
confirmed :data:`RESEND_S` seconds after they were sent, and every unconfirmed row after a
reconnection, are sent again; a duplicate is harmless (the hub upserts by id).

Rows go several to a message when every hub present reads batches (:mod:`camsight.transport.batch`):
one batch per topic per publish round, its rows' ids in the ``outbox`` user property; the hub confirms
them all once it stored them, and each row is deleted only then. An event's first version (a live
alert) is sent at once; other rows wait until the oldest of them is ``batch_s`` old (or a batch is
full), so that they travel together. While every hub present reads the compact forms as well
(:mod:`camsight.transport.compact`), the batches carry those, compressed with the preset dictionary; in
form 3 (every hub present reads it) as raw DEFLATE, each source whole until the hub has confirmed an item
that carried it (:attr:`Publisher.held_sources`), then by its id. A row sent again makes every source
go whole again (a hub that holds nothing of a source named by id does not confirm the message).

Each topic goes by an MQTT 5 topic alias once named (:mod:`camsight.transport.aliases`; as many as the
broker allows): when it reconnects, the publisher drops what paho holds unacknowledged, which may name
its topic by an alias the new connection does not know, and sends those rows again. To hubs that read
the short user properties (:data:`~camsight.transport.batch.READS_SHORT`), runs of row ids go as
``first-last`` and a site's own client id (:func:`~camsight.transport.topics.edge_client_id`) is left
out: the hub confirms to it.

The edge publishes only while a hub announces itself online (a retained message each hub process sets
once it has subscribed, cleared by its last will): after a broker restart nothing is sent before a hub
is listening again, and after any presence changes nothing is sent for :data:`PRESENCE_SETTLE_S`, so
the retained presences the broker gives one after another are all read before a form is chosen.
Wrong credentials are reported (``state``, ``problem``) and retried with backoff; the outbox is kept.
The edge's heartbeat and its last will ("offline", retained) use this connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from camsight.store.errors import writing
from camsight.transport import batch, compact, mqtt, outbox, topics, wire
from camsight.transport.aliases import TopicAliases
from camsight.transport.messages import CameraStatus, EdgeStatus

log = logging.getLogger(__name__)
IN_FLIGHT = 200
"""Most rows sent and not yet confirmed by the hub."""
RESEND_S = 30.0
"""A row the hub has not confirmed this long after it was sent is sent again."""
SHORT_SESSION_S = 600
"""How long the broker keeps the session of a one-off sender (``analyze``, ``outbox send``)."""
POLL_S = 0.2
"""How often the outbox is looked at when there is nothing to do."""
BATCH_S = 60.0
"""Longest a row other than an event's first version waits to travel in a batch with others."""
PRESENCE_SETTLE_S = 0.5
"""After a hub's presence changes, nothing is sent for this long: the broker gives the retained presences
one after another, and the form sent (batches, compact forms) must be one every hub present reads."""


class Publisher:
    """Publishes one store's outbox (see the module docstring).

    Args:
        engine: The edge's store.
        settings: The broker.
        site: This edge's site (its topics, heartbeat and will).
        api_url: This edge's API as the hub reaches it, announced in the heartbeat.
        heartbeat_s: Seconds between heartbeats.
        model: ``(version, sha256)`` of the detector this edge runs, for the heartbeat.
        client_id: The MQTT client id of a long-running edge (a session the broker keeps for a week);
            default: one per process, whose session the broker forgets :data:`SHORT_SESSION_S` after it left.
        resend_s: Send a row again when the hub has not confirmed it this long after it was sent.
        in_flight: Most rows sent and not yet confirmed.
        on_model: Called (in paho's thread) with each model announcement of the hub; none: not subscribed.
        batch_s: Longest a row waits for others to travel with (an event's first version does not wait);
            0: every row as soon as it is there. Batches are sent only to hubs that read them.
    """

    def __init__(
        self,
        engine: sa.Engine,
        settings: mqtt.BrokerSettings,
        *,
        site: str,
        api_url: str | None = None,
        heartbeat_s: float = 300.0,
        model: tuple[str | None, str | None] = (None, None),
        client_id: str | None = None,
        resend_s: float = RESEND_S,
        in_flight: int = IN_FLIGHT,
        on_model: Callable[[bytes], None] | None = None,
        batch_s: float = BATCH_S,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.site = site
        self.api_url = api_url
        self.heartbeat_s = heartbeat_s
        self.model = model
        self.model_problem: str | None = None
        self.on_model = on_model
        self.client_id = client_id or f"camsight-edge-{site}-{os.getpid()}"
        self._expiry = mqtt.SESSION_EXPIRY_S if client_id else SHORT_SESSION_S
        self.resend_s = resend_s
        self.in_flight = in_flight
        self.batch_s = batch_s
        self.messages = 0
        self.state = "connecting"
        self.problem: str | None = None
        self.sent = 0
        self.acknowledged = 0
        self._client = mqtt.client(settings, client_id=self.client_id)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_publish = self._on_publish
        self._client.on_connect_fail = self._on_connect_fail
        self._client.will_set(topics.edge_topic(site), self._edge("offline"), qos=1, retain=True)
        self._lock = threading.RLock()
        self._sent_at: dict[int, float] = {}  # row id -> when it was last sent, until the hub confirms it
        self._confirmed: list[int] = []
        self._deleting: set[int] = set()  # confirmed rows being deleted (by either thread): not sent again
        self._hubs: set[str] = set()
        self._presence_at = 0.0  # monotonic time of the last presence message
        self._batching_hubs: set[str] = set()  # the hubs present that read batches
        self._compact_hubs: set[str] = set()  # the hubs present that read the compact forms
        self._form3_hubs: set[str] = set()  # the hubs present that read compact form 3
        self._hub_sources: set[str] = set()  # ids of sources the hub confirmed an item carrying whole (form 3)
        self._carried: dict[int, str] = {}  # row id -> the source id its item carried whole, until confirmed
        self._short_hubs: set[str] = set()  # the hubs present that read the short user properties
        self._topics: dict[int, str] = {}  # message id -> topic, until the broker answers
        self._aliases = TopicAliases()  # this connection's topic aliases (the broker's CONNACK says how many)
        self.aliased = 0  # messages sent with a topic alias instead of their topic
        self._cameras: dict[str, tuple[str, str | None]] = {}  # camera -> (state, reason) to announce
        self._cameras_sent: dict[str, tuple[str, str | None]] = {}
        self._answers: deque[tuple[int, ReasonCode]] = deque()  # the broker's answers, appended by paho's thread
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._flush = threading.Event()  # set while draining: nothing waits for a batch
        self._thread: threading.Thread | None = None
        self._beat = 0.0

    def _edge(self, state: Literal["online", "offline"]) -> str:
        version, sha = self.model
        return EdgeStatus(
            site=self.site,
            state=state,
            url=self.api_url,
            model_version=version,
            model_sha256=sha,
            model_problem=self.model_problem,
            at=datetime.now(UTC),
        ).model_dump_json()

    def set_model(self, model: tuple[str | None, str | None], problem: str | None) -> None:
        """The detector this edge runs now and why it refused a release; a change is announced at once."""
        with self._lock:
            if (model, problem) != (self.model, self.model_problem):
                self.model, self.model_problem = model, problem
                self._beat = 0.0

    # -- paho callbacks (its network thread) --------------------------------------------------------

    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: ReasonCode, props: Any) -> None:
        if reason.is_failure:
            self.state, self.problem = "refused", f"the broker at {self.settings.display} refused: {reason}"
            log.error("hub: %s; the outbox is kept and sent once it accepts", self.problem)
            return
        with self._lock:
            # A new connection knows no topic alias: what paho still holds may name its topic by one, so
            # it is dropped (paho would send it again as it is) and the outbox sends those rows again.
            client.drop_out_messages()
            self._aliases.reset(getattr(props, "TopicAliasMaximum", 0) or 0)
            self._sent_at.clear()  # whatever the hub has not confirmed is sent again
            self._topics.clear()
            self._cameras_sent.clear()  # the broker may have lost the retained states
            self._answers.clear()
            self._hubs.clear()
            self._batching_hubs.clear()
            self._compact_hubs.clear()
            self._form3_hubs.clear()
            self._hub_sources.clear()  # the first items of each source carry it whole again
            self._carried.clear()
            self._short_hubs.clear()
        wanted = [(topics.ack_topic(self.site, self.client_id), 1), (topics.HUB_PRESENCE + "/#", 1)]
        client.subscribe(wanted + ([(topics.MODELS, 1)] if self.on_model is not None else []))
        self.state, self.problem = "connected", None
        self._connected.set()
        self._beat = 0.0

    def _on_connect_fail(self, _client: Any, _userdata: Any) -> None:
        if self.problem is None and not self._stop.is_set():  # paho retries; say once why it cannot connect
            self.state, self.problem = "unreachable", mqtt.why_unreachable(self.settings)
            log.error("hub: %s; the outbox is kept and sent once it connects", self.problem)

    def _on_disconnect(self, _client: Any, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any) -> None:
        self._connected.clear()
        if self.state != "refused" and not self._stop.is_set():
            self.state = "disconnected"
            log.warning("hub: disconnected from %s (%s); reconnecting", self.settings.display, reason)

    def _on_publish(self, _client: Any, _userdata: Any, mid: int, reason: ReasonCode, _props: Any) -> None:
        # No lock here: paho calls this holding its lock on outgoing messages, which publish() takes too,
        # and the sending thread holds self._lock while it publishes (waiting here for it would deadlock).
        self._answers.append((mid, reason))

    def _settle(self) -> None:
        """Read the broker's answers so far (holding ``_lock``): report the first refusal."""
        while self._answers:
            mid, reason = self._answers.popleft()
            topic = self._topics.pop(mid, "?")
            if reason.is_failure and self.problem is None:
                self.problem = (
                    f"the broker refused a message on {topic}: {reason} (may this edge's account publish under "
                    f"camsight/{self.site}/? see docs/mqtt.md)"
                )
                log.error("hub: %s; the outbox is kept", self.problem)

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        if message.topic == topics.MODELS:
            if self.on_model is not None and message.payload:
                self.on_model(bytes(message.payload))
            return
        if message.topic.startswith(topics.HUB_PRESENCE + "/"):
            hub = message.topic[len(topics.HUB_PRESENCE) + 1 :]
            props = getattr(message, "properties", None)
            said = [tuple(p) for p in (getattr(props, "UserProperty", None) or [])]
            online = message.payload == b"online"
            with self._lock:
                self._presence_at = time.monotonic()
                (self._hubs.add if online else self._hubs.discard)(hub)
                (self._batching_hubs.add if online and batch.READS in said else self._batching_hubs.discard)(hub)
                (self._compact_hubs.add if online and compact.READS in said else self._compact_hubs.discard)(hub)
                (self._form3_hubs.add if online and compact.READS_3 in said else self._form3_hubs.discard)(hub)
                (self._short_hubs.add if online and batch.READS_SHORT in said else self._short_hubs.discard)(hub)
            return
        try:
            ids = [int(i) for i in json.loads(message.payload)["ids"]]
        except (ValueError, KeyError, TypeError):
            log.warning("hub: ignored a malformed confirmation on %s", message.topic)
            return
        with self._lock:
            for row_id in ids:
                self._sent_at.pop(row_id, None)
                source = self._carried.pop(row_id, None)
                if source is not None:  # stored at the hub with its source: later items may name it by id
                    self._hub_sources.add(source)
            self._confirmed.extend(ids)

    # -- the sending thread --------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (in the background) and start sending."""
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=30,
            clean_start=False,
            properties=mqtt.connect_properties(),
        )
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, name="outbox-publisher", daemon=True)
        self._thread.start()

    @property
    def hub_online(self) -> bool:
        """Whether a hub process announces itself online."""
        with self._lock:
            return bool(self._hubs)

    @property
    def batching(self) -> bool:
        """Whether every hub process present reads batches (then rows go several to a message)."""
        with self._lock:
            return bool(self._hubs) and self._hubs == self._batching_hubs

    @property
    def compact(self) -> bool:
        """Whether every hub process present reads batches and the compact forms (then batches carry those)."""
        with self._lock:
            return bool(self._hubs) and self._hubs == self._batching_hubs == self._compact_hubs

    @property
    def form(self) -> int:
        """The compact form the batches carry: 3 while every hub process present reads it, else 2."""
        with self._lock:
            return 3 if self.compact and self._hubs == self._form3_hubs else 2

    @property
    def held_sources(self) -> frozenset[str]:
        """Ids of the sources the hub confirmed an item of, carried whole: form 3 names them by id."""
        with self._lock:
            return frozenset(self._hub_sources)

    @property
    def short_properties(self) -> bool:
        """Whether every hub process present reads the short user properties (:data:`~.batch.READS_SHORT`)."""
        with self._lock:
            return bool(self._hubs) and self._hubs == self._short_hubs

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._connected.wait(timeout=POLL_S):
                continue
            busy = False
            with self._lock:
                self._settle()
            try:
                self._delete_confirmed()
                self._heartbeat()
                self._camera_states()
                if self.hub_online and self._presences_settled():
                    busy = self._send_more()
            except sa.exc.SQLAlchemyError as exc:  # the store is busy: try again shortly
                log.warning("hub: outbox not read: %s", exc)
            if not busy:
                time.sleep(POLL_S)

    def _presences_settled(self) -> bool:
        with self._lock:
            return time.monotonic() - self._presence_at >= PRESENCE_SETTLE_S

    def _send_more(self) -> bool:
        now = time.monotonic()
        with self._lock:
            waiting = {i for i, at in self._sent_at.items() if now - at < self.resend_s}
            room = self.in_flight - len(waiting)
            done = set(self._confirmed) | self._deleting  # stored at the hub and not yet deleted: not sent again
        if room <= 0:
            return False
        with self.engine.connect() as conn:
            taken = outbox.take(conn, after_id=0, limit=room + len(waiting) + len(done))
        rows = [r for r in taken if r.id not in waiting and r.id not in done][:room]
        if not rows:
            return False
        small = self.compact  # implies batching
        form = self.form if small else 2
        if small or self.batching:
            rows = self._due(rows, room)
            if not rows:
                return False
            known = self._sources_known(rows) if form >= 3 else frozenset()
            messages = batch.pack(((r.id, r.topic, r.payload) for r in rows), compact=small, form=form, known=known)
        else:
            messages = [(r.topic, r.payload, (r.id,)) for r in rows]
        short = self.short_properties
        own = short and self.client_id == topics.edge_client_id(self.site)  # the hub knows where to confirm
        for topic, payload, ids in messages:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            user = [("outbox", batch.ids_property(ids, ranges=short))]
            props.UserProperty = user if own else [*user, ("edge", self.client_id)]
            data, content_type = wire.encode(payload, dictionary=small, raw=form >= 3)
            if content_type:  # raw DEFLATE (form 3) goes without one
                props.ContentType = content_type
            self._publish(topic, data, props)
            with self._lock:
                for row_id in ids:
                    self._sent_at[row_id] = now
            self.sent += len(ids)
            self.messages += 1
        return True

    def _sources_known(self, rows: list[outbox.OutboxRow]) -> frozenset[str]:
        """The sources these rows may name by id (form 3); notes which rows carry theirs whole.

        A row sent again (the hub did not confirm it in time) makes every source go whole again: the hub
        may not hold it (a hub refuses to confirm an item whose source it does not hold).
        """
        with self._lock:
            if any(r.id in self._sent_at for r in rows):
                self._hub_sources.clear()
            known = frozenset(self._hub_sources)
            for row in rows:
                source = compact.source_of(row.topic, row.payload)
                if source is not None and source not in known:
                    self._carried[row.id] = source
            return known

    def _due(self, rows: list[outbox.OutboxRow], room: int) -> list[outbox.OutboxRow]:
        """The rows to send now: all once the oldest waited ``batch_s`` or a batch is full; else the live alerts."""
        if self.batch_s <= 0 or len(rows) >= min(room, batch.MAX_ROWS) or self._flush.is_set():
            return rows
        oldest = min(r.created_at for r in rows)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        if (datetime.now(UTC) - oldest).total_seconds() >= self.batch_s:
            return rows
        return [r for r in rows if batch.urgent(r.topic, r.payload)]

    def report_cameras(self, states: dict[str, tuple[str, str | None]]) -> None:
        """The cameras' current ``(state, reason)``; each change is published (retained) on its status topic."""
        with self._lock:
            self._cameras = dict(states)

    def _camera_states(self) -> None:
        with self._lock:
            changed = {c: s for c, s in self._cameras.items() if self._cameras_sent.get(c) != s}
        for camera, (state, reason) in changed.items():
            status = CameraStatus(site=self.site, camera=camera, state=state, reason=reason, at=datetime.now(UTC))
            self._publish_json(topics.status_topic(self.site, camera), status.model_dump_json())
            with self._lock:
                self._cameras_sent[camera] = (state, reason)

    def _publish_json(self, topic: str, text: str) -> None:
        """Publish a retained status, compressed when smaller (:mod:`camsight.transport.wire`)."""
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        data, props.ContentType = wire.encode(text)
        self._publish(topic, data, props, retain=True)

    def _publish(
        self, topic: str, payload: str | bytes, props: Properties | None = None, *, retain: bool = False
    ) -> None:
        with self._lock:  # held until the message id is noted, so the broker's answer finds its topic
            self._settle()
            sent, alias = self._aliases.use(topic)
            if alias is not None:
                props = props or Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
                props.TopicAlias = alias
                self.aliased += sent == ""
            info = self._client.publish(sent, payload, qos=1, retain=retain, properties=props)
            self._topics[info.mid] = topic

    def _delete_confirmed(self) -> None:
        with self._lock:
            done, self._confirmed = self._confirmed, []
            self._deleting.update(done)
        if done:
            try:
                with writing(self.engine) as conn:
                    self.acknowledged += outbox.delete(conn, ids=done)
            finally:
                with self._lock:
                    self._deleting.difference_update(done)

    def _heartbeat(self) -> None:
        if time.monotonic() - self._beat >= self.heartbeat_s:
            self._beat = time.monotonic()
            self._publish_json(topics.edge_topic(self.site), self._edge("online"))

    def pending(self) -> int:
        """Rows still in the outbox."""
        with self.engine.connect() as conn:
            return outbox.status(conn).pending

    def drain(self, timeout_s: float) -> bool:
        """Wait until the outbox is empty (True) or ``timeout_s`` passed (False); meanwhile no row waits for a batch."""
        self._flush.set()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._delete_confirmed()
            if self.pending() == 0 and self._cameras_announced():
                return True
            time.sleep(POLL_S)
        self._delete_confirmed()
        return self.pending() == 0

    def _cameras_announced(self) -> bool:
        with self._lock:
            return self._cameras_sent == self._cameras or not self._connected.is_set()

    def stop(self) -> None:
        """Say this edge is offline, stop sending and disconnect (what the hub did not confirm stays in the outbox).

        A clean disconnect does not fire the last will, so the offline status is published here.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._delete_confirmed()
        if self._connected.is_set():
            info = self._client.publish(topics.edge_topic(self.site), self._edge("offline"), qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):  # the connection went meanwhile: the will says it
                info.wait_for_publish(timeout=5)
        self._client.disconnect()
        self._client.loop_stop()
