"""The describer: a finished track's sightings and best crops → its :class:`~camsight.core.records.Appearance`.

What is computed, and how:

* **Colours by region** (:mod:`camsight.perception.colour` names the pixels, in CIELAB after white
  balance and an exposure stretch). Only the best few crops are used (default 4, each shrunk so the box
  is about 96 px tall). A person's box is cut into head, upper-body and lower-body bands whose heights
  depend on the posture at that crop (standing: top 14%, 16-52%, 55-92%; sitting: 0-20%, 20-58%,
  60-95%; lying: no split, the middle of the whole box is "upper"); each band keeps only its central
  columns, where the body is. Pixels that look like the surroundings are dropped too: the crop carries a
  margin around the box, and a pixel whose colour (4 bits a channel, neighbouring bins merged) is at
  least 2% of that margin and not clearly more common in the band than there is taken for background,
  unless that would drop over 60% of the band (a grey shirt before a grey wall). The head band's
  background is also sampled beside the head, at its own rows; skin- and blond-hair-coloured pixels are
  left out of the head's colours, which therefore describe hats and dark or grey hair only. Vehicles use
  the middle of their box (windows, tyres and road mostly fall outside it), stored as ``upper``; when the
  whole box holds a patch of one white or chromatic colour covering 15% of it, that is the body, and the
  band's dark (black, navy) pixels, such as the inside of an open boot, are left out
  (:func:`vehicle_body`). Shares are averaged over the crops, weighted by crop quality; names under 10%
  are left out.
* **Body parts from pose** (when MediaPipe is installed, :mod:`camsight.perception.pose`): on the best
  ``pose_crops`` (2) crops of a person at least 120 px tall and not lying, the head region is pose's head
  box, the upper body its torso box (less 10% on each side) and upper arms, the lower body its thighs and
  shins; legs hidden fall back to the box's lower band. Those crops also give sleeves and the lower garment
  (:mod:`camsight.perception.attributes`); every crop gives a pattern per garment and a lightness per
  region. ``posed`` says whether any crop had pose.
* **Headwear**: the top of the head band, background removed, is compared with what hair and skin look
  like (dark, or dull brown/blond); hard hats and most caps are strongly coloured (chroma ≥ 30) or bright
  white. Colours common in the crop's margin do not count (hair blends with grass or pavement at the
  edge of a small head). The likelihood rises from 0 to 1 as the share of hat-like pixels goes from 20%
  to 50%; ``None`` when no crop's box is at least 48 px tall. A dark cap cannot be told from dark hair.
* **Garments** (cues 0..1, present only when seen): ``vest`` (hi-vis: very saturated orange or yellow
  over the upper body), ``jeans`` (a blue lower body), ``dress`` (the same non-dark colours from the upper
  through the lower body, little black below; never in monochrome pictures); from pose: ``short
  sleeves``/``long sleeves``, ``trousers``, ``shorts``, ``skirt`` (0 when judged and not seen, absent when
  not judged; a dress of 0.5 or more leaves ``trousers`` unknown). Jackets and hoods are not detected.
* **Carried objects and riding**: a COCO backpack, umbrella, handbag or suitcase overlapping the person
  in at least 20% of the sightings (and at least two, for videos); a bicycle or motorcycle in ≥ 30%.
* **Posture**: per sighting, :func:`camsight.perception.posture.bounded_posture`, with the person's
  upright height taken from the previous two seconds; ``postures`` holds the shares, ``posture`` the
  most common known one. A box cut by the frame's border keeps only the posture the cut cannot have
  made (``standing`` when cut at the top or bottom: a portrait is not someone seated; ``lying`` when
  cut at a side), else its posture is unknown.
* **Head-and-shoulders views**: a person's box cut by the bottom edge and under 1.4 times as tall as
  wide (a portrait, someone close to the camera) gets bands laid out in box widths from the top (head
  0-0.55 widths, upper body 0.7-1.5 widths across 80% of the width, no lower body) instead of the
  standing bands, which would put the upper body on the face; skin-coloured pixels (the neck and chin)
  are left out of that upper band unless under 25% would remain. Pose, when it finds the body, wins.
* **Pale blue**: the light greys and whites of an upper or lower body that are bluish taken together
  become ``light blue`` (:func:`camsight.perception.colour.pale_blue`).
* **Motion**: displacement of the box's bottom-centre over about a second, median over the track.
  People: body heights per second, counting growth or shrinking of the box as movement toward or away
  from the camera; ``still`` < 0.1 ≤ ``walking`` < 1.2 ≤ ``running`` (a walk across the view is about
  0.8). Vehicles: pixels per second; ``still`` under 0.1 box lengths per second, else ``moving``.
  ``heading_deg`` is the direction from the start of the path to its end (0° = right, 90° = down), or
  ``None`` when still.
* **Motion and posture per moment** (people): at each sighting the speed the running rule measures
  (:meth:`~camsight.rules.kinematics.TrackPath.speed_heights`: the least-squares velocity of the box
  centre over the last second over the median box height, boxes touching the frame border skipped), read
  as ``still`` below :data:`MOMENT_STILL_BELOW` (0.3 body heights/s), ``running`` from
  :data:`MOMENT_RUN_FROM` (1.8, the running rule's default ``min_speed``), ``walking`` between; a box
  growing or shrinking by 0.3 sizes/s or more (:data:`DEPTH_GAIN`, walking toward or away) is not still. Each
  sighting lasts until the next one (at most :data:`MAX_STEP_S`); ``motion_s`` and ``posture_s`` add up
  the seconds in each motion and posture, ``moment_s`` holds when the longest stretch of each began. So
  a track that walked 18 s and ran 2 s says so, where ``motion`` (the median) says only "walking".

Example:
    >>> describer = AppearanceDescriber()
    >>> appearance = describe_image_box(image, (10, 20, 60, 180), "person")  # doctest: +SKIP
    >>> appearance.upper                                                      # doctest: +SKIP
    {'red': 0.64, 'black': 0.2}
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.config.models import RunningRule
from camsight.core.records import Appearance, Motion, Posture
from camsight.perception import attributes, colour
from camsight.perception.pose import BodyParts, PoseEstimator, box_mask, make_estimator, segment_mask
from camsight.perception.posture import UPRIGHT_ASPECT, bounded_posture, cut_edges, is_upright
from camsight.perception.privacy import cut_sides
from camsight.perception.tracklog import Box, Crop, Sighting, crop_box
from camsight.rules.running import SPEED_WINDOW_S

Band = tuple[float, float, float, float]
"""A part of a box as fractions: ``top, bottom, left, right``."""

PERSON_BANDS: dict[str, dict[str, Band]] = {
    "standing": {"head": (0.0, 0.14, 0.25, 0.75), "upper": (0.16, 0.52, 0.2, 0.8), "lower": (0.55, 0.92, 0.25, 0.75)},
    "sitting": {"head": (0.0, 0.2, 0.25, 0.75), "upper": (0.2, 0.58, 0.2, 0.8), "lower": (0.6, 0.95, 0.2, 0.8)},
    "lying": {"upper": (0.15, 0.85, 0.15, 0.85)},
}
"""Body bands of a person's box by posture (``unknown`` uses ``standing``)."""
HAT_BAND: dict[str, Band] = {"standing": (0.0, 0.07, 0.3, 0.7), "sitting": (0.0, 0.1, 0.3, 0.7)}
"""The top of the head, where a hat would be."""
MIN_HAT_BOX_HEIGHT = 48.0
"""Boxes shorter than this (pixels) have too small a head to judge head wear on."""
VEHICLE_BAND: Band = (0.3, 0.8, 0.25, 0.75)
"""The part of a vehicle's box whose colour is its body colour."""
OTHER_BAND: Band = (0.2, 0.8, 0.2, 0.8)
"""The part of any other object's box that is named."""

