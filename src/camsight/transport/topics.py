"""The MQTT topic table (documented in ``docs/mqtt.md``): every topic camsight publishes or subscribes.

=========================================  =====================================  ======  =========
topic                                      payload                                 QoS     retained
=========================================  =====================================  ======  =========
``camsight/{site}/events/{camera}``        an event (``event.model_dump_json()``)  1       no
``camsight/{site}/tracks/{camera}``        :class:`~.messages.TrackMessage`        1       no
``camsight/{site}/status/{camera}``        :class:`~.messages.CameraStatus`        1       yes
``camsight/{site}/edge``                   :class:`~.messages.EdgeStatus`          1       yes (will)
``camsight/hub/models``                    :class:`~.messages.ModelAnnouncement`   1       yes
``camsight/hub/online/{group}-{instance}`` ``online`` (empty when it left: will)   1       yes
``camsight/{site}/acks/{client}``          ``{"ids": [outbox row ids]}``            1       no
=========================================  =====================================  ======  =========

Events and track records may also travel several to a message (a batch, :mod:`camsight.transport.batch`)
to hubs that say they read them, and in their compact forms (:mod:`camsight.transport.compact`) to hubs
that read those.

With ``home_assistant:`` configured, an edge also announces its live cameras to Home Assistant (MQTT
discovery under ``homeassistant/``, states under ``camsight/{site}/ha/``): see
:mod:`camsight.transport.homeassistant`.

A hub subscribes with MQTT 5 shared subscriptions (``$share/<group>/camsight/+/events/+`` ...), so
several hub processes split the load. An edge's broker account should be allowed to publish only under
``camsight/<its site>/#`` (see the Mosquitto ACL in ``docs/mqtt.md``).

Example:
    >>> event_topic("north-campus", "gate")
    'camsight/north-campus/events/gate'
    >>> parse("camsight/north-campus/tracks/gate")
    ('north-campus', 'tracks', 'gate')
"""

from __future__ import annotations

PREFIX = "camsight"
MODELS = f"{PREFIX}/hub/models"
HUB_PRESENCE = f"{PREFIX}/hub/online"
"""Each hub process sets ``HUB_PRESENCE/<group>-<instance>`` to ``online`` (retained) once subscribed."""
KINDS = ("events", "tracks", "status")


def event_topic(site: str, camera: str) -> str:
    """Where an edge publishes one camera's events."""
    return f"{PREFIX}/{site}/events/{camera}"


def track_topic(site: str, camera: str) -> str:
    """Where an edge publishes one camera's track records."""
    return f"{PREFIX}/{site}/tracks/{camera}"


def status_topic(site: str, camera: str) -> str:
    """Where an edge publishes one camera's status (retained)."""
    return f"{PREFIX}/{site}/status/{camera}"


def edge_topic(site: str) -> str:
    """Where an edge publishes its heartbeat and, as its last will, that it went offline (retained)."""
    return f"{PREFIX}/{site}/edge"


def edge_client_id(site: str) -> str:
    """The MQTT client id of a site's long-running edge (``camsight run``), one per site."""
    return f"camsight-edge-{site}"


def ack_topic(site: str, client_id: str) -> str:
    """Where a hub confirms to one edge client the outbox rows it has stored."""
    return f"{PREFIX}/{site}/acks/{client_id}"


def presence_topic(group: str, instance: str) -> str:
    """Where one hub process announces that it is subscribed (retained; cleared by its will)."""
    return f"{HUB_PRESENCE}/{group}-{instance}"


def hub_subscriptions(group: str) -> list[str]:
    """The shared subscriptions of a hub process in ``group``."""
    return [f"$share/{group}/{PREFIX}/+/{kind}/+" for kind in KINDS] + [f"$share/{group}/{PREFIX}/+/edge"]


def parse(topic: str) -> tuple[str, str, str | None]:
    """``(site, kind, camera)`` of an edge topic (camera None for the edge topic).

    Raises:
        ValueError: Not a camsight edge topic.
    """
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == PREFIX and parts[2] in KINDS:
        return parts[1], parts[2], parts[3]
    if len(parts) == 3 and parts[0] == PREFIX and parts[2] == "edge":
        return parts[1], "edge", None
    raise ValueError(f"not a camsight edge topic: {topic!r}")
