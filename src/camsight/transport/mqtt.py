"""Connecting to an MQTT 5 broker (paho-mqtt 2): settings from a URL, TLS, credentials, a persistent session.

``mqtt://[user:pass@]host[:port]`` (1883) or ``mqtts://...`` (8883, TLS with the system's CAs or
``hub.tls_ca``). Credentials never appear in messages: :func:`display` shows the URL without them.

Example:
    >>> settings = BrokerSettings.parse("mqtt://edge:s3cret@broker.local:1884")
    >>> (settings.host, settings.port, settings.username, settings.display)
    ('broker.local', 1884, 'edge', 'mqtt://broker.local:1884')
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from camsight.errors import CamsightError, ConfigError

SESSION_EXPIRY_S = 7 * 24 * 3600
"""How long the broker keeps a disconnected client's session (its subscriptions and queued messages)."""


class HubError(CamsightError):
    """The broker or the hub cannot be reached or refuses."""


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """Where the broker is and how to log in."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None

    @classmethod
    def parse(cls, url: str, *, ca_file: Path | None = None) -> BrokerSettings:
        """Settings from ``mqtt://`` or ``mqtts://`` URL.

        Raises:
            ConfigError: Not such a URL.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ConfigError(f"hub.mqtt must look like mqtt://[user:pass@]host[:port] or mqtts://..., got {url!r}")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise ConfigError(f"hub.mqtt has a bad port: {display_url(url)}") from None
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, tls, user, password, ca_file)

    @property
    def display(self) -> str:
        """The broker as it may be shown: no credentials."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def display_url(url: str) -> str:
    """An MQTT URL without its credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def _tls_context(settings: BrokerSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)


def client(settings: BrokerSettings, *, client_id: str, manual_ack: bool = False) -> paho.Client:
    """A paho MQTT 5 client for ``settings`` (not connected yet); ``manual_ack``: the caller acknowledges."""
    made = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5, manual_ack=manual_ack)
    if settings.username is not None:
        made.username_pw_set(settings.username, settings.password)
    if settings.tls:
        made.tls_set_context(_tls_context(settings))
    made.reconnect_delay_set(min_delay=1, max_delay=30)
    return made


def connect_properties(expiry_s: int = SESSION_EXPIRY_S) -> Properties:
    """CONNECT properties of a persistent session (kept by the broker ``expiry_s`` after a disconnect)."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = expiry_s
    return props


def why_unreachable(settings: BrokerSettings, *, timeout_s: float = 3.0) -> str:
    """Why a connection to the broker fails, in words (paho's reconnecting loop does not say).

    Tries what the client does, a TCP connection and, for ``mqtts://``, the TLS handshake with the same
    certificate checks, and names what failed and what to check.
    """
    import socket

    where = settings.display
    try:
        with socket.create_connection((settings.host, settings.port), timeout=timeout_s) as sock:
            if settings.tls:
                with _tls_context(settings).wrap_socket(sock, server_hostname=settings.host):
                    pass
    except ssl.SSLCertVerificationError as exc:
        hint = "hub.tls_ca (--tls-ca) must be the CA file that signed the broker's certificate"
        return f"the TLS certificate of {where} is not trusted ({exc.verify_message}); {hint}"
    except ssl.SSLError as exc:
        return f"the TLS handshake with {where} failed ({exc.reason or exc}); is it a mqtts:// listener?"
    except OSError as exc:
        return f"cannot reach the broker at {where}: {exc.strerror or exc}; is it running, is the port right?"
    return f"the broker at {where} does not answer as an MQTT broker"


def publish_retained(settings: BrokerSettings, topic: str, payload: str, *, timeout_s: float = 15.0) -> None:
    """Publish one retained QoS 1 message and wait for the broker to take it (one-off commands).

    Raises:
        HubError: The broker cannot be reached, refuses the login or the message, or does not answer in time.
    """
    import threading

    answered = threading.Event()
    outcome: list[str] = []

    def on_connect(_c: Any, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        if reason.is_failure:
            outcome.append(f"the broker at {settings.display} refused the login: {reason}")
            answered.set()

    def on_publish(_c: Any, _u: Any, _mid: int, reason: ReasonCode, _p: Any) -> None:
        if reason.is_failure:
            outcome.append(f"the broker at {settings.display} refused the message on {topic}: {reason}")
        answered.set()

    made = client(settings, client_id=f"camsight-cli-{os.getpid()}")
    made.on_connect = on_connect
    made.on_publish = on_publish
    try:
        made.connect(settings.host, settings.port, keepalive=30)
    except (OSError, ssl.SSLError):
        raise HubError(why_unreachable(settings)) from None
    made.loop_start()
    try:
        made.publish(topic, payload, qos=1, retain=True)
        if not answered.wait(timeout_s):
            outcome.append(f"the broker at {settings.display} did not take the message within {timeout_s:.0f} s")
    finally:
        made.disconnect()
        made.loop_stop()
    if outcome:
        raise HubError(outcome[0])
