"""A track at one moment: the picture of a search hit's matched moment, cut from its video when asked.

A track's stored thumbnail is its best crop (for a person down, that moment). A search for a posture,
a motion or an event finds a *moment* (:attr:`camsight.search.rank.Hit.at_s`), which the best crop
may not show: someone found "sitting" was standing in the crop that showed them best. :func:`moment`
cuts the picture of that moment when it is asked for:

1. the frame at the moment is decoded from the analysed file, or from the recorded segments of a live
   camera (:func:`camsight.sources.clips.first_frame`);
2. the camera's privacy masks are blacked out (the geometry in effect now);
3. the subject is found again: of the detector's boxes of the track's class, the one whose
   bottom-centre is nearest the track's path at that moment, within :data:`MATCH_SHARE` of the box's
   size (:func:`subject_index`);
4. the picture is made as a stored thumbnail is: cropped around the subject, every other person's
   head blurred by the box rule, the subject's head from pose (the head only, also for someone seated
   or lying), the masks again, the subject outlined (``store.blur_heads: false`` leaves heads as
   stored thumbnails leave them).

At a hub, another site's moment is asked of its edge (which cuts it with its own masks and audits it
under the hub's account, :class:`EdgeMoments`); the hub never holds the video. The picture is kept in
the media folder's cache (``cache/moments``, for :data:`~camsight.services.playback.CACHE_MAX_AGE`)
under a digest of the track, the moment and what made it (the masks and blurring, or the edge). Every
view is audited as ``view.thumbnail`` with the moment. When the moment cannot be shown (the file or the
recording is gone, the subject is not found in that frame, the edge did not give it)
:class:`MomentUnavailable` says why, and the API serves the stored thumbnail instead, so a result never
loses its picture.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import numpy as np

from camsight.config.models import CLASS_IDS, Config, DetectorConfig
from camsight.core.detections import PERSON, Detections
from camsight.core.records import TrackRecord
from camsight.errors import CamsightError
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.head_blur import PRIVACY_CONFIDENCE
from camsight.perception.pose import make_estimator
from camsight.perception.privacy import Image, apply_masks, blur_head_in_crop, blur_heads
from camsight.perception.tracklog import Box, Crop, crop_box, thumbnail_image
from camsight.services import audit, media
from camsight.services.actor import Actor
from camsight.services.cameras import Mask, camera_masks
from camsight.services.media import Picture
from camsight.services.playback import TrackNotFound, cache_file, digest, find_track, window_pieces
from camsight.sources.clips import Piece, first_frame
from camsight.store.errors import writing
from camsight.store.handle import Store

__all__ = ["MATCH_SHARE", "EdgeMoments", "Moment", "MomentUnavailable", "moment", "path_point", "subject_index"]

MATCH_SHARE = 0.5
"""A box is the subject when its bottom-centre is within this share of its longer side of the path's point."""
WINDOW_S = 1.0
"""Seconds of video read from the moment on (the first frame at or after it is used)."""

DetectorFactory = Callable[[str], Detector]
"""Builds the detector for a track's class name (people are always detected too, for blurring)."""


class MomentUnavailable(CamsightError):
    """The moment cannot be shown: its video is gone, the subject is not in that frame, or its edge did not give it."""


class EdgeMoments(Protocol):
    """At a hub: the moments of other sites' tracks, asked of their edges (``remote_clips.EdgeMoments``)."""

    def holds(self, site: str) -> bool:
        """Whether the video of ``site`` is at its edge, not here."""
        ...

    def fetch(self, track: TrackRecord, at_s: float) -> Image:
        """The edge's picture of the track at ``at_s`` (its masks and blurring applied there).

        Raises:
            CamsightError: The edge cannot be reached, or could not cut it.
        """
        ...


@dataclass(frozen=True, slots=True)
class Moment:
    """The picture handed out for a track at a moment.

    Attributes:
        picture: The JPEG.
        at_s: The moment shown, seconds into the source (clamped to the track).
        box: The subject's box in the frame, pixels, when cut here now (None from the cache or an edge).
    """

    picture: Picture
    at_s: float
    box: Box | None = None


@functools.lru_cache(maxsize=4)
def _detector_for(settings: str, object_class: str) -> Detector:
    """The configured model at the blurring threshold, finding people and ``object_class``; made once per process."""
    config = DetectorConfig.model_validate_json(settings)
    classes = tuple(sorted({"person", object_class}, key=lambda name: CLASS_IDS[name]))
    update = {"confidence": min(config.confidence, PRIVACY_CONFIDENCE), "classes": classes}
    return OnnxDetector(config.model_copy(update=update))


def _detector(config: Config) -> DetectorFactory:
    settings = config.detector.model_dump_json()
    return lambda object_class: _detector_for(settings, object_class)


def path_point(track: TrackRecord, at_s: float) -> tuple[float, float] | None:
    """The track's bottom-centre point at ``at_s`` (normalised 0..1), interpolated on its path; None without one."""
    if not track.path:
        return None
    times = np.array([p[0] for p in track.path], np.float64)
    x = float(np.interp(at_s, times, [p[1] for p in track.path]))
    y = float(np.interp(at_s, times, [p[2] for p in track.path]))
    return x, y


def subject_index(dets: Detections, class_id: int, point_px: tuple[float, float]) -> int | None:
    """Which box of ``class_id`` has its bottom-centre nearest ``point_px``, within :data:`MATCH_SHARE` of its size."""
    candidates = np.flatnonzero(dets.class_id == class_id)
    if not len(candidates):
        return None
    boxes = dets.xyxy[candidates]
    sides = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    bottom = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3]], axis=1)
    share = np.hypot(*(bottom - np.array(point_px, np.float32)).T) / np.maximum(sides, 1.0)
    best = int(np.argmin(share))
    return None if share[best] > MATCH_SHARE else int(candidates[best])


