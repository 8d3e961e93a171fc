"""An event's clip: cut from the recordings or the analysed file, masked and blurred unless an admin says otherwise.

This use case checks who may export, finds the event in the actor's scope and the pieces of video that
cover it (the recorded segments of a live camera, or the analysed file), has them cut
(:mod:`camsight.sources.clips`) and writes the audit row.

Every frame of a clip has the camera's privacy masks (``cameras[].masks``) blacked out, before the heads
are blurred (:mod:`camsight.perception.head_blur`) and again after, so no blur smears anything into a
masked area. Without blurring (an admin's ``blur=False``) the frames are still re-encoded with the masks
burned in; the packets are copied as recorded only when there is nothing to burn (the camera has no
masks, or they were lifted). Lifting the masks (``masks=False``) is for admins, with a reason.

The audit row: ``clip.export``; ``clip.export_unblurred`` for heads not blurred; ``clip.export_unmasked``
(with the reason) for masks lifted, blurred or not. Its detail says ``blurred``, ``masked`` and how many
mask polygons were burned in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from camsight.config.models import Config, MaskPolygon
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.head_blur import HeadBlurrer, privacy_detector_config
from camsight.perception.privacy import Image, mask_frames
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.events import find_event
from camsight.sources.clips import Piece, check_output, clip_path, file_pieces, reencode, remux, write_new
from camsight.store import recordings as rec
from camsight.store.errors import writing
from camsight.store.handle import Store

MAX_REASON = 500
"""Longest reason (characters) for lifting the masks."""

Frames = Iterable[tuple[Image, float]]
Transform = Callable[[Frames], Iterator[tuple[Image, float]]]


class ReasonRequired(CamsightError):
    """Privacy masks may be lifted only with a reason, which goes to the audit log."""


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What :func:`export` wrote.

    Attributes:
        masked: Whether the camera's privacy masks were applied (False: lifted by an admin).
        masks: How many mask polygons were burned in (0 when lifted or when the camera has none).
        reencoded: False when the packets were copied as recorded.
    """

    path: Path
    event: AnyEvent
    duration_s: float
    frames: int
    blurred: bool
    pieces: tuple[Piece, ...]
    masked: bool = True
    masks: int = 0
    reencoded: bool = True


def camera_masks(config: Config, camera: str) -> tuple[MaskPolygon, ...]:
    """The privacy masks of an event's camera in ``config``.

    A camera not in the config is one that ``camsight analyze`` named after its file from the built-in
    ``default`` template: that template's masks apply.

    Raises:
        CamsightError: The camera is not in the config and no ``default`` template stands for it, so its
            masks are unknown.
    """
    for cam in config.cameras:
        if cam.id == camera:
            return cam.masks
    templates = [c for c in config.cameras if not c.source]
    if len(templates) == 1 and templates[0].id == "default":
        return templates[0].masks
    raise CamsightError(
        f"camera {camera!r} is not in the config, so its privacy masks are unknown: give the config it runs "
        "with (--config), or lift the masks with --no-masks --reason TEXT (admins)"
    )


def lift_reason(reason: str | None, *, masks: bool) -> str | None:
    """The reason as audited (whitespace collapsed); required when the masks are lifted.

    Raises:
        ReasonRequired: The masks are lifted without a reason, or the reason is too long.
    """
    text = " ".join((reason or "").split()) or None
    if text is None and not masks:
        raise ReasonRequired(
            "a clip without its privacy masks needs a reason (--reason TEXT), which is written to the audit log"
        )
    if text is not None and len(text) > MAX_REASON:
        raise ReasonRequired(f"the reason is {len(text)} characters long; keep it under {MAX_REASON}")
    return text


def frame_transform(
    polygons: tuple[MaskPolygon, ...], *, blur: bool, detector: Callable[[], Detector]
) -> Transform | None:
    """What each frame goes through: masks, then heads blurred, then masks again; None: copy the packets.

    The masks are applied again after blurring because a blurred head region that overlaps a mask would
    otherwise smear its surroundings into the masked area.
    """
    if not blur and not polygons:
        return None
    masks = [tuple((x, y) for x, y in polygon) for polygon in polygons]

    def run(frames: Frames) -> Iterator[tuple[Image, float]]:
        masked = mask_frames(frames, masks)
        if not blur:
            return masked
        return mask_frames(HeadBlurrer(detector()).run(masked), masks)

    return run


