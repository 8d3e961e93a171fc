"""Cutting an event's clip: from the recorded segments (live cameras) or from the analysed file.

The window is the event's span plus ``pre_s`` before and ``post_s`` after. Two ways out:

- **blurred** (the default, a privacy rule): frames are decoded, people are detected about five
  times a second, every frame's head regions are blurred (the union of the heads found at the
  detections before and after it, grown by a margin, so a moving head stays covered) and the clip
  is re-encoded as H.264.
- **copied** (``blur=False``): packets are copied without re-encoding (remux), starting from the
  keyframe at or before the window start; fast and exact, but heads are NOT blurred. Unblurred
  export is meant to be an admin action; its audit logging arrives with the console and accounts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.config.models import Config
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.perception.detect import OnnxDetector
from camsight.perception.privacy import blur_regions, head_boxes
from camsight.store import recordings as rec
from camsight.store.events_repo import get_event
from camsight.store.schema import events as event_table

log = logging.getLogger(__name__)
Image = NDArray[np.uint8]
DETECT_EVERY_S = 0.2
HEAD_MARGIN = 0.25


@dataclass(frozen=True, slots=True)
class Piece:
    """A time span ``[start_s, end_s]`` of one video file (seconds from the file's start)."""

    path: Path
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What :func:`export_clip` wrote."""

    path: Path
    event: AnyEvent
    duration_s: float
    frames: int
    blurred: bool
    pieces: tuple[Piece, ...]


def find_event(conn: sa.Connection, event_id: str) -> AnyEvent:
    """The event with this id, or the only one whose id starts with it.

    Raises:
        CamsightError: No event, or several, match.
    """
    event = get_event(conn, event_id=event_id)
    if event is not None:
        return event
    prefix = event_id.replace("%", "").replace("_", "")
    ids = list(conn.execute(sa.select(event_table.c.id).where(event_table.c.id.startswith(prefix)).limit(3)).scalars())
    if len(ids) == 1:
        found = get_event(conn, event_id=ids[0])
        assert found is not None
        return found
    if not ids or not prefix:
        raise CamsightError(f"no event {event_id!r} in the store; list them with `camsight events`")
    raise CamsightError(f"{event_id!r} matches several events ({', '.join(ids[:2])}, ...); give more of the id")


def live_pieces(
    conn: sa.Connection, event: AnyEvent, *, recordings: Path, pre_s: float, post_s: float, now: datetime | None = None
) -> list[Piece]:
    """The parts of the recorded segments that cover a live event's window.

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


def file_pieces(event: AnyEvent, *, pre_s: float, post_s: float) -> list[Piece]:
    """The span of the analysed file that covers the event's window.

    Raises:
        CamsightError: The file is gone.
    """
    path = Path(event.source)
    if not path.is_file():
        raise CamsightError(f"the event's source file {path} no longer exists; a clip cannot be cut")
    return [Piece(path, max(0.0, event.start_s - pre_s), event.end_s + post_s)]


def export_clip(
    engine: sa.Engine,
    *,
    config: Config,
    event_id: str,
    output: Path,
    recordings: Path,
    pre_s: float,
    post_s: float,
    blur: bool = True,
    detector: Callable[[], OnnxDetector] | None = None,
) -> ClipResult:
    """Write an event's clip to ``output`` (see the module docstring).

    Raises:
        CamsightError: Unknown event, nothing to cut from, or the clip cannot be written.
    """
    with engine.connect() as conn:
        event = find_event(conn, event_id)
        live = "://" in event.source
        pieces = (
            live_pieces(conn, event, recordings=recordings, pre_s=pre_s, post_s=post_s)
            if live
            else file_pieces(event, pre_s=pre_s, post_s=post_s)
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        if blur:
            blurrer = HeadBlurrer((detector or (lambda: OnnxDetector(config.detector)))())
            frames, duration = reencode(pieces, output, blurrer.run)
        else:
            frames, duration = remux(pieces, output)
    except (av.error.FFmpegError, OSError) as exc:
        output.unlink(missing_ok=True)
        raise CamsightError(f"cannot write clip {output}: {getattr(exc, 'strerror', None) or exc}") from None
    if frames == 0:
        output.unlink(missing_ok=True)
        raise CamsightError(f"no frame of event {event.id[:10]} could be read from {pieces[0].path}")
    return ClipResult(output, event, duration, frames, blur, tuple(pieces))


def _open_at(piece: Piece) -> tuple[Any, Any, Fraction, float]:
    """Open a piece's file, seeked to the keyframe at or before its start."""
    container = av.open(str(piece.path))
    if not container.streams.video:
        container.close()
        raise CamsightError(f"{piece.path} has no video stream")
    stream = container.streams.video[0]
    base = stream.time_base or Fraction(1, 90000)
    t0 = float((stream.start_time or 0) * base)
    target, step = piece.start_s, 0.25
    while target > 0:  # seeking goes by decoding times: step back until the keyframe shown is early enough
        container.seek(int((target + t0) / base), stream=stream, backward=True, any_frame=False)
        shown = _first_keyframe(container, stream, base, t0)
        if shown is None or shown <= piece.start_s + 1e-3:
            container.seek(int((target + t0) / base), stream=stream, backward=True, any_frame=False)
            return container, stream, base, t0
        target, step = target - step, step * 2
    container.seek(int(t0 / base), stream=stream, backward=True, any_frame=False)
    return container, stream, base, t0


def _first_keyframe(container: Any, stream: Any, base: Fraction, t0: float) -> float | None:
    for packet in container.demux(stream):
        if packet.pts is not None and packet.is_keyframe:
            return float(packet.pts * base) - t0
    return None


def remux(pieces: list[Piece], output: Path) -> tuple[int, float]:
    """Copy the pieces' packets into one file, each from the keyframe at or before its start."""
    out = av.open(str(output), mode="w", options={"movflags": "+faststart"})
    ostream: Any = None
    offset = 0.0
    frames = 0
    try:
        for piece in pieces:
            container, stream, base, t0 = _open_at(piece)
            with container:
                if ostream is None:
                    ostream = out.add_stream_from_template(stream)
                shift: int | None = None
                last = offset
                for packet in container.demux(stream):
                    if packet.pts is None or (shift is None and not packet.is_keyframe):
                        continue
                    t = float(packet.pts * base) - t0
                    if t > piece.end_s:
                        break
                    dts = packet.dts if packet.dts is not None else packet.pts
                    if shift is None:
                        shift = int(round(offset / base)) - dts
                    packet.pts, packet.dts = packet.pts + shift, dts + shift
                    last = max(last, float(packet.pts * base))
                    packet.stream = ostream
                    out.mux(packet)
                    frames += 1
                rate = stream.average_rate or 25
                offset = last + 1 / float(rate)
    finally:
        out.close()
    return frames, offset


def _frames(pieces: list[Piece]) -> Iterator[tuple[Image, float]]:
    """Decoded BGR frames of the pieces, with their time in the clip."""
    offset = 0.0
    for piece in pieces:
        container, stream, _base, t0 = _open_at(piece)
        with container:
            last = offset
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t = float(frame.time) - t0
                if t < piece.start_s - 1e-3:
                    continue
                if t > piece.end_s:
                    break
                last = offset + t - piece.start_s
                yield np.ascontiguousarray(frame.to_ndarray(format="bgr24")), last
            rate = stream.average_rate or 25
            offset = last + 1 / float(rate)


def reencode(
    pieces: list[Piece],
    output: Path,
    transform: Callable[[Iterable[tuple[Image, float]]], Iterator[tuple[Image, float]]],
) -> tuple[int, float]:
    """Decode the pieces, pass the frames through ``transform`` and encode them as H.264."""
    with av.open(str(pieces[0].path)) as probe:
        rate = Fraction(probe.streams.video[0].average_rate or 25).limit_denominator(1001)
    out = av.open(str(output), mode="w", options={"movflags": "+faststart"})
    ostream: Any = None
    frames, last_pts, t_end = 0, -1, 0.0
    try:
        for image, t in transform(_frames(pieces)):
            if ostream is None:
                ostream = out.add_stream("libx264", rate=rate, options={"crf": "23", "preset": "veryfast"})
                ostream.width, ostream.height = image.shape[1] // 2 * 2, image.shape[0] // 2 * 2
                ostream.pix_fmt = "yuv420p"
            image = _fit(image, ostream.width, ostream.height)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            pts = max(last_pts + 1, int(round(t * rate)))
            frame.pts, frame.time_base, last_pts = pts, 1 / rate, pts
            out.mux(ostream.encode(frame))
            frames += 1
            t_end = t
        if ostream is not None:
            out.mux(ostream.encode(None))
    finally:
        out.close()
    return frames, t_end + (1 / float(rate) if frames else 0.0)


def _fit(image: Image, width: int, height: int) -> Image:
    """Crop (odd sizes) or resize (a resolution change mid-clip) to the clip's size."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    if image.shape[1] >= width and image.shape[0] >= height and image.shape[1] - width <= 1:
        return np.ascontiguousarray(image[:height, :width])
    import cv2

    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)


class HeadBlurrer:
    """Blurs people's heads in a frame sequence, detecting people every ``every_s`` seconds.

    A frame between two detections gets the heads of both blurred, each box grown by ``margin`` of
    its size, so a head moving between detections stays covered (over-blurring is the safe failure).
    """

    def __init__(self, detector: OnnxDetector, *, every_s: float = DETECT_EVERY_S, margin: float = HEAD_MARGIN):
        """Use ``detector`` (its person boxes) for the head regions."""
        self.detector = detector
        self.every_s = every_s
        self.margin = margin
        self.detections = 0

    def heads(self, image: Image) -> NDArray[np.int32]:
        """Grown head boxes of the people in one image."""
        self.detections += 1
        boxes = head_boxes(self.detector.detect_image(image)).astype(np.float64)
        w = boxes[:, 2] - boxes[:, 0]
        h = boxes[:, 3] - boxes[:, 1]
        grown = boxes + np.stack([-w, -h, w, h], axis=1) * self.margin
        return np.round(grown).astype(np.int32).reshape(-1, 4)

    def run(self, frames: Iterable[tuple[Image, float]]) -> Iterator[tuple[Image, float]]:
        """The frames, in order, with heads blurred."""
        previous = np.zeros((0, 4), np.int32)
        pending: list[tuple[Image, float]] = []
        next_t = float("-inf")
        for image, t in frames:
            if t < next_t:
                pending.append((image, t))
                continue
            current = self.heads(image)
            both = np.concatenate([previous, current])
            yield from ((blur_regions(img, both), tt) for img, tt in pending)
            pending = []
            yield blur_regions(image, both), t
            previous, next_t = current, t + self.every_s
        if pending:
            both = np.concatenate([previous, self.heads(pending[-1][0])])
            yield from ((blur_regions(img, both), tt) for img, tt in pending)
