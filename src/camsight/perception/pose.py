"""Body parts from pose: BlazePose on a person's crop → head, torso, arm and leg regions (geometry only).

MediaPipe 0.10.14 bundles BlazePose's ``pose_landmark_full`` model, so nothing is downloaded: the
optional extra ``pose`` installs it (see DEVELOPERS.md for installing it beside numpy 2). When it is not
installed, :func:`make_estimator` returns ``None`` and callers keep the fixed fractions of the box.
MediaPipe is imported, and the model made, only when the first crop tall enough for it comes (once
per process: :func:`make_estimator` shares one estimator).

Only people whose box is at least :data:`MIN_POSE_HEIGHT_PX` (120 px) tall are run through the model:
below that BlazePose's 256x256 input is mostly upscaled blur and its joints wander. A result is kept
only when it is plausible for the box (shoulders and hips found with visibility ≥ :data:`MIN_VISIBILITY`,
the torso at least 15% of the box's height, the joints inside the crop).

**Privacy.** The 33 landmarks are turned at once into a handful of boxes and line segments (head box,
torso box, upper arms, forearms, thighs, shins) and a torso angle, and then dropped: nothing here stores
them, returns them, or compares them between people. The face points (nose, eyes, ears, mouth) only
bound the head box; no face landmark is kept.

Example:
    >>> estimator = make_estimator()                         # doctest: +SKIP
    >>> parts = estimator.estimate(crop_image, box_in_crop)  # doctest: +SKIP
    >>> parts.head                                           # doctest: +SKIP
    (41.0, 12.0, 83.0, 57.0)
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.interrupts import shielded
from camsight.core.native_logs import quiet_native_logs

Box = tuple[float, float, float, float]
"""``x1, y1, x2, y2`` in the crop's pixels."""
Segment = tuple[float, float, float, float]
"""A limb as ``x1, y1, x2, y2``: from the joint nearer the body to the one farther out."""

MIN_POSE_HEIGHT_PX = 120.0
"""People whose box is shorter than this (pixels) are not run through the pose model."""
MIN_VISIBILITY = 0.5
"""Landmarks seen with less visibility than this are not used (limbs) or make the pose unusable (torso)."""
RECENT = 16
"""Results of this many recent crops are kept, so a crop described and then thumbnailed is estimated once."""
MAX_SIDE_PX = 384
"""Crops are shrunk so their longer side is at most this before the model (its input is 256x256)."""

# BlazePose's landmark numbers (33 in all); 0..10 are the face, used only to bound the head.
_FACE = tuple(range(11))
_L_SHOULDER, _R_SHOULDER, _L_ELBOW, _R_ELBOW, _L_WRIST, _R_WRIST = 11, 12, 13, 14, 15, 16
_L_HIP, _R_HIP, _L_KNEE, _R_KNEE, _L_ANKLE, _R_ANKLE = 23, 24, 25, 26, 27, 28


