"""Events: typed, versioned messages raised by rules and delivered to sinks."""

from camsight.events.models import (
    EVENT_ADAPTER,
    SCHEMA_VERSION,
    AnyEvent,
    CrowdEvent,
    EventBase,
    LineCrossingEvent,
    LoiteringEvent,
    ZoneIntrusionEvent,
    event_id,
    parse_event,
)

__all__ = [
    "EVENT_ADAPTER",
    "SCHEMA_VERSION",
    "AnyEvent",
    "CrowdEvent",
    "EventBase",
    "LineCrossingEvent",
    "LoiteringEvent",
    "ZoneIntrusionEvent",
    "event_id",
    "parse_event",
]
