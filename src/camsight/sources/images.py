"""Still images: single photos and folders of snapshots (e.g. from snapshot cameras).

Each still is its own source (so a search hit points at the photo it came from) and one frame at
time 0; its wall time is the file's modification time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from camsight.core.frame import Frame
from camsight.errors import SourceError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


def is_image(path: Path) -> bool:
    """Whether the path names a still image by its suffix."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def images_in(folder: Path) -> list[Path]:
    """The still images in a folder, sorted by name (not recursive)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and is_image(p))


class StillImage:
    """One photo read as a one-frame source."""

    def __init__(self, path: str | Path, *, camera: str) -> None:
        """Check the file exists (it is decoded when iterated)."""
        self.path = Path(path)
        self.camera = camera
        if not self.path.is_file():
            raise SourceError(f"{self.path}: file not found")
        self.wall = datetime.fromtimestamp(self.path.stat().st_mtime, UTC)

    def read(self) -> Frame:
        """Decode the image.

        Raises:
            SourceError: the file is not a readable image.
        """
        data = np.fromfile(self.path, dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None:
            raise SourceError(f"{self.path}: not a readable image (corrupt or unsupported format)")
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        return Frame(camera=self.camera, source=str(self.path), index=0, pts_s=0.0, wall=self.wall, image=pixels)

    def __iter__(self) -> Iterator[Frame]:
        """Yield the single frame."""
        yield self.read()
