from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from camsight.errors import StoreError
from camsight.store import MediaStore


def _image() -> np.ndarray:
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, :32] = (0, 0, 255)  # left half red (BGR)
    image[:, 32:] = (255, 0, 0)  # right half blue
    return image


def test_save_jpeg_writes_a_readable_jpeg(tmp_path: Path) -> None:
    media = MediaStore(tmp_path / "media")
    rel = media.save_jpeg("cam1/src/track-7.jpg", _image(), quality=90)
    written = tmp_path / "media" / "cam1" / "src" / "track-7.jpg"
    decoded = cv2.imread(str(written))
    assert rel == "cam1/src/track-7.jpg"
    assert media.path(rel) == written
    assert written.read_bytes()[:2] == b"\xff\xd8"
    assert decoded.shape == (48, 64, 3)
    assert np.abs(decoded[24, 10].astype(int) - (0, 0, 255)).max() < 20
    assert np.abs(decoded[24, 50].astype(int) - (255, 0, 0)).max() < 20
    assert [p.name for p in written.parent.iterdir()] == ["track-7.jpg"]  # no temp file left
    assert written.stat().st_mode & 0o777 == 0o600  # owner-only: it shows people


def test_overwrite_replaces_and_grey_images_work(tmp_path: Path) -> None:
    media = MediaStore(tmp_path)
    media.save_jpeg("a.jpg", _image())
    media.save_jpeg("a.jpg", np.full((10, 20), 128, np.uint8))
    assert cv2.imread(str(tmp_path / "a.jpg"), cv2.IMREAD_UNCHANGED).shape == (10, 20)


@pytest.mark.parametrize(
    "relpath",
    ["", "/etc/passwd", "../outside.jpg", "cam1/../../outside.jpg", "cam1/..", ".", "a\x00b.jpg"],
)
def test_paths_that_escape_the_root_are_refused(tmp_path: Path, relpath: str) -> None:
    media = MediaStore(tmp_path / "media")
    with pytest.raises(ValueError, match="media"):
        media.path(relpath)
    with pytest.raises(ValueError, match="media"):
        media.save_jpeg(relpath, _image())
    assert not (tmp_path / "outside.jpg").exists()


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "media" / "link")
    with pytest.raises(ValueError, match="outside"):
        MediaStore(tmp_path / "media").save_jpeg("link/x.jpg", _image())
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize(
    ("image", "quality"),
    [
        (np.zeros((8, 8, 3), np.float32), 85),
        (np.zeros((8, 8, 4), np.uint8), 85),
        (np.zeros((0, 8, 3), np.uint8), 85),
        (np.zeros((8, 8, 3), np.uint8), 0),
        (np.zeros((8, 8, 3), np.uint8), 101),
    ],
)
def test_bad_images_are_refused(tmp_path: Path, image: np.ndarray, quality: int) -> None:
    with pytest.raises(ValueError, match="image|quality"):
        MediaStore(tmp_path).save_jpeg("x.jpg", image, quality=quality)
    assert list(tmp_path.iterdir()) == []


def test_media_root_that_is_a_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "media").write_text("a file, not a folder")
    with pytest.raises(StoreError, match="cannot write media file"):
        MediaStore(tmp_path / "media").save_jpeg("cam1/x.jpg", _image())


def test_delete_and_usage(tmp_path: Path) -> None:
    media = MediaStore(tmp_path / "media")
    assert media.usage_bytes() == 0
    media.save_jpeg("a/1.jpg", _image())
    media.save_jpeg("b/2.jpg", _image())
    sizes = sum(p.stat().st_size for p in (tmp_path / "media").rglob("*.jpg"))
    assert media.usage_bytes() == sizes > 0
    assert media.delete("a/1.jpg") is True
    assert media.delete("a/1.jpg") is False
    assert media.usage_bytes() == (tmp_path / "media" / "b" / "2.jpg").stat().st_size
    with pytest.raises(ValueError, match="media"):
        media.delete("../x.jpg")
