from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from camsight.config import Config
from camsight.core.detections import PERSON, Detections
from camsight.errors import CamsightError
from camsight.events.models import ZoneIntrusionEvent
from camsight.perception.detect import OnnxDetector
from camsight.perception.head_blur import HeadBlurrer, privacy_detector_config
from camsight.perception.privacy import blur_heads, head_boxes, head_regions
from camsight.services.actor import os_actor
from camsight.services.clips import live_pieces
from camsight.services.events import EventNotFound, find_event
from camsight.sources.clips import CLIP_MODE, ClipOutputError, write_new
from camsight.store import connect, upgrade, upsert_event
from camsight.store import recordings as rec
from clip_helpers import export_clip

DATA = Path(__file__).resolve().parents[2] / "data"
FALL = DATA / "gmdcsa24_s1_fall_14.mp4"  # 640x480, 30 fps, 5.7 s, a keyframe about every second
TABLE = DATA / "intel_one-by-one-person-detection.mp4"  # 768x432, 10 fps; empty until someone walks in at 6 s
PREVIEW = DATA / "intel_people-detection_preview.mp4"  # 480x270, 12 fps, 1.9 s
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector(Config().detector)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = connect(str(tmp_path / "cs.db"))
    upgrade(engine, site="test")
    return engine


def _event(
    source: str,
    start_s: float,
    end_s: float,
    *,
    eid: str = "abc123def456",
    status: str = "closed",
    camera: str = "cam1",
) -> ZoneIntrusionEvent:
    return ZoneIntrusionEvent(
        site="test",
        id=eid,
        rule="r",
        camera=camera,
        source=source,
        start_s=start_s,
        end_s=end_s,
        started_at=T0,
        score=0.9,
        status=status,
        object_class="person",
    )  # type: ignore[arg-type]


def _store(engine: sa.Engine, *events: ZoneIntrusionEvent) -> None:
    with engine.begin() as conn:
        for event in events:
            upsert_event(conn, event=event, source_id="s", run_id="r")


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_find_event_by_id_or_unique_prefix(engine: sa.Engine) -> None:
    _store(engine, _event(str(FALL), 1, 2, eid="aaa111"), _event(str(FALL), 1, 2, eid="aaa222"))
    with engine.connect() as conn:
        assert find_event(conn, actor=os_actor(), ref="aaa111").id == "aaa111"
        assert find_event(conn, actor=os_actor(), ref="aaa2").id == "aaa222"
        with pytest.raises(EventNotFound, match="several"):
            find_event(conn, actor=os_actor(), ref="aaa")
        with pytest.raises(EventNotFound, match="no event"):
            find_event(conn, actor=os_actor(), ref="zzz")
        with pytest.raises(EventNotFound, match="no event"):
            find_event(conn, actor=os_actor(), ref="%")


def test_copied_clip_of_a_file_event_starts_at_the_keyframe_before(engine: sa.Engine, tmp_path: Path) -> None:
    _store(engine, _event(str(FALL), 2.5, 3.5))
    out = tmp_path / "clip.mp4"
    result = export_clip(
        engine, config=Config(), event_id="abc123", output=out, recordings=tmp_path, pre_s=0.5, post_s=0.5, blur=False
    )
    frames = _frames(out)
    # window 2.0-4.0 s; the keyframe before 2.0 s is at 1.07 s: about 2.9 s at 30 fps
    assert len(frames) == result.frames == pytest.approx(88, abs=2)
    assert result.duration_s == pytest.approx(2.97, abs=0.1)
    assert not result.blurred
    source = _frames(FALL)
    first = next(
        i
        for i, f in enumerate(source)
        if np.array_equal(f, frames[0]) or np.abs(f.astype(int) - frames[0]).mean() < 0.5
    )
    assert first == pytest.approx(31, abs=1)  # the same pictures, not re-encoded


