"""Privacy masks on pixels: the polygon blacked out, three pixels wider, on every frame of a sequence."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camsight.perception.privacy import MASK_MARGIN_PX, apply_masks, mask_frames

SQUARE = ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75))  # pixels 25..75 of a 100x100 image


def _distance_out() -> np.ndarray:
    """Each pixel's distance to the square (0 inside it)."""
    outside = np.ones((100, 100), np.uint8)
    outside[25:76, 25:76] = 0
    return cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


@pytest.mark.parametrize("margin", [0, 1, MASK_MARGIN_PX, 5])
def test_a_mask_is_black_and_grown_by_its_margin_and_nothing_else_changes(margin: int) -> None:
    image = np.full((100, 100, 3), 200, np.uint8)
    out = apply_masks(image, [SQUARE], margin_px=margin)
    black = (out == 0).all(axis=2)
    rows, cols = np.nonzero(black)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (25 - margin, 75 + margin, 25 - margin, 75 + margin)
    distance = _distance_out()
    assert black[distance <= margin].all()  # the polygon and everything within the margin of it
    assert not black[distance > margin + 1].any()
    assert (out[~black] == 200).all()
    assert (image == 200).all()  # the input is left as it was


def test_the_default_margin_is_three_pixels() -> None:
    assert MASK_MARGIN_PX == 3
    out = apply_masks(np.full((100, 100, 3), 200, np.uint8), [SQUARE])
    assert (out[50, 22] == 0).all()
    assert (out[50, 21] == 200).all()


def test_no_mask_returns_the_image_itself() -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    assert apply_masks(image, []) is image


def test_every_frame_of_a_sequence_is_masked_in_order() -> None:
    frames = [(np.full((100, 100, 3), v, np.uint8), t) for v, t in ((50, 0.0), (100, 0.1), (150, 0.2))]
    out = list(mask_frames(frames, [SQUARE]))
    assert [t for _, t in out] == [0.0, 0.1, 0.2]
    assert [(int(image[50, 50].max()), int(image[5, 5].min())) for image, _ in out] == [(0, 50), (0, 100), (0, 150)]


def test_blurring_a_head_beside_a_mask_leaves_the_mask_black_and_blurs_lone_dark_pixels() -> None:
    from pathlib import Path

    from camsight.perception.privacy import blur_regions

    photo = cv2.imread(str(next((Path(__file__).parents[2] / "data" / "photos").glob("*.jpg"))))
    assert photo is not None
    masked = apply_masks(photo, [SQUARE], margin_px=0)
    height, width = photo.shape[:2]
    inside = np.zeros((height, width), bool)
    inside[int(height * 0.25) + 1 : int(height * 0.75) - 1, int(width * 0.25) + 1 : int(width * 0.75) - 1] = True
    lone = (int(height * 0.1), int(width * 0.1))
    masked[lone] = 0  # one pure-black pixel of the scene itself
    box = np.array([[0, 0, width // 2, height // 2]], dtype=np.int32)  # half over the mask, half over the scene
    blurred = blur_regions(masked, box)
    assert int(blurred[inside].max()) == 0
    region = (slice(0, height // 4), slice(0, width // 4))
    assert float(np.abs(blurred[region].astype(int) - masked[region]).mean()) > 1  # the scene is blurred
    assert int(blurred[lone].max()) > 0