COLOURFUL_FROM = colour.FINE_NAMES.index("red")
"""Names from this index on are chromatic; a crop with under 2% of them is monochrome."""

VEHICLES = frozenset({"bicycle", "car", "motorcycle", "bus", "truck", "train", "boat", "airplane"})
CARRIED = {24: "backpack", 25: "umbrella", 26: "handbag", 28: "suitcase"}
RIDDEN = {1: "bicycle", 3: "motorcycle"}

TARGET_HEIGHT = 96
"""Crops are shrunk so the box is about this tall before naming (never enlarged)."""
STILL_BELOW, RUN_FROM = 0.1, 1.2
"""People's motion thresholds, body heights per second."""
DEPTH_GAIN = 3.0
"""Movement toward or away from the camera, in sizes per second, per unit of log-scale change per second
(distance to the camera / object size, taken as 3: a person about 5 m away)."""
VEHICLE_STILL_BELOW = 0.1
"""Vehicles are still below this many box lengths per second."""
MOMENT_STILL_BELOW = 0.3
"""A person is still at a moment below this speed (body heights per second, the running rule's measure)."""
MOMENT_RUN_FROM: float = RunningRule.model_fields["min_speed"].default
"""... and running from this speed (the running rule's default ``min_speed``, 1.8)."""
MAX_STEP_S = 0.5
"""A sighting counts for the time until the next one, at most this long (a track lost for a while)."""


