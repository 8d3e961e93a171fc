from __future__ import annotations

import numpy as np
import pytest

from camsight.perception.letterbox import PAD_VALUE, letterbox, to_blob

SHAPES = [(480, 640), (504, 896), (1080, 1920), (640, 480), (100, 1000), (640, 640), (33, 17), (720, 1280)]


@pytest.mark.parametrize("rect", [False, True])
@pytest.mark.parametrize(("h", "w"), SHAPES)
def test_input_shape_fits_size_and_stride(h: int, w: int, rect: bool) -> None:
    padded, geo = letterbox(np.zeros((h, w, 3), np.uint8), 640, rect=rect)
    assert padded.shape == (geo.input_h, geo.input_w, 3)
    assert padded.dtype == np.uint8
    if rect:
        assert max(geo.input_h, geo.input_w) == 640
        assert geo.input_h % 32 == 0
        assert geo.input_w % 32 == 0
    else:
        assert (geo.input_h, geo.input_w) == (640, 640)
    assert geo.scale_x == pytest.approx(geo.scale_y, rel=0.05)  # aspect ratio kept


@pytest.mark.parametrize("rect", [False, True])
@pytest.mark.parametrize(("h", "w"), SHAPES)
def test_box_round_trip(h: int, w: int, rect: bool) -> None:
    rng = np.random.default_rng(h * w)
    xy = rng.uniform(0, 1, (20, 2)) * [w, h]
    wh = rng.uniform(0, 1, (20, 2)) * [w, h] / 3
    boxes = np.concatenate([xy, np.minimum(xy + wh, [w, h])], axis=1).astype(np.float32)
    _, geo = letterbox(np.zeros((h, w, 3), np.uint8), 640, rect=rect)
    back = geo.to_source(geo.to_input(boxes))
    np.testing.assert_allclose(back, boxes, atol=1e-3 * max(h, w))


@pytest.mark.parametrize("rect", [False, True])
@pytest.mark.parametrize(("h", "w"), [(504, 896), (640, 480), (300, 300)])
def test_content_lands_where_geometry_says(h: int, w: int, rect: bool) -> None:
    image = np.zeros((h, w, 3), np.uint8)
    box = np.array([[w * 0.25, h * 0.25, w * 0.75, h * 0.75]], np.float32)
    x1, y1, x2, y2 = box[0].astype(int)
    image[y1:y2, x1:x2] = 255
    padded, geo = letterbox(image, 320, rect=rect)
    ix1, iy1, ix2, iy2 = geo.to_input(box)[0]
    inner = padded[int(iy1) + 2 : int(iy2) - 2, int(ix1) + 2 : int(ix2) - 2]
    assert inner.min() == 255
    assert padded[int(iy2) + 2 : int(iy2) + 4, int(ix1) : int(ix2)].max() == 0  # black image below the box
    if geo.pad_top:
        assert (padded[: geo.pad_top] == PAD_VALUE).all()
    if geo.pad_left:
        assert (padded[:, : geo.pad_left] == PAD_VALUE).all()


def test_to_source_clips_to_image() -> None:
    _, geo = letterbox(np.zeros((100, 200, 3), np.uint8), 320)
    out = geo.to_source(np.array([[-50, -50, 400, 400]], np.float32))
    np.testing.assert_array_equal(out, [[0, 0, 200, 100]])


def test_blob_is_rgb_nchw_unit_range() -> None:
    image = np.zeros((64, 96, 3), np.uint8)
    image[..., 0] = 255  # blue in BGR
    blob = to_blob(image)
    assert blob.shape == (1, 3, 64, 96)
    assert blob.dtype == np.float32
    np.testing.assert_allclose(blob[0, 2], 1.0)  # blue is the last channel in RGB
    np.testing.assert_allclose(blob[0, :2], 0.0)
