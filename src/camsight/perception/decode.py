"""Detector post-processing: decode an Ultralytics output tensor, then class-aware NMS.

An Ultralytics detector (YOLOv8/YOLO11, exported without NMS) outputs ``(1, 4 + nc, anchors)``: for each
anchor the box centre, width and height in input pixels, then one score per class (no objectness).

Example:
    >>> import numpy as np
    >>> out = np.zeros((1, 84, 2), np.float32)
    >>> out[0, :4, 0] = [50, 50, 20, 40]          # cx, cy, w, h
    >>> out[0, 4 + 0, 0] = 0.9                    # person
    >>> boxes, scores, classes = decode(out, class_ids=np.array([0, 2]), confidence=0.25, iou=0.5)
    >>> boxes.tolist(), classes.tolist()
    ([[40.0, 30.0, 60.0, 70.0]], [0])
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

MAX_DETECTIONS = 300
"""Most boxes kept per image after NMS (Ultralytics' default ``max_det``)."""


def nms(
    xyxy: NDArray[np.float32], scores: NDArray[np.float32], class_ids: NDArray[np.int64], iou: float
) -> NDArray[np.int64]:
    """Class-aware non-maximum suppression.

    A box is dropped when a higher-scoring box of the same class overlaps it with IoU above ``iou``;
    boxes of different classes never suppress each other. Uses OpenCV's ``NMSBoxesBatched``.

    Args:
        xyxy: ``(N, 4)`` boxes.
        scores: ``(N,)`` scores.
        class_ids: ``(N,)`` class ids.
        iou: IoU threshold.

    Returns:
        Indices of the kept boxes, highest score first.
    """
    if len(xyxy) == 0:
        return np.zeros(0, dtype=np.int64)
    xywh = np.asarray(xyxy, dtype=np.float64).copy()
    xywh[:, 2:] -= xywh[:, :2]
    # OpenCV's stubs ask for sequences; it takes numpy arrays as they are, without a copy to lists.
    nms_batched: Any = cv2.dnn.NMSBoxesBatched
    kept = nms_batched(xywh, np.asarray(scores, np.float32), np.asarray(class_ids, np.int32), 0.0, iou)
    keep = np.asarray(kept, dtype=np.int64).reshape(-1)
    order: NDArray[np.int64] = keep[np.argsort(-np.asarray(scores)[keep], kind="stable")]
    return order


def decode(
    output: NDArray[np.float32],
    *,
    class_ids: NDArray[np.int64],
    confidence: float,
    iou: float,
    max_det: int = MAX_DETECTIONS,
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int64]]:
    """Turn a raw output tensor into boxes, keeping only ``class_ids`` scoring at least ``confidence``.

    Each anchor takes its best class among ``class_ids`` (other classes are ignored, so a box whose top
    class is unwanted can still count as a wanted one when that class also scores above the threshold).

    Args:
        output: ``(1, 4 + nc, A)`` or ``(4 + nc, A)`` tensor.
        class_ids: COCO class ids to keep.
        confidence: Minimum score.
        iou: NMS IoU threshold.
        max_det: Most boxes returned.

    Returns:
        ``xyxy`` in input pixels ``(N, 4)``, scores ``(N,)`` and class ids ``(N,)``, highest score first.
    """
    pred = output[0] if output.ndim == 3 else output
    class_ids = np.asarray(class_ids, dtype=np.int64)
    if class_ids.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    scores_all = pred[4 + class_ids]  # (k, A)
    best = scores_all.argmax(axis=0)
    scores = np.take_along_axis(scores_all, best[None], axis=0)[0]
    keep = np.flatnonzero(scores >= confidence)
    cxcywh = pred[:4, keep].T.astype(np.float32)
    xyxy = np.concatenate([cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2], axis=1)
    scores, classes = scores[keep].astype(np.float32), class_ids[best[keep]]
    order = nms(xyxy, scores, classes, iou)[:max_det]
    return xyxy[order], scores[order], classes[order]
