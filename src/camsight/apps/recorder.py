"""Recording live streams in segments without re-encoding (or with the masks burned in), and their retention.

:class:`SegmentRecorder` is a :class:`~camsight.sources.rtsp.PacketSink`: it copies the camera's
packets (remux, no decoding) into fragmented MP4 files of ``segment_s`` seconds, each starting on a
keyframe, named by their UTC start time: ``<folder>/<camera>/<YYYY-MM-DD>/<HHMMSS.ffffff>.mp4``.
Every segment is indexed in the ``segments`` table with its wall-clock span and its writer (pid and
host). Only the video stream is recorded.

Nothing is lost when the writer is killed: a fragment is cut at every keyframe and at least every
:data:`FRAGMENT_S` seconds (``frag_keyframe``, ``frag_duration``), and each one is flushed to the file
as it is written (``flush_packets``; FFmpeg would otherwise keep up to 32 KB in its I/O buffer), so a
file cut off by ``kill -9`` plays up to within about ``FRAGMENT_S`` of the kill.
:func:`repair_segments` completes the index rows such a writer left open, and leaves alone those whose
writer is still alive.

:func:`enforce_retention` (:func:`camsight.store.segment_retention.enforce_segments`) deletes the
oldest segments first: those older than ``retain_days``, then more while the total is above the disk
budget; a segment that overlaps an open event (from its start minus ``pre_s`` on) is never deleted.
With ``recording.burn_masks`` a masked camera gets :class:`~camsight.apps.burn_recorder.BurningRecorder`
instead (:func:`make_recorder`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import sqlalchemy as sa

from camsight.config.models import CameraConfig, Config
from camsight.store import perms
from camsight.store import recordings as rec
from camsight.store.segment_retention import SegmentsDeleted, enforce_segments, plan_segments

log = logging.getLogger(__name__)
FRAGMENT_S = 2.0
MP4_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": str(int(FRAGMENT_S * 1e6)),  # microseconds: a fragment also when keyframes are far apart
    "flush_packets": "1",  # each fragment reaches the file when it is written, not when 32 KB have piled up
}


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class SegmentRecorder:
    """Writes one camera's packets to segment files and indexes them.

    Args:
        engine: Store for the segment index.
        folder: Recording folder (segments go under ``<folder>/<camera>/``).
        camera: Camera id.
        segment_s: Target length; a segment ends at the first keyframe after it.
    """

    def __init__(self, engine: sa.Engine, folder: Path, camera: str, *, segment_s: float) -> None:
        self.engine = engine
        self.folder = Path(folder)
        self.camera = camera
        self.segment_s = segment_s
        self.segments_written = 0
        self.problem: str | None = None
        self._template: Any = None
        self._out: Any = None
        self._ostream: Any = None
        self._id = 0
        self._path = Path()
        self._first_t = self._last_t = 0.0  # stream times (s) of the segment's first and latest packets
        self._anchor = 0.0  # wall - stream time, as the stream clock says now (it settles after a burst)
        self._frames = 0
        self._offset = 0
        self._last_dts: int | None = None
        self._frame_s = 0.04

    def start(self, stream: Any) -> None:
        """A new connection: segments restart at its first keyframe."""
        self._close()
        self._template = stream
        rate = stream.average_rate or stream.guessed_rate
        self._frame_s = 1.0 / float(rate) if rate else 0.04

    def write(self, packet: Any, wall: float) -> None:
        """Copy one packet; opens and rotates segments on keyframes (and on a jump of the stream's time)."""
        if self._template is None:
            return
        t = float(packet.pts * packet.time_base)
        self._anchor = wall - t
        if not self._segment_for(t, wall, keyframe=packet.is_keyframe):
            return
        if self._frames == 0:
            self._offset = packet.dts if packet.dts is not None else packet.pts
            self._last_dts = None
        self._mux(packet)
        self._last_t = max(self._last_t, t)
        self._frames += 1

    def end(self) -> None:
        """The connection ended: close the segment being written."""
        self._close()
        self._template = None

    def _segment_for(self, t: float, wall: float, *, keyframe: bool) -> bool:
        """Rotate or open the segment for what comes at stream time ``t`` (a new one starts on a keyframe).

        Returns:
            Whether a segment is open to write it to.
        """
        if self._out is not None:
            jumped = t < self._last_t - 1.0 or t - self._last_t > 5.0
            if jumped or (keyframe and t - self._first_t >= self.segment_s):
                self._close()
        if self._out is None:
            if not keyframe or not self._open(wall):
                return False
            self._first_t = self._last_t = t
        return True

    def _open(self, wall: float) -> bool:
        start = _utc(wall)
        rel = f"{self.camera}/{start:%Y-%m-%d}/{start:%H%M%S.%f}.mp4"
        path = self.folder / rel
        try:
            perms.make_dir(path.parent)  # owner-only folders and files: recordings show people
            perms.touch_private(path)
            self._out = av.open(str(path), mode="w", format="mp4", options=MP4_OPTIONS)
            self._ostream = self._add_stream(self._out)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._fail(f"cannot write segment {path}: {getattr(exc, 'strerror', None) or exc}")
            if self._out is not None:
                with contextlib.suppress(av.error.FFmpegError, OSError, ValueError):
                    self._out.close()
                self._out = None
            return False
        codec, width, height = self._describe()
        with self.engine.begin() as conn:
            self._id = rec.add_segment(
                conn,
                camera=self.camera,
                path=rel,
                start_at=start,
                codec=codec,
                width=width,
                height=height,
                writer_pid=os.getpid(),
                writer_host=socket.gethostname(),
            )
        self._path = path
        self._frames = 0
        return True

    def _add_stream(self, out: Any) -> Any:
        """The segment's video stream: a copy of the camera's."""
        return out.add_stream_from_template(self._template)

    def _describe(self) -> tuple[str | None, int | None, int | None]:
        """Codec, width and height of what goes into the segment, for its index row."""
        tmpl = self._template
        return tmpl.codec_context.name, tmpl.width, tmpl.height

    def _mux(self, packet: Any) -> None:
        pts = packet.pts - self._offset
        dts = (packet.dts if packet.dts is not None else packet.pts) - self._offset
        if self._last_dts is not None and dts <= self._last_dts:
            dts = self._last_dts + 1
        packet.dts, packet.pts = dts, max(pts, dts)
        self._last_dts = dts
        packet.stream = self._ostream
        try:
            self._out.mux(packet)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._fail(f"cannot write segment {self._path}: {getattr(exc, 'strerror', None) or exc}")
            self._close()

    def _fail(self, message: str) -> None:
        if self.problem != message:
            log.error("camera %s: %s", self.camera, message)
        self.problem = message

    def _flush(self) -> None:
        """Write what the segment's stream still holds before it is closed (nothing: packets are copied)."""

    def _close(self) -> None:
        if self._out is None:
            return
        self._flush()
        out, self._out = self._out, None
        try:
            out.close()
        except (av.error.FFmpegError, OSError) as exc:
            self._fail(f"cannot finish segment {self._path}: {getattr(exc, 'strerror', None) or exc}")
        size = self._path.stat().st_size if self._path.exists() else 0
        start = _utc(self._first_t + self._anchor)
        end = _utc(self._last_t + self._anchor + self._frame_s)
        with self.engine.begin() as conn:
            rec.complete_segment(
                conn, segment_id=self._id, start_at=start, end_at=end, size_bytes=size, frames=self._frames
            )
        self.segments_written += 1


def make_recorder(config: Config, camera: CameraConfig, engine: sa.Engine, folder: Path) -> SegmentRecorder | None:
    """The recorder of a live camera: none when recording is off; masks burned in with ``recording.burn_masks``.

    A camera without masks is copied even with ``burn_masks``: there is nothing to burn in.
    """
    recording = config.recording
    if not recording.enabled:
        return None
    if recording.burn_masks and camera.masks:
        from camsight.apps.burn_recorder import BurningRecorder

        return BurningRecorder(engine, folder, camera.id, segment_s=recording.segment_s, masks=camera.masks)
    return SegmentRecorder(engine, folder, camera.id, segment_s=recording.segment_s)


def repair_segments(engine: sa.Engine, folder: Path, camera: str) -> int:
    """Complete the index rows of segments left open by a dead writer (probing each file).

    A segment whose writer is alive on this host is being written: it is left alone. Files with no
    readable frame, or missing, lose their row. Returns how many rows were repaired or removed.
    """
    with engine.begin() as conn:
        rows = [row for row in rec.incomplete_segments(conn, camera=camera) if not writer_alive(row)]
    for row in rows:
        _repair(engine, folder / row.path, row)
    return len(rows)


def _repair(engine: sa.Engine, path: Path, row: rec.SegmentRow) -> None:
    """Complete one segment's row from its file (cut back to its last whole fragment if a kill tore it)."""
    duration, frames = _probe(path)
    if duration is None and _trim_torn_tail(path):
        duration, frames = _probe(path)
    with engine.begin() as conn:
        if duration is None:
            rec.delete_segments(conn, ids=[row.id])
            path.unlink(missing_ok=True)
            return
        rec.complete_segment(
            conn,
            segment_id=row.id,
            end_at=row.start_at + timedelta(seconds=duration),
            size_bytes=path.stat().st_size,
            frames=frames,
        )


def _trim_torn_tail(path: Path) -> bool:
    """Cut a file back to its last whole fragment when its last MP4 box is torn; True if it did.

    A writer killed in the middle of writing a fragment leaves a box that runs past the end of the
    file; a torn ``moof`` makes the whole file unreadable. The torn box goes, and a ``moof`` whose
    ``mdat`` was torn goes with it.
    """
    try:
        size = path.stat().st_size
        with path.open("r+b") as file:
            boxes = _top_level_boxes(file, size)
            end = boxes[-1][0] + boxes[-1][2] if boxes else 0
            if end >= size:
                return False
            if boxes and boxes[-1][1] == b"moof":
                end = boxes[-1][0]
            if end == 0:
                return False
            file.truncate(end)
    except OSError:
        return False
    log.warning("segment %s: cut back to its last whole fragment (%d of %d bytes)", path, end, size)
    return True


def _top_level_boxes(file: Any, size: int) -> list[tuple[int, bytes, int]]:
    """``(offset, type, size)`` of the whole top-level boxes of an MP4 file, up to the first torn one."""
    boxes: list[tuple[int, bytes, int]] = []
    offset = 0
    while offset + 8 <= size:
        file.seek(offset)
        head = file.read(16)
        length, kind = int.from_bytes(head[:4], "big"), head[4:8]
        if length == 1 and len(head) == 16:
            length = int.from_bytes(head[8:16], "big")
        elif length == 0:  # runs to the end of the file
            length = size - offset
        if length < 8 or offset + length > size:
            break
        boxes.append((offset, kind, length))
        offset += length
    return boxes


def writer_alive(row: rec.SegmentRow) -> bool:
    """Whether the process that opened a segment is still running on this host.

    Unknown writers (NULL) and writers on another host count as dead: the store lock admits one
    live runner per store, and a SQLite store lives on one host.
    """
    if row.writer_pid is None or row.writer_host != socket.gethostname():
        return False
    try:
        os.kill(row.writer_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _probe(path: Path) -> tuple[float | None, int]:
    """Duration (from packet times) and packet count of a segment file; None if no packet is readable.

    A file cut off mid-fragment (its writer was killed) counts up to the last packet read.
    """
    times: list[float] = []
    with contextlib.suppress(av.error.FFmpegError, OSError, IndexError), av.open(str(path)) as container:
        stream = container.streams.video[0]
        base = stream.time_base or Fraction(1, 90000)
        for packet in container.demux(stream):  # a damaged tail raises: what was read before it counts
            if packet.pts is not None:
                times.append(float(packet.pts * base))
    if not times:
        return None, 0
    return max(times) - min(times), len(times)


# Recording retention lives with the store's retention; the names callers of this module know stay.
RetentionResult = SegmentsDeleted
plan_retention = plan_segments
enforce_retention = enforce_segments