@dataclass(frozen=True, slots=True)
class _Picture:
    """One crop, shrunk, converted and named, with its background colour model."""

    lab: NDArray[np.float32]
    names: NDArray[np.int8]
    bins: NDArray[np.intp]
    ring: NDArray[np.float64] | None
    box: Box
    hat_colours: NDArray[np.float64]
    scale: float = 1.0

    @classmethod
    def of(cls, crop: Crop) -> _Picture:
        x1, y1, x2, y2 = crop.box
        scale = min(1.0, TARGET_HEIGHT / max(y2 - y1, 1.0))
        image = crop.image
        if scale < 1.0:
            image = _shrink(image, scale)
        box = (x1 * scale, y1 * scale, x2 * scale, y2 * scale)
        lab = colour.normalise(image)
        bins = colour.colour_bins(image)
        inside = np.zeros(bins.shape, dtype=bool)
        inside[_slices(box, (0.0, 1.0, 0.0, 1.0), bins.shape)] = True
        ring = None
        hat_colours = np.zeros(colour.HAT_KINDS)
        if (~inside).sum() >= max(16, 0.05 * bins.size):
            ring = colour.bin_histogram(bins[~inside])
            hat_colours = np.bincount(colour.hat_kind(lab[~inside]), minlength=colour.HAT_KINDS) / (~inside).sum()
        names = colour.name_pixels(lab)
        return cls(lab=lab, names=names, bins=bins, ring=ring, box=box, hat_colours=hat_colours, scale=scale)

    def head_colours(self, names: NDArray[np.int8], lab: NDArray[np.float32]) -> NDArray[np.int8]:
        """The head band's names less skin, blond or brown hair and colours of the surroundings (see hatlike).

        Empty when under 10 pixels, or under 10% of the band, remain.
        """
        if names.size == 0:
            return names
        background = self.hat_colours >= 0.15
        background[0] = False
        keep = ~colour.skin_like(lab) & ~background[colour.hat_kind(lab)]
        return names[keep] if keep.sum() >= 10 and keep.mean() >= 0.1 else names[:0]

    def hatlike(self, band: Band) -> float:
        """Share of the band's foreground that looks like a hat rather than hair, skin or the surroundings.

        Hat-like: strongly coloured (chroma ≥ 30) outside the hue range of skin and blond or brown hair,
        or bright white. A kind of hat colour (one of twelve 30° hue sectors, or white) that makes up
        15% of the crop's margin does not count: at the edge of a small head, hair blends with the grass
        or pavement behind it into colours no hair has.
        """
        kinds = colour.hat_kind(self.band(band, local=True)[1])
        if kinds.size == 0:
            return 0.0
        background = self.hat_colours >= 0.15
        background[0] = False
        return float(((kinds > 0) & ~background[kinds]).mean())

    def band(self, band: Band, *, local: bool = False) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
        """Names and Lab of a band's pixels, background-like ones dropped (see :meth:`select`)."""
        rows, cols = _slices(self.box, band, self.names.shape)
        mask = np.zeros(self.names.shape, dtype=bool)
        mask[rows, cols] = True
        return self.select(mask, local=local)

    def select(self, mask: NDArray[np.bool_], *, local: bool = False) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
        """Names and Lab of the pixels under ``mask``, background-like ones dropped.

        Args:
            mask: The region (a band of the box, or a body part found by pose), in this picture's pixels.
            local: Also take as background what lies beside the region, at its rows, in the outer 20% of
                each side of the box and beyond (for the head, which is much narrower than the box); the
                region may then lose up to 90% of its pixels (a body region keeps all of them rather than
                lose over 60%).
        """
        names, lab, bins = self.names[mask], self.lab[mask], self.bins[mask]
        background = self.ring
        if local:
            rows = np.nonzero(mask.any(axis=1))[0]
            _, inner = _slices(self.box, (0.0, 1.0, 0.2, 0.8), self.names.shape)
            if rows.size:
                block = self.bins[rows.min() : rows.max() + 1]
                side = np.concatenate([block[:, : inner.start].ravel(), block[:, inner.stop :].ravel()])
                if side.size >= 16:
                    counts = colour.bin_histogram(side)
                    background = counts if background is None else np.maximum(background, counts)
        if background is None or names.size == 0:
            return names, lab
        own = np.bincount(bins, minlength=colour.BINS) / bins.size
        bg = background[bins]
        keep = ~((bg >= 0.02) & (own[bins] < 1.2 * bg))
        if keep.mean() < (0.1 if local else 0.4):
            return names, lab
        return names[keep], lab[keep]


