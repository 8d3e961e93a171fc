"""Privacy operations on pixels: masks before analysis, head blurring before anything is stored.

Privacy masks (:func:`apply_masks`) are the camera's polygons blacked out: the pipeline applies them
to every frame before analysis, so thumbnails and snapshots are cut from masked frames; exported
clips and re-encoded recordings pass their frames through :func:`mask_frames`.

There is no face detector here on purpose. The head region is estimated from each person's box,
conservatively: the top part of an upright box (the larger of 22% of its height and half its
width), or the whole box when the person is not upright (lying, bending), where the head could
be anywhere. Over-blurring is the safe failure. Where pose finds the person's body
(:mod:`camsight.perception.pose`: thumbnails of people at least 120 px on their longer side), the
head box it gives, grown by :data:`POSE_HEAD_MARGIN`, is blurred instead: the head and only the head,
also for someone seated (:func:`blur_head_in_crop`). Only a pose with the torso within 45° of upright
and the head in the upper half of the box is trusted; someone lying keeps the whole box blurred, since
pose puts the head in the wrong place there too often.

People cut by the frame border need more care, because the detector's box covers only what is in
the picture and is loose there: a person walking in shows the back or top of the head first, right
at the border. So each head region is grown by a margin (:data:`HEAD_MARGIN`) and any side that
comes near a border (:data:`BORDER`) is pushed out to it; :func:`blur_heads` applies that rule to a
frame and its person boxes, and is what clips, thumbnails and snapshots should all use.

Example:
    >>> from camsight.core.detections import Detections
    >>> dets = Detections.from_arrays(xyxy=[[10, 100, 30, 160]], confidence=[0.9], class_id=[PERSON])
    >>> head_regions(dets, (432, 768)).tolist()  # 10 px from the left border: the region reaches it
    [[0, 97, 35, 116]]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import PERSON, Detections
from camsight.core.geometry import Point
from camsight.perception.pose import PoseEstimator

Image = NDArray[np.uint8]


MASK_MARGIN_PX = 3
"""Pixels each privacy mask is grown by on every side: lossy coding (JPEG thumbnails and snapshots, H.264
clips and recordings) smears an edge a few pixels into the black; the margin keeps that smear outside
the polygon (measured on real footage, H.264 at CRF 23: without it pixels up to 108 of 255 one pixel
inside the polygon, up to 24 six pixels in; with it at most 16)."""


def apply_masks(image: Image, masks: Sequence[Sequence[Point]], *, margin_px: int = MASK_MARGIN_PX) -> Image:
    """Black out privacy-mask polygons (normalised coordinates), grown by ``margin_px``; a new image if any applies."""
    if not masks:
        return image
    height, width = image.shape[:2]
    out = image.copy()
    for mask in masks:
        pts = np.array([[x * width, y * height] for x, y in mask], dtype=np.int32)
        cv2.fillPoly(out, [pts], (0, 0, 0))
        if margin_px > 0:
            # a polyline of thickness 2m reaches m pixels out of the polygon (2m + 1 would reach m + 1)
            cv2.polylines(out, [pts], isClosed=True, color=(0, 0, 0), thickness=2 * margin_px)
    return out


def mask_frames(
    frames: Iterable[tuple[Image, float]], masks: Sequence[Sequence[Point]]
) -> Iterator[tuple[Image, float]]:
    """The frames ``(image, t)`` of a clip or recording with the privacy masks blacked out, in order."""
    for image, t in frames:
        yield apply_masks(image, masks), t


HEAD_MARGIN = 0.25
"""Share of a head region's width and height added on each side before blurring."""

BORDER = 0.02
"""A box side within this share of the frame's width (or height) of a border counts as cut by it."""

Shape = tuple[int, int]
"""An image's ``(height, width)``."""


