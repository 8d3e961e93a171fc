"""One decoded picture from a camera, a file or a folder of stills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """A decoded image with where and when it came from.

    Attributes:
        camera: Camera id from the config (or derived from the file name).
        source: Path or URL the frame was read from.
        index: Frame number in the source (0-based, counting every decoded frame).
        pts_s: The source's own time: seconds into the video file, or since the stream started.
        wall: Wall-clock time of the frame (UTC): capture time for live streams, file start + ``pts_s``
            for recordings.
        image: ``H x W x 3`` uint8 BGR pixels (privacy masks already applied).
    """

    camera: str
    source: str
    index: int
    pts_s: float
    wall: datetime
    image: NDArray[np.uint8]

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.image.shape[0])
