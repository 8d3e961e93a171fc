"""Perception: the motion gate, the object detector and the tracker.

The per-frame loop, in order::

    gate = MotionGate(config.motion)
    detector = OnnxDetector(config.detector)        # builds the ONNX Runtime session here, not at import
    tracker = Tracker(config.tracker, fps=camera.fps)
    for frame in source:
        if gate.gate(frame, tracking=tracker.active, now=frame.pts_s).run_detector:
            tracked = tracker.update(detector.detect(frame))
"""

from camsight.perception.decode import decode, nms
from camsight.perception.detect import OnnxDetector, select_providers
from camsight.perception.letterbox import LetterboxGeometry, letterbox, to_blob
from camsight.perception.motion import MotionGate, MotionResult
from camsight.perception.track import GROUPS, Tracker

__all__ = [
    "GROUPS",
    "LetterboxGeometry",
    "MotionGate",
    "MotionResult",
    "OnnxDetector",
    "Tracker",
    "decode",
    "letterbox",
    "nms",
    "select_providers",
    "to_blob",
]
