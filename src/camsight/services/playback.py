"""Watching video in the console: event and track clips, and recorded segments, privacy applied, cached, audited.

Every picture handed out has the camera's privacy masks blacked out (the geometry in effect, see
:func:`camsight.services.cameras.camera_masks`) and heads blurred (:class:`~camsight.perception.head_blur.HeadBlurrer`):

- an **event's clip** goes through the clips use case (:func:`camsight.services.clips.export`, which
  audits the export itself), given the config with the console's geometry applied;
- a **track's clip** is its span, cut from the recordings (live cameras) or the analysed file;
- a **recorded segment** is re-encoded whole, so a timeline can play segment after segment.

Each is made once into a private cache folder in the store's media folder (``cache/clips``,
``cache/recordings``), under a name made of its id and a digest of everything that decides its
pictures (the masks among them: a mask drawn later never lets an older, unmasked copy be served), and
reused while that digest holds, for at most :data:`CACHE_MAX_AGE`. Every view is audited (``view.clip``,
``view.recording``) with the byte range asked for, since a player fetches one view in several ranges.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from camsight.config.models import Config
from camsight.core.records import TrackRecord
from camsight.errors import CamsightError, QueryError
from camsight.events.models import AnyEvent
from camsight.perception.detect import Detector, OnnxDetector
from camsight.perception.head_blur import HeadBlurrer, privacy_detector_config
from camsight.perception.privacy import apply_masks
from camsight.services import audit
from camsight.services.actor import Actor
from camsight.services.cameras import Mask, camera_masks, effective_config, visible_camera
from camsight.services.clips import export
from camsight.services.events import find_event
from camsight.sources.clips import ClipOutputError, Image, Piece, reencode, write_new
from camsight.store import perms
from camsight.store import recordings as rec
from camsight.store import repository as repo
from camsight.store.errors import writing
from camsight.store.handle import Store
from camsight.store.recordings import GapRow, SegmentRow
from camsight.store.schema import segments

DetectorFactory = Callable[[], Detector]
MAX_WINDOW = timedelta(hours=24)
"""Longest time range one recordings listing covers."""
DEFAULT_WINDOW = timedelta(hours=1)
"""The range listed when only one end (or neither) is given."""
EVENT_LOOKBACK = timedelta(hours=6)
"""Events that started this long before a window are looked at too, in case they last into it."""
MAX_EVENTS = 10_000
"""Most events one listing returns."""
CACHE_MAX_AGE = timedelta(hours=24)
"""A cached video is deleted this long after it was made (so a copy outlives its recording by at most this)."""


class SegmentNotFound(CamsightError):
    """No recorded segment (of a camera the actor may see) has that id, or its file is gone."""


class TrackNotFound(CamsightError):
    """No track (of a camera the actor may see) has that id."""


class WindowError(QueryError):
    """A recordings window that cannot be listed."""


@dataclass(frozen=True, slots=True)
class EventSpan:
    """An event on a timeline."""

    id: str
    kind: str
    rule: str
    camera: str
    zone: str | None
    start: datetime
    end: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Recordings:
    """What was recorded in a time window, and what happened in it."""

    camera: str | None
    since: datetime
    until: datetime
    segments: list[SegmentRow]
    events: list[EventSpan]
    gaps: list[GapRow]


# -- the recordings timeline --------------------------------------------------------------------------


def _window(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    since, until = (None if t is None else t if t.tzinfo else t.replace(tzinfo=UTC) for t in (since, until))
    if until is None:
        until = now if since is None else since + DEFAULT_WINDOW
    since = since or until - DEFAULT_WINDOW
    if until <= since:
        raise WindowError(f"until ({until.isoformat()}) must be after since ({since.isoformat()})")
    if until - since > MAX_WINDOW:
        raise WindowError(f"a window of at most {MAX_WINDOW.total_seconds() / 3600:g} hours can be listed at once")
    return since, until


def _span(event: AnyEvent) -> EventSpan:
    end = event.started_at + timedelta(seconds=max(0.0, event.end_s - event.start_s))
    return EventSpan(event.id, event.kind, event.rule, event.camera, event.zone, event.started_at, end, event.status)


def list_recordings(
    conn: sa.Connection,
    *,
    actor: Actor,
    config: Config,
    camera: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Recordings:
    """What was recorded in ``[since, until]``, with the events and outages in that time (operators).

    Of one camera, or of all the actor may see. A window without ``until`` ends :data:`DEFAULT_WINDOW`
    after ``since`` (or now); naive times are UTC.

    Raises:
        Forbidden: A viewer asked.
        CameraNotFound: ``camera`` is not one the actor may see.
        WindowError: ``until`` is not after ``since``, or the window is longer than :data:`MAX_WINDOW`.
    """
    if camera is not None:  # another camera's is "not found" whatever the role, as everywhere
        visible_camera(conn, actor=actor, config=config, camera=camera)
    actor.require("operator", "play recordings")
    since, until = _window(since, until, now or datetime.now(UTC))
    found = [s for s in rec.list_segments(conn, camera=camera, since=since, until=until) if actor.may_see(s.camera)]
    events = repo.list_events(
        conn,
        camera=camera,
        cameras=actor.scope(),
        sites=actor.site_scope(),
        since=since - EVENT_LOOKBACK,
        until=until,
        limit=MAX_EVENTS,
        oldest_first=True,
    )
    spans = [s for s in map(_span, events) if s.end >= since]
    gaps = [
        g for g in rec.list_gaps(conn, camera=camera, since=since) if g.start_at <= until and actor.may_see(g.camera)
    ]
    return Recordings(camera, since, until, found, spans, gaps)


def window_pieces(conn: sa.Connection, *, camera: str, start: datetime, end: datetime, recordings: Path) -> list[Piece]:
    """The parts of a camera's recorded segments that cover ``[start, end]`` (as in ``clips.live_pieces``).

    Raises:
        CamsightError: No recording covers the window.
    """
    pieces = []
    for seg in rec.list_segments(conn, camera=camera, since=start, until=end):
        length = (seg.end_at - seg.start_at).total_seconds()
        a = max(0.0, (start - seg.start_at).total_seconds())
        b = min(length, (end - seg.start_at).total_seconds())
        if b > a and (recordings / seg.path).exists():
            pieces.append(Piece(recordings / seg.path, a, b))
    if not pieces:
        raise CamsightError(
            f"no recording of camera {camera} covers {start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S} UTC: recording "
            "was off, the camera was down, or retention deleted it"
        )
    return pieces


# -- the cache -----------------------------------------------------------------------------------------


def digest(**parts: object) -> str:
    """A short digest of everything that decides a cached copy's pictures."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_file(store: Store, kind: str, stem: str, key: str, *, suffix: str = ".mp4") -> Path:
    """``<media>/cache/<kind>/<stem>-<key><suffix>``; the folder is made owner-only, and swept of old copies."""
    folder = store.paths.media / "cache" / kind
    perms.make_dir(folder)
    _sweep(folder, suffix)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80]
    return folder / f"{safe}-{key}{suffix}"