def cut_sides(
    xyxy: NDArray[np.floating] | Sequence[float], shape: Shape, *, border: float = BORDER, min_px: float = 0.0
) -> NDArray[np.bool_]:
    """Which sides ``(N, 4)`` of each box (left, top, right, bottom) are at the frame's border.

    A side is at the border within ``border`` of the frame's width or height, and never less than
    ``min_px`` pixels.
    """
    height, width = shape
    boxes = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    mx, my = max(min_px, border * width), max(min_px, border * height)
    return np.stack(
        [boxes[:, 0] <= mx, boxes[:, 1] <= my, boxes[:, 2] >= width - mx, boxes[:, 3] >= height - my],
        axis=1,
    )


def _head_height(w: float, h: float, cut_below: bool) -> float | None:
    """Height of the head part of an upright box, ``None`` when the whole box must be taken."""
    if h < 1.2 * w:
        return None
    if cut_below:  # only the upper body is in view: the head is a larger share of what is seen
        return max(0.3 * h, 0.6 * w)
    return max(0.22 * h, 0.5 * w)


def head_boxes(dets: Detections, shape: Shape | None = None) -> NDArray[np.int32]:
    """Estimated head regions ``(N, 4)`` of the person boxes, in pixels, before any margin.

    Args:
        dets: Detections of one frame; only people are used.
        shape: The frame's ``(height, width)``; when given, a box cut by the bottom border (only the
            upper body in view) gets a taller head region.
    """
    people = dets[dets.class_id == PERSON]
    below = cut_sides(people.xyxy, shape)[:, 3] if shape is not None else np.zeros(len(people), dtype=np.bool_)
    boxes = []
    for (x1, y1, x2, y2), cut_below in zip(people.xyxy, below, strict=True):
        head = _head_height(float(x2 - x1), float(y2 - y1), bool(cut_below))
        boxes.append((x1, y1, x2, y2) if head is None else (x1, y1, x2, y1 + head))
    return np.array(boxes, dtype=np.int32).reshape(-1, 4)


def head_regions(
    dets: Detections, shape: Shape, *, margin: float = HEAD_MARGIN, to_border: bool = False
) -> NDArray[np.int32]:
    """The regions ``(N, 4)`` to blur for the people in one frame, clipped to the frame.

    Each head box (:func:`head_boxes`) is grown by ``margin`` of its size on every side, and a side
    that ends near a border (:data:`BORDER`) is pushed out to it, so a head half out of the picture
    is covered up to the edge.

    Args:
        dets: Detections of one frame (tracked or not); only people are used.
        shape: The frame's ``(height, width)``.
        margin: Share of each head box's width and height added on each side.
        to_border: Also stretch the region of a person cut by the border out to every border that
            person's box touches: where the head was just before the person came into view, or will
            be just after the person leaves it.
    """
    people = dets[dets.class_id == PERSON]
    return grow_heads(head_boxes(people, shape), shape, margin=margin, cut=people.xyxy if to_border else None)


def grow_heads(
    heads: NDArray[np.int32] | NDArray[np.float64],
    shape: Shape,
    *,
    margin: float = HEAD_MARGIN,
    cut: NDArray[np.float32] | None = None,
) -> NDArray[np.int32]:
    """Head boxes ``(N, 4)`` grown by ``margin`` of their size, a side near a border pushed out to it, clipped.

    Args:
        heads: Head boxes in pixels (from :func:`head_boxes`, or from pose).
        shape: The frame's ``(height, width)``.
        margin: Share of each head box's width and height added on each side.
        cut: The people's boxes, when every border each one touches should be reached too.
    """
    heads = np.asarray(heads, dtype=np.float64).reshape(-1, 4)
    size = np.concatenate([heads[:, 2:] - heads[:, :2]] * 2, axis=1)
    grown = heads + size * margin * np.array([-1, -1, 1, 1])
    height, width = shape
    near = cut_sides(grown, shape)
    if cut is not None:
        near |= cut_sides(cut, shape)
    edge = np.array([0, 0, width, height], dtype=np.float64)
    grown = np.where(near, edge, grown)
    grown = np.clip(grown, 0, np.array([width, height, width, height]))
    return np.round(grown).astype(np.int32).reshape(-1, 4)


