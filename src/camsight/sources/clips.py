"""Cutting a clip out of video files: the pieces that cover an event, copied or re-encoded, written safely.

The window is the event's span plus ``pre_s`` before and ``post_s`` after, made of pieces (:class:`Piece`):
spans of the analysed file, or of the recorded segments of a live camera. Two ways out:

- **re-encoded** (:func:`reencode`): frames are decoded, passed through a transform (the head blurrer
  of :mod:`camsight.perception.head_blur`) and encoded as H.264;
- **copied** (:func:`remux`): packets are copied without re-encoding, starting from the keyframe at or
  before the window start; fast and exact, but nothing is blurred.

Where it goes: ``output`` is a name ending in ``.mp4`` (any other is refused rather than guessed at),
or an existing folder, in which the clip is named after the first 10 characters of the event id.
A clip is never written over a file it reads (compared by resolved path and by inode, so neither a
symlink, a hard link nor a relative path gets round it), and replaces another existing file only
with ``force``. It is written to a hidden temporary file beside the output, created owner-only
(:data:`CLIP_MODE`), and renamed into place only when complete: a failed export leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
from numpy.typing import NDArray

from camsight.errors import CamsightError
from camsight.events.models import AnyEvent

log = logging.getLogger(__name__)
Image = NDArray[np.uint8]

CLIP_MODE = 0o600
"""Permissions of an exported clip, and of its temporary file from the moment it is created: owner only."""
EPS_S = 1e-3
"""Frame times closer than this count as equal (they add up in floating point)."""


class ClipOutputError(CamsightError):
    """The clip cannot go where asked: it would replace its own video or another file, or is not an MP4."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A time span ``[start_s, end_s]`` of one video file (seconds from the file's start)."""

    path: Path
    start_s: float
    end_s: float


def file_pieces(event: AnyEvent, *, pre_s: float, post_s: float) -> list[Piece]:
    """The span of the analysed file that covers the event's window.

    Raises:
        CamsightError: The file is gone.
    """
    path = Path(event.source)
    if not path.is_file():
        raise CamsightError(f"the event's source file {path} no longer exists; a clip cannot be cut")
    return [Piece(path, max(0.0, event.start_s - pre_s), event.end_s + post_s)]


def clip_path(output: Path, event: AnyEvent) -> Path:
    """Where the clip goes: ``output`` itself, or ``<first 10 characters of the event id>.mp4`` in a folder.

    Raises:
        ClipOutputError: ``output`` is neither an existing folder nor a name ending in ``.mp4``.
    """
    if output.is_dir():
        return output / f"{event.id[:10]}.mp4"
    if output.suffix.lower() != ".mp4":
        raise ClipOutputError(
            f"cannot write a clip to {output}: give a file name ending in .mp4, or an existing folder"
        )
    return output


def check_output(path: Path, pieces: Sequence[Piece], *, force: bool) -> None:
    """Refuse an output that is one of the clip's own inputs, a folder, or (without ``force``) any existing file.

    Raises:
        ClipOutputError: With what to do instead.
    """
    for piece in pieces:
        if same_file(path, piece.path):
            raise ClipOutputError(f"{path} is the video the clip is cut from; choose another --output")
    if path.is_dir():
        raise ClipOutputError(f"{path} is a folder; choose another --output")
    if os.path.lexists(path) and not force:
        raise ClipOutputError(f"{path} already exists; choose another --output, or add --force to replace it")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or the same inode (hard links, aliases)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def write_new(path: Path, write: Callable[[Path], tuple[int, float]], *, force: bool, empty: str) -> tuple[int, float]:
    """Run ``write`` on a new temporary file next to ``path`` and move it there only once it is complete.

    The temporary file is created with :data:`CLIP_MODE` permissions. On any failure it is removed,
    with the folders this made, and whatever is at ``path`` is left as it was.

    Raises:
        CamsightError: ``write`` failed or wrote no frame (``empty`` says so), or ``path`` is taken.
    """
    made = _make_folders(path.parent)
    part: Path | None = None
    try:
        part = _temporary(path)
        frames, duration = write(part)
        if frames == 0:
            raise CamsightError(empty)
        _publish(part, path, force=force)
    except (av.error.FFmpegError, OSError) as exc:
        _clean(part, made)
        raise CamsightError(f"cannot write clip {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except BaseException:
        _clean(part, made)
        raise
    return frames, duration


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and any missing parents; the ones created, innermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _clean(None, missing)
        raise CamsightError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    return missing


def _temporary(path: Path) -> Path:
    """A new, empty, hidden file beside ``path``, created with :data:`CLIP_MODE` permissions."""
    while True:
        part = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.part.mp4")
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, CLIP_MODE)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, CLIP_MODE)  # exactly CLIP_MODE, whatever the umask, before a byte is written
        finally:
            os.close(fd)
        return part


def _publish(part: Path, path: Path, *, force: bool) -> None:
    """Move the finished file to ``path``; without ``force``, never over a file that appeared meanwhile."""
    if force:
        os.replace(part, path)
        return
    try:
        os.link(part, path)  # fails if path exists, atomically
    except FileExistsError:
        raise ClipOutputError(f"{path} appeared while the clip was written; it was left as it is") from None
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise ClipOutputError(f"{path} appeared while the clip was written; it was left as it is") from None
        os.replace(part, path)
        return
    part.unlink()


def _clean(part: Path | None, folders: list[Path]) -> None:
    """Remove a temporary file and the (empty) folders made for it."""
    if part is not None:
        part.unlink(missing_ok=True)
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


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
    out = av.open(str(output), mode="w", format="mp4", options={"movflags": "+faststart"})
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


def _frames(pieces: list[Piece]) -> Generator[tuple[Image, float]]:
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


def first_frame(pieces: list[Piece]) -> tuple[Image, float] | None:
    """The first decoded frame of the pieces (at or just after the first piece's start) and its time; None if none.

    Raises:
        CamsightError: A file cannot be opened or decoded (damaged, not a video, unreadable).
    """
    frames = _frames(pieces)
    try:
        return next(frames, None)
    except (av.error.FFmpegError, OSError) as exc:
        names = ", ".join(sorted({p.path.name for p in pieces}))
        raise CamsightError(f"cannot read a frame of {names}: {getattr(exc, 'strerror', None) or exc}") from None
    finally:
        frames.close()  # closes the file now, not when the generator is collected


def reencode(
    pieces: list[Piece],
    output: Path,
    transform: Callable[[Iterable[tuple[Image, float]]], Iterator[tuple[Image, float]]],
) -> tuple[int, float]:
    """Decode the pieces, pass the frames through ``transform`` and encode them as H.264."""
    with av.open(str(pieces[0].path)) as probe:
        rate = Fraction(probe.streams.video[0].average_rate or 25).limit_denominator(1001)
    out = av.open(str(output), mode="w", format="mp4", options={"movflags": "+faststart"})
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
