"""TrackRecord: what camsight remembers of one tracked object, for listing and search.

One record per track: camera, time span, class, path, zones visited, events taken part in, the best
thumbnail and (when the describer ran) its appearance. It is a boundary message too: the edge sends
it to the hub as ``record.model_dump_json()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Posture = Literal["standing", "sitting", "lying", "unknown"]
Motion = Literal["still", "walking", "running", "moving", "unknown"]


class Frozen(BaseModel):
    """Base: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Appearance(Frozen):
    """How a tracked object looked: named colours per body region and what it carried.

    Colour maps are ``{colour name: share of the region's pixels, 0..1}``; an empty map means the
    region was not seen well enough to say.
    """

    head: dict[str, float] = Field(default_factory=dict, description="Colours of the head region.")
    upper: dict[str, float] = Field(default_factory=dict, description="Colours of the upper body (or a vehicle body).")
    lower: dict[str, float] = Field(default_factory=dict, description="Colours of the lower body.")
    headwear: float | None = Field(default=None, description="Likelihood of a hat or helmet, 0..1; None if unknown.")
    carried: dict[str, float] = Field(
        default_factory=dict, description="Carried objects (backpack, handbag, suitcase, umbrella) and how often seen."
    )
    posture: Posture = Field(default="unknown", description="Dominant posture.")
    postures: dict[str, float] = Field(default_factory=dict, description="Share of frames in each posture.")
    motion: Motion = Field(default="unknown", description="Dominant motion.")
    speed: float | None = Field(default=None, description="Median speed in body heights per second (people) or px/s.")
    heading_deg: float | None = Field(default=None, description="Mean heading, degrees, 0 = right, 90 = down.")
    riding: str | None = Field(default=None, description="Vehicle the person rides (bicycle, motorcycle), if any.")
    garments: dict[str, float] = Field(
        default_factory=dict,
        description="Garment cues 0..1 (vest, jeans, dress; from pose also short/long sleeves, trousers, shorts, "
        "skirt); a cue judged and not seen is 0, one that could not be judged is absent (unknown).",
    )
    patterns: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Pattern cues per garment region (upper, lower): {plain, striped, checked, floral: 0..1}; "
        "a region absent is unknown.",
    )
    lightness: dict[str, float] = Field(
        default_factory=dict, description="Mean lightness per region (head, upper, lower), 0 black .. 1 white."
    )
    posed: bool = Field(default=False, description="Whether body parts came from pose (else from box fractions).")
    motion_s: dict[str, float] = Field(
        default_factory=dict,
        description="Seconds spent still, walking and running, from the speed at each sighting (people); "
        "empty when not measured.",
    )
    posture_s: dict[str, float] = Field(
        default_factory=dict, description="Seconds spent in each posture (standing, sitting, lying); empty: unknown."
    )
    moment_s: dict[str, float] = Field(
        default_factory=dict,
        description="Start (seconds into the source) of the longest stretch in each motion and posture seen.",
    )


class TrackRecord(Frozen):
    """The summary of one track."""

    schema_version: Literal[2] = Field(default=2, description="Version of this message format (2: with site).")
    id: str = Field(description="Unique id, across sites too: '<source id>:<tracker id>'.")
    site: str = Field(description="Site the camera belongs to.")
    camera: str = Field(description="Camera id.")
    source: str = Field(description="File path, folder or stream URL.")
    source_id: str = Field(description="Stable id of the source.")
    tracker_id: int = Field(description="Track number within the source.")
    object_class: str = Field(description="COCO class name (person, car, ...).")
    start_s: float = Field(description="First seen, seconds into the source.")
    end_s: float = Field(description="Last seen, seconds into the source.")
    started_at: datetime = Field(description="Wall time first seen (UTC).")
    ended_at: datetime = Field(description="Wall time last seen (UTC).")
    frames: int = Field(ge=0, description="Analysed frames the track was detected in.")
    confidence: float = Field(ge=0, le=1, description="Mean detection confidence.")
    path: tuple[tuple[float, float, float], ...] = Field(
        default=(), description="Sampled (seconds, x, y) of the bottom-centre point, x and y normalised 0..1."
    )
    zones: tuple[str, ...] = Field(default=(), description="Zones the track entered.")
    events: tuple[str, ...] = Field(default=(), description="Ids of events the track took part in.")
    thumbnail: str | None = Field(default=None, description="Best crop, JPEG, relative to the media folder.")
    appearance: Appearance | None = Field(default=None, description="Appearance, when the describer ran.")
