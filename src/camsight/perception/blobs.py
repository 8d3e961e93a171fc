"""Motion objects: large moving blobs that no detection explains, given a configured class.

Some views defeat the detector: YOLO11n scores cars filmed from straight above as 'cell phone' or
'suitcase' (classes camsight does not keep), so nothing is tracked and vehicle rules such as
wrong-way cannot fire. With ``CameraConfig.motion_objects`` set (e.g. ``car``), the pipeline turns
the motion gate's moving mask into boxes and adds those the detections leave unexplained:

1. :func:`compensated_mask`: the gate's small grey frame (``WORK_WIDTH`` pixels wide) against its
   background, after scaling the background by the global gain change: a white car entering the view
   makes the camera darken the whole image (by half on ``intel_car-detection.mp4``), which would
   otherwise make every pixel "move". :func:`mask_boxes`: the mask is closed with a ``CLOSE_KERNEL``
   ellipse so the parts of one moving car (roof, bonnet, windows that happen to match the road) join
   into one blob; connected components of at least
   ``min_area`` of the image become boxes; boxes that overlap are merged (a long vehicle split in
   two) until none do; the boxes are scaled to full-frame pixels.
2. :func:`unexplained`: a blob is explained by the detections (of any kept class) when its centre
   lies inside a detection box, a detection's centre lies inside the blob, or the detection boxes
   together cover at least :data:`EXPLAINED_SHARE` of its box (sum of the intersections over the
   blob's area; this is at least their IoU). Explained blobs are dropped: a walking person makes a
   blob (with the trail they leave in the background, and joined with their neighbours' when they
   walk in a group), but the person detections explain it, so ordinary views get no extra objects.
   The price: an undetected car that drives past a detected person in one blob is not added.
3. :func:`with_motion_objects`: the rest are appended to the detections with the configured class
   and the fixed confidence :data:`MOTION_CONFIDENCE`, before tracking.

A blob is the object plus, for a second or two, the trail it leaves in the running-average
background, so its box is longer than the object and its centre lags behind it; the centre still
moves the way the object moves, which is what direction rules need. A stopped object fades into the
background within a few seconds and its blob with it.

Example:
    >>> import numpy as np
    >>> mask = np.zeros((90, 160), bool)
    >>> mask[20:50, 40:60] = True
    >>> mask_boxes(mask, min_area=0.01, scale=4.0).tolist()
    [[160.0, 80.0, 240.0, 200.0]]
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import Detections

MOTION_CONFIDENCE = 0.5
"""Confidence given to motion objects: above what the tracker needs to start a track with its default
activation threshold (0.3 + 0.1), below most real detections of the same object."""

EXPLAINED_SHARE = 0.3
"""A blob whose box is covered this much (0..1) by detection boxes is explained by them."""

CLOSE_KERNEL = (7, 7)
"""Elliptical kernel (small-frame pixels) of the morphological close that joins one object's parts."""


def compensated_mask(
    small: NDArray[np.uint8], background: NDArray[np.float32], pixel_delta: float
) -> NDArray[np.bool_]:
    """Moving mask of a grey frame against its background, with a global exposure change removed.

    The background is scaled by the median ratio of frame to background (the camera's gain change,
    read from the road that makes up most of the view) before differencing.

    Args:
        small: ``H x W`` grey frame.
        background: ``H x W`` float32 background of the same size.
        pixel_delta: Grey-level difference (after compensation) for a pixel to count as moving.

    Returns:
        ``H x W`` boolean mask, True where the frame differs from the scaled background.
    """
    frame = small.astype(np.float32)
    gain = float(np.median(frame / np.maximum(background, 1.0)))
    moving: NDArray[np.bool_] = np.abs(frame - gain * background) > pixel_delta
    return moving


