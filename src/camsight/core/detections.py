"""Frozen, columnar detections: the one object that flows from detector to rules.

Like supervision's ``Detections`` (xyxy, confidence, class_id, tracker_id as parallel arrays,
filtered with a boolean mask), but immutable: every array is read-only and every transformation
returns a new object, so no stage can change what another stage holds.

Example:
    >>> import numpy as np
    >>> dets = Detections.from_arrays(
    ...     xyxy=np.array([[0, 0, 10, 20], [5, 5, 8, 8]]), confidence=[0.9, 0.4], class_id=[0, 2]
    ... )
    >>> len(dets[dets.confidence > 0.5])
    1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: COCO class ids camsight keeps by default, with their names.
COCO_NAMES: dict[int, str] = {
    0: "person",
    1: "bicycle",
    2: "car",
    3: "motorcycle",
    5: "bus",
    7: "truck",
    24: "backpack",
    25: "umbrella",
    26: "handbag",
    28: "suitcase",
}
PERSON = 0
VEHICLE_CLASSES: frozenset[int] = frozenset({1, 2, 3, 5, 7})
CARRIED_CLASSES: frozenset[int] = frozenset({24, 25, 26, 28})
NO_TRACK = -1


def _frozen(array: ArrayLike, dtype: Any, shape_tail: tuple[int, ...] = ()) -> NDArray[Any]:
    out = np.array(array, dtype=dtype, copy=True).reshape((-1, *shape_tail))
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Detections:
    """Boxes found in one frame, as parallel read-only arrays.

    Attributes:
        xyxy: ``(N, 4)`` float32 pixel boxes ``x1, y1, x2, y2``.
        confidence: ``(N,)`` float32 scores in 0..1.
        class_id: ``(N,)`` int64 COCO class ids.
        tracker_id: ``(N,)`` int64 track ids, ``-1`` where not tracked yet.
    """

    xyxy: NDArray[np.float32]
    confidence: NDArray[np.float32]
    class_id: NDArray[np.int64]
    tracker_id: NDArray[np.int64]

    @classmethod
    def from_arrays(
        cls,
        *,
        xyxy: ArrayLike,
        confidence: ArrayLike,
        class_id: ArrayLike,
        tracker_id: ArrayLike | None = None,
    ) -> Detections:
        """Build detections from array-likes, copying and freezing them."""
        boxes = _frozen(xyxy, np.float32, (4,))
        n = len(boxes)
        ids = np.full(n, NO_TRACK) if tracker_id is None else tracker_id
        dets = cls(
            xyxy=boxes,
            confidence=_frozen(confidence, np.float32),
            class_id=_frozen(class_id, np.int64),
            tracker_id=_frozen(ids, np.int64),
        )
        if not (len(dets.confidence) == len(dets.class_id) == len(dets.tracker_id) == n):
            raise ValueError("Detections arrays must all have the same length")
        return dets

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        return cls.from_arrays(xyxy=np.zeros((0, 4)), confidence=[], class_id=[])

    def __len__(self) -> int:
        """Number of boxes."""
        return len(self.xyxy)

    def __getitem__(self, index: NDArray[np.bool_] | NDArray[np.int64] | Sequence[int] | slice) -> Detections:
        """Select boxes with a boolean mask, an index array or a slice."""
        return Detections.from_arrays(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=self.tracker_id[index],
        )

    def with_tracker_id(self, tracker_id: ArrayLike) -> Detections:
        """Return a copy carrying the given track ids."""
        return Detections.from_arrays(
            xyxy=self.xyxy, confidence=self.confidence, class_id=self.class_id, tracker_id=tracker_id
        )

    @property
    def anchors(self) -> NDArray[np.float32]:
        """Bottom-centre point of each box (where a person's feet or a car's wheels are), ``(N, 2)``."""
        x = (self.xyxy[:, 0] + self.xyxy[:, 2]) / 2
        return np.stack([x, self.xyxy[:, 3]], axis=1).astype(np.float32)

    @property
    def centers(self) -> NDArray[np.float32]:
        """Centre of each box, ``(N, 2)``."""
        return np.stack(
            [(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, (self.xyxy[:, 1] + self.xyxy[:, 3]) / 2], axis=1
        ).astype(np.float32)

    @property
    def heights(self) -> NDArray[np.float32]:
        """Box heights in pixels."""
        return (self.xyxy[:, 3] - self.xyxy[:, 1]).astype(np.float32)

    @property
    def widths(self) -> NDArray[np.float32]:
        """Box widths in pixels."""
        return (self.xyxy[:, 2] - self.xyxy[:, 0]).astype(np.float32)

    def is_class(self, classes: frozenset[int] | set[int] | Sequence[int]) -> NDArray[np.bool_]:
        """Boolean mask of the boxes whose class is in ``classes``."""
        mask: NDArray[np.bool_] = np.isin(self.class_id, list(classes))
        return mask

    @property
    def tracked(self) -> NDArray[np.bool_]:
        """Boolean mask of the boxes that carry a track id."""
        mask: NDArray[np.bool_] = self.tracker_id != NO_TRACK
        return mask


def box_iou(a: NDArray[np.floating[Any]], b: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
    """Pairwise intersection over union of two box arrays, ``(len(a), len(b))``."""
    a = np.asarray(a, dtype=np.float32).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(br - tl, 0, None).prod(axis=2)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(axis=1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)