def live_pieces(
    conn: sa.Connection, event: AnyEvent, *, recordings: Path, pre_s: float, post_s: float, now: datetime | None = None
) -> list[Piece]:
    """The parts of the recorded segments that cover a live event's window (an open event: up to now).

    Raises:
        CamsightError: No recording covers the window.
    """
    start = event.started_at - timedelta(seconds=pre_s)
    end = event.started_at + timedelta(seconds=event.end_s - event.start_s + post_s)
    if event.status == "open":
        end = max(end, now or datetime.now(UTC))
    pieces = []
    for seg in rec.list_segments(conn, camera=event.camera, since=start, until=end):
        length = (seg.end_at - seg.start_at).total_seconds()
        a = max(0.0, (start - seg.start_at).total_seconds())
        b = min(length, (end - seg.start_at).total_seconds())
        if b > a and (recordings / seg.path).exists():
            pieces.append(Piece(recordings / seg.path, a, b))
    if not pieces:
        raise CamsightError(
            f"no recording covers event {event.id[:10]} of camera {event.camera} ({start:%Y-%m-%d %H:%M:%S} to "
            f"{end:%H:%M:%S} UTC): recording was off, the camera was down, or retention deleted it"
        )
    return pieces


def export(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    ref: str,
    output: Path,
    pre_s: float,
    post_s: float,
    blur: bool = True,
    masks: bool = True,
    reason: str | None = None,
    force: bool = False,
    detector: Callable[[], Detector] | None = None,
) -> ClipResult:
    """Write an event's clip to ``output`` and audit it.

    Args:
        store: The store (its recordings folder holds the live segments).
        actor: Who exports (operators; unblurred or unmasked: admins).
        config: Settings (the event camera's privacy masks; the detector's, for blurring).
        ref: The event's id or a unique start of it.
        output: A ``.mp4`` file name, or an existing folder to write ``<first 10 characters of the id>.mp4`` in.
        pre_s: Seconds before the event.
        post_s: Seconds after it.
        blur: Blur heads; ``False`` leaves them as recorded (the masks are still burned in).
        masks: Black out the camera's privacy masks; ``False`` lifts them (needs ``reason``).
        reason: Why the masks are lifted, for the audit log (recorded whenever given).
        force: Replace a file already at the output path (never one the clip is cut from).
        detector: Builds the detector for blurring; by default the configured one at
            :func:`~camsight.perception.head_blur.privacy_detector_config`.

    Raises:
        Forbidden: A viewer asked, or a non-admin asked for heads not blurred or masks lifted.
        ReasonRequired: The masks are lifted without a reason.
        EventNotFound: No visible event matches ``ref``.
        CamsightError: The camera's masks are unknown, nothing to cut from, or the clip cannot be written there.
    """
    actor.require("operator", "export clips")
    if not blur:
        actor.require("admin", "export a clip with heads not blurred")
    if not masks:
        actor.require("admin", "export a clip with the privacy masks lifted")
    why = lift_reason(reason, masks=masks)
    with store.engine.connect() as conn:
        event = find_event(conn, actor=actor, ref=ref)
        if "://" in event.source:
            pieces = live_pieces(conn, event, recordings=store.paths.recordings, pre_s=pre_s, post_s=post_s)
        else:
            pieces = file_pieces(event, pre_s=pre_s, post_s=post_s)
    polygons = camera_masks(config, event.camera) if masks else ()
    path = clip_path(output, event)
    check_output(path, pieces, force=force)
    transform = frame_transform(
        polygons, blur=blur, detector=detector or (lambda: OnnxDetector(privacy_detector_config(config.detector)))
    )

    def write(part: Path) -> tuple[int, float]:
        return remux(pieces, part) if transform is None else reencode(pieces, part, transform)

    frames, duration = write_new(path, write, force=force, empty=f"no frame of event {event.id[:10]} could be read")
    result = ClipResult(path, event, duration, frames, blur, tuple(pieces), masks, len(polygons), transform is not None)
    with writing(store.engine) as conn:
        _audit(conn, actor, result, reason=why)
    return result


def _audit(conn: sa.Connection, actor: Actor, result: ClipResult, *, reason: str | None) -> None:
    """The export's audit row: the privacy it gave up names the action, masks first."""
    if not result.masked:
        action = "clip.export_unmasked"
    else:
        action = "clip.export" if result.blurred else "clip.export_unblurred"
    detail = {
        "event_id": result.event.id,
        "output": str(result.path),
        "blurred": result.blurred,
        "masked": result.masked,
        "masks": result.masks,
        "duration_s": round(result.duration_s, 2),
    }
    if reason is not None:
        detail["reason"] = reason
    audit.record(conn, actor=actor, action=action, detail=detail, site=result.event.site)
