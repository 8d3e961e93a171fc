"""The messages besides events (which travel as ``event.model_dump_json()``): named, versioned, frozen.

A hub accepts the ``schema_version`` it knows and refuses others with a logged reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from camsight.core.records import TrackRecord

MAX_PAYLOAD = 256 * 1024
"""Largest message a hub accepts, bytes (a track with its thumbnail is a few kilobytes)."""
THUMBNAIL_SIDE = 160
"""Longest side of the thumbnail a track message carries, pixels (masked, head blurred)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TrackMessage(_Frozen):
    """A finished track for the hub: its record and a small masked, blurred thumbnail."""

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    record: TrackRecord = Field(description="The track record, as stored at the edge.")
    thumbnail_jpeg: str | None = Field(default=None, description="JPEG, base64, longest side 160 px; or none.")


class CameraStatus(_Frozen):
    """One camera's state at an edge (retained)."""

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    site: str = Field(description="Site.")
    camera: str = Field(description="Camera id.")
    state: str = Field(description="connecting, live, backoff, failed, stopped or offline.")
    reason: str | None = Field(default=None, description="Why, when not live.")
    at: datetime = Field(description="When (UTC).")


class EdgeStatus(_Frozen):
    """An edge's heartbeat (retained), and its last will when it goes away unannounced."""

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    site: str = Field(description="Site.")
    state: Literal["online", "offline"] = Field(description="online while it sends heartbeats.")
    url: str | None = Field(default=None, description="The edge's API, for fetching clips on demand.")
    model_version: str | None = Field(default=None, description="Version of the detector it runs.")
    model_sha256: str | None = Field(default=None, description="SHA-256 of that model file.")
    at: datetime = Field(description="When (UTC).")


class ModelAnnouncement(_Frozen):
    """The hub's current detector release (retained): which sites should run which model."""

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    version: str = Field(description="Release version.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the ONNX file.")
    url: str = Field(description="Where the edges download it (the hub's API).")
    size: int = Field(ge=1, description="File size, bytes.")
    sites: tuple[str, ...] | None = Field(default=None, description="Only these sites (a canary); none: all.")
    previous: str | None = Field(default=None, description="The release the others stay on during a canary.")
