"""The media folder: thumbnails and snapshots as JPEG files, addressed by relative paths.

The database stores only relative paths such as ``"cam1/<source id>/track-7.jpg"``; this class
turns them into files under one root and refuses any path that would lead outside it. Files are
owner-only (see :mod:`camsight.store.perms`): they show people.

Example:
    >>> import numpy as np, tempfile
    >>> media = MediaStore(Path(tempfile.mkdtemp()))
    >>> media.save_jpeg("cam1/src/track-1.jpg", np.zeros((8, 8, 3), np.uint8))
    'cam1/src/track-1.jpg'
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.errors import StoreError
from camsight.store import perms


class MediaStore:
    """JPEG files under one root folder."""

    def __init__(self, root: Path) -> None:
        """Use ``root`` as the media folder (created when the first file is written)."""
        self.root = Path(root)

    def path(self, relpath: str) -> Path:
        """The file a relative media path stands for.

        Raises:
            ValueError: The path is empty, absolute, contains ``..`` or leads outside the root
                (through a symbolic link, say).
        """
        pure = PurePosixPath(relpath)
        if not relpath or "\x00" in relpath or pure.is_absolute() or ".." in pure.parts:
            raise ValueError(f"media path {relpath!r} must be relative and stay inside the media folder")
        full = self.root / pure
        root, resolved = self.root.resolve(), full.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            raise ValueError(f"media path {relpath!r} leads outside the media folder")
        return full

    def save_jpeg(self, relpath: str, image: NDArray[np.uint8], *, quality: int = 85) -> str:
        """Encode a BGR (or grey) image as JPEG and write it atomically.

        The bytes go to a temporary file in the same folder, which then replaces the target, so a
        reader never sees half a file.

        Args:
            relpath: Where to write, relative to the media folder.
            image: ``uint8`` image, ``HxW`` or ``HxWx3`` (BGR).
            quality: JPEG quality, 1..100.

        Returns:
            ``relpath``, for storing in the database.

        Raises:
            ValueError: The path is unsafe, or the image or quality is invalid.
            StoreError: The file cannot be written.
        """
        target = self.path(relpath)
        data = _encode_jpeg(image, quality)
        try:
            perms.replace_file(target, lambda out: out.write(data))  # owner-only unless store.share_with_group
        except OSError as exc:
            raise StoreError(
                f"cannot write media file {target}: {exc.strerror or exc}; check the media folder's "
                "permissions and free space"
            ) from exc
        return relpath

    def delete(self, relpath: str) -> bool:
        """Delete a media file; True if it existed."""
        target = self.path(relpath)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        return True

    def usage_bytes(self) -> int:
        """Total size of the files in the media folder (0 if it does not exist yet)."""
        total = 0
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_size
                except FileNotFoundError:  # deleted meanwhile
                    continue
        return total


def _encode_jpeg(image: NDArray[np.uint8], quality: int) -> bytes:
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1..100, got {quality}")
    ok_shape = image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3))
    if image.dtype != np.uint8 or not ok_shape or image.size == 0:
        raise ValueError(f"expected a non-empty uint8 HxW or HxWx3 image, got {image.dtype} {image.shape}")
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding failed for an image of shape {image.shape}")
    return bytes(buffer.tobytes())