def mask_boxes(mask: NDArray[np.bool_], *, min_area: float, scale: float) -> NDArray[np.float32]:
    """Boxes of the large moving blobs of a mask.

    Args:
        mask: ``H x W`` boolean moving mask (True = moving).
        min_area: Smallest blob kept, as a share (0..1) of the mask's pixels (after closing).
        scale: Factor from mask pixels to the boxes' pixels (full-frame width / mask width).

    Returns:
        ``(N, 4)`` float32 boxes ``x1, y1, x2, y2``, largest first; boxes do not overlap.
    """
    if not mask.any():
        return np.zeros((0, 4), np.float32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, CLOSE_KERNEL)
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    stats = stats[1:count]  # label 0 is the background
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area * mask.size
    x, y, w, h = (stats[keep, i].astype(np.float32) for i in range(4))
    boxes = merge_overlapping(np.stack([x, y, x + w, y + h], axis=1))
    return (boxes * np.float32(scale)).astype(np.float32)


def merge_overlapping(boxes: NDArray[np.float32]) -> NDArray[np.float32]:
    """Replace boxes that overlap by their union box, until no two overlap.

    Args:
        boxes: ``(N, 4)`` boxes ``x1, y1, x2, y2``.

    Returns:
        ``(M, 4)`` boxes, ``M <= N``, largest first.
    """
    merged = [b for b in np.asarray(boxes, np.float32).reshape(-1, 4)]
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    merged[i] = np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    out = np.array(merged, np.float32).reshape(-1, 4)
    return out[np.argsort(-(out[:, 2] - out[:, 0]) * (out[:, 3] - out[:, 1]), kind="stable")]


def _inside(points: NDArray[np.float32], boxes: NDArray[np.float32]) -> NDArray[np.bool_]:
    """``(len(points), len(boxes))``: whether each point lies inside each box."""
    px, py = points[:, None, 0], points[:, None, 1]
    inside: NDArray[np.bool_] = (boxes[None, :, 0] <= px) & (px <= boxes[None, :, 2])
    return inside & (boxes[None, :, 1] <= py) & (py <= boxes[None, :, 3])


def unexplained(blobs: NDArray[np.float32], detections: Detections) -> NDArray[np.bool_]:
    """Which blobs no detection explains (see the module docstring).

    Args:
        blobs: ``(N, 4)`` pixel boxes of moving blobs.
        detections: The detector's boxes in the same frame.

    Returns:
        ``(N,)`` boolean mask, True where no detection explains the blob.
    """
    blobs = np.asarray(blobs, np.float32).reshape(-1, 4)
    if not len(detections) or not len(blobs):
        return np.ones(len(blobs), bool)
    boxes = detections.xyxy
    centres = ((blobs[:, :2] + blobs[:, 2:]) / 2).astype(np.float32)
    tl = np.maximum(blobs[:, None, :2], boxes[None, :, :2])
    br = np.minimum(blobs[:, None, 2:], boxes[None, :, 2:])
    covered = np.clip(br - tl, 0, None).prod(axis=2).sum(axis=1)
    area = np.maximum((blobs[:, 2:] - blobs[:, :2]).prod(axis=1), 1e-9)
    explained = (covered / area >= EXPLAINED_SHARE) | _inside(centres, boxes).any(axis=1)
    explained |= _inside(detections.centers, blobs).any(axis=0)
    result: NDArray[np.bool_] = ~explained
    return result


def with_motion_objects(detections: Detections, blobs: NDArray[np.float32], class_id: int) -> Detections:
    """The detections plus the unexplained blobs as objects of ``class_id``.

    Args:
        detections: The detector's boxes (untracked).
        blobs: ``(N, 4)`` pixel boxes of moving blobs (e.g. from ``MotionGate.moving_boxes``).
        class_id: COCO class id given to the added objects.

    Returns:
        ``detections`` unchanged when every blob is explained, else new detections with the added
        objects last, each with confidence :data:`MOTION_CONFIDENCE`.
    """
    added = np.asarray(blobs, np.float32).reshape(-1, 4)[unexplained(blobs, detections)]
    if not len(added):
        return detections
    return Detections.from_arrays(
        xyxy=np.concatenate([detections.xyxy, added]),
        confidence=np.concatenate([detections.confidence, np.full(len(added), MOTION_CONFIDENCE, np.float32)]),
        class_id=np.concatenate([detections.class_id, np.full(len(added), class_id, np.int64)]),
    )
