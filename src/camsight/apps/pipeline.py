"""The per-camera chain: mask → motion gate → detect → track → rules, plus the track log and the describer.

:class:`CameraPipeline` turns one frame into a :class:`StepResult` (rule events raised, tracks
finished, each a frozen :class:`~camsight.core.tracks.FinishedTrack` already described). It does no
I/O itself: the drive loop (:mod:`camsight.apps.drive`) hands the results to the sinks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from camsight.config.models import CLASS_IDS, CameraConfig, Config
from camsight.core.detections import Detections
from camsight.core.frame import Frame
from camsight.core.geometry import Point
from camsight.core.tracks import FinishedTrack, TrackContext
from camsight.events.models import AnyEvent
from camsight.perception.blobs import with_motion_objects
from camsight.perception.detect import Detector
from camsight.perception.motion import MotionGate
from camsight.perception.pose import make_estimator
from camsight.perception.posture import PosePostures
from camsight.perception.privacy import apply_masks
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


@dataclass
class PipelineStats:
    """Counters of one camera's pipeline."""

    frames_analysed: int = 0
    frames_skipped: int = 0
    detections: int = 0
    tracks: int = 0
    times: StageTimes = field(default_factory=StageTimes)


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
        run = (
            self.still
            or self.gate.gate(
                frame, tracking=self.tracker.active, now=now, boxes=self._held.xyxy if len(self._held) else None
            ).run_detector
        )
        t1 = time.perf_counter()
        dets = self.detector.detect(frame) if run else Detections.empty()
        if run and not self.still and self.camera.motion_objects is not None:
            blobs = self.gate.moving_boxes(self.camera.motion_object_min_area)
            dets = with_motion_objects(dets, blobs, CLASS_IDS[self.camera.motion_objects])
        t2 = time.perf_counter()
        # Skipped frame: nothing moved outside the tracked boxes, so the tracked objects are held in place.
        tracked = self._track(dets) if run else self._held
        if run and not len(dets):  # motion objects count: absorbing them would erase them from the mask
            self.gate.absorb()
        self._held = tracked
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

    def occupancy(self) -> dict[str, int]:
        """People standing in each zone of the camera in the last analysed frame (0 before the first).

        Counted from the tracked boxes' foot points, only tracks long enough to be stored (see
        :meth:`~camsight.perception.tracklog.TrackLog.occupancy`); cheap enough to ask every frame.
        """
        if self.tracklog is None:
            return {zone.name: 0 for zone in self.camera.zones}
        return self.tracklog.occupancy(self._held, min_frames=1 if self.still else 2)

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
        return [self.tracklog.finish(s, self.describer) for s in min_frames(states, still=self.still)]


def min_frames(states: Sequence[TrackState], *, still: bool) -> list[TrackState]:
    """Drop tracks too short to be real (a single sighting in a video is usually a false detection)."""
    need = 1 if still else 2
    return [s for s in states if len(s.observations) >= need]
