"""Per-track memory while a track lives: its path, the objects near it and its best few crops.

When a track ends, :meth:`TrackLog.finish` turns its :class:`TrackState` into a frozen
:class:`~camsight.core.tracks.FinishedTrack`, described (by the :class:`Describer`) from a handful of
good crops (large, sharp, unoccluded, not cut by the frame border) rather than from every frame.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.core.detections import COCO_NAMES, PERSON, Detections, box_iou
from camsight.core.frame import Frame
from camsight.core.geometry import Polygon
from camsight.core.records import Appearance
from camsight.core.tracks import Box, Crop, FinishedTrack, Sighting, TrackContext
from camsight.events.models import AnyEvent

__all__ = ["Box", "Crop", "Describer", "FinishedTrack", "Sighting", "TrackContext", "TrackLog", "TrackState"]
from camsight.perception.pose import PoseEstimator, make_estimator
from camsight.perception.privacy import blur_head_in_crop, fit_within

MOMENT_KINDS = frozenset({"person_down"})
"""Events after which a person looks unlike the rest of the track (down on the floor): the crop of that
moment becomes the track's thumbnail. Other events keep the best crop, which shows the person best."""


class Describer(Protocol):
    """Turns a finished track's sightings and crops into an :class:`Appearance`."""

    def describe(
        self,
        *,
        object_class: str,
        observations: Sequence[Sighting],
        crops: Sequence[Crop],
        frame_size: tuple[int, int] | None = None,
    ) -> Appearance:
        """Describe one track (``frame_size``: the frame's width and height, when known)."""
        ...


@dataclass
class TrackState:
    """Everything remembered about one live track."""

    tracker_id: int
    class_id: int
    observations: list[Sighting] = field(default_factory=list)
    crops: list[tuple[float, int, Crop]] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    event_crop: Crop | None = None
    """The track at the moment of its first event of :data:`MOMENT_KINDS` (the person down), its thumbnail."""

    @property
    def last_t(self) -> float:
        """Time of the last sighting."""
        return self.observations[-1].t

    @property
    def best_crop(self) -> Crop | None:
        """The highest-quality crop."""
        return max((c for _, _, c in self.crops), key=lambda c: c.quality, default=None)

    def kept_crops(self) -> list[Crop]:
        """The kept crops, best first; the crop of the first event's moment, if any, before them all."""
        best = sorted((c for _, _, c in self.crops), key=lambda c: -c.quality)
        return best if self.event_crop is None else [self.event_crop, *best]


class TrackLog:
    """Keeps :class:`TrackState` per live track and says which tracks have ended."""

    def __init__(self, ctx: TrackContext, *, zones: dict[str, Polygon], lost_after_s: float, keep_crops: int = 6):
        """Start an empty log; ``zones`` are in pixels."""
        self.ctx = ctx
        self.zones = zones
        self.lost_after_s = lost_after_s
        self.keep_crops = keep_crops
        self._tracks: dict[int, TrackState] = {}
        self._counter = 0
        self._frame: Frame | None = None

    def __len__(self) -> int:
        """Number of live tracks."""
        return len(self._tracks)

    def update(self, frame: Frame, dets: Detections, now: float) -> None:
        """Record one frame's tracked detections."""
        self._frame = frame
        if len(dets) == 0:
            return
        ious = box_iou(dets.xyxy, dets.xyxy)
        np.fill_diagonal(ious, 0.0)
        anchors = dets.anchors
        inside = {name: poly.contains(anchors) for name, poly in self.zones.items()}
        for i in range(len(dets)):
            tid = int(dets.tracker_id[i])
            state = self._tracks.get(tid)
            if state is None:
                state = self._tracks[tid] = TrackState(tracker_id=tid, class_id=int(dets.class_id[i]))
            same_kind = (dets.class_id == dets.class_id[i]) | (state.class_id != PERSON)
            box: Box = tuple(float(v) for v in dets.xyxy[i])  # type: ignore[assignment]
            obs = Sighting(
                t=now,
                box=box,
                confidence=float(dets.confidence[i]),
                near=_near(dets, i, ious[i]),
                occluded=float(ious[i][same_kind].max(initial=0.0)),
            )
            state.observations.append(obs)
            state.zones.update(name for name, mask in inside.items() if mask[i])
            self._keep_crop(state, frame, obs)

    def _keep_crop(self, state: TrackState, frame: Frame, obs: Sighting) -> None:
        quality = crop_quality(obs, self.ctx.width, self.ctx.height)
        if len(state.crops) >= self.keep_crops and quality <= state.crops[0][0]:
            return
        image, box = crop_box(frame.image, obs.box)
        self._counter += 1
        item = (quality, self._counter, Crop(quality=quality, t=obs.t, image=image, box=box))
        if len(state.crops) >= self.keep_crops:
            heapq.heapreplace(state.crops, item)
        else:
            heapq.heappush(state.crops, item)

    def occupancy(self, dets: Detections, *, class_id: int = PERSON, min_frames: int = 2) -> dict[str, int]:
        """How many tracked objects of ``class_id`` stand in each zone (foot point inside) in ``dets``.

        Only tracks seen in at least ``min_frames`` frames count: those shorter are not stored either
        (see :func:`camsight.apps.pipeline.min_frames`), so every object counted is a stored track.
        """
        counts = dict.fromkeys(self.zones, 0)
        if not len(dets) or not counts:
            return counts
        seen = np.array(
            [len(self._tracks[int(t)].observations) if int(t) in self._tracks else 0 for t in dets.tracker_id]
        )
        keep = dets.tracked & (dets.class_id == class_id) & (seen >= min_frames)
        anchors = dets.anchors[keep]
        if len(anchors):
            for name, poly in self.zones.items():
                counts[name] = int(poly.contains(anchors).sum())
        return counts

    def add_events(self, events: Iterable[AnyEvent]) -> None:
        """Remember which tracks took part in which events, and how each looked at its first of :data:`MOMENT_KINDS`.

        The crop is cut from the last frame :meth:`update` saw, where the track was seen in it: rules raise
        an event on the frame that completes it (a fall once the person has stayed down).
        """
        for event in events:
            for tid in event.track_ids:
                state = self._tracks.get(tid)
                if state is None:
                    continue
                state.events.add(event.id)
                frame = self._frame
                moment = event.kind in MOMENT_KINDS and state.event_crop is None
                if moment and frame is not None and state.last_t == frame.pts_s:
                    obs = state.observations[-1]
                    image, box = crop_box(frame.image, obs.box)
                    quality = crop_quality(obs, self.ctx.width, self.ctx.height)
                    state.event_crop = Crop(quality=quality, t=obs.t, image=image, box=box)

    def pop_finished(self, now: float) -> list[TrackState]:
        """Remove and return the tracks not seen for ``lost_after_s``."""
        done = [tid for tid, s in self._tracks.items() if now - s.last_t > self.lost_after_s]
        return [self._tracks.pop(tid) for tid in done]

    def pop_all(self) -> list[TrackState]:
        """Remove and return every track (end of stream)."""
        states = list(self._tracks.values())
        self._tracks.clear()
        return states

    def finish(self, state: TrackState, describer: Describer | None) -> FinishedTrack:
        """The frozen summary of an ended track, described when a describer is given."""
        crops = tuple(state.kept_crops())
        appearance = None
        if describer is not None:
            appearance = describer.describe(
                object_class=COCO_NAMES.get(state.class_id, "object"),
                observations=state.observations,
                crops=crops,
                frame_size=(self.ctx.width, self.ctx.height),
            )
        return FinishedTrack(
            context=self.ctx,
            tracker_id=state.tracker_id,
            class_id=state.class_id,
            sightings=tuple(state.observations),
            crops=crops,
            zones=tuple(sorted(state.zones)),
            events=tuple(sorted(state.events)),
            appearance=appearance,
        )