def _shrink(image: NDArray[np.uint8], scale: float) -> NDArray[np.uint8]:
    """Shrink by ``scale`` (< 1), averaging neighbouring pixels: bilinear to twice the size, then 2:1 by area.

    (A direct area resize costs ten times as much for a similar picture.)
    """
    w, h = max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))
    if scale < 0.5:
        image = np.asarray(cv2.resize(image, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
    return np.asarray(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _slices(box: Box, band: Band, shape: tuple[int, ...]) -> tuple[slice, slice]:
    x1, y1, x2, y2 = box
    top, bottom, left, right = band
    h, w = y2 - y1, x2 - x1
    r1, r2 = (min(max(round(y1 + f * h), 0), shape[0]) for f in (top, bottom))
    c1, c2 = (min(max(round(x1 + f * w), 0), shape[1]) for f in (left, right))
    return slice(r1, max(r1, r2)), slice(c1, max(c1, c2))


def _shares(names: NDArray[np.int8]) -> NDArray[np.float64]:
    counts = colour.count_names(names)
    total = counts.sum()
    return counts / total if total > 0 else counts


def posture_labels(
    observations: Sequence[Sighting], *, window_s: float = 2.0, frame_size: tuple[int, int] | None = None
) -> list[Posture]:
    """Posture of each sighting, by :func:`~camsight.perception.posture.bounded_posture`.

    The person's upright height is the tallest upright box of the previous ``window_s`` seconds: recent
    enough to follow someone walking toward the camera, long enough to span a fall. With ``frame_size``
    (width, height), a box cut by the frame's border keeps only the posture the cut cannot have made;
    for a box cut at the top or bottom with no upright box in the window, the tallest upright box of the
    track so far is the reference (someone who fell at the bottom of the picture and stays down).
    """
    labels: list[Posture] = []
    recent: deque[tuple[float, float]] = deque()
    tallest: float | None = None
    for obs in observations:
        while recent and recent[0][0] < obs.t - window_s:
            recent.popleft()
        upright = max((h for _, h in recent), default=None)
        if upright is None and frame_size is not None and cut_edges(obs.box, frame_size) & {"top", "bottom"}:
            upright = tallest
        labels.append(bounded_posture(obs.box, frame_size, upright_height=upright)[0])
        if is_upright(obs.box):
            height = obs.box[3] - obs.box[1]
            recent.append((obs.t, height))
            tallest = max(tallest or 0.0, height)
    return labels


def posture_summary(labels: Sequence[Posture]) -> tuple[Posture, dict[str, float]]:
    """The dominant posture (``unknown`` only if nothing else) and the share of sightings in each."""
    counts: Counter[str] = Counter(labels)
    n = sum(counts.values()) or 1
    shares = {k: round(v / n, 3) for k, v in counts.most_common()}
    known = [p for p in labels if p != "unknown"]
    return (max(known, key=counts.__getitem__) if known else "unknown"), shares


def carried_summary(observations: Sequence[Sighting]) -> tuple[dict[str, float], str | None]:
    """Carried objects ``{name: share of sightings}`` and the vehicle ridden, if any.

    A carried object counts when seen with the track in ≥ 20% of its sightings and (videos) at least two;
    a bicycle or motorcycle is ridden when seen in ≥ 30%.
    """
    n = len(observations)
    if n == 0:
        return {}, None
    counts = Counter(c for o in observations for c in set(o.near))
    carried = {
        CARRIED[c]: round(k / n, 3) for c, k in counts.items() if c in CARRIED and k / n >= 0.2 and k >= min(2, n)
    }
    ridden = [(k, RIDDEN[c]) for c, k in counts.items() if c in RIDDEN and k / n >= 0.3]
    return carried, max(ridden)[1] if ridden else None


def motion_summary(
    observations: Sequence[Sighting], *, vehicle: bool, window_s: float = 1.0
) -> tuple[Motion, float | None, float | None]:
    """``(motion, speed, heading_deg)`` from the sightings' bottom-centre points.

    Speed is the median, over the track, of the displacement across about ``window_s`` seconds; people's
    in body heights per second, vehicles' in pixels per second. Whether it moves also counts movement
    toward or away from the camera, seen as the box growing or shrinking (:data:`DEPTH_GAIN`). The
    heading is ``None`` for something still; ``("unknown", None, None)`` for a single sighting.
    """
    if len(observations) < 2 or observations[-1].t - observations[0].t <= 0:
        return "unknown", None, None
    t = np.array([o.t for o in observations])
    boxes = np.array([o.box for o in observations], dtype=np.float64)
    pts = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3]], axis=1)
    height = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    size = np.maximum(boxes[:, 2] - boxes[:, 0], height) if vehicle else height
    span = min(window_s, float(t[-1] - t[0]))
    j = np.searchsorted(t, t + span - 1e-6)
    ok = j < len(t)
    i, j = np.nonzero(ok)[0], j[ok]
    dt = t[j] - t[i]
    dist = np.hypot(*(pts[j] - pts[i]).T)
    px_speed = float(np.median(dist / dt))
    across = dist / dt / ((size[i] + size[j]) / 2)
    toward = DEPTH_GAIN * np.abs(np.log(height[j] / height[i])) / dt
    rel_speed = float(np.median(np.hypot(across, toward)))
    d = np.median(pts[-3:], axis=0) - np.median(pts[:3], axis=0)
    heading = round(float(np.degrees(np.arctan2(d[1], d[0])) % 360.0), 1)
    if vehicle:
        moving = rel_speed >= VEHICLE_STILL_BELOW
        return ("moving" if moving else "still"), round(px_speed, 2), heading if moving else None
    motion: Motion = "still" if rel_speed < STILL_BELOW else "walking" if rel_speed < RUN_FROM else "running"
    return motion, round(rel_speed, 3), None if motion == "still" else heading


def moment_speeds(
    observations: Sequence[Sighting], frame_size: tuple[int, int] | None = None, *, window_s: float = SPEED_WINDOW_S
) -> list[float | None]:
    """The speed at each sighting as the running rule measures it (body heights/s; ``None``: unknown).

    The same figure as :meth:`~camsight.rules.kinematics.TrackPath.speed_heights` over the sightings so far
    (at least 3 covering half the window), computed for all sightings at once. A sighting whose box touches
    the border of a ``(width, height)`` frame is skipped, as the rule does.
    """
    speeds: list[float | None] = [None] * len(observations)
    if len(observations) < 3:
        return speeds
    every = np.asarray([o.box for o in observations], dtype=np.float64)
    inside = np.ones(len(every), dtype=bool)
    if frame_size is not None:  # as Sighting.touches_border, with its 2 px margin
        w, h = frame_size
        inside = np.asarray(~cut_sides(every, (h, w), border=0.0, min_px=2.0).any(axis=1), dtype=bool)
    keep = np.flatnonzero(inside).tolist()
    if len(keep) < 3:
        return speeds
    boxes = every[inside]
    t = np.asarray([o.t for o in observations], dtype=np.float64)[inside]
    x, y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    height = boxes[:, 3] - boxes[:, 1]
    last = np.arange(len(t))
    first = np.searchsorted(t, t - window_s - 1e-9)
    width = int((last - first).max()) + 1
    idx = np.minimum(first[:, None] + np.arange(width)[None, :], last[:, None])
    valid = first[:, None] + np.arange(width)[None, :] <= last[:, None]
    n = valid.sum(axis=1)
    tw = np.where(valid, t[idx], 0.0)
    tc = np.where(valid, tw - tw.sum(axis=1, keepdims=True) / n[:, None], 0.0)
    denom = (tc * tc).sum(axis=1)
    vx, vy = ((tc * np.where(valid, c[idx], 0.0)).sum(axis=1) for c in (x, y))  # sum(tc) = 0: no mean needed
    median_h = np.nanmedian(np.where(valid, height[idx], np.nan), axis=1)
    ok = (n >= 3) & (t - t[first] >= window_s / 2) & (denom > 0) & (median_h > 0)
    speed = np.hypot(vx, vy) / np.where(ok, denom * median_h, 1.0)
    for j in np.flatnonzero(ok).tolist():
        speeds[keep[j]] = float(speed[j])
    return speeds


