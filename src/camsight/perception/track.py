"""The multi-object tracker: supervision's ByteTrack, one per class group, with global ids.

ByteTrack ignores classes, so a person walking past a parked car could swap boxes with it. We run one
ByteTrack per class group (people; vehicles; carried objects; anything else) and number tracks from one
counter shared by the groups, so an id is unique within the tracker whatever its class.

Timing: supervision counts its lost-track buffer in frames at a 30 fps reference and scales it by
``frame_rate / 30``; we pass ``frame_rate=fps`` and a buffer of ``lost_track_s * 30`` so a lost track is
kept ``lost_track_s`` seconds at any frame rate. A new track starts from a detection scoring at least
``activation_threshold + 0.1`` (ByteTrack's rule) and gets an id after ``min_consecutive_frames``.

Call :meth:`Tracker.update` on every frame the detector ran on; the motion gate keeps the detector
running while :attr:`Tracker.active` is true, so the tracker sees consecutive frames while it holds
anything.

Example:
    >>> from camsight.config import TrackerConfig
    >>> tracker = Tracker(TrackerConfig(), fps=5)
    >>> tracked = tracker.update(dets)  # doctest: +SKIP
    >>> tracked.tracker_id  # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from itertools import count
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camsight.config.models import TrackerConfig
from camsight.core.detections import CARRIED_CLASSES, PERSON, VEHICLE_CLASSES, Detections, box_iou

GROUPS: dict[str, frozenset[int]] = {
    "people": frozenset({PERSON}),
    "vehicles": VEHICLE_CLASSES,
    "carried": CARRIED_CLASSES,
}
"""Class groups tracked separately; classes in no group go to an ``other`` group."""

_REFERENCE_FPS = 30.0  # supervision's lost_track_buffer is expressed at this frame rate

MIN_MATCH_IOU = 0.1
"""Least IoU between a detection and the box of the track it updated, when handing ids back."""


def match_tracks(boxes: NDArray[np.float32], track_boxes: NDArray[np.float32]) -> list[tuple[int, int]]:
    """Pair each track updated this frame with the detection it was updated from (greedy, by IoU).

    supervision's ``update_with_detections`` hands ids back only where the Kalman-smoothed track box
    overlaps the detection by IoU >= 0.5, so a box that changes shape fast (a person falling: half
    the height within 0.2 s) loses its id while ByteTrack still follows it. Every track returned
    for this frame was matched with one detection, so a low floor (:data:`MIN_MATCH_IOU`) is safe.
    """
    if len(boxes) == 0 or len(track_boxes) == 0:
        return []
    iou = box_iou(boxes, track_boxes)
    pairs: list[tuple[int, int]] = []
    while True:
        i, j = np.unravel_index(int(np.argmax(iou)), iou.shape)
        if iou[i, j] < MIN_MATCH_IOU:
            return pairs
        pairs.append((int(i), int(j)))
        iou[i, :] = -1.0
        iou[:, j] = -1.0


def _supervision() -> Any:
    """Import supervision on first use (it takes ~0.7 s, mostly plotting code camsight does not use)."""
    import supervision

    return supervision


def preload() -> None:
    """Import the tracker's library now (a long-running command does it before it starts writing)."""
    _supervision()


class Tracker:
    """Gives detections stable ids across frames.

    Args:
        config: ByteTrack settings.
        fps: Rate at which :meth:`update` is called (the camera's analysis rate).

    Raises:
        ValueError: ``fps`` is not positive.
    """

    def __init__(self, config: TrackerConfig, fps: float) -> None:
        if fps <= 0:
            raise ValueError(f"tracker fps must be positive, got {fps}")
        self.config = config
        self.fps = fps
        self._ids = count(1)
        self._global: dict[tuple[str, int], int] = {}
        self._trackers: dict[str, Any] = {name: self._new_bytetrack() for name in (*GROUPS, "other")}

    def _new_bytetrack(self) -> Any:
        sv = _supervision()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ByteTrack.*deprecated", category=FutureWarning)
            return sv.ByteTrack(
                track_activation_threshold=self.config.activation_threshold,
                lost_track_buffer=math.ceil(self.config.lost_track_s * _REFERENCE_FPS),
                minimum_matching_threshold=self.config.matching_threshold,
                frame_rate=self.fps,
                minimum_consecutive_frames=self.config.min_consecutive_frames,
            )

    @property
    def active(self) -> bool:
        """Whether any track is alive: tracked, tentative or lost but still within ``lost_track_s``."""
        # supervision leaves a just-removed track in ``lost_tracks`` for one more frame; skip it.
        return any(
            bt.tracked_tracks or any(t.state.name == "Lost" for t in bt.lost_tracks) for bt in self._trackers.values()
        )

    def reset(self) -> None:
        """Drop every track (ids keep counting up, so old ids are never reused)."""
        for bt in self._trackers.values():
            bt.reset()
        self._global.clear()

    def update(self, dets: Detections) -> Detections:
        """Associate this frame's detections with the tracks.

        Args:
            dets: Detections of one frame (not changed).

        Returns:
            A new ``Detections`` holding only the tracked boxes, in input order, with ``tracker_id`` set.
        """
        rows: list[NDArray[np.int64]] = []
        ids: list[NDArray[np.int64]] = []
        grouped = np.zeros(len(dets), dtype=bool)
        for name, classes in GROUPS.items():
            mask = dets.is_class(classes)
            grouped |= mask
            self._update_group(name, dets, np.flatnonzero(mask), rows, ids)
        self._update_group("other", dets, np.flatnonzero(~grouped), rows, ids)
        if not rows:
            return Detections.empty()
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")
        return dets[row[order]].with_tracker_id(np.concatenate(ids)[order])

    def _update_group(
        self,
        name: str,
        dets: Detections,
        index: NDArray[np.int64],
        rows: list[NDArray[np.int64]],
        ids: list[NDArray[np.int64]],
    ) -> None:
        """Run one group's ByteTrack on the rows ``index`` of ``dets``; append tracked rows and global ids."""
        bt = self._trackers[name]
        boxes = dets.xyxy[index].astype(np.float32)  # fancy indexing copies: supervision never sees ours
        tensors = np.hstack([boxes, dets.confidence[index].astype(np.float32)[:, None]])
        tracks = [t for t in bt.update_with_tensors(tensors) if t.frame_id == bt.frame_id]
        self._forget_dead(name, bt)
        pairs = match_tracks(boxes, np.array([t.tlbr for t in tracks], dtype=np.float32))
        if not pairs:
            return
        rows.append(index[[i for i, _ in pairs]].astype(np.int64))
        external = [int(tracks[j].external_track_id) for _, j in pairs]
        ids.append(np.array([self._global_id(name, e) for e in external], dtype=np.int64))

    def _global_id(self, name: str, external: int) -> int:
        key = (name, external)
        if key not in self._global:
            self._global[key] = next(self._ids)
        return self._global[key]

    def _forget_dead(self, name: str, bt: Any) -> None:
        """Drop the id mapping of tracks ByteTrack has removed, so the table stays small."""
        alive = {int(t.external_track_id) for t in (*bt.tracked_tracks, *bt.lost_tracks)}
        for key in [k for k in self._global if k[0] == name and k[1] not in alive]:
            del self._global[key]
