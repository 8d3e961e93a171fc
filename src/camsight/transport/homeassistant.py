"""Home Assistant MQTT discovery: a binary sensor per rule and a people count per zone of every live camera.

Optional (``home_assistant:`` in the config), for ``camsight run`` only. Each camera is one Home
Assistant *device* ("<site> <camera>"); each of its enabled rules is a ``binary_sensor``, on while an
alert of that rule on that camera is open, and each of its zones is a ``sensor``: the people standing
in it now (tracked, foot point inside). The discovery configs are retained and sent again whenever
Home Assistant announces itself (``<prefix>/status`` = ``online``, its birth message); configs this
site announced earlier for entities that no longer exist (a rule renamed or removed) are deleted.

=============================================================  ==============================================
topic (retained, QoS 1)                                          payload
=============================================================  ==============================================
``<prefix>/binary_sensor/<node>/<unique id>/config``             discovery config of one rule's binary sensor
``<prefix>/sensor/<node>/<unique id>/config``                    discovery config of one zone's people count
``camsight/<site>/ha/availability``                              ``online``; ``offline`` (also the last will)
``camsight/<site>/ha/<camera>/availability``                     ``online`` while the camera is live
``camsight/<site>/ha/<camera>/rules/<rule>``                     ``{"state": "ON"|"OFF", "alerts": [ids]}``
``camsight/<site>/ha/<camera>/zones/<zone>``                     people in the zone now, e.g. ``2``
=============================================================  ==============================================

``<node>`` is the site, and ids in discovery topics keep only ``[A-Za-z0-9_-]`` (what Home Assistant
allows there); unique ids end in a short hash of the exact names, so two names that read the same once
cleaned never collide (:mod:`camsight.transport.ha_entities` builds the entities and their configs).
Nothing here says who anyone is: only rule and zone names, alert ids and counts.

The camera workers (other processes) compute what changes: :class:`WorkerNews` turns what their sink
wrote into :class:`RuleState` messages and throttles :class:`ZoneCounts`; the supervisor hands those
to :class:`HomeAssistant`, which owns the MQTT connection (its own, so that it works without a hub).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.reasoncodes import ReasonCode

from camsight.config.models import CameraConfig
from camsight.events.sinks import Published
from camsight.transport import mqtt
from camsight.transport.ha_entities import (
    OFFLINE,
    ONLINE,
    clean_id,
    config_topic,
    discovery,
    entities,
    ha_topic,
    rule_payload,
)

log = logging.getLogger(__name__)


# -- what the workers send the supervisor ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleState:
    """One alert of a rule on a camera opened (or reopened) or closed, as the store has it now."""

    camera: str
    rule: str
    alert_id: str
    open: bool


@dataclass(frozen=True, slots=True)
class ZoneCounts:
    """The people now standing in the zones of a camera whose count changed: ``((zone, count), ...)``."""

    camera: str
    counts: tuple[tuple[str, int], ...]


class WorkerNews:
    """In a camera worker: what to tell the supervisor for Home Assistant.

    Args:
        camera: The camera id.
        zones: Its zone names.
        every_s: Send zone counts at most this often (seconds of the stream's own time).
    """

    def __init__(self, camera: str, zones: Sequence[str], *, every_s: float) -> None:
        self.camera = camera
        self.zones = tuple(zones)
        self.every_s = every_s
        self._open: set[str] = set()
        self._sent: dict[str, int] = {}
        self._next = float("-inf")

    def alerts(self, published: Published) -> list[RuleState]:
        """The alerts that opened or closed in what the sink wrote (an alert new and closed at once: both)."""
        news: list[RuleState] = []
        written = [(alert, True) for alert, _ in published.new] + [(alert, False) for alert in published.updated]
        for alert, new in written:
            if alert.kind == "alert_budget":  # a summary of alerts not raised, not a behaviour going on
                continue
            is_open = alert.status == "open"
            if is_open and alert.id not in self._open:
                self._open.add(alert.id)
                news.append(RuleState(alert.camera, alert.rule, alert.id, open=True))
            elif not is_open and (alert.id in self._open or new):
                if alert.id not in self._open:  # a momentary alert: on, then off
                    news.append(RuleState(alert.camera, alert.rule, alert.id, open=True))
                self._open.discard(alert.id)
                news.append(RuleState(alert.camera, alert.rule, alert.id, open=False))
        return news

    def due(self, now: float) -> bool:
        """Whether counts may be sent at ``now`` (``every_s`` after the last that were)."""
        return now >= self._next

    def counts(self, now: float, counts: Mapping[str, int]) -> ZoneCounts | None:
        """The counts that changed since last sent, when ``every_s`` has passed since then (else None)."""
        if not self.due(now):
            return None
        changed = tuple((z, int(counts.get(z, 0))) for z in self.zones if self._sent.get(z) != counts.get(z, 0))
        if not changed:
            return None
        self._next = now + self.every_s
        self._sent.update(changed)
        return ZoneCounts(self.camera, changed)

    def cleared(self) -> ZoneCounts | None:
        """Every zone back to 0 (the run ended, every track with it), if any was not."""
        changed = tuple((z, 0) for z in self.zones if self._sent.get(z) != 0)
        self._sent.update(changed)
        return ZoneCounts(self.camera, changed) if changed else None


# -- the connection ------------------------------------------------------------------------------------


@dataclass
class _State:
    """What Home Assistant should see now."""

    alerts: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    live: dict[str, bool] = field(default_factory=dict)


class HomeAssistant:
    """Announces the entities to Home Assistant and keeps their states (see the module docstring).

    The states change under a lock, from the supervisor's thread (:meth:`observe`, :meth:`cameras`)
    and paho's (a connection, Home Assistant's birth); what to send is queued, in that order, for one
    sending thread, the only caller of paho's ``publish``: paho holds its own locks while it runs
    callbacks, so nothing here waits for paho while holding the lock a callback needs.

    Args:
        settings: The broker Home Assistant uses.
        site: This edge's site.
        cameras: The live cameras (their effective zones and rules).
        prefix: Home Assistant's discovery prefix.
        client_id: The MQTT client id; default ``camsight-ha-<site>``.
    """

    def __init__(
        self,
        settings: mqtt.BrokerSettings,
        *,
        site: str,
        cameras: Sequence[CameraConfig],
        prefix: str = "homeassistant",
        client_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.site = site
        self.prefix = prefix
        self.entities = entities(site, cameras)
        self._topics = {config_topic(prefix, site, e) for e in self.entities}
        self._rules = {(e.camera, e.key): e for e in self.entities if e.component == "binary_sensor"}
        self._zones = {(e.camera, e.key): e for e in self.entities if e.component == "sensor"}
        self.state = "connecting"
        self.announced = 0
        """How many times every discovery config was queued (each connection, each Home Assistant birth)."""
        self._now = _State(
            alerts={key: [] for key in self._rules},
            counts=dict.fromkeys(self._zones, 0),
            live={camera.id: False for camera in cameras},
        )
        self._lock = threading.Lock()  # the states, and the order in which they are queued
        self._connected = False
        self._queue: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._answers: deque[tuple[int, ReasonCode]] = deque()  # the broker's answers, from paho's thread
        self._sent: dict[int, str] = {}  # message id -> topic, until its answer is read (sending thread)
        self._answers_lock = threading.Lock()
        self._problem: str | None = None
        self._last: paho.MQTTMessageInfo | None = None
        self._thread = threading.Thread(target=self._send_queued, name="home-assistant", daemon=True)
        self._client = mqtt.client(settings, client_id=client_id or f"camsight-ha-{clean_id(site)}")
        self._client.will_set(ha_topic(site, "availability"), OFFLINE, qos=1, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_publish = self._on_publish

    def start(self) -> None:
        """Connect in the background (and keep reconnecting); everything is announced once connected."""
        self._thread.start()
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=30, clean_start=True)
        self._client.loop_start()

    def stop(self) -> None:
        """Send what is queued, say ``offline`` and disconnect (the retained states stay as last sent)."""
        with self._lock:
            if self._connected:
                self._queue.put((ha_topic(self.site, "availability"), OFFLINE))
            self._connected = False
            self._queue.put(None)
        self._thread.join(10)
        if self._last is not None:
            with contextlib.suppress(RuntimeError, ValueError):  # not connected any more: nothing to wait for
                self._last.wait_for_publish(5)
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def problem(self) -> str | None:
        """Why the broker refused a connection or a message, if it did."""
        with self._answers_lock:
            self._settle()
            return self._problem

    # -- what the supervisor hands over -----------------------------------------------------------

    def observe(self, news: RuleState | ZoneCounts) -> None:
        """Update the states from a worker's news (unknown rules, e.g. standing queries, are ignored)."""
        with self._lock:
            if isinstance(news, RuleState):
                self._rule(news)
            else:
                for zone, count in news.counts:
                    self._count(news.camera, zone, count)

    def cameras(self, live: Mapping[str, bool]) -> None:
        """Which cameras are live now (each camera's entities are unavailable while it is not)."""
        with self._lock:
            self._cameras(live)

    def camera_gone(self, camera: str) -> None:
        """A camera's worker died: its alerts were closed in the store, its zones are empty."""
        with self._lock:
            for (cam, rule), alerts in self._now.alerts.items():
                for alert in list(alerts) if cam == camera else []:
                    self._rule(RuleState(camera, rule, alert, open=False))
            for cam, zone in list(self._now.counts):
                if cam == camera:
                    self._count(camera, zone, 0)
            self._cameras({camera: False})

    # -- the states (under the lock) ----------------------------------------------------------------

    def _rule(self, news: RuleState) -> None:
        alerts = self._now.alerts.get((news.camera, news.rule))
        if alerts is None or (news.alert_id in alerts) == news.open:
            return
        (alerts.append if news.open else alerts.remove)(news.alert_id)
        self._send(self._rules[news.camera, news.rule].state_topic, rule_payload(alerts))

    def _count(self, camera: str, zone: str, count: int) -> None:
        if (camera, zone) in self._now.counts and self._now.counts[camera, zone] != count:
            self._now.counts[camera, zone] = count
            self._send(self._zones[camera, zone].state_topic, str(count))

    def _cameras(self, live: Mapping[str, bool]) -> None:
        for camera, is_live in live.items():
            if camera in self._now.live and self._now.live[camera] != is_live:
                self._now.live[camera] = is_live
                self._send(ha_topic(self.site, camera, "availability"), ONLINE if is_live else OFFLINE)

    def _send(self, topic: str, payload: str) -> None:
        """Queue a retained message, if connected (else everything is sent on connecting)."""
        if self._connected:
            self._queue.put((topic, payload))

    def _announce(self) -> None:
        """Every discovery config, then every state (Home Assistant subscribes to them as it reads a config)."""
        with self._lock:
            self._send(ha_topic(self.site, "availability"), ONLINE)
            for entity in self.entities:
                self._send(config_topic(self.prefix, self.site, entity), json.dumps(discovery(self.site, entity)))
            for (camera, rule), alerts in self._now.alerts.items():
                self._send(self._rules[camera, rule].state_topic, rule_payload(alerts))
            for (camera, zone), count in self._now.counts.items():
                self._send(self._zones[camera, zone].state_topic, str(count))
            for camera, is_live in self._now.live.items():
                self._send(ha_topic(self.site, camera, "availability"), ONLINE if is_live else OFFLINE)
            self.announced += 1

    # -- sending (its own thread) and the broker's answers ---------------------------------------

    def _send_queued(self) -> None:
        while (item := self._queue.get()) is not None:
            topic, payload = item
            info = self._client.publish(topic, payload, qos=1, retain=True)
            with self._answers_lock:
                self._sent[info.mid] = topic
                self._last = info
                self._settle()

    def _on_publish(self, _client: Any, _userdata: Any, mid: int, reason: ReasonCode, _props: Any) -> None:
        self._answers.append((mid, reason))  # read by _settle: no lock taken in paho's thread

    def _settle(self) -> None:
        """Read the broker's answers so far (under ``_answers_lock``): note the first refusal."""
        while self._answers:
            mid, reason = self._answers.popleft()
            topic = self._sent.pop(mid, "?")
            if reason.is_failure and self._problem is None:
                self._problem = (
                    f"the broker refused a message on {topic}: {reason} (may this edge's account publish there? "
                    "see docs/mqtt.md, Home Assistant)"
                )
                log.error("home assistant: %s", self._problem)

    # -- paho's callbacks (its network thread) ---------------------------------------------------

    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any) -> None:
        if reason.is_failure:
            self.state = "refused"
            with self._answers_lock:
                self._problem = f"the broker at {self.settings.display} refused: {reason}"
            log.error("home assistant: the broker at %s refused: %s; retrying", self.settings.display, reason)
            return
        with self._lock:
            self._connected = True
        self._announce()
        client.subscribe([(f"{self.prefix}/status", 1), (f"{self.prefix}/+/{clean_id(self.site)}/+/config", 1)])
        self.state = "connected"

    def _on_disconnect(self, _client: Any, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any) -> None:
        with self._lock:
            was, self._connected = self._connected, False
        if was:
            self.state = "disconnected"
            log.warning("home assistant: disconnected from %s (%s); reconnecting", self.settings.display, reason)

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        if message.topic == f"{self.prefix}/status":
            if message.payload == ONLINE.encode():  # Home Assistant (re)started: it reads the configs again
                self._announce()
            return
        if message.payload and message.topic not in self._topics:  # an entity this site no longer has
            log.info("home assistant: removing %s (no such rule or zone any more)", message.topic)
            with self._lock:
                self._send(message.topic, "")