def moment_growth(observations: Sequence[Sighting], *, window_s: float = SPEED_WINDOW_S) -> list[float]:
    """At each sighting, movement toward or away from the camera over the last ``window_s``.

    The box height's change as sizes per second (``DEPTH_GAIN * |log(h / h_before)| / dt``); 0 for the first sighting.
    """
    t = np.asarray([o.t for o in observations], dtype=np.float64)
    h = np.log(np.maximum([o.box[3] - o.box[1] for o in observations], 1.0))
    first = np.searchsorted(t, t - window_s - 1e-9)
    dt = t - t[first]
    rate = np.divide(np.abs(h - h[first]), dt, out=np.zeros_like(dt), where=dt > 0)
    return [float(v) for v in (DEPTH_GAIN * rate).tolist()]


def motion_labels(speeds: Sequence[float | None], growth: Sequence[float] | None = None) -> list[str | None]:
    """Each moment's motion: still, walking or running (``None`` where the speed is unknown).

    ``running`` from :data:`MOMENT_RUN_FROM` (the running rule's speed), ``still`` below
    :data:`MOMENT_STILL_BELOW` in speed and in ``growth`` (toward or away from the camera), else ``walking``.
    """
    growth = growth if growth is not None else [0.0] * len(speeds)
    labels: list[str | None] = []
    for v, g in zip(speeds, growth, strict=True):
        if v is None:
            labels.append(None)
        elif v >= MOMENT_RUN_FROM:
            labels.append("running")
        else:
            labels.append("still" if max(v, g) < MOMENT_STILL_BELOW else "walking")
    return labels


def moment_steps(observations: Sequence[Sighting]) -> NDArray[np.float64]:
    """How long each sighting counts for: until the next one, at most :data:`MAX_STEP_S`; the last the median step."""
    t = np.asarray([o.t for o in observations], dtype=np.float64)
    if t.size < 2:
        return np.zeros(t.size)
    steps = np.minimum(np.diff(t), MAX_STEP_S)
    return np.append(steps, float(np.median(steps)))


def time_in(labels: Sequence[str | None], steps: NDArray[np.float64]) -> dict[str, float]:
    """Seconds spent in each label (``None`` and ``unknown`` left out); empty when no time is known."""
    seconds: dict[str, float] = {}
    for label, step in zip(labels, steps.tolist(), strict=True):
        if label is not None and label != "unknown":
            seconds[label] = seconds.get(label, 0.0) + step
    return {k: round(v, 2) for k, v in seconds.items()} if sum(seconds.values()) > 0 else {}


def longest_stretches(
    labels: Sequence[str | None], observations: Sequence[Sighting], steps: NDArray[np.float64]
) -> dict[str, tuple[float, float]]:
    """For each label, ``(start_s, seconds)`` of its longest unbroken stretch of sightings."""
    best: dict[str, tuple[float, float]] = {}
    start, length, current = 0.0, 0.0, None
    for label, obs, step in zip([*labels, None], [*observations, None], [*steps.tolist(), 0.0], strict=True):
        if label != current:
            if current is not None and current != "unknown" and length > best.get(current, (0.0, 0.0))[1]:
                best[current] = (start, length)
            current, length = label, 0.0
            start = obs.t if obs is not None else 0.0
        length += step
    return best