_KEEP_BLACK = np.ones((5, 5), np.uint8)
"""Black areas at least this wide stay black when a region around them is blurred (privacy masks)."""


def blur_regions(image: Image, boxes: NDArray[np.int32]) -> Image:
    """A copy of the image with each box pixelated and blurred beyond recognition.

    Blacked-out areas (privacy masks) inside a box stay black: the blur does not smear their surroundings
    into them. Only areas at least 5x5 px of pure black are kept; single dark pixels are blurred with the rest.
    """
    out = image.copy()
    height, width = image.shape[:2]
    for x1, y1, x2, y2 in boxes:
        x1, y1 = max(0, int(x1)), max(0, int(y1))
        x2, y2 = min(width, int(x2)), min(height, int(y2))
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        region = out[y1:y2, x1:x2]
        black = cv2.morphologyEx((region == 0).all(axis=2).astype(np.uint8), cv2.MORPH_OPEN, _KEEP_BLACK)
        small = cv2.resize(region, (max(1, (x2 - x1) // 12), max(1, (y2 - y1) // 12)), interpolation=cv2.INTER_AREA)
        blurred = cv2.GaussianBlur(cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR), (0, 0), 3)
        blurred[black.astype(bool)] = 0
        out[y1:y2, x1:x2] = blurred
    return out


def fit_within(image: Image, max_side: int) -> Image:
    """The image scaled down (never up) so that its longer side is at most ``max_side``."""
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def blur_heads(image: Image, dets: Detections, *, margin: float = HEAD_MARGIN) -> Image:
    """A copy of the image with every person's head region blurred, partial heads at the border included.

    The one rule for every picture handed out (clip frames, thumbnails, event snapshots): the regions
    of :func:`head_regions` for the people in ``dets``, boxes in the image's pixels.

    Args:
        image: BGR ``H x W x 3`` uint8 image.
        dets: That image's detections (tracked or not); only people are used.
        margin: Share of each head box's size added on each side.
    """
    return blur_regions(image, head_regions(dets, (image.shape[0], image.shape[1]), margin=margin))


POSE_TRUST_ANGLE = 45.0
"""Pose's head is used for blurring only when its torso is within this many degrees of upright."""

POSE_HEAD_MARGIN = 0.35
"""Share of a pose head box's size added on each side (pose already takes in hair and a hat)."""


def blur_head_in_crop(image: Image, box: tuple[float, float, float, float], pose: PoseEstimator | None) -> Image:
    """A crop of one person with the head blurred: from pose when it finds the body, else by :func:`blur_heads`.

    Args:
        image: The crop (BGR).
        box: The person's box in the crop.
        pose: The pose model, or ``None`` (the box rule is used).
    """
    parts = pose.estimate(image, box, longer_side=True) if pose is not None else None
    if parts is None or not _trusted_head(parts.head, parts.torso_angle_deg, box):
        return blur_heads(image, Detections.from_arrays(xyxy=[box], confidence=[1.0], class_id=[PERSON]))
    shape = (image.shape[0], image.shape[1])
    return blur_regions(image, grow_heads(np.array([parts.head]), shape, margin=POSE_HEAD_MARGIN))


def _trusted_head(head: tuple[float, float, float, float], torso_angle_deg: float, box: tuple[float, ...]) -> bool:
    """Whether pose's head box is safe to blur alone: the torso upright-ish and the head in the box's upper half.

    On people lying foreshortened toward the camera BlazePose can put the "head" on a hand (seen on
    GMDCSA24 s1_fall_14); a wrong head would leave the face bare, so such poses fall back to the box rule.
    """
    centre_y = (head[1] + head[3]) / 2
    return torso_angle_deg <= POSE_TRUST_ANGLE and centre_y <= box[1] + 0.5 * (box[3] - box[1])
