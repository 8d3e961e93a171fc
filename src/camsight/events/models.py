"""Event models: the named, versioned messages rules emit and every sink receives.

Each behaviour has its own model with a ``kind`` discriminator; :data:`AnyEvent` is the tagged
union used to read an event back from JSON (the store, the outbox, the MQTT payload, which is
exactly ``event.model_dump_json()``).

An event is emitted when it starts (``status="open"``, ``end_s == start_s``), again when it is
updated, and a last time when it ends (``status="closed"``). All share one ``id``, so sinks upsert.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION = 1


class EventBase(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    id: str = Field(description="Stable id: the same behaviour in the same source always gets the same id.")
    rule: str = Field(description="Name of the rule that raised it (from the config).")
    camera: str = Field(description="Camera id.")
    source: str = Field(description="File path or stream URL the frames came from.")
    zone: str | None = Field(default=None, description="Zone or line name, if the rule has one.")
    track_ids: tuple[int, ...] = Field(default=(), description="Tracks taking part.")
    start_s: float = Field(description="Start, in seconds of the source's own time (into the video).")
    end_s: float = Field(description="End, in seconds of the source's own time; equals start while open.")
    started_at: datetime = Field(description="Wall-clock time of the start (UTC).")
    score: float = Field(ge=0.0, le=1.0, description="Confidence that the behaviour happened, 0..1.")
    status: Literal["open", "closed"] = Field(default="open", description="open while it lasts.")
    snapshot: str | None = Field(default=None, description="Snapshot JPEG, relative to the media folder.")

    @property
    def duration_s(self) -> float:
        """How long the event has lasted so far."""
        return self.end_s - self.start_s


class ZoneIntrusionEvent(EventBase):
    """An object entered a zone (optionally only during a schedule)."""

    kind: Literal["zone_intrusion"] = "zone_intrusion"
    object_class: str = Field(description="Class name of the object that entered.")


class LineCrossingEvent(EventBase):
    """An object crossed a line in the configured direction."""

    kind: Literal["line_crossing"] = "line_crossing"
    object_class: str = Field(description="Class name of the object that crossed.")
    direction: Literal["left_to_right", "right_to_left"] = Field(
        description="Crossing direction relative to the line's a → b orientation."
    )


class LoiteringEvent(EventBase):
    """A person stayed in a zone for at least the configured time."""

    kind: Literal["loitering"] = "loitering"
    dwell_s: float = Field(ge=0, description="Time spent in the zone so far.")


class CrowdEvent(EventBase):
    """At least N people were in a zone (or the whole view) for at least T seconds."""

    kind: Literal["crowd"] = "crowd"
    count: int = Field(ge=0, description="Largest number of people seen during the event.")
    min_people: int = Field(ge=1, description="The rule's threshold.")


AnyEvent = Annotated[
    ZoneIntrusionEvent | LineCrossingEvent | LoiteringEvent | CrowdEvent,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def parse_event(payload: str | bytes) -> AnyEvent:
    """Read an event back from its JSON payload."""
    return EVENT_ADAPTER.validate_json(payload)


def event_id(*parts: object) -> str:
    """A short stable id from the parts that identify an event (camera, source, rule, track, start)."""
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:24]