def _near(dets: Detections, i: int, ious: NDArray[np.float32]) -> tuple[int, ...]:
    """Classes of other boxes that touch box ``i`` (centre inside its box grown by 20%, or IoU > 0.1)."""
    x1, y1, x2, y2 = dets.xyxy[i]
    gx, gy = 0.2 * (x2 - x1), 0.2 * (y2 - y1)
    c = dets.centers
    inside = (c[:, 0] > x1 - gx) & (c[:, 0] < x2 + gx) & (c[:, 1] > y1 - gy) & (c[:, 1] < y2 + gy)
    touching = (inside | (ious > 0.1)) & (dets.class_id != dets.class_id[i])
    touching[i] = False
    return tuple(sorted({int(k) for k in dets.class_id[touching]}))


def crop_quality(obs: Sighting, width: int, height: int) -> float:
    """How good a sighting is for describing and for a thumbnail: big, confident, free, not cut off."""
    x1, y1, x2, y2 = obs.box
    area = max(0.0, (x2 - x1) * (y2 - y1)) / float(width * height)
    margin = 2.0
    cut = x1 <= margin or y1 <= margin or x2 >= width - margin or y2 >= height - margin
    return float(np.sqrt(area) * obs.confidence * (1.0 - obs.occluded) * (0.5 if cut else 1.0))


def crop_box(image: NDArray[np.uint8], box: Box, pad: float = 0.08) -> tuple[NDArray[np.uint8], Box]:
    """Copy the box (grown by ``pad``) out of the image; returns the crop and the box in crop coordinates."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = box
    px, py = pad * (x2 - x1), pad * (y2 - y1)
    cx1, cy1 = max(0, int(x1 - px)), max(0, int(y1 - py))
    cx2, cy2 = min(w, int(np.ceil(x2 + px))), min(h, int(np.ceil(y2 + py)))
    crop = image[cy1:cy2, cx1:cx2].copy()
    return crop, (x1 - cx1, y1 - cy1, x2 - cx1, y2 - cy1)


MARK_COLOUR = (0, 215, 255)
"""BGR colour of the outline that marks a thumbnail's subject (amber)."""


def thumbnail_image(
    crop: Crop, *, blur_head: bool, max_side: int = 256, pose: PoseEstimator | None | bool = True, mark: bool = True
) -> NDArray[np.uint8]:
    """The crop resized for storage, the head blurred when asked and the subject outlined.

    Args:
        crop: The crop.
        blur_head: Blur the head: where pose finds the body, its head box (the head only, also for someone
            seated or lying); else the box rule of snapshots and clips (a margin, out to the crop's border
            when cut there, the whole box when not upright).
        max_side: Longest side of the stored image.
        pose: The pose model; ``True``: the shared one when installed; ``False``/``None``: the box rule.
        mark: Outline the subject's box (the crop has a margin, and other people may be in it).
    """
    image = crop.image
    if blur_head:
        estimator = make_estimator() if pose is True else (pose or None)
        image = blur_head_in_crop(image, crop.box, estimator)
    image = fit_within(image, max_side)
    if mark:
        scale = image.shape[0] / max(crop.image.shape[0], 1)
        x1, y1, x2, y2 = (round(v * scale) for v in crop.box)
        h, w = image.shape[:2]
        outline = np.zeros((h, w), dtype=np.uint8)
        cv2.rectangle(outline, (max(0, x1), max(0, y1)), (min(w - 1, x2), min(h - 1, y2)), 1, 1)
        masked = (image < 8).all(axis=2)  # never draw over a privacy mask's black
        image = image.copy()
        image[(outline > 0) & ~masked] = MARK_COLOUR
    return image
