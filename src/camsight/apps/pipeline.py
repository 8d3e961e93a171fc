"""The per-camera chain: mask → motion gate → detect → track → rules, plus the track log and the describer.

:class:`CameraPipeline` turns one frame into a :class:`StepResult` (rule events raised, tracks
finished, each a frozen :class:`~camsight.core.tracks.FinishedTrack` already described). It does no
I/O itself: the drive loop (:mod:`camsight.apps.drive`) hands the results to the sinks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from camsight.config.models import CLASS_IDS, CameraConfig, Config
from camsight.core.detections import Detections, box_iou
from camsight.core.frame import Frame
from camsight.core.geometry import Point
from camsight.core.tracks import FinishedTrack, TrackContext
from camsight.events.models import AnyEvent
from camsight.perception.blobs import mask_boxes, with_motion_objects
from camsight.perception.detect import Detector
from camsight.perception.motion import MotionGate, Reason
from camsight.perception.pose import make_estimator
from camsight.perception.posture import PosePostures
from camsight.perception.privacy import apply_masks
from camsight.perception.regions import (
    Region,
    full_frame_cost,
    inside,
    plan_regions,
    predict_boxes,
    regions_cost,
)
from camsight.perception.track import Tracker
from camsight.perception.tracklog import Describer, TrackLog, TrackState
from camsight.rules.base import Rule, RuleContext
from camsight.rules.person_down import PersonDown
from camsight.rules.registry import build_rules


@dataclass
class StageTimes:
    """Seconds spent per stage, summed."""

    motion: float = 0.0
    detect: float = 0.0
    track: float = 0.0
    rules: float = 0.0


REGION_BLOB_AREA = 0.0003
"""Smallest motion blob (share of the image) that gets a detection region of its own."""

FULL_FRAME_REASONS: frozenset[Reason] = frozenset({"first", "keyframe", "disabled"})
"""Motion-gate reasons that always get a full-frame pass: nothing is known yet, or nothing is tracked."""


@dataclass
class RegionStats:
    """How the detector passes of one pipeline were run."""

    full_frame: int = 0
    region_passes: int = 0
    regions: int = 0
    held: int = 0
    input_px: int = 0
    """Detector input pixels of every pass together (the cost, independent of the machine's load)."""

    def describe(self) -> str:
        """One line: full-frame and region passes, regions per region pass."""
        per = self.regions / self.region_passes if self.region_passes else 0.0
        return (
            f"full-frame passes {self.full_frame}, region passes {self.region_passes} ({per:.1f} regions each, "
            f"{self.held} stationary boxes held; {self.input_px / 1e6:.1f} M detector input px)"
        )


@dataclass
class PipelineStats:
    """Counters of one camera's pipeline."""

    frames_analysed: int = 0
    frames_skipped: int = 0
    detections: int = 0
    tracks: int = 0
    times: StageTimes = field(default_factory=StageTimes)
    regions: RegionStats = field(default_factory=RegionStats)


STATIONARY_IOU = 0.85
"""A tracked box overlapping its previous sighting by at least this IoU has not moved."""

STATIONARY_SIGHTINGS = 3
"""Sightings in a row without moving after which a tracked object is stationary."""

STABLE_SIGHTINGS = 3
"""Detector passes in a row a track must have been seen in to count as stable (the cadence rule)."""

FED_BACK_IOU = 0.99
"""A tracked box overlapping a held box fed back to the tracker this much is that box, not a new sighting."""


@dataclass(frozen=True, slots=True)
class _Seen:
    """Where the pipeline last saw a tracked object, for its region (or its held box) on later passes."""

    box: NDArray[np.float32]
    t: float
    velocity: NDArray[np.float32]
    confidence: float
    class_id: int
    unmoved: int
    sightings: int
    found_t: float
    """When the detector itself last found it (not its held box fed back to the tracker)."""

    @property
    def stationary(self) -> bool:
        return self.unmoved >= STATIONARY_SIGHTINGS


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one frame produced.

    Attributes:
        frame: The frame, privacy masks applied.
        detections: The tracked objects (held boxes on frames the motion gate skipped).
        detected: Everything the detector found in this frame, tracked yet or not (empty when skipped).
        events: Rule events raised, updated or ended.
        finished: Tracks that ended, described.
    """

    frame: Frame
    detections: Detections
    detected: Detections
    events: list[AnyEvent]
    finished: list[FinishedTrack]


class CameraPipeline:
    """Per-camera analysis state; rebuilt geometry when the resolution changes."""

    def __init__(
        self,
        config: Config,
        camera: CameraConfig,
        *,
        source: str,
        source_id: str,
        wall_origin: datetime,
        fps: float,
        detector: Detector,
        still: bool = False,
        site: str | None = None,
        describer: Describer | None = None,
    ) -> None:
        """Prepare the stages; rules and zones are scaled on the first frame.

        Args:
            config: The configuration.
            camera: The camera's settings (zones, rules, masks).
            source: File path or stream URL (as shown).
            source_id: Id of the source (each live run is a source of its own).
            wall_origin: Wall time at source time 0.
            fps: Analysis rate.
            detector: The object detector (shared between sources).
            still: A single picture: no motion gate, no tracker.
            site: Site of the camera; default: the config's.
            describer: Describes each track as it ends; None leaves the appearance out.
        """
        self.config = config
        self.site = site or config.site_name()
        self.describer = describer
        self.camera = camera
        self.source = source
        self.source_id = source_id
        self.wall_origin = wall_origin
        self.fps = fps
        self.detector = detector
        self.still = still
        self.gate = MotionGate(config.motion)
        self.tracker = Tracker(config.tracker, fps=fps)
        self.stats = PipelineStats()
        self._size: tuple[int, int] | None = None
        self.rules: list[Rule] = []
        self._posers: list[PersonDown] = []
        self.poses: PosePostures | None = None
        self.tracklog: TrackLog | None = None
        self._held = Detections.empty()
        self._seen: dict[int, _Seen] = {}
        self._new_boxes = np.zeros((0, 4), np.float32)
        self._last_dets_t = 0.0
        self._last_full: float | None = None
        self._unconfirmed = False
        # Motion objects (blobs given a class) keep the plain path: full-frame passes, boxes held in place
        # between them. A blob's box carries its trail, and region passes, prediction and the cadence
        # split a wrong-way event on intel_car-detection.mp4 in two.
        self._plain = camera.motion_objects is not None
        self._fed_back = np.zeros((0, 4), np.float32)
        self._held_t = 0.0
        self._prev_pass_t = -1.0
        self._masks: list[tuple[Point, ...]] = [tuple((x, y) for x, y in mask) for mask in camera.masks]

    def _bind(self, frame: Frame) -> list[FinishedTrack]:
        """(Re)build size-dependent state; returns the tracks ended by a resolution change (in their old size)."""
        ended = self._finish(self.tracklog.pop_all()) if self.tracklog else []
        size = (frame.width, frame.height)
        self._size = size
        ctx = RuleContext(
            self.camera.id, self.source, frame.width, frame.height, self.wall_origin, self.site, self.source_id
        )
        self.rules = build_rules(self.camera, ctx)
        self._posers = [r for r in self.rules if isinstance(r, PersonDown)]  # pose readings for falls (issue 13)
        estimator = make_estimator() if self._posers and not self.still else None
        self.poses = PosePostures(estimator) if estimator is not None else None
        zones = {z.name: z.to_polygon().scaled(*size) for z in self.camera.zones}
        track_ctx = TrackContext(
            self.site, self.camera.id, self.source, self.source_id, frame.width, frame.height, self.wall_origin
        )
        lost = 0.0 if self.still else self.config.tracker.lost_track_s + 1.0
        self.tracklog = TrackLog(track_ctx, zones=zones, lost_after_s=lost)
        self.tracker.reset()
        self._held = Detections.empty()
        self._seen.clear()
        self._new_boxes = np.zeros((0, 4), np.float32)
        self._last_full = None
        self._unconfirmed = False
        self._prev_pass_t = -1.0
        return ended

    def step(self, frame: Frame) -> StepResult:
        """Analyse one frame."""
        ended: list[FinishedTrack] = []
        if self._size != (frame.width, frame.height):
            ended = self._bind(frame)
        assert self.tracklog is not None
        frame = self._masked(frame)
        now = frame.pts_s
        times = self.stats.times
        t0 = time.perf_counter()
        reason: Reason = "first"
        if not self.still:
            gated = self.gate.gate(
                frame,
                tracking=self.tracker.active,
                now=now,
                boxes=self._held.xyxy if len(self._held) else None,
                stable=self._stable(),
            )
            reason = gated.reason
            if reason == "still" and self._unconfirmed and not self._plain:
                reason = "tracking"  # a new object needs a second sighting in a row for the tracker to take it
        refresh = not self.still and reason == "still" and self._changing(frame)
        run = self.still or reason != "still" or refresh
        t1 = time.perf_counter()
        dets = self._detect(frame, reason, now, refresh=refresh) if run else Detections.empty()
        if run and not self.still and self.camera.motion_objects is not None:
            blobs = self.gate.moving_boxes(self.camera.motion_object_min_area)
            dets = with_motion_objects(dets, blobs, CLASS_IDS[self.camera.motion_objects])
        t2 = time.perf_counter()
        # Skipped frame: nothing moved outside the tracked boxes, so the tracked objects are held in place.
        tracked = self._track(dets) if run else self._predicted(now)
        if run and not len(dets):  # motion objects count: absorbing them would erase them from the mask
            self.gate.absorb()
        if run:
            self._held = tracked
        if run:
            self._held_t = now
            self._remember(dets, tracked, now)
            self._unconfirmed = len(dets) > len(tracked)
        t3 = time.perf_counter()
        if self.poses is not None and len(tracked):
            readings = self.poses.observe(frame.image, tracked, now)
            for rule in self._posers:
                rule.take_poses(readings)
        events = [e for rule in self.rules for e in rule.update(tracked, now)]
        t4 = time.perf_counter()
        self.tracklog.update(frame, tracked, now)
        self.tracklog.add_events(events)
        finished = ended + self._finish(self.tracklog.pop_finished(now))
        times.motion += t1 - t0
        times.detect += t2 - t1
        times.track += t3 - t2
        times.rules += t4 - t3
        self.stats.frames_analysed += int(run)
        self.stats.frames_skipped += int(not run)
        self.stats.detections += len(dets)
        self.stats.tracks += len(finished)
        return StepResult(frame=frame, detections=tracked, detected=dets, events=events, finished=finished)

    def _changing(self, frame: Frame) -> bool:
        """The refresh rule: some tracked object's box moves inside (``regions.refresh_share`` of it, or more).

        The motion gate skips a frame when the motion stays inside the tracked boxes; the boxes are then
        held (moved by their velocity). A person who bends, turns or reaches in place changes shape
        without moving their centre, and the held box stops matching them; a region pass re-finds them
        at their own pixels.
        """
        share = self.config.detector.regions.refresh_share
        mask = self.gate.last_moving_mask
        if self._plain or not self.config.detector.regions.enabled or not share or mask is None:
            return False
        return bool(len(self._held)) and bool((moving_shares(mask, self._held.xyxy, frame.width) >= share).any())

    def _detect(self, frame: Frame, reason: Reason, now: float, *, refresh: bool = False) -> Detections:
        """One detector pass: on regions around motion and the objects last seen, or on the full frame.

        The full frame is run for a still picture, when regions are off, when the gate has nothing to
        go on (``first``, ``keyframe``, ``disabled``), when ``regions.full_frame_s`` has passed since the
        last full-frame pass (not on a ``refresh`` pass, one the gate would have skipped), and when the
        regions would cost nearly as much as the full frame (:func:`~camsight.perception.regions.plan_regions`).
        """
        rc = self.config.detector.regions
        regions = None
        self._fed_back = np.zeros((0, 4), np.float32)
        due = self._last_full is None or now - self._last_full >= rc.full_frame_s or now < self._last_full
        due = due and not refresh
        if not (self.still or self._plain or not rc.enabled or reason in FULL_FRAME_REASONS or due):
            boxes = self._interest_boxes(frame, now)
            regions = plan_regions(
                boxes,
                frame.width,
                frame.height,
                input_size=self.config.detector.input_size,
                min_side=rc.min_side,
                margin=rc.margin,
                max_cost=rc.max_cost,
            )
        stats = self.stats.regions
        if regions is None:
            stats.full_frame += 1
            stats.input_px += full_frame_cost(frame.width, frame.height, self.config.detector.input_size)
            self._last_full = now
            return self.detector.detect(frame)
        stats.region_passes += 1
        stats.regions += len(regions)
        stats.input_px += regions_cost(regions)
        found = self.detector.detect_regions(frame, regions)
        held = self._held_boxes(regions)
        stats.held += len(held)
        self._fed_back = held.xyxy
        return concat(found, held) if len(held) else found

    def _stable(self) -> bool:
        """The cadence rule: every track is stable.

        That is: there are tracks, each was seen in the last detector pass and in the
        :data:`STABLE_SIGHTINGS` passes before it in a row, and the last pass found nothing new.
        """
        if self._plain:
            return False
        seen = self._seen.values()
        return (
            bool(self._seen)
            and not self._unconfirmed
            and all(s.t == self._held_t and s.sightings >= STABLE_SIGHTINGS for s in seen)
        )

    def _predicted(self, now: float) -> Detections:
        """The last pass's tracked boxes moved by their tracks' velocity to ``now`` (frames the gate skips)."""
        if self._plain or not len(self._held) or now <= self._held_t:
            return self._held
        velocity = np.array(
            [
                s.velocity if (s := self._seen.get(int(t))) is not None else np.zeros(2, np.float32)
                for t in self._held.tracker_id
            ],
            np.float32,
        )
        moved = predict_boxes(self._held.xyxy, velocity, now - self._held_t, max_dt=self.config.motion.track_refresh_s)
        return Detections.from_arrays(
            xyxy=moved,
            confidence=self._held.confidence,
            class_id=self._held.class_id,
            tracker_id=self._held.tracker_id,
        )

    def _interest_boxes(self, frame: Frame, now: float) -> NDArray[np.float32]:
        """Boxes that need a region: motion blobs, new objects, and moving tracks where they should be now.

        Stationary tracks (:data:`STATIONARY_SIGHTINGS` sightings without moving) get no region of their
        own: motion on them makes a blob, which does, and otherwise their box is held (:meth:`_held_boxes`).
        """
        fresh = now - self._last_dets_t <= self.config.tracker.lost_track_s
        parts = [self._new_boxes if fresh else self._new_boxes[:0]]
        mask = self.gate.last_moving_mask
        if mask is not None:
            parts.append(mask_boxes(mask, min_area=REGION_BLOB_AREA, scale=frame.width / mask.shape[1]))
        parts.extend(predict_boxes(s.box, s.velocity, now - s.t) for s in self._seen.values() if not s.stationary)
        return np.concatenate([p.reshape(-1, 4) for p in parts]).astype(np.float32)

    def _held_boxes(self, regions: Sequence[Region]) -> Detections:
        """The stationary tracks no region holds whole, as detections at their last box and score.

        Only those the detector itself found since the last full-frame pass: a box fed back to the
        tracker keeps its track alive, so one the full frame no longer shows would otherwise stay as a
        ghost (on intel_one-by-one a visitor who walked off fast left one, and the next visitor at the
        same spot took over its track and raised no loitering event of their own).
        """
        last_full = self._last_full if self._last_full is not None else -math.inf
        held = [
            s
            for s in self._seen.values()
            if s.stationary and s.found_t >= last_full and not any(inside(s.box, r) for r in regions)
        ]
        if not held:
            return Detections.empty()
        return Detections.from_arrays(
            xyxy=np.array([s.box for s in held], np.float32),
            confidence=np.array([s.confidence for s in held], np.float32),
            class_id=np.array([s.class_id for s in held], np.int64),
        )

    def _remember(self, dets: Detections, tracked: Detections, now: float) -> None:
        """Keep where each tracked object was seen (how fast it moved, since when it stands still)."""
        keep_s = self.config.tracker.lost_track_s
        fed_back = self._fed_back
        for box, tid, conf, cls in zip(
            tracked.xyxy, tracked.tracker_id, tracked.confidence, tracked.class_id, strict=True
        ):
            old = self._seen.get(int(tid))
            velocity = np.zeros(2, np.float32)
            unmoved = 0
            sightings = old.sightings + 1 if old is not None and old.t == self._prev_pass_t else 1
            held = bool(len(fed_back)) and float(box_iou(box[None], fed_back).max()) >= FED_BACK_IOU
            found_t = old.found_t if held and old is not None else now
            if old is not None and now > old.t:
                moved = (box[:2] + box[2:]) / 2 - (old.box[:2] + old.box[2:]) / 2
                velocity = (moved / (now - old.t)).astype(np.float32)
                still = float(box_iou(box[None], old.box[None])[0, 0]) >= STATIONARY_IOU
                unmoved = old.unmoved + 1 if still else 0
                if still and old.stationary:
                    box = old.box  # a stationary box stays where it settled (no creep from small jitter)
            self._seen[int(tid)] = _Seen(
                np.asarray(box, np.float32).copy(), now, velocity, float(conf), int(cls), unmoved, sightings, found_t
            )
        for tid in [k for k, v in self._seen.items() if now - v.t > keep_s or now < v.t]:
            del self._seen[tid]
        # Detections not tracked yet (a new object needs a second sighting for an id) get regions too.
        boxes = np.asarray(dets.xyxy, np.float32).reshape(-1, 4)
        if len(boxes) and len(tracked):
            boxes = boxes[box_iou(boxes, tracked.xyxy).max(axis=1) < 0.99]
        self._new_boxes = boxes
        self._last_dets_t = now
        self._prev_pass_t = now

    def occupancy(self) -> dict[str, int]:
        """People standing in each zone of the camera in the last analysed frame (0 before the first).

        Counted from the tracked boxes' foot points, only tracks long enough to be stored (see
        :meth:`~camsight.perception.tracklog.TrackLog.occupancy`); cheap enough to ask every frame.
        """
        if self.tracklog is None:
            return {zone.name: 0 for zone in self.camera.zones}
        need = min_sightings(still=self.still, confirm_frames=self.config.tracker.min_consecutive_frames)
        return self.tracklog.occupancy(self._held, min_frames=need)

    def _masked(self, frame: Frame) -> Frame:
        if not self._masks:
            return frame
        image = apply_masks(frame.image, self._masks)
        return Frame(frame.camera, frame.source, frame.index, frame.pts_s, frame.wall, image)

    def _track(self, dets: Detections) -> Detections:
        if not self.still:
            return self.tracker.update(dets)
        return dets.with_tracker_id(np.arange(1, len(dets) + 1))

    def close(self, now: float) -> tuple[list[AnyEvent], list[FinishedTrack]]:
        """End of stream: close open events and finish every track."""
        events = [e for rule in self.rules for e in rule.close(now)]
        if self.tracklog is None:
            return events, []
        self.tracklog.add_events(events)
        finished = self._finish(self.tracklog.pop_all())
        self.stats.tracks += len(finished)
        return events, finished

    def _finish(self, states: Sequence[TrackState]) -> list[FinishedTrack]:
        """Freeze and describe ended tracks, dropping those too short to be real."""
        assert self.tracklog is not None
        confirm = self.config.tracker.min_consecutive_frames
        return [
            self.tracklog.finish(s, self.describer)
            for s in min_frames(states, still=self.still, confirm_frames=confirm)
        ]


MIN_DETECTIONS = 2
"""Detections a track of a video needs to be kept (a single detection is usually a false one)."""


def min_sightings(*, still: bool, confirm_frames: int) -> int:
    """Logged sightings a track needs to be stored: :data:`MIN_DETECTIONS` detections in all (1 for a still).

    The tracker gives a track its id only after ``confirm_frames`` detections in a row
    (``tracker.min_consecutive_frames``), and the detections before that are not logged: those count too.
    So with the default (2) a track the tracker confirmed is kept even if it was lost right after (a
    cyclist crossing a corner of the view, detected in a few frames here and there).
    """
    return 1 if still else max(1, MIN_DETECTIONS - (confirm_frames - 1))


def min_frames(states: Sequence[TrackState], *, still: bool, confirm_frames: int = 1) -> list[TrackState]:
    """Drop tracks too short to be real (see :func:`min_sightings`)."""
    need = min_sightings(still=still, confirm_frames=confirm_frames)
    return [s for s in states if len(s.observations) >= need]


def moving_shares(mask: NDArray[np.bool_], xyxy: NDArray[np.float32], frame_w: int) -> NDArray[np.float64]:
    """Share (0..1) of each full-frame box's pixels that move in the gate's small moving ``mask``."""
    scale = mask.shape[1] / frame_w
    h, w = mask.shape
    out = np.zeros(len(xyxy))
    for i, (x1, y1, x2, y2) in enumerate(np.asarray(xyxy, np.float64).reshape(-1, 4)):
        c1, r1 = min(w, max(0, int(x1 * scale))), min(h, max(0, int(y1 * scale)))
        c2, r2 = min(w, max(c1, math.ceil(x2 * scale))), min(h, max(r1, math.ceil(y2 * scale)))
        cell = mask[r1:r2, c1:c2]
        out[i] = float(np.count_nonzero(cell)) / cell.size if cell.size else 0.0
    return out


def concat(a: Detections, b: Detections) -> Detections:
    """Two untracked sets of detections as one, ``a``'s first."""
    return Detections.from_arrays(
        xyxy=np.concatenate([a.xyxy, b.xyxy]),
        confidence=np.concatenate([a.confidence, b.confidence]),
        class_id=np.concatenate([a.class_id, b.class_id]),
    )
