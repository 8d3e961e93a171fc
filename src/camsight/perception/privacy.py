"""Privacy operations on pixels: masks before analysis, head blurring before anything is stored.

There is no face detector here on purpose. The head region is estimated from each person's box,
conservatively: the top part of an upright box (the larger of 22% of its height and half its
width), or the whole box when the person is not upright (lying, bending), where the head could
be anywhere. Over-blurring is the safe failure.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import PERSON, Detections
from camsight.core.geometry import Point

Image = NDArray[np.uint8]


def apply_masks(image: Image, masks: Sequence[Sequence[Point]]) -> Image:
    """Black out privacy-mask polygons (normalised coordinates); returns a new image if any mask applies."""
    if not masks:
        return image
    height, width = image.shape[:2]
    out = image.copy()
    for mask in masks:
        pts = np.array([[x * width, y * height] for x, y in mask], dtype=np.int32)
        cv2.fillPoly(out, [pts], (0, 0, 0))
    return out


def head_boxes(dets: Detections) -> NDArray[np.int32]:
    """Estimated head regions ``(N, 4)`` of the person boxes, in pixels."""
    people = dets[dets.class_id == PERSON]
    boxes = []
    for x1, y1, x2, y2 in people.xyxy:
        w, h = x2 - x1, y2 - y1
        if h < 1.2 * w:
            boxes.append((x1, y1, x2, y2))
        else:
            boxes.append((x1, y1, x2, y1 + max(0.22 * h, 0.5 * w)))
    return np.array(boxes, dtype=np.int32).reshape(-1, 4)


def blur_regions(image: Image, boxes: NDArray[np.int32]) -> Image:
    """A copy of the image with each box pixelated and blurred beyond recognition."""
    out = image.copy()
    height, width = image.shape[:2]
    for x1, y1, x2, y2 in boxes:
        x1, y1 = max(0, int(x1)), max(0, int(y1))
        x2, y2 = min(width, int(x2)), min(height, int(y2))
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        region = out[y1:y2, x1:x2]
        small = cv2.resize(region, (max(1, (x2 - x1) // 12), max(1, (y2 - y1) // 12)), interpolation=cv2.INTER_AREA)
        out[y1:y2, x1:x2] = cv2.GaussianBlur(
            cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR), (0, 0), 3
        )
    return out


def fit_within(image: Image, max_side: int) -> Image:
    """The image scaled down (never up) so that its longer side is at most ``max_side``."""
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def blur_heads(image: Image, dets: Detections) -> Image:
    """A copy of the image with every person's head region blurred."""
    return blur_regions(image, head_boxes(dets))
