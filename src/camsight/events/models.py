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

SCHEMA_VERSION = 2
"""Version of the event messages (1: camsight 0.1; 2: with ``site``, ids unique across sites)."""


class EventBase(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[2] = Field(default=2, description="Version of this message format (2: with site).")
    id: str = Field(
        description="Stable id, unique across sites: the same behaviour in the same source always gets the same id."
    )
    site: str = Field(description="Site the camera belongs to.")
    rule: str = Field(description="Name of the rule that raised it (from the config).")
    camera: str = Field(description="Camera id.")
    source: str = Field(description="File path or stream URL the frames came from.")
    source_id: str = Field(
        default="", description="Id of the source (each run of a live camera is one); its tracks are '<source_id>:<n>'."
    )
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


class PersonDownEvent(EventBase):
    """A person went from upright to lying fast and stayed down (see ``camsight.rules.person_down``)."""

    kind: Literal["person_down"] = "person_down"
    fall_s: float = Field(description="Last time the person was seen upright, seconds into the source.")
    down_s: float = Field(ge=0, description="Time the person has been down so far, seconds.")


class EdgeDwellEvent(EventBase):
    """A person stayed within a set distance of an edge line (railing, platform edge) for at least T s."""

    kind: Literal["edge_dwell"] = "edge_dwell"
    dwell_s: float = Field(ge=0, description="Time spent near the edge so far, seconds.")
    min_distance: float = Field(
        ge=0, description="Closest approach to the edge, in the rule's unit (body heights or normalised)."
    )


class RunningEvent(EventBase):
    """A person ran (speed relative to their own height) or started moving abruptly."""

    kind: Literal["running"] = "running"
    reason: Literal["running", "sudden_start"] = Field(
        description="'running': fast for the rule's minimum duration; 'sudden_start': from still to fast at once."
    )
    speed: float = Field(ge=0, description="Peak speed, body heights per second.")


class DispersalEvent(EventBase):
    """A group of people standing together suddenly moved apart fast."""

    kind: Literal["dispersal"] = "dispersal"
    count: int = Field(ge=0, description="People in the group that dispersed.")


class WrongWayEvent(EventBase):
    """A vehicle travelled against the configured lane direction for at least the minimum distance."""

    kind: Literal["wrong_way"] = "wrong_way"
    object_class: str = Field(description="Class name of the vehicle.")
    distance: float = Field(ge=0, description="Distance travelled against the lane direction, normalised units.")


class ErraticVehicleEvent(EventBase):
    """A vehicle zig-zagged or changed speed abruptly (see ``camsight.rules.erratic_vehicle``)."""

    kind: Literal["erratic_vehicle"] = "erratic_vehicle"
    object_class: str = Field(description="Class name of the vehicle.")
    reason: Literal["zigzag", "speed_change"] = Field(description="Which definition was met first.")
    swings: int = Field(ge=0, description="Heading swings (alternating left/right turns) in the window.")
    speed_change: float = Field(ge=0, description="Largest speed change within one second, vehicle lengths per s.")


class CrowdFormingEvent(EventBase):
    """The number of people in a zone rose by at least K within T seconds."""

    kind: Literal["crowd_forming"] = "crowd_forming"
    baseline: int = Field(ge=0, description="Count before the rise.")
    count: int = Field(ge=0, description="Largest count seen during the event.")
    min_rise: int = Field(ge=1, description="The rule's threshold K.")


class StandingQueryEvent(EventBase):
    """A finished track matched a saved (standing) search query (see ``camsight.search.standing``)."""

    kind: Literal["standing_query"] = "standing_query"
    query_id: int = Field(description="Id of the standing query.")
    query_name: str = Field(description="Name of the standing query.")
    query_version: int = Field(default=1, ge=1, description="Version of the standing query that matched.")
    object_class: str = Field(default="object", description="Class name of the matching track.")
    evidence: str = Field(default="", description="Why it matched, part by part (e.g. 'upper body: orange 0.71').")


class AlertBudgetEvent(EventBase):
    """A rule raised more alerts in an hour than its budget; the rest are counted here, not raised.

    See ``camsight.events.alerts``: one summary per rule and budget window, updated as more are
    suppressed.
    """

    kind: Literal["alert_budget"] = "alert_budget"
    suppressed: int = Field(ge=0, description="Alerts of the rule suppressed in this window so far.")
    max_per_hour: int = Field(ge=1, description="The budget: alerts allowed per rule per hour.")


AnyEvent = Annotated[
    ZoneIntrusionEvent
    | LineCrossingEvent
    | LoiteringEvent
    | CrowdEvent
    | PersonDownEvent
    | EdgeDwellEvent
    | RunningEvent
    | DispersalEvent
    | WrongWayEvent
    | ErraticVehicleEvent
    | CrowdFormingEvent
    | StandingQueryEvent
    | AlertBudgetEvent,
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