def _sweep(folder: Path, suffix: str) -> None:
    """Delete the copies made more than :data:`CACHE_MAX_AGE` ago."""
    oldest = (datetime.now(UTC) - CACHE_MAX_AGE).timestamp()
    for path in folder.glob(f"*{suffix}"):
        with contextlib.suppress(FileNotFoundError):  # swept by another request meanwhile
            if path.stat().st_mtime < oldest:
                path.unlink()


def _fill(path: Path, write: Callable[[Path], tuple[int, float]], *, empty: str) -> bool:
    """Write ``path`` unless it is there; True when this call wrote it. Older copies of the same stem go."""
    if path.exists():
        return False
    try:
        write_new(path, write, force=False, empty=empty)
    except ClipOutputError:
        if not path.exists():  # anything else than another request writing it at the same time
            raise
        return False
    _prune(path)
    return True


def _prune(path: Path) -> None:
    """Remove the copies of the same item made for older digests (masks or the recording changed)."""
    stem = path.stem.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{stem}-*.mp4"):
        if old != path and old.stem.rsplit("-", 1)[0] == stem:
            old.unlink(missing_ok=True)


def private_frames(
    masks: Sequence[Mask], blurrer: HeadBlurrer
) -> Callable[[Iterable[tuple[Image, float]]], Iterator[tuple[Image, float]]]:
    """The transform for :func:`~camsight.sources.clips.reencode`: masks blacked out, then heads blurred."""

    def run(frames: Iterable[tuple[Image, float]]) -> Iterator[tuple[Image, float]]:
        return blurrer.run((apply_masks(image, masks), t) for image, t in frames)

    return run


def _blurrer(config: Config, detector: DetectorFactory | None) -> HeadBlurrer:
    return HeadBlurrer(detector() if detector else OnnxDetector(privacy_detector_config(config.detector)))


def _record(store: Store, actor: Actor, action: str, detail: dict[str, Any], site: str | None = None) -> None:
    with writing(store.engine) as conn:
        audit.record(conn, actor=actor, action=action, detail=detail, site=site)


# -- clips ---------------------------------------------------------------------------------------------


def event_clip(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    ref: str,
    blur: bool = True,
    request_range: str | None = None,
    detector: DetectorFactory | None = None,
) -> Path:
    """The event's clip (exported once by the clips use case, then reused), its view audited as ``view.clip``.

    Raises:
        Forbidden: A viewer asked, or a non-admin asked for heads not blurred.
        EventNotFound: No event the actor may see has that id.
        CamsightError: Nothing to cut the clip from.
    """
    pre_s, post_s = config.recording.pre_s, config.recording.post_s
    with store.engine.connect() as conn:
        event = find_event(conn, actor=actor, ref=ref)  # another camera's is "not found" whatever the role
        actor.require("operator", "watch clips")
        if not blur:
            actor.require("admin", "watch a clip with heads not blurred")
        masks = camera_masks(conn, config=config, camera=event.camera)
        applied = effective_config(conn, config)
    key = digest(end_s=event.end_s, status=event.status, pre=pre_s, post=post_s, masks=masks, source=event.source)
    path = cache_file(store, "clips", f"event-{event.id}-{'blurred' if blur else 'unblurred'}", key)
    if not path.exists():
        try:
            export(
                store,
                actor=actor,
                config=applied,
                ref=event.id,
                output=path,
                pre_s=pre_s,
                post_s=post_s,
                blur=blur,
                detector=detector,
            )
        except ClipOutputError:
            if not path.exists():
                raise
        _prune(path)
    _record(store, actor, "view.clip", {"event_id": event.id, "blurred": blur, "range": request_range}, event.site)
    return path


