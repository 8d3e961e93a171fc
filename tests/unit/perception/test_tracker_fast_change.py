"""A box that changes shape fast (a person falling) keeps its track id.

supervision's ``update_with_detections`` hands ids back only where the Kalman-smoothed box overlaps the
detection by IoU >= 0.5; the tracker matches the updated tracks to their detections with a low floor
instead (:func:`camsight.perception.track.match_tracks`).
"""

from __future__ import annotations

import numpy as np

from camsight.config.models import TrackerConfig
from camsight.core.detections import Detections
from camsight.perception.track import Tracker, match_tracks

# A person standing, then falling sideways within 0.6 s at 5 fps (boxes measured on a real fall clip).
FALL = [(276, 133, 427, 466)] * 6 + [
    (240, 171, 481, 464),
    (200, 188, 476, 459),
    (171, 208, 386, 449),
    (133, 248, 362, 465),
    (79, 293, 320, 445),
    (57, 311, 317, 449),
    (54, 316, 329, 448),
]


def test_falling_box_keeps_its_id() -> None:
    tracker = Tracker(TrackerConfig(), fps=5)
    ids = []
    for box in FALL:
        out = tracker.update(Detections.from_arrays(xyxy=[box], confidence=[0.8], class_id=[0]))
        ids.append(int(out.tracker_id[0]) if len(out) else None)
    assert ids[1:] == [ids[1]] * (len(FALL) - 1)
    assert ids[1] is not None


def test_match_tracks_is_one_to_one_and_respects_the_floor() -> None:
    boxes = np.array([[0, 0, 10, 10], [100, 100, 110, 110], [50, 50, 60, 60]], dtype=np.float32)
    tracks = np.array([[101, 101, 111, 111], [1, 1, 11, 11], [300, 300, 310, 310]], dtype=np.float32)
    assert sorted(match_tracks(boxes, tracks)) == [(0, 1), (1, 0)]
    assert match_tracks(boxes[:0], tracks) == []