def moment_summary(
    observations: Sequence[Sighting], postures: Sequence[Posture], frame_size: tuple[int, int] | None = None
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """``(motion_s, posture_s, moment_s)`` of a person's track (see the module docstring)."""
    steps = moment_steps(observations)
    motions = motion_labels(moment_speeds(observations, frame_size), moment_growth(observations))
    stretches = {
        **longest_stretches(motions, observations, steps),
        **longest_stretches(list(postures), observations, steps),
    }
    moments = {k: round(start, 2) for k, (start, _) in stretches.items()}
    return time_in(motions, steps), time_in(list(postures), steps), moments


class AppearanceDescriber:
    """Describes a finished track: colours by region, headwear, garments, carried objects, posture, motion.

    Implements :class:`camsight.perception.tracklog.Describer`. Stateless and cheap (a few milliseconds per
    track on one CPU core): it looks only at the track's kept crops (a handful), shrunk first.

    Args:
        min_share: Colour names below this share of a region are left out.
        max_crops: How many of the best crops are looked at.
    """

    def __init__(
        self,
        *,
        min_share: float = 0.1,
        max_crops: int = 4,
        pose: PoseEstimator | None | bool = True,
        pose_crops: int = 2,
    ) -> None:
        self.min_share = min_share
        self.max_crops = max_crops
        self.pose: PoseEstimator | None = make_estimator() if pose is True else (pose or None)
        self.pose_crops = pose_crops
        colour.to_lab(np.zeros((1, 1, 3), dtype=np.uint8))  # OpenCV builds its Lab tables (~0.3 s) now, not mid-run

    def describe(
        self,
        *,
        object_class: str,
        observations: Sequence[Sighting],
        crops: Sequence[Crop],
        frame_size: tuple[int, int] | None = None,
    ) -> Appearance:
        """Describe one track (see the module docstring for what each field means).

        ``frame_size`` (width, height) lets the per-moment speed skip boxes cut by the frame border.
        """
        person = object_class == "person"
        crops = sorted(crops, key=lambda c: -c.quality)[: self.max_crops]
        labels = posture_labels(observations, frame_size=frame_size) if person else []
        posture, postures = posture_summary(labels)
        motion, speed, heading = motion_summary(observations, vehicle=not person)
        carried, riding = carried_summary(observations) if person else ({}, None)
        motion_s, posture_s, moment_s = moment_summary(observations, labels, frame_size) if person else ({}, {}, {})
        if person:
            by_t = {o.t: label for o, label in zip(observations, labels, strict=True)}
            portraits = frozenset(
                o.t for o in observations if frame_size is not None and head_and_shoulders(o.box, frame_size)
            )
            colours = self._person(crops, by_t, portraits)
        else:
            vehicle = object_class in VEHICLES
            colours = self._object(crops, VEHICLE_BAND if vehicle else OTHER_BAND, vehicle=vehicle)
        return colours.model_copy(
            update={
                "carried": carried,
                "riding": riding,
                "posture": posture,
                "postures": postures,
                "motion": motion,
                "speed": speed,
                "heading_deg": heading,
                "motion_s": motion_s,
                "posture_s": posture_s,
                "moment_s": moment_s,
            }
        )

    def parts_of(self, crop: Crop) -> BodyParts | None:
        """The body parts of a crop's person from pose (crop pixels), ``None`` without pose or when not found."""
        return None if self.pose is None else self.pose.estimate(crop.image, crop.box)

    def _object(self, crops: Sequence[Crop], band: Band, *, vehicle: bool = False) -> Appearance:
        acc = _Accumulator()
        for crop in crops:
            pic = _Picture.of(crop)
            names = pic.band(band)[0]
            if vehicle:
                names = vehicle_body(pic, names)
            acc.add("upper", names, crop.quality)
        return Appearance(upper=acc.named("upper", self.min_share))

    def _person(
        self, crops: Sequence[Crop], posture_at: dict[float, Posture], portraits: frozenset[float] = frozenset()
    ) -> Appearance:
        acc = _Accumulator()
        posed = False
        for i, crop in enumerate(crops):
            w = crop.quality
            pic = _Picture.of(crop)
            kind = posture_at.get(crop.t, "standing")
            parts = self.parts_of(crop) if i < self.pose_crops and kind != "lying" else None
            posed = posed or parts is not None
            bands = portrait_bands(crop.box) if crop.t in portraits else None
            for region, (names, lab) in _regions(pic, kind, parts, bands).items():
                names = pic.head_colours(names, lab) if region == "head" else colour.pale_blue(names, lab)
                if region == "upper":
                    acc.add_score("vest", colour.hivis_share(lab), w)
                acc.add(region, names, w)
                light = attributes.lightness(lab)
                if light is not None:
                    acc.add_score(f"light:{region}", light, w)
            _add_attributes(acc, crop, parts, kind, w, bands)
            if kind in HAT_BAND and crop.box[3] - crop.box[1] >= MIN_HAT_BOX_HEIGHT:
                acc.add_score("hat", pic.hatlike(HAT_BAND[kind]), w)
            acc.add_score("colourful", float((pic.names >= COLOURFUL_FROM).mean()) if pic.names.size else 0.0, w)
        hat = acc.score("hat")
        monochrome = (acc.score("colourful") or 0.0) < 0.02
        garments = _garments(acc.shares, acc.score("vest") or 0.0, monochrome=monochrome)
        garments.update(_body_garments(acc, dress=garments.get("dress", 0.0)))
        return Appearance(
            head=acc.named("head", self.min_share),
            upper=acc.named("upper", self.min_share),
            lower=acc.named("lower", self.min_share),
            headwear=None if hat is None else round(float(np.clip((hat - 0.2) / 0.3, 0.0, 1.0)), 3),
            garments=garments,
            patterns=acc.patterns(),
            lightness=acc.prefixed("light:"),
            posed=posed,
        )


MIN_BODY_PIXELS = 10
"""A vehicle's band keeps its dark pixels when fewer than this many others remain."""


def vehicle_body(pic: _Picture, names: NDArray[np.int8]) -> NDArray[np.int8]:
    """A vehicle band's names less its dark (black, navy) pixels when the box has a large white or chromatic patch.

    Windows, tyres, the shadow and the inside of an open door or boot are dark on every car; when the
    whole box (not only the band) holds a patch of one white or chromatic colour covering at least
    :data:`~camsight.perception.colour.BODY_CLUSTER_FROM` of it (:func:`~camsight.perception.colour.body_cluster`),
    that is the body, and the band's dark pixels are not (a colour common around the box, such as a lawn,
    is not taken for the body). A black or dark car has no such patch (its light pixels are the grey road
    and small highlights), nor has a car at night (headlights are small), so its band is named as it is.
    People never come here.
    """
    rows, cols = _slices(pic.box, (0.0, 1.0, 0.0, 1.0), pic.names.shape)
    outside = np.ones(pic.names.shape, dtype=bool)
    outside[rows, cols] = False
    if colour.body_cluster(pic.names[rows, cols], pic.names[outside]) is None:
        return names
    body = names[~np.isin(names, [colour.FINE_NAMES.index(n) for n in colour.DARK_NAMES])]
    return body if body.size >= MIN_BODY_PIXELS else names


def head_and_shoulders(box: Box, frame_size: tuple[int, int]) -> bool:
    """Whether a person's box is a head-and-shoulders view: cut by the frame's bottom edge and not upright.

    A box cut at the bottom and under :data:`~camsight.perception.posture.UPRIGHT_ASPECT` tall for its
    width (a portrait, someone close to the camera) shows the head and the top of the body only; the
    standing bands would put the "upper body" on the face.
    """
    x1, y1, x2, y2 = box
    return "bottom" in cut_edges(box, frame_size) and (y2 - y1) < UPRIGHT_ASPECT * max(x2 - x1, 1.0)


PORTRAIT_HEAD_W = 0.55
"""In a head-and-shoulders box, the head ends this many box widths below the top (the box is about as wide
as the shoulders, and a head is about half as tall as the shoulders are wide) ..."""
PORTRAIT_UPPER_W = (0.7, 1.5)
"""... and the upper body spans these many box widths below the top (the part of it inside the box)."""


PORTRAIT_MIN_CLOTH = 0.25
"""Skin-coloured pixels are left out of a head-and-shoulders upper band when at least this share remains
(else the top is itself skin-coloured, beige or brown, and all pixels are kept)."""


def portrait_bands(box: Box) -> dict[str, Band]:
    """Body bands of a head-and-shoulders box (:func:`head_and_shoulders`), laid out in box widths from the top.

    No lower body (it is outside the picture); no upper body when the box ends before it starts.
    """
    x1, y1, x2, y2 = box
    per_w = (x2 - x1) / max(y2 - y1, 1.0)  # box heights per box width
    bands: dict[str, Band] = {"head": (0.0, min(1.0, PORTRAIT_HEAD_W * per_w), 0.25, 0.75)}
    top, bottom = (min(1.0, f * per_w) for f in PORTRAIT_UPPER_W)
    if bottom - top >= 0.1:
        bands["upper"] = (top, bottom, 0.1, 0.9)  # the box is about as wide as the shoulders
    return bands


def _regions(
    pic: _Picture, kind: Posture, parts: BodyParts | None, bands: dict[str, Band] | None = None
) -> dict[str, tuple[NDArray[np.int8], NDArray[np.float32]]]:
    """Each body region's names and Lab: from the pose's parts when found, else ``bands`` or the posture's."""
    if parts is None and bands is not None:  # head and shoulders: the neck and chin show in the upper band
        out = {region: pic.band(band, local=region == "head") for region, band in bands.items()}
        if "upper" in out:
            names, lab = out["upper"]
            cloth = ~colour.skin_like(lab)
            if cloth.sum() >= max(10, PORTRAIT_MIN_CLOTH * cloth.size):
                out["upper"] = (names[cloth], lab[cloth])
        return out
    if parts is None:
        bands = PERSON_BANDS.get(kind, PERSON_BANDS["standing"])
        return {region: pic.band(band, local=region == "head") for region, band in bands.items()}
    p = attributes.shrink_parts(parts, pic.scale)
    shape = (pic.names.shape[0], pic.names.shape[1])
    head = box_mask(shape, p.head)
    upper = (box_mask(shape, attributes.inner(p.torso, 0.1)) | segment_mask(shape, p.upper_arms, p.limb_width)) & ~head
    lower = segment_mask(shape, p.thighs + p.shins, p.limb_width) & ~upper & ~head
    out = {"head": pic.select(head, local=True), "upper": pic.select(upper)}
    if lower.any():
        out["lower"] = pic.select(lower)
    elif "lower" in (bands := PERSON_BANDS.get(kind, PERSON_BANDS["standing"])):
        out["lower"] = pic.band(bands["lower"])  # legs hidden (a desk, a long dress): the box's band
    return out


def _add_attributes(
    acc: _Accumulator, crop: Crop, parts: BodyParts | None, kind: Posture, w: float, portrait: dict[str, Band] | None
) -> None:
    """Sleeves and lower garment (pose only) and each garment's pattern, into ``acc``."""
    if kind == "lying":
        return
    lab, scale = attributes.prepare(crop.image, crop.box)
    if parts is not None:
        p = attributes.shrink_parts(parts, scale)
        for cue, value in attributes.body_cues(lab, p).items():
            acc.add_score(f"cue:{cue}", value, w)
        patches = {"upper": attributes.inner(p.torso), "lower": attributes.thighs_box(p)}
    else:
        x1, y1, x2, y2 = (v * scale for v in crop.box)
        bands = portrait or PERSON_BANDS.get(kind, PERSON_BANDS["standing"])

        def at(band: Band) -> Box:
            top, bottom, left, right = band
            return (x1 + left * (x2 - x1), y1 + top * (y2 - y1), x1 + right * (x2 - x1), y1 + bottom * (y2 - y1))

        patches = {r: at(bands[r]) for r in ("upper", "lower") if r in bands}
    for region, patch in patches.items():
        if patch is not None:
            for name, value in attributes.pattern(lab, patch).items():
                acc.add_score(f"pattern:{region}:{name}", value, w)


def _body_garments(acc: _Accumulator, *, dress: float) -> dict[str, float]:
    """The sleeve and lower-garment cues averaged over the posed crops; a dress makes "trousers" unknown."""
    out = acc.prefixed("cue:")
    if dress >= 0.5:
        out.pop("trousers", None)  # a long dress covers the shins as trousers do
    if "skirt" in out and dress >= 0.5:
        out["dress"] = max(dress, out["skirt"])
    return out


class _Accumulator:
    """Quality-weighted averages over crops: colour shares per region and scalar scores."""

    def __init__(self) -> None:
        self._sums: dict[str, NDArray[np.float64]] = {}
        self._weights: dict[str, float] = {}
        self._scores: dict[str, float] = {}
        self._score_weights: dict[str, float] = {}

    def add(self, region: str, names: NDArray[np.int8], weight: float) -> None:
        if names.size:
            w = max(weight, 1e-6)
            self._sums[region] = self._sums.get(region, np.zeros(len(colour.FINE_NAMES))) + w * _shares(names)
            self._weights[region] = self._weights.get(region, 0.0) + w

    def add_score(self, name: str, value: float, weight: float) -> None:
        w = max(weight, 1e-6)
        self._scores[name] = self._scores.get(name, 0.0) + w * value
        self._score_weights[name] = self._score_weights.get(name, 0.0) + w

    @property
    def shares(self) -> dict[str, NDArray[np.float64]]:
        return {r: s / self._weights[r] for r, s in self._sums.items()}

    def prefixed(self, prefix: str) -> dict[str, float]:
        """Scores whose name starts with ``prefix``, by the rest of their name."""
        return {
            k[len(prefix) :]: round(v / self._score_weights[k], 3)
            for k, v in self._scores.items()
            if k.startswith(prefix)
        }

    def patterns(self) -> dict[str, dict[str, float]]:
        """Pattern cues by region: ``{region: {kind: 0..1}}``."""
        out: dict[str, dict[str, float]] = {}
        for key, value in self.prefixed("pattern:").items():
            region, kind = key.split(":")
            out.setdefault(region, {})[kind] = value
        return out

    def named(self, region: str, min_share: float) -> dict[str, float]:
        total = self._sums.get(region)
        return {} if total is None else colour.named_shares(total / self._weights[region], min_share=min_share)

    def score(self, name: str) -> float | None:
        w = self._score_weights.get(name)
        return self._scores[name] / w if w else None


def _garments(shares: dict[str, NDArray[np.float64]], vest: float, *, monochrome: bool) -> dict[str, float]:
    """Garment cues from the regions' colour shares and the hi-vis share of the upper body.

    No dress from a monochrome (night or infrared) picture, where any top and bottom of similar lightness
    look alike.
    """
    idx = {n: i for i, n in enumerate(colour.FINE_NAMES)}
    out: dict[str, float] = {}
    if vest >= 0.1:
        out["vest"] = round(min(1.0, vest / 0.3), 3)
    upper, lower = shares.get("upper"), shares.get("lower")
    if lower is not None:
        blue = float(lower[idx["blue"]] + lower[idx["navy"]] + lower[idx["light blue"]])
        if blue >= 0.3:
            out["jeans"] = round(min(1.0, blue / 0.6), 3)
    if upper is not None and lower is not None and not monochrome:
        same = np.minimum(upper, lower)
        overlap, main = float(same.sum()), colour.FINE_NAMES[int(np.argmax(same))]
        if main not in ("black", "navy", "blue") and overlap >= 0.5 and lower[idx["black"]] < 0.15:
            out["dress"] = round(min(1.0, (overlap - 0.3) / 0.5), 3)
    return out


def describe_image_box(
    image: NDArray[np.uint8],
    box: Box,
    object_class: str,
    *,
    near: Sequence[int] = (),
    describer: AppearanceDescriber | None = None,
) -> Appearance:
    """Describe one object seen once in a still image (a single sighting).

    Args:
        image: BGR ``uint8`` image.
        box: ``x1, y1, x2, y2`` in pixels.
        object_class: COCO class name.
        near: Class ids of objects overlapping the box.
        describer: The describer to use (a default one otherwise).
    """
    crop, inner = crop_box(image, box)
    obs = Sighting(t=0.0, box=box, confidence=1.0, near=tuple(near), occluded=0.0)
    return (describer or AppearanceDescriber()).describe(
        object_class=object_class,
        observations=[obs],
        crops=[Crop(quality=1.0, t=0.0, image=crop, box=inner)],
        frame_size=(image.shape[1], image.shape[0]),
    )
