"""Video files through PyAV: frames at the analysis rate, with the video's own time.

Every packet must be decoded (H.264/H.265 predict frames from earlier ones), but only the frames
kept for analysis are converted to pixels, which is most of the cost avoided. A file that breaks
part-way yields what could be decoded, then records where and why it stopped in ``problem``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from camsight.core.frame import Frame
from camsight.errors import SourceError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mkv", ".avi", ".mov", ".m4v", ".ts", ".webm", ".mjpeg", ".mjpg", ".h264", ".h265"}
)


@dataclass
class VideoStats:
    """Counters and the end state of one read."""

    frames_decoded: int = 0
    frames_yielded: int = 0
    last_pts_s: float = 0.0
    duration_s: float | None = None
    problem: str | None = field(default=None)


class VideoFile:
    """A video file read at a target frame rate.

    Example:
        >>> video = VideoFile("clip.mp4", camera="gate", fps=5)  # doctest: +SKIP
        >>> for frame in video:  # doctest: +SKIP
        ...     print(frame.index, frame.pts_s)
    """

    def __init__(self, path: str | Path, *, camera: str, fps: float, wall_origin: datetime | None = None) -> None:
        """Open the file and its first video stream.

        Raises:
            SourceError: missing, not a video, no video stream, or an unsupported codec.
        """
        self.path = Path(path)
        self.camera = camera
        self.fps = fps
        self.stats = VideoStats()
        if not self.path.exists():
            raise SourceError(f"{self.path}: file not found")
        if self.path.is_dir():
            raise SourceError(f"{self.path}: is a folder; give video files, or a folder of still images")
        try:
            self._container = av.open(str(self.path), mode="r", metadata_errors="ignore")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"{self.path}: not a readable video file ({_reason(exc)})") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"{self.path}: has no video stream")
        self._stream = self._container.streams.video[0]
        codec = self._stream.codec_context
        if codec is None or not codec.name:
            self._container.close()
            raise SourceError(
                f"{self.path}: unsupported video codec; convert it to H.264 (ffmpeg -i IN -c:v libx264 OUT.mp4)"
            )
        self.codec = codec.name
        self.width = int(self._stream.width)
        self.height = int(self._stream.height)
        self.stats.duration_s = self._duration()
        self.wall_origin = wall_origin or datetime.fromtimestamp(self.path.stat().st_mtime, UTC) - timedelta(
            seconds=self.stats.duration_s or 0.0
        )

    def _duration(self) -> float | None:
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return float(self._container.duration) / av.time_base
        return None

    def _frame_time(self, frame: av.VideoFrame, index: int, start: Fraction) -> float:
        if frame.pts is not None and frame.time_base is not None:
            return max(0.0, float(frame.pts * frame.time_base - start))
        rate = self._stream.average_rate
        return index / float(rate) if rate else index / 25.0

    def __iter__(self) -> Iterator[Frame]:
        """Yield frames at the configured rate until the end or the first unrecoverable error."""
        stream = self._stream
        start = Fraction(stream.start_time or 0) * (stream.time_base or Fraction(1))
        step = 1.0 / self.fps
        next_t = 0.0
        index = -1
        try:
            for frame in self._container.decode(stream):
                index += 1
                self.stats.frames_decoded += 1
                t = self._frame_time(frame, index, start)
                self.stats.last_pts_s = t
                if t + 1e-6 < next_t - step / 2:
                    continue
                next_t = max(next_t + step, t + step / 2)
                image = frame.to_ndarray(format="bgr24")
                self.stats.frames_yielded += 1
                yield Frame(
                    camera=self.camera,
                    source=str(self.path),
                    index=index,
                    pts_s=t,
                    wall=self.wall_origin + timedelta(seconds=t),
                    image=np.ascontiguousarray(image),
                )
        except av.error.FFmpegError as exc:
            self.stats.problem = f"decoding stopped at {self.stats.last_pts_s:.1f} s: {_reason(exc)}"
            log.warning("%s: %s", self.path, self.stats.problem)
        finally:
            self._container.close()
        self._check_complete()

    def _check_complete(self) -> None:
        if self.stats.problem is None and self.stats.frames_decoded == 0:
            self.stats.problem = "no frame could be decoded (corrupt file or unsupported codec)"
        duration = self.stats.duration_s
        if self.stats.problem is None and duration and self.stats.last_pts_s < duration - max(1.0, 3 / self.fps):
            self.stats.problem = (
                f"the video ends at {self.stats.last_pts_s:.1f} s but its header says {duration:.1f} s "
                "(truncated or corrupt file)"
            )


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__
