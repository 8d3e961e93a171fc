"""An event's clip: cut from the recordings or the analysed file, heads blurred unless an admin says otherwise.

This use case checks who may export, finds the event in the actor's scope and the pieces of video that
cover it (the recorded segments of a live camera, or the analysed file), has them cut
(:mod:`camsight.sources.clips`, heads blurred by :mod:`camsight.perception.head_blur`) and writes the
audit row: ``clip.export``, or ``clip.export_unblurred`` for a copy with heads visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from camsight.config.models import Config
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.head_blur import HeadBlurrer, privacy_detector_config
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.events import find_event
from camsight.sources.clips import Piece, check_output, clip_path, file_pieces, reencode, remux, write_new
from camsight.store import recordings as rec
from camsight.store.errors import writing
from camsight.store.handle import Store


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What :func:`export` wrote."""

    path: Path
    event: AnyEvent
    duration_s: float
    frames: int
    blurred: bool
    pieces: tuple[Piece, ...]


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
    force: bool = False,
    detector: Callable[[], Detector] | None = None,
) -> ClipResult:
    """Write an event's clip to ``output`` and audit it.

    Args:
        store: The store (its recordings folder holds the live segments).
        actor: Who exports (operators; unblurred: admins).
        config: Settings (the detector's, for blurring).
        ref: The event's id or a unique start of it.
        output: A ``.mp4`` file name, or an existing folder to write ``<first 10 characters of the id>.mp4`` in.
        pre_s: Seconds before the event.
        post_s: Seconds after it.
        blur: Blur heads (re-encode); ``False`` copies the packets as recorded.
        force: Replace a file already at the output path (never one the clip is cut from).
        detector: Builds the detector for blurring; by default the configured one at
            :func:`~camsight.perception.head_blur.privacy_detector_config`.

    Raises:
        Forbidden: A viewer asked, or a non-admin asked for an unblurred copy.
        EventNotFound: No visible event matches ``ref``.
        CamsightError: Nothing to cut from, or the clip cannot be written there.
    """
    actor.require("operator", "export clips")
    if not blur:
        actor.require("admin", "export a clip with heads not blurred")
    with store.engine.connect() as conn:
        event = find_event(conn, actor=actor, ref=ref)
        if "://" in event.source:
            pieces = live_pieces(conn, event, recordings=store.paths.recordings, pre_s=pre_s, post_s=post_s)
        else:
            pieces = file_pieces(event, pre_s=pre_s, post_s=post_s)
    path = clip_path(output, event)
    check_output(path, pieces, force=force)

    def write(part: Path) -> tuple[int, float]:
        if not blur:
            return remux(pieces, part)
        made = detector() if detector else OnnxDetector(privacy_detector_config(config.detector))
        return reencode(pieces, part, HeadBlurrer(made).run)

    frames, duration = write_new(path, write, force=force, empty=f"no frame of event {event.id[:10]} could be read")
    result = ClipResult(path, event, duration, frames, blur, tuple(pieces))
    with writing(store.engine) as conn:
        audit.record(
            conn,
            actor=actor,
            action="clip.export" if blur else "clip.export_unblurred",
            detail={"event_id": event.id, "output": str(path), "blurred": blur, "duration_s": round(duration, 2)},
        )
    return result