@dataclass(frozen=True, slots=True)
class BodyParts:
    """Where a person's body parts are in one crop (its pixels); no landmark is kept.

    Attributes:
        head: Box around the whole head (face points grown to take in hair and a hat).
        torso: Box from the shoulders to the hips.
        upper_arms: Shoulder → elbow, for each arm seen.
        forearms: Elbow → wrist, for each arm seen.
        thighs: Hip → knee, for each leg seen.
        shins: Knee → ankle, for each leg seen.
        limb_width: Typical width of a limb, pixels (a quarter of the shoulder width, at least 3).
        torso_angle_deg: Angle of the hips→shoulders line from straight up (0 upright, 90 horizontal).
        hip_y: Height of the hips' midpoint in the crop (pixels, y down).
    """

    head: Box
    torso: Box
    upper_arms: tuple[Segment, ...]
    forearms: tuple[Segment, ...]
    thighs: tuple[Segment, ...]
    shins: tuple[Segment, ...]
    limb_width: float
    torso_angle_deg: float
    hip_y: float

    def shifted(self, dx: float, dy: float) -> BodyParts:
        """The same parts with every coordinate moved by ``(dx, dy)`` (crop → frame pixels)."""
        return self.mapped(1.0, dx, dy)

    def mapped(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> BodyParts:
        """The same parts with every coordinate ``c`` at ``c * scale`` plus ``(dx, dy)`` (a resized or moved crop)."""

        def box(b: Box) -> Box:
            return (b[0] * scale + dx, b[1] * scale + dy, b[2] * scale + dx, b[3] * scale + dy)

        def segs(s: tuple[Segment, ...]) -> tuple[Segment, ...]:
            return tuple(box(x) for x in s)

        return BodyParts(
            head=box(self.head),
            torso=box(self.torso),
            upper_arms=segs(self.upper_arms),
            forearms=segs(self.forearms),
            thighs=segs(self.thighs),
            shins=segs(self.shins),
            limb_width=self.limb_width * scale,
            torso_angle_deg=self.torso_angle_deg,
            hip_y=self.hip_y * scale + dy,
        )


def segment_mask(shape: tuple[int, int], segments: tuple[Segment, ...], width: float) -> NDArray[np.bool_]:
    """Pixels (``H x W``) within ``width / 2`` of any of the segments."""
    mask = np.zeros(shape, dtype=np.uint8)
    thickness = max(1, round(width))
    for x1, y1, x2, y2 in segments:
        cv2.line(mask, (round(x1), round(y1)), (round(x2), round(y2)), 1, thickness=thickness)
    return mask.astype(bool)


def box_mask(shape: tuple[int, int], box: Box) -> NDArray[np.bool_]:
    """Pixels (``H x W``) inside ``box``."""
    mask = np.zeros(shape, dtype=bool)
    x1, y1, x2, y2 = (round(v) for v in box)
    mask[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)] = True
    return mask


def available() -> bool:
    """Whether MediaPipe (and so BlazePose) can be imported here."""
    return importlib.util.find_spec("mediapipe") is not None


