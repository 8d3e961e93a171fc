"""The messages besides events (which travel as ``event.model_dump_json()``): named, versioned, frozen.

A hub accepts the ``schema_version`` it knows and refuses others with a logged reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from camsight.core.records import TrackRecord
from camsight.transport import path as paths

MAX_PAYLOAD = 256 * 1024
"""Largest message a hub accepts, bytes (a track with its thumbnail is a few kilobytes)."""
THUMBNAIL_SIDE = 160
"""Longest side of the thumbnail a track message carries, pixels (masked, head blurred)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PackedPath(_Frozen):
    """A record's path as whole numbers, each after the first the change from the one before.

    Times in hundredths of a second, x and y in ten-thousandths of the frame (at least the precision the
    edge stores them with, so nothing is lost): ``t: [180, 20, 20]`` is 1.8 s, 2.0 s, 2.2 s.
    """

    t: tuple[int, ...] = Field(description="Times, hundredths of a second (the first; then changes).")
    x: tuple[int, ...] = Field(description="x of the bottom-centre point, ten-thousandths of the frame width.")
    y: tuple[int, ...] = Field(description="y of the bottom-centre point, ten-thousandths of the frame height.")

    @model_validator(mode="after")
    def _same_length(self) -> PackedPath:
        if not len(self.t) == len(self.x) == len(self.y):
            raise ValueError("t, x and y have one value per path sample each")
        return self


class TrackMessage(_Frozen):
    """A finished track for the hub: its record and a small masked, blurred thumbnail.

    Version 1 carries the record as stored. Version 2 (sent to hubs that read the compact forms, see
    :mod:`camsight.transport.compact`) may carry the record's path packed (:attr:`path`, the record's own
    path then empty); :meth:`full_record` gives the record back either way.
    """

    schema_version: Literal[1, 2] = Field(default=1, description="Version of this message format (2: packed path).")
    record: TrackRecord = Field(description="The track record, as stored at the edge (v2: its path maybe packed).")
    path: PackedPath | None = Field(default=None, description="v2: the record's path, packed; none: in the record.")
    thumbnail_jpeg: str | None = Field(default=None, description="JPEG, base64, longest side 160 px; or none.")

    @model_validator(mode="after")
    def _path_once(self) -> TrackMessage:
        if self.path is not None and (self.schema_version < 2 or self.record.path):
            raise ValueError("a packed path comes only in version 2, with the record's own path empty")
        return self

    def full_record(self) -> TrackRecord:
        """The record as the edge stored it (its path unpacked when it came packed)."""
        if self.path is None:
            return self.record
        path = paths.unpack((self.path.t, self.path.x, self.path.y))
        return self.record.model_copy(update={"path": path})


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
    model_problem: str | None = Field(default=None, description="Why it refused the release announced, if it did.")
    at: datetime = Field(description="When (UTC).")


VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""What a model release may be called (it names the file the edges keep: ``<version>.onnx``)."""
PACKAGED = "yolo11n"
"""The version an edge reports for the packaged detector; a rollback to it carries no file."""


class ModelRelease(_Frozen):
    """One detector release: its file at the hub, or (no ``sha256``, ``url``, ``size``) the packaged detector."""

    version: str = Field(pattern=VERSION_PATTERN, description="Release version.")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the ONNX file.")
    url: str | None = Field(default=None, description="Where the edges download it (the hub's API).")
    size: int | None = Field(default=None, ge=1, description="File size, bytes.")

    @model_validator(mode="after")
    def _file_or_packaged(self) -> ModelRelease:
        given = [self.sha256 is not None, self.url is not None, self.size is not None]
        if any(given) and not all(given):
            raise ValueError("a release has a sha256, a url and a size, or none of them (the packaged model)")
        return self

    @property
    def packaged(self) -> bool:
        """Whether this is the packaged detector (no file to fetch)."""
        return self.sha256 is None


class ModelAnnouncement(_Frozen):
    """What every edge should run (retained on ``camsight/hub/models``): one message says it for all sites.

    During a canary, the ``sites`` named run ``release`` and the others run ``others`` (the release before);
    once it is promoted, ``sites`` and ``others`` are none and every edge runs ``release``.
    """

    schema_version: Literal[1] = Field(default=1, description="Version of this message format.")
    release: ModelRelease = Field(description="The newest release.")
    sites: tuple[str, ...] | None = Field(default=None, description="Only these sites run it (a canary); none: all.")
    others: ModelRelease | None = Field(default=None, description="What the other sites run during a canary.")
    at: datetime = Field(description="When it was announced (UTC).")

    def for_site(self, site: str) -> ModelRelease:
        """The release an edge of ``site`` should run now."""
        if self.sites is None or site in self.sites:
            return self.release
        return self.others or ModelRelease(version=PACKAGED)