def _pieces(store: Store, track: TrackRecord, at_s: float) -> list[Piece]:
    if "://" in track.source:
        start = track.started_at + timedelta(seconds=at_s - track.start_s)
        with store.engine.connect() as conn:
            return window_pieces(
                conn,
                camera=track.camera,
                start=start,
                end=start + timedelta(seconds=WINDOW_S),
                recordings=store.paths.recordings,
            )
    path = Path(track.source)
    if not path.is_file():
        raise CamsightError(f"the track's source file {path} no longer exists")
    return [Piece(path, at_s, at_s + WINDOW_S)]


def _picture(frame: Image, masks: Sequence[Mask], dets: Detections, subject: int, *, blur: bool) -> Image:
    """The thumbnail of the subject in a masked frame: others' heads (box rule) and its own (pose) blurred."""
    hidden = (apply_masks(np.full(frame.shape[:2], 255, np.uint8), masks) == 0) if masks else None
    x1, y1, x2, y2 = (float(v) for v in dets.xyxy[subject])
    box = (x1, y1, x2, y2)
    image = frame
    if blur:
        others = dets[(dets.class_id == PERSON) & (np.arange(len(dets)) != subject)]
        image = blur_heads(frame, others)
        if hidden is not None:  # a blurred head next to a mask smears into it: black it out again
            image[hidden] = 0
    crop, inner = crop_box(image, box)
    if blur and dets.class_id[subject] == PERSON:
        crop = blur_head_in_crop(crop, inner, make_estimator())
        if hidden is not None:
            x0, y0 = int(round(box[0] - inner[0])), int(round(box[1] - inner[1]))
            crop[hidden[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]]] = 0
    return thumbnail_image(Crop(quality=0.0, t=0.0, image=crop, box=inner), blur_head=False)


def _cut(
    store: Store, config: Config, track: TrackRecord, at_s: float, masks: Sequence[Mask], detector: DetectorFactory
) -> tuple[Image, Box]:
    """The moment's picture and the subject's box, or CamsightError saying why it cannot be cut."""
    point = path_point(track, at_s)
    class_id = CLASS_IDS.get(track.object_class)
    if point is None or class_id is None:
        raise CamsightError("the track has no path to find its subject by")
    found = first_frame(_pieces(store, track, at_s))
    if found is None:
        raise CamsightError("no frame could be read at that moment")
    frame = apply_masks(found[0], masks)
    dets = detector(track.object_class).detect_image(frame)
    h, w = frame.shape[:2]
    subject = subject_index(dets, class_id, (point[0] * w, point[1] * h))
    if subject is None:
        raise CamsightError(f"the track's {track.object_class} was not found in the frame at that moment")
    x1, y1, x2, y2 = (float(v) for v in dets.xyxy[subject])
    return _picture(frame, masks, dets, subject, blur=config.store.blur_heads), (x1, y1, x2, y2)


def moment(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    track_id: str,
    at_s: float,
    edge: EdgeMoments | None = None,
    detector: DetectorFactory | None = None,
) -> Moment:
    """The picture of a track at ``at_s`` seconds into its source (clamped to the track), audited ``view.thumbnail``.

    Args:
        store: The store (its media folder holds the cache; its recordings, a live camera's video).
        actor: Who asks (operators and admins, as for thumbnails).
        config: Settings (the camera's masks, the detector, ``store.blur_heads``).
        track_id: The track.
        at_s: The moment, seconds into the source.
        edge: At a hub: the way to the edges that hold other sites' video (their moments are asked of them).
        detector: Builds the detector for a class name; by default the configured model at the
            blurring threshold.

    Raises:
        PictureNotFound: No such track in the actor's scope.
        Forbidden: A viewer asked.
        MomentUnavailable: The moment cannot be shown (the caller shows the thumbnail instead).
    """
    with store.engine.connect() as conn:
        try:
            track = find_track(conn, actor, track_id)
        except TrackNotFound:
            raise media.PictureNotFound(f"no thumbnail for track {track_id!r}") from None
        actor.require("operator", "see thumbnails")
        masks = camera_masks(conn, config=config, camera=track.camera)
    at = round(min(max(at_s, track.start_s), track.end_s), 2)
    remote = edge if edge is not None and edge.holds(track.site) else None
    made_by: object = "edge" if remote is not None else (masks, config.store.blur_heads)
    key = digest(track=track.id, at=at, source=track.source, made_by=made_by)
    cached = cache_file(store, "moments", f"track-{track.id}", key, suffix=".jpg")
    box: Box | None = None
    if not cached.exists():
        try:
            if remote is not None:
                image = remote.fetch(track, at)
            else:
                image, box = _cut(store, config, track, at, masks, detector or _detector(config))
        except CamsightError as exc:
            raise MomentUnavailable(f"track {track.id} at {at:g} s cannot be shown: {exc}") from None
        store.media.save_jpeg(cached.relative_to(store.paths.media).as_posix(), image)
    data = cached.read_bytes()
    with writing(store.engine) as conn:
        detail = {"track_id": track.id, "camera": track.camera, "at_s": at}
        audit.record(conn, actor=actor, action="view.thumbnail", detail=detail, site=track.site)
    return Moment(Picture(data, track.camera), at, box)