class PoseEstimator:
    """BlazePose (full) on single crops; one model per estimator, calls serialised (it is not thread-safe).

    The model is made (and MediaPipe imported) on the first crop at least ``min_height_px`` tall, not here.

    Args:
        min_height_px: Boxes shorter than this are not estimated (``None`` is returned).
    """

    def __init__(self, *, min_height_px: float = MIN_POSE_HEIGHT_PX) -> None:
        self.min_height_px = min_height_px
        self._pose: Any = None
        """The MediaPipe model, made on the first crop tall enough for it (see :meth:`_model`)."""
        self._lock = threading.Lock()
        self._recent: list[tuple[NDArray[np.uint8], Box, BodyParts | None]] = []
        self.calls = 0
        """How many crops were run through the model."""
        self._started = False
        """Whether the model has run once (its first run prints MediaPipe's start-up notices)."""

    def estimate(self, image: NDArray[np.uint8], box: Box, *, longer_side: bool = False) -> BodyParts | None:
        """The body parts of the person whose box (in ``image``'s pixels) is given; ``None`` if not found.

        Args:
            image: BGR crop around the person (a margin around the box helps the model).
            box: The person's box in the crop.
            longer_side: Compare the box's longer side, not its height, with ``min_height_px`` (for
                someone lying, whose box is wide and low).
        """
        size = max(box[3] - box[1], box[2] - box[0]) if longer_side else box[3] - box[1]
        if size < self.min_height_px or image.size == 0:
            return None
        for seen_image, seen_box, seen_parts in self._recent:  # the describer and the thumbnail share crops
            if seen_image is image and seen_box == box:
                return seen_parts
        parts = self._estimate(image, box)
        self._recent = [(image, box, parts), *self._recent[: RECENT - 1]]
        return parts

    def _estimate(self, image: NDArray[np.uint8], box: Box) -> BodyParts | None:
        """Run the model; for a box wider than tall (someone lying) also on the crop turned a quarter each way.

        BlazePose's person detector finds people lying across the picture poorly; turned upright they are found.
        """
        scale = min(1.0, MAX_SIDE_PX / max(image.shape[:2]))
        small = image if scale >= 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        small = np.asarray(small, dtype=np.uint8)
        h, w = small.shape[:2]
        turns = (
            (None, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_90_CLOCKWISE)
            if box[2] - box[0] > box[3] - box[1]
            else (None,)
        )
        for turn in turns:
            picture = small if turn is None else np.asarray(cv2.rotate(small, turn), dtype=np.uint8)
            found = self._landmarks(picture)
            if found is None:
                continue
            points, seen = found
            ph, pw = picture.shape[:2]
            x, y = points[:, 0] * pw, points[:, 1] * ph
            if turn == cv2.ROTATE_90_CLOCKWISE:  # (x, y) → (h - 1 - y, x)
                x, y = y, h - 1 - x
            elif turn == cv2.ROTATE_90_COUNTERCLOCKWISE:  # (x, y) → (y, w - 1 - x)
                x, y = w - 1 - y, x
            pixels = np.stack([x / scale, y / scale], axis=1)
            parts = parts_from_landmarks(pixels, seen, box, (image.shape[0], image.shape[1]))
            if parts is not None:
                return parts
        return None

    def _landmarks(self, picture: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """The 33 landmarks (normalised x, y) and visibilities of the person in ``picture``, if found."""
        rgb = np.ascontiguousarray(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # protobuf's deprecation notice, on every call
            self.calls += 1
            model = self._model()
            with contextlib.nullcontext() if self._started else quiet_native_logs():
                result = model.process(rgb)
            self._started = True
        if result.pose_landmarks is None:
            return None
        landmarks = result.pose_landmarks.landmark
        points = np.array([(lm.x, lm.y) for lm in landmarks], dtype=np.float64)
        seen = np.array([lm.visibility for lm in landmarks], dtype=np.float64)
        del result, landmarks  # the landmarks go no further than the caller, which keeps only boxes
        return points, seen

    def _model(self) -> Any:
        """The model, imported and made on first use (called under the lock).

        MediaPipe's import and the model's set-up take about a second and a half, which a run that never
        sees a person tall enough for pose (or a command that never describes anyone) does not pay.
        """
        if self._pose is None:
            self._started = False
            with shielded():  # MediaPipe's import runs protobuf's from C, which prints and drops a Ctrl-C
                import mediapipe as mp  # type: ignore[import-untyped]  # no type information shipped

                self._pose = mp.solutions.pose.Pose(
                    static_image_mode=True, model_complexity=1, enable_segmentation=False, smooth_landmarks=False
                )
        return self._pose

    def load(self) -> None:
        """Make the model now rather than on the first crop tall enough (see :func:`preload`)."""
        with self._lock:
            self._model()

    @property
    def loaded(self) -> bool:
        """Whether the model has been made (MediaPipe imported): not before the first crop tall enough."""
        return self._pose is not None

    def close(self) -> None:
        """Free the model (if it was made)."""
        with self._lock:
            if self._pose is not None:
                self._pose.close()
                self._pose = None


def parts_from_landmarks(
    points: NDArray[np.float64], seen: NDArray[np.float64], box: Box, shape: tuple[int, int]
) -> BodyParts | None:
    """Body parts from the 33 landmarks (pixels) and their visibilities; ``None`` if implausible for the box."""
    torso_ids = (_L_SHOULDER, _R_SHOULDER, _L_HIP, _R_HIP)
    if float(seen[list(torso_ids)].min()) < MIN_VISIBILITY:
        return None
    height, width = shape
    if not bool(
        np.all((points[list(torso_ids)] >= -0.05 * max(shape)) & (points[list(torso_ids)] <= 1.05 * max(shape)))
    ):
        return None
    shoulders = (points[_L_SHOULDER] + points[_R_SHOULDER]) / 2
    hips = (points[_L_HIP] + points[_R_HIP]) / 2
    torso_len = float(np.hypot(*(shoulders - hips)))
    if torso_len < 0.15 * (box[3] - box[1]):
        return None
    shoulder_w = float(np.hypot(*(points[_L_SHOULDER] - points[_R_SHOULDER])))
    limb = max(3.0, 0.25 * max(shoulder_w, 0.35 * torso_len))
    up = shoulders - hips
    angle = math.degrees(math.atan2(abs(float(up[0])), -float(up[1])))
    tx = points[list(torso_ids), 0]
    ty = points[list(torso_ids), 1]
    torso: Box = (float(tx.min()), float(ty.min()), float(tx.max()), float(ty.max()))
    return BodyParts(
        head=_head_box(points, seen, shoulders, hips, torso_len, shape),
        torso=torso,
        upper_arms=_segments(points, seen, ((_L_SHOULDER, _L_ELBOW), (_R_SHOULDER, _R_ELBOW))),
        forearms=_segments(points, seen, ((_L_ELBOW, _L_WRIST), (_R_ELBOW, _R_WRIST))),
        thighs=_segments(points, seen, ((_L_HIP, _L_KNEE), (_R_HIP, _R_KNEE))),
        shins=_segments(points, seen, ((_L_KNEE, _L_ANKLE), (_R_KNEE, _R_ANKLE))),
        limb_width=limb,
        torso_angle_deg=round(angle, 1),
        hip_y=float(hips[1]),
    )


def _segments(
    points: NDArray[np.float64], seen: NDArray[np.float64], pairs: tuple[tuple[int, int], ...]
) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for a, b in pairs:
        if min(float(seen[a]), float(seen[b])) >= MIN_VISIBILITY:
            out.append((float(points[a][0]), float(points[a][1]), float(points[b][0]), float(points[b][1])))
    return tuple(out)


def _head_box(
    points: NDArray[np.float64],
    seen: NDArray[np.float64],
    shoulders: NDArray[np.float64],
    hips: NDArray[np.float64],
    torso_len: float,
    shape: tuple[int, int],
) -> Box:
    """A box around the whole head, on the safe side: hair, a hat or a hood included.

    The face points bound it when seen; otherwise (the back of the head) the head is placed beyond the
    shoulders along the torso's axis. Its size is at least 0.45 of the torso length either way.
    """
    face = points[list(_FACE)]
    size = 0.45 * torso_len
    if float(seen[list(_FACE)].mean()) >= MIN_VISIBILITY:
        centre = face.mean(axis=0)
        size = max(size, 1.6 * float(np.ptp(face, axis=0).max()))
    else:
        axis = (shoulders - hips) / max(torso_len, 1e-6)
        centre = shoulders + axis * 0.4 * torso_len
    up = (shoulders - hips) / max(torso_len, 1e-6)
    centre = centre + up * 0.15 * size  # hair and hats sit above the face's centre
    half = size / 2
    height, width = shape
    x1, y1 = max(0.0, float(centre[0]) - half), max(0.0, float(centre[1]) - half)
    x2, y2 = min(float(width), float(centre[0]) + half), min(float(height), float(centre[1]) + half)
    return (x1, y1, x2, y2)


_SHARED: dict[str, PoseEstimator | None] = {}
_SHARED_LOCK = threading.Lock()


def make_estimator() -> PoseEstimator | None:
    """The process's shared estimator, or ``None`` when MediaPipe is not installed (box fractions are used)."""
    with _SHARED_LOCK:
        if "default" not in _SHARED:
            _SHARED["default"] = PoseEstimator() if available() else None
        return _SHARED["default"]


def preload() -> None:
    """Make the shared estimator's model now, when MediaPipe is installed.

    A live camera calls this as it starts: made on first use, the model's second or so of set-up would
    come mid-stream, at the first person tall enough, while frames queue up and are dropped.
    """
    estimator = make_estimator()
    if estimator is not None:
        estimator.load()
