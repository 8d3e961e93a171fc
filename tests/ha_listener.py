"""A real MQTT client that listens as Home Assistant does: the discovery prefix, then every topic each config names.

For every discovery config it reads, it subscribes to the config's state, attributes and availability
topics (as Home Assistant's MQTT integration does), so a config that names the wrong topic shows up
as states never seen. Subscriptions keep the retain flag as published (MQTT 5 "retain as published"),
so a test can check that what should be retained is. :meth:`birth` sends Home Assistant's birth message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.subscribeoptions import SubscribeOptions


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)

    @property
    def text(self) -> str:
        return self.payload.decode()


class Listener:
    """Connects to ``127.0.0.1:port`` (optionally as ``user``) and keeps every message, in arrival order."""

    def __init__(
        self, port: int, *, prefix: str = "homeassistant", user: str | None = None, password: str = ""
    ) -> None:
        self.port = port
        self.prefix = prefix
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.subscribed: set[str] = set()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"ha-listener-{id(self)}", protocol=paho.MQTTv5
        )
        if user is not None:
            self.client.username_pw_set(user, password)
        self.client.on_message = self._on_message
        self.ready = threading.Event()
        self.client.on_subscribe = lambda *_args: self.ready.set()

    def start(self) -> Listener:
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        self._subscribe(f"{self.prefix}/#")
        assert self.ready.wait(10), "the listener's subscription was not acknowledged"
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _subscribe(self, topic: str) -> None:
        if topic not in self.subscribed:
            self.subscribed.add(topic)
            self.client.subscribe(topic, options=SubscribeOptions(qos=1, retainAsPublished=True))

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        kept = Message(message.topic, bytes(message.payload), bool(message.retain))
        with self.lock:
            self.messages.append(kept)
        if kept.topic.endswith("/config") and kept.payload:
            config = kept.json()
            topics = [config.get("state_topic"), config.get("json_attributes_topic")]
            topics += [a["topic"] for a in config.get("availability", [])]
            for topic in filter(None, topics):
                self._subscribe(topic)

    # -- reading what arrived -------------------------------------------------------------------

    def all(self, topic: str | None = None) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if topic is None or m.topic == topic]

    def configs(self) -> dict[str, dict[str, Any]]:
        """The discovery configs in force: the last non-empty payload of each config topic (empty: removed)."""
        latest: dict[str, Message] = {}
        for m in self.all():
            if m.topic.endswith("/config"):
                latest[m.topic] = m
        return {t: m.json() for t, m in latest.items() if m.payload}

    def last(self, topic: str) -> Message | None:
        found = self.all(topic)
        return found[-1] if found else None

    def texts(self, topic: str) -> list[str]:
        return [m.text for m in self.all(topic)]

    def birth(self) -> None:
        """Home Assistant's birth message: it has (re)started and reads every config again."""
        self.client.publish(f"{self.prefix}/status", "online", qos=1).wait_for_publish(5)


def wait_for(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for: {what}")
