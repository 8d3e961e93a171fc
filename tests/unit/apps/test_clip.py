from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from camsight.apps.clip import HeadBlurrer, export_clip, find_event, live_pieces
from camsight.config import Config
from camsight.core.detections import PERSON
from camsight.errors import CamsightError
from camsight.events.models import ZoneIntrusionEvent
from camsight.perception.detect import OnnxDetector
from camsight.perception.privacy import head_boxes
from camsight.store import connect, create_schema, upsert_event
from camsight.store import recordings as rec

DATA = Path(__file__).resolve().parents[2] / "data"
FALL = DATA / "gmdcsa24_s1_fall_14.mp4"  # 640x480, 30 fps, 5.7 s, a keyframe about every second
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return OnnxDetector(Config().detector)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = connect(str(tmp_path / "cs.db"))
    create_schema(engine)
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
        assert find_event(conn, "aaa111").id == "aaa111"
        assert find_event(conn, "aaa2").id == "aaa222"
        with pytest.raises(CamsightError, match="several"):
            find_event(conn, "aaa")
        with pytest.raises(CamsightError, match="no event"):
            find_event(conn, "zzz")
        with pytest.raises(CamsightError, match="no event"):
            find_event(conn, "%")


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


def test_blurrer_detects_about_five_times_a_second(detector: OnnxDetector) -> None:
    frames = [(img, i / 30) for i, img in enumerate(_frames(FALL)[:60])]
    blurrer = HeadBlurrer(detector)
    out = list(blurrer.run(frames))
    assert [t for _, t in out] == [t for _, t in frames]  # every frame, in order
    assert blurrer.detections == pytest.approx(11, abs=1)  # 2 s at one detection per 0.2 s, plus the tail


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