def find_track(conn: sa.Connection, actor: Actor, track_id: str) -> TrackRecord:
    """The track, when the actor may see its camera at its site (another's is "not found", whatever the role)."""
    track = repo.get_track(conn, track_id=track_id)
    if track is None or not actor.may_see(track.camera, track.site):
        raise TrackNotFound(f"no track {track_id!r} in the store")
    return track


def _track_pieces(conn: sa.Connection, track: TrackRecord, recordings: Path) -> list[Piece]:
    if "://" in track.source:
        return window_pieces(
            conn, camera=track.camera, start=track.started_at, end=track.ended_at, recordings=recordings
        )
    path = Path(track.source)
    if not path.is_file():
        raise CamsightError(f"the track's source file {path} no longer exists; a clip cannot be cut")
    return [Piece(path, track.start_s, track.end_s)]


def track_clip(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    track_id: str,
    request_range: str | None = None,
    detector: DetectorFactory | None = None,
) -> Path:
    """The clip of a track's span, masks applied and heads blurred (operators).

    Made once (audited ``clip.export``), then reused; every view is audited ``view.clip``.

    Raises:
        Forbidden: A viewer asked.
        TrackNotFound: No track the actor may see has that id.
        CamsightError: Nothing to cut the clip from.
    """
    with store.engine.connect() as conn:
        track = find_track(conn, actor, track_id)  # another camera's is "not found" whatever the role
        actor.require("operator", "watch clips")
        masks = camera_masks(conn, config=config, camera=track.camera)
    key = digest(start_s=track.start_s, end_s=track.end_s, source=track.source, masks=masks)
    path = cache_file(store, "clips", f"track-{track.id}", key)
    made: list[float] = []

    def write(part: Path) -> tuple[int, float]:
        with store.engine.connect() as conn:
            pieces = _track_pieces(conn, track, store.paths.recordings)
        frames, duration = reencode(pieces, part, private_frames(masks, _blurrer(config, detector)))
        made.append(duration)
        return frames, duration

    if _fill(path, write, empty=f"no frame of track {track.id} could be read"):
        detail = {"track_id": track.id, "output": str(path), "blurred": True, "duration_s": round(made[0], 2)}
        _record(store, actor, "clip.export", detail, track.site)
    _record(store, actor, "view.clip", {"track_id": track.id, "blurred": True, "range": request_range}, track.site)
    return path


# -- recorded segments ---------------------------------------------------------------------------------


def _segment(conn: sa.Connection, segment_id: int) -> SegmentRow | None:
    """The row of one segment (a ``get_segment`` in :mod:`camsight.store.recordings` would be its home)."""
    row = conn.execute(sa.select(segments).where(segments.c.id == segment_id)).mappings().one_or_none()
    return None if row is None else SegmentRow(**row)


def _segment_file(store: Store, seg: SegmentRow) -> Path:
    root = store.paths.recordings.resolve()
    path = (root / seg.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise SegmentNotFound(f"the file of segment {seg.id} is gone (retention deletes old recordings)")
    return path


def recording_video(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    segment_id: int,
    request_range: str | None = None,
    detector: DetectorFactory | None = None,
) -> Path:
    """A recorded segment, masks burned in and heads blurred (re-encoded once, then reused), audited ``view.recording``.

    A segment still being written is made again once it has grown (its size is part of the digest).

    Raises:
        Forbidden: A viewer asked.
        SegmentNotFound: No segment of a camera the actor may see has that id, or its file is gone.
    """
    actor.require("operator", "play recordings")
    with store.engine.connect() as conn:
        seg = _segment(conn, segment_id)
        if seg is None or not actor.may_see(seg.camera):
            raise SegmentNotFound(f"no recorded segment {segment_id}")
        masks = camera_masks(conn, config=config, camera=seg.camera)
    source = _segment_file(store, seg)
    stat = source.stat()
    key = digest(size=stat.st_size, mtime=stat.st_mtime_ns, complete=seg.complete, masks=masks)
    path = cache_file(store, "recordings", f"segment-{seg.id}", key)
    pieces = [Piece(source, 0.0, float("inf"))]

    def write(part: Path) -> tuple[int, float]:
        return reencode(pieces, part, private_frames(masks, _blurrer(config, detector)))

    _fill(path, write, empty=f"no frame of segment {seg.id} could be read")
    detail = {"segment_id": seg.id, "camera": seg.camera, "start_at": seg.start_at.isoformat(), "range": request_range}
    _record(store, actor, "view.recording", detail, store.site)  # recordings are kept where they were made
    return path