def test_blurred_clip_hides_heads_and_keeps_the_rest(engine: sa.Engine, tmp_path: Path, detector: OnnxDetector) -> None:
    _store(engine, _event(str(FALL), 1.0, 2.0))
    out = tmp_path / "clip.mp4"
    result = export_clip(
        engine,
        config=Config(),
        event_id="abc123def456",
        output=out,
        recordings=tmp_path,
        pre_s=0,
        post_s=0,
        blur=True,
        detector=lambda: detector,
    )
    clip = _frames(out)
    source = _frames(FALL)[30:61]  # 1.0 s to 2.0 s at 30 fps
    assert result.blurred
    assert len(clip) == result.frames == pytest.approx(31, abs=1)
    frame, original = clip[15], source[15]
    dets = detector.detect_image(original)
    (x1, y1, x2, y2) = head_boxes(dets[dets.class_id == PERSON])[0]
    sharp = cv2.Laplacian(cv2.cvtColor(original[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    blurred = cv2.Laplacian(cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    assert blurred < sharp / 4
    mask = np.ones(original.shape[:2], bool)
    mask[max(0, y1 - 60) : y2 + 60, max(0, x1 - 60) : x2 + 60] = False
    assert np.abs(frame.astype(int) - original.astype(int))[mask].mean() < 4  # elsewhere: re-encoding noise only


def _table_frames(first: int, last: int) -> list[tuple[np.ndarray, float]]:
    """Frames ``first`` to ``last`` of the table clip, with their times."""
    out = []
    with av.open(str(TABLE)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i > last:
                break
            if i >= first:
                out.append((frame.to_ndarray(format="bgr24"), i / 10))
    return out


def test_blurrer_detects_five_times_a_second_while_nobody_appears(detector: OnnxDetector) -> None:
    frames = _table_frames(10, 49)  # 4 s of the empty table
    blurrer = HeadBlurrer(detector)
    out = list(blurrer.run(frames))
    assert [t for _, t in out] == [t for _, t in frames]  # every frame, in order
    assert blurrer.detections == 21  # 1.0 s, 1.2 s, ... 4.8 s, and the last frame


def test_blurrer_detects_every_frame_around_someone_walking_in() -> None:
    blurrer = HeadBlurrer(OnnxDetector(privacy_detector_config(Config().detector)))
    frames = _table_frames(40, 80)  # the first visitor's head shows at the bottom edge from 6.0 s
    out = list(blurrer.run(frames))
    assert [t for _, t in out] == [t for _, t in frames]
    detected = {round(t * 10) for t in blurrer.detected_at}
    assert set(range(58, 66)) <= detected  # the frames held back, and the 0.6 s after the appearance
    assert len(blurrer.detected_at) == len(detected)  # none twice
    assert {41, 43, 45, 47} & detected == set()  # sparse while the table was empty


def test_live_event_is_cut_from_the_segments_that_cover_it(engine: sa.Engine, tmp_path: Path) -> None:
    event = _event("rtsp://cam/1", 100.0, 110.0).model_copy(update={"started_at": T0 + timedelta(seconds=40)})
    _store(engine, event)
    with engine.begin() as conn:
        for k in range(4):  # 30 s segments from T0
            start = T0 + timedelta(seconds=30 * k)
            path = f"cam1/{k}.mp4"
            (tmp_path / "cam1").mkdir(exist_ok=True)
            (tmp_path / path).write_bytes(b"")
            sid = rec.add_segment(conn, camera="cam1", path=path, start_at=start)
            rec.complete_segment(conn, segment_id=sid, end_at=start + timedelta(seconds=30), size_bytes=0, frames=0)
        pieces = live_pieces(conn, event, recordings=tmp_path, pre_s=3, post_s=3)
    # window 37 s .. 53 s after T0: the end of segment 1 and the start of segment 2
    assert [(p.path.name, p.start_s, p.end_s) for p in pieces] == [("1.mp4", 7.0, 23.0)]
    late = event.model_copy(update={"started_at": T0 + timedelta(seconds=55)})
    with engine.connect() as conn:
        pieces = live_pieces(conn, late, recordings=tmp_path, pre_s=3, post_s=3)
        assert [(p.path.name, p.start_s, p.end_s) for p in pieces] == [("1.mp4", 22.0, 30.0), ("2.mp4", 0.0, 8.0)]
        with pytest.raises(CamsightError, match="no recording covers"):
            live_pieces(conn, late.model_copy(update={"camera": "cam9"}), recordings=tmp_path, pre_s=3, post_s=3)


def test_missing_source_file_is_a_clear_error(engine: sa.Engine, tmp_path: Path) -> None:
    _store(engine, _event(str(tmp_path / "gone.mp4"), 1, 2))
    with pytest.raises(CamsightError, match="no longer exists"):
        export_clip(
            engine,
            config=Config(),
            event_id="abc123def456",
            output=tmp_path / "o.mp4",
            recordings=tmp_path,
            pre_s=1,
            post_s=1,
            blur=False,
        )


@pytest.mark.parametrize(
    ("box", "region"),
    [
        ((300, 100, 340, 220), (290, 94, 350, 132)),  # upright, inside: the top 22%, grown by a quarter
        ((300, 100, 420, 180), (270, 80, 450, 200)),  # not upright: the whole box, grown
        ((5, 100, 45, 220), (0, 94, 55, 132)),  # near the left border: out to it
        ((300, 330, 360, 429), (285, 321, 375, 375)),  # upright, cut below: a taller share is the head
        ((300, 380, 400, 429), (275, 368, 425, 432)),  # cut below, not upright: the whole box, to the border
        ((300, 0, 340, 90), (290, 0, 350, 25)),  # entering from the top: from the border down
    ],
)
def test_head_regions_of_boxes_cut_by_the_border(box: tuple[int, ...], region: tuple[int, ...]) -> None:
    dets = Detections.from_arrays(xyxy=[box, (0, 0, 50, 50)], confidence=[0.2, 0.9], class_id=[PERSON, 2])
    assert head_regions(dets, (432, 768)).tolist() == [list(region)]


def test_people_cut_by_the_border_are_stretched_to_it_on_request() -> None:
    dets = Detections.from_arrays(xyxy=[(300, 330, 360, 429)], confidence=[0.5], class_id=[PERSON])
    assert head_regions(dets, (432, 768), to_border=True).tolist() == [[285, 321, 375, 432]]


def test_blur_heads_covers_a_head_at_the_border_that_the_box_misses() -> None:
    """A real frame: the back of a head comes in at the bottom edge; the detector's box stops 3 px short."""
    image = _table_frames(62, 62)[0][0]
    detector = OnnxDetector(privacy_detector_config(Config().detector))
    dets = detector.detect_image(image)
    assert len(dets) == 1  # scored 0.26: below the analysis threshold
    assert dets.xyxy[0, 3] < 431
    out = blur_heads(image, dets)
    rows = slice(415, 432)  # the head's bottom rows, down to the border
    cols = slice(240, 330)
    sharp = cv2.Laplacian(cv2.cvtColor(image[rows, cols], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    blurred = cv2.Laplacian(cv2.cvtColor(out[rows, cols], cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    assert blurred < sharp / 4


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export(engine: sa.Engine, tmp_path: Path, output: Path, **kwargs: object) -> Path:
    result = export_clip(
        engine,
        config=Config(),
        event_id="abc123def456",
        output=output,
        recordings=tmp_path,
        pre_s=0.2,
        post_s=0.2,
        **kwargs,  # type: ignore[arg-type]
    )
    return result.path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of a real clip in its own folder, the source of event abc123def456."""
    folder = tmp_path / "videos"
    folder.mkdir()
    path = folder / "preview.mp4"
    path.write_bytes(PREVIEW.read_bytes())
    return path


def _alias(source: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Another name for the source file."""
    if how == "same path":
        return source
    if how == "relative":
        monkeypatch.chdir(source.parent.parent)
        return Path("videos") / ".." / "videos" / source.name
    alias = source.parent / f"{how.replace(' ', '-')}.mp4"
    if how == "symlink":
        alias.symlink_to(source.name)
    else:
        os.link(source, alias)
    return alias


@pytest.mark.parametrize("how", ["same path", "relative", "symlink", "hard link"])
@pytest.mark.parametrize(("blur", "force"), [(True, False), (False, True), (True, True)])
def test_export_never_writes_over_its_source(
    engine: sa.Engine, tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch, how: str, blur: bool, force: bool
) -> None:
    _store(engine, _event(str(source), 0.5, 1.0))
    before = _digest(source)
    output = _alias(source, how, monkeypatch)
    listing = sorted(source.parent.iterdir())
    with pytest.raises(ClipOutputError, match="is the video the clip is cut from; choose another --output"):
        _export(engine, tmp_path, output, blur=blur, force=force, detector=lambda: pytest.fail("nothing to detect"))
    assert _digest(source) == before
    assert sorted(source.parent.iterdir()) == listing  # no temporary file left either


def test_export_never_writes_over_a_recording_it_reads(engine: sa.Engine, tmp_path: Path) -> None:
    event = _event("rtsp://cam/1", 100.0, 101.0).model_copy(update={"started_at": T0 + timedelta(seconds=1)})
    _store(engine, event)
    (tmp_path / "cam1").mkdir()
    segment = tmp_path / "cam1" / "0.mp4"
    segment.write_bytes(FALL.read_bytes())
    with engine.begin() as conn:
        sid = rec.add_segment(conn, camera="cam1", path="cam1/0.mp4", start_at=T0)
        rec.complete_segment(conn, segment_id=sid, end_at=T0 + timedelta(seconds=5), size_bytes=1, frames=1)
    with pytest.raises(ClipOutputError, match="cut from"):
        _export(engine, tmp_path, tmp_path / "cam1" / ".." / "cam1" / "0.mp4", blur=False, force=True)
    assert _digest(segment) == _digest(FALL)


def test_an_existing_file_is_replaced_only_with_force(engine: sa.Engine, tmp_path: Path, source: Path) -> None:
    _store(engine, _event(str(source), 0.5, 1.0))
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    out.write_text("keep me")
    with pytest.raises(ClipOutputError, match=r"clip.mp4 already exists; .*add --force to replace it"):
        _export(engine, tmp_path, out, blur=False)
    assert out.read_text() == "keep me"
    assert sorted(p.name for p in out.parent.iterdir()) == ["clip.mp4"]
    assert _export(engine, tmp_path, out, blur=False, force=True) == out
    assert len(_frames(out)) > 10


def test_a_failed_export_leaves_nothing_behind(engine: sa.Engine, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0" * 4096)  # a file, but no video
    _store(engine, _event(str(broken), 0.5, 1.0))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CamsightError, match="cannot write clip"):
        _export(engine, tmp_path, out / "new" / "deeper" / "clip.mp4", blur=False)
    assert list(out.iterdir()) == []  # the folders made for it are gone too
    kept = out / "kept.mp4"
    kept.write_text("previous clip")
    for blur in (False, True):
        with pytest.raises(CamsightError, match="cannot write clip"):
            _export(engine, tmp_path, kept, blur=blur, force=True)
    assert kept.read_text() == "previous clip"
    assert list(out.iterdir()) == [kept]


def test_a_folder_gets_the_event_id_as_name(engine: sa.Engine, tmp_path: Path, source: Path) -> None:
    _store(engine, _event(str(source), 0.5, 1.0))
    out = tmp_path / "exports"
    out.mkdir()
    assert _export(engine, tmp_path, out, blur=False) == out / "abc123def4.mp4"
    assert len(_frames(out / "abc123def4.mp4")) > 10
    with pytest.raises(ClipOutputError, match="already exists"):
        _export(engine, tmp_path, out, blur=False)


@pytest.mark.parametrize("name", ["clip.avi", "clip", "clip.mp4.txt"])
def test_a_name_without_mp4_is_refused(engine: sa.Engine, tmp_path: Path, source: Path, name: str) -> None:
    _store(engine, _event(str(source), 0.5, 1.0))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ClipOutputError, match=r"give a file name ending in \.mp4, or an existing folder"):
        _export(engine, tmp_path, out / name, blur=False)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("blur", [False, True])
def test_clips_are_readable_by_their_owner_only(
    engine: sa.Engine, tmp_path: Path, source: Path, detector: OnnxDetector, blur: bool
) -> None:
    _store(engine, _event(str(source), 0.5, 1.0))
    previous = os.umask(0o022)
    try:
        out = _export(engine, tmp_path, tmp_path / "clip.mp4", blur=blur, detector=lambda: detector)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == CLIP_MODE == 0o600


def test_the_temporary_file_is_owner_only_from_the_start(tmp_path: Path) -> None:
    seen: list[tuple[Path, int, int]] = []

    def write(part: Path) -> tuple[int, float]:
        seen.append((part, stat.S_IMODE(part.stat().st_mode), part.stat().st_size))
        part.write_bytes(b"frames")
        return 1, 1.0

    previous = os.umask(0)
    try:
        write_new(tmp_path / "out.mp4", write, force=False, empty="none")
    finally:
        os.umask(previous)
    ((part, mode, size),) = seen
    assert (part.parent, mode, size) == (tmp_path, 0o600, 0)  # beside the output, private, before any byte
    assert part.name.startswith(".out.")
    assert not part.exists()
    assert (tmp_path / "out.mp4").read_bytes() == b"frames"
    assert stat.S_IMODE((tmp_path / "out.mp4").stat().st_mode) == 0o600


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"

    def write(part: Path) -> tuple[int, float]:
        out.write_text("someone else's")
        part.write_bytes(b"frames")
        return 1, 1.0

    with pytest.raises(ClipOutputError, match="appeared while the clip was written"):
        write_new(out, write, force=False, empty="none")
    assert out.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
