"""Recording with the privacy masks burned in: decode, black out the masks, encode H.264 (``recording.burn_masks``).

:class:`BurningRecorder` is the :class:`~camsight.apps.recorder.SegmentRecorder` for cameras whose
recordings must never hold what their masks cover. It receives the same packets, but decodes them with
a decoder of its own, blacks out the camera's masks on every frame
(:func:`~camsight.perception.privacy.apply_masks`, the rule analysis uses) and encodes the frames again
as H.264 (libx264, :data:`ENCODER_OPTIONS`, a keyframe every :data:`KEYFRAME_S` seconds). The segment
layout, the fragmenting that makes a killed writer's file playable, the index rows and the retention
are those of the copying recorder; each segment starts with a keyframe of its own encoder, so segments
are cut exactly every ``segment_s``, and anew when the picture size changes.

It costs what decoding and encoding every frame costs (``bench/burn_masks.py`` measures it against the
copy); the copy is kept for cameras without masks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
import sqlalchemy as sa

from camsight.apps.recorder import SegmentRecorder
from camsight.core.geometry import Point
from camsight.perception.privacy import apply_masks

log = logging.getLogger(__name__)
KEYFRAME_S = 2.0
"""Seconds between the encoder's keyframes (fragments are cut at each; a clip starts at one)."""
ENCODER_OPTIONS = {"preset": "veryfast", "tune": "zerolatency", "crf": "23"}
"""libx264 settings: no frames held back (zerolatency), so a killed writer loses no more than the copy."""


class BurningRecorder(SegmentRecorder):
    """Writes one camera's video with its privacy masks blacked out to segment files, and indexes them.

    Args:
        engine: Store for the segment index.
        folder: Recording folder (segments go under ``<folder>/<camera>/``).
        camera: Camera id.
        segment_s: Segment length in seconds.
        masks: The camera's privacy masks (normalised polygons).
    """

    def __init__(
        self, engine: sa.Engine, folder: Path, camera: str, *, segment_s: float, masks: Sequence[Sequence[Point]]
    ) -> None:
        super().__init__(engine, folder, camera, segment_s=segment_s)
        self.masks = [tuple((float(x), float(y)) for x, y in mask) for mask in masks]
        self.decode_errors = 0
        self._decoder: Any = None
        self._synced = False  # a keyframe has reached the decoder since the connection started
        self._base = Fraction(1, 90000)
        self._size = (0, 0)
        self._pts0 = 0
        self._last_pts = -1

    def start(self, stream: Any) -> None:
        """A new connection (or picture size): a new decoder; segments restart at its first keyframe."""
        if self._decoder is not None and self._synced:  # the old decoder's last frames go in first
            self._encode_all(self._decoded(None))
        super().start(stream)
        self._base = stream.time_base or Fraction(1, 90000)
        self._synced = False
        try:
            decoder = av.CodecContext.create(stream.codec_context.name, "r")
            decoder.extradata = stream.codec_context.extradata
        except (av.error.FFmpegError, ValueError) as exc:
            self._fail(f"cannot decode {stream.codec_context.name} to burn the masks in: {exc}")
            self._decoder = None
            return
        self._decoder = decoder

    def write(self, packet: Any, wall: float) -> None:
        """Decode one packet; its frames, masked, are encoded into the current segment."""
        if self._template is None or self._decoder is None:
            return
        self._anchor = wall - float(packet.pts * packet.time_base)
        if not self._synced and not packet.is_keyframe:
            return
        self._synced = True
        self._encode_all(self._decoded(packet))

    def end(self) -> None:
        """The connection ended: the decoder's last frames go in, then the segment is closed."""
        if self._decoder is not None and self._synced:
            self._encode_all(self._decoded(None))
        self._decoder = None
        super().end()

    def _decoded(self, packet: Any) -> list[Any]:
        """The frames a packet completes (``None``: the decoder's last ones); a damaged packet gives none."""
        try:
            return list(self._decoder.decode(packet))
        except av.error.InvalidDataError:  # the decoder recovers at the next keyframe
            self.decode_errors += 1
        except av.error.FFmpegError as exc:
            self.decode_errors += 1
            log.debug("camera %s: packet not decoded: %s", self.camera, exc)
        return []

    def _encode_all(self, frames: list[Any]) -> None:
        for frame in frames:
            if frame.pts is not None:
                self._encode(frame)

    def _encode(self, frame: Any) -> None:
        """Mask one decoded frame and encode it into the segment for its time (opened or rotated as needed)."""
        t = float(frame.pts * self._base)
        size = (int(frame.width) // 2 * 2, int(frame.height) // 2 * 2)  # H.264 4:2:0 wants even sides
        if self._out is not None and size != self._size:
            self._close()
        self._size = size
        if not self._segment_for(t, t + self._anchor, keyframe=True):
            return
        if self._frames == 0:
            self._pts0, self._last_pts = int(frame.pts), -1
        image = apply_masks(np.ascontiguousarray(frame.to_ndarray(format="bgr24")[: size[1], : size[0]]), self.masks)
        picture = av.VideoFrame.from_ndarray(image, format="bgr24")
        pts = max(int(frame.pts) - self._pts0, self._last_pts + 1)
        picture.pts, picture.time_base, self._last_pts = pts, self._base, pts
        try:
            for packet in self._ostream.encode(picture):
                self._out.mux(packet)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._fail(f"cannot write segment {self._path}: {getattr(exc, 'strerror', None) or exc}")
            self._close()
            return
        self._last_t = max(self._last_t, t)
        self._frames += 1

    def _add_stream(self, out: Any) -> Any:
        """The segment's video stream: a new H.264 encoder at the camera's frame rate and the picture's size."""
        tmpl = self._template
        rate = Fraction(tmpl.average_rate or tmpl.guessed_rate or 25).limit_denominator(1001)
        stream = out.add_stream("libx264", rate=rate, options=dict(ENCODER_OPTIONS))
        stream.width, stream.height = self._size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = self._base
        stream.codec_context.gop_size = max(1, round(KEYFRAME_S * float(rate)))
        return stream

    def _describe(self) -> tuple[str | None, int | None, int | None]:
        return "h264", self._size[0], self._size[1]

    def _flush(self) -> None:
        """Write what the encoder still holds."""
        try:
            for packet in self._ostream.encode(None):
                self._out.mux(packet)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._fail(f"cannot finish segment {self._path}: {getattr(exc, 'strerror', None) or exc}")
