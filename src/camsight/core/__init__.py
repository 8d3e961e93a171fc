"""Core types shared by every stage: frames, detections, geometry. Depends on numpy only."""

from camsight.core.detections import (
    CARRIED_CLASSES,
    COCO_NAMES,
    NO_TRACK,
    PERSON,
    VEHICLE_CLASSES,
    Detections,
    box_iou,
)
from camsight.core.frame import Frame
from camsight.core.geometry import Line, Point, Polygon

__all__ = [
    "CARRIED_CLASSES",
    "COCO_NAMES",
    "NO_TRACK",
    "PERSON",
    "VEHICLE_CLASSES",
    "Detections",
    "Frame",
    "Line",
    "Point",
    "Polygon",
    "box_iou",
]
