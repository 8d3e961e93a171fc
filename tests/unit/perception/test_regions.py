"""Region detection's geometry: squares around boxes, merging, the full-frame decision, cut boxes."""

from __future__ import annotations

import numpy as np

from camsight.perception.regions import (
    Region,
    full_frame_cost,
    inner_edge_boxes,
    inside,
    merge_regions,
    plan_regions,
    predict_boxes,
    square_around,
)


def test_a_small_box_gets_the_smallest_square_centred_on_it() -> None:
    r = square_around([900, 500, 940, 580], 1920, 1080, min_side=320, margin=0.25)
    assert (r.width, r.height) == (320, 320)
    assert (r.x1 + r.x2) / 2 == 920
    assert (r.y1 + r.y2) / 2 == 540


def test_a_square_at_the_border_is_shifted_inside_the_frame() -> None:
    r = square_around([1900, 1000, 1920, 1080], 1920, 1080, min_side=320, margin=0.25)
    assert r == Region(1600, 760, 1920, 1080)


def test_a_large_box_gets_a_square_with_its_margin_rounded_to_32() -> None:
    r = square_around([100, 100, 300, 500], 1920, 1080, min_side=320, margin=0.25)
    assert r.height == 608
    assert r.width == 608
    assert inside(np.array([100, 100, 300, 500], np.float32), r)


def test_a_square_wider_than_the_frame_is_cut_to_it() -> None:
    r = square_around([10, 10, 50, 90], 300, 200, min_side=320, margin=0.25)
    assert r == Region(0, 0, 300, 200)


def test_overlapping_regions_merge_until_none_overlap() -> None:
    a, b, c = Region(0, 0, 320, 320), Region(300, 0, 620, 320), Region(1500, 700, 1820, 1020)
    merged = merge_regions([a, b, c], 1920, 1080)
    assert len(merged) == 2
    assert all(not x.overlaps(y) for i, x in enumerate(merged) for y in merged[i + 1 :])
    big = merged[0]
    assert big.x1 <= 0
    assert big.x2 >= 620
    assert big.width == big.height


def test_far_apart_boxes_get_two_regions_at_their_own_pixels() -> None:
    boxes = np.array([[100, 100, 130, 160], [1500, 800, 1530, 860]], np.float32)
    regions = plan_regions(boxes, 1920, 1080, input_size=640, min_side=320, margin=0.25, max_cost=1.0)
    assert regions is not None
    assert len(regions) == 2
    assert all(r.side_in == 320 for r in regions)  # native: the full frame would shrink them to 1/3


def test_widespread_motion_means_a_full_frame_pass() -> None:
    xs = np.arange(0, 1920, 400, dtype=np.float32)
    boxes = np.stack([xs, xs * 0 + 500, xs + 40, xs * 0 + 580], axis=1)
    assert plan_regions(boxes, 1920, 1080, input_size=640, min_side=320, margin=0.25, max_cost=0.8) is None


def test_a_region_never_gets_fewer_pixels_than_the_full_frame_pass() -> None:
    # 768 x 432 at 640: the full frame is scaled by 0.833; a 480 px region must be run at >= 400 px.
    boxes = np.array([[100, 50, 300, 370]], np.float32)
    regions = plan_regions(boxes, 768, 432, input_size=640, min_side=320, margin=0.25, max_cost=4)
    assert regions is not None
    (r,) = regions
    assert r.side_in >= max(r.width, r.height) * 640 / 768
    assert full_frame_cost(768, 432, 640) == 640 * 384


def test_no_boxes_no_regions() -> None:
    empty = np.zeros((0, 4), np.float32)
    assert plan_regions(empty, 1920, 1080, input_size=640, min_side=320, margin=0.25, max_cost=0.8) == []


def test_boxes_cut_by_an_inner_crop_edge_are_flagged_frame_edges_are_not() -> None:
    region = Region(0, 100, 320, 420)
    boxes = np.array(
        [
            [0, 150, 40, 250],  # on the frame's left edge: whole
            [280, 150, 320, 250],  # on the crop's right edge, inside the frame: cut
            [100, 100, 140, 200],  # on the crop's top edge, inside the frame: cut
            [100, 200, 140, 300],  # inside
        ],
        np.float32,
    )
    assert inner_edge_boxes(boxes, region, 1920, 1080).tolist() == [False, True, True, False]


def test_predicted_boxes_move_with_their_velocity_for_at_most_a_second() -> None:
    boxes = np.array([[0, 0, 10, 10]], np.float32)
    moved = predict_boxes(boxes, np.array([[20, -10]], np.float32), 0.5)
    assert moved.tolist() == [[10, -5, 20, 5]]
    assert predict_boxes(boxes, np.array([[20, 0]], np.float32), 5.0).tolist() == [[20, 0, 30, 10]]
