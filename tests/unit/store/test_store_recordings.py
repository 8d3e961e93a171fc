from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import SOURCE_ID, T0, make_event

from camsight.store import get_event, list_sources, start_source, upsert_event
from camsight.store import recordings as rec


def _segment(conn: sa.Connection, camera: str, start_min: float, length_s: float = 30.0, size: int = 1000) -> int:
    start = T0 + timedelta(minutes=start_min)
    sid = rec.add_segment(
        conn, camera=camera, path=f"{camera}/{start_min}.mp4", start_at=start, codec="h264", width=640, height=480
    )
    rec.complete_segment(conn, segment_id=sid, end_at=start + timedelta(seconds=length_s), size_bytes=size, frames=300)
    return sid


def test_segment_is_indexed_open_then_completed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        sid = rec.add_segment(conn, camera="cam1", path="cam1/a.mp4", start_at=T0, codec="h264", width=4, height=2)
        opened = rec.incomplete_segments(conn, camera="cam1")
        rec.complete_segment(conn, segment_id=sid, end_at=T0 + timedelta(seconds=30), size_bytes=123, frames=750)
        done = rec.list_segments(conn, camera="cam1")
    assert [s.id for s in opened] == [sid]
    assert opened[0].end_at == T0
    assert not opened[0].complete
    assert len(done) == 1
    assert done[0].complete
    assert (done[0].end_at - done[0].start_at).total_seconds() == 30
    assert (done[0].size_bytes, done[0].frames, done[0].width, done[0].height) == (123, 750, 4, 2)
    with engine.connect() as conn:
        assert rec.incomplete_segments(conn, camera="cam1") == []


@pytest.mark.parametrize(
    ("since_min", "until_min", "expected"),
    [
        (None, None, [0, 1, 2]),
        (0.75, None, [1, 2]),  # segment 0 ends at 0.5 min
        (0.25, 1.2, [0, 1]),
        (1.6, 1.9, []),  # between segments 1 (ends 1.5) and 2 (starts 2)
        (None, 0.0, [0]),  # a segment starting exactly at `until` overlaps
    ],
)
def test_list_segments_returns_overlapping_oldest_first(
    engine: sa.Engine, since_min: float | None, until_min: float | None, expected: list[int]
) -> None:
    with engine.begin() as conn:
        ids = [_segment(conn, "cam1", m) for m in (2, 0, 1)]
        _segment(conn, "cam2", 0)
        by_start = {0: ids[1], 1: ids[2], 2: ids[0]}
        since = None if since_min is None else T0 + timedelta(minutes=since_min)
        until = None if until_min is None else T0 + timedelta(minutes=until_min)
        got = rec.list_segments(conn, camera="cam1", since=since, until=until)
    assert [s.id for s in got] == [by_start[i] for i in expected]


def test_delete_and_total_bytes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        a = _segment(conn, "cam1", 0, size=100)
        _segment(conn, "cam1", 1, size=250)
        assert rec.segments_bytes(conn) == 350
        assert rec.delete_segments(conn, ids=[a]) == 1
        assert rec.delete_segments(conn, ids=[]) == 0
        assert rec.segments_bytes(conn) == 250


def test_open_event_starts_is_the_earliest_open_event_per_camera(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        upsert_event(conn, event=make_event(n=3), source_id=SOURCE_ID, run_id="r")
        upsert_event(conn, event=make_event(n=1), source_id=SOURCE_ID, run_id="r")
        upsert_event(conn, event=make_event(n=0, status="closed"), source_id=SOURCE_ID, run_id="r")
        upsert_event(conn, event=make_event(n=5, camera="cam2"), source_id=SOURCE_ID, run_id="r")
        starts = rec.open_event_starts(conn)
    assert starts == {"cam1": T0 + timedelta(minutes=1), "cam2": T0 + timedelta(minutes=5)}


def test_close_stale_events_spares_the_current_run(engine: sa.Engine) -> None:
    old, current, other_cam = make_event(n=1), make_event(n=2), make_event(n=3, camera="cam2")
    with engine.begin() as conn:
        upsert_event(conn, event=old, source_id="old-run", run_id="r1")
        upsert_event(conn, event=current, source_id="this-run", run_id="r2")
        upsert_event(conn, event=other_cam, source_id="old-run", run_id="r1")
        closed = rec.close_stale_events(conn, camera="cam1", keep_source_id="this-run")
    with engine.connect() as conn:
        statuses = {e.id: got.status for e in (old, current, other_cam) if (got := get_event(conn, event_id=e.id))}
    assert closed == 1
    assert statuses == {old.id: "closed", current.id: "open", other_cam.id: "open"}


def test_gaps_round_trip(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        rec.add_gap(conn, camera="cam1", start_at=T0, end_at=T0 + timedelta(seconds=4), reason="refused", run_id="r")
        rec.add_gap(conn, camera="cam2", start_at=T0, end_at=T0 + timedelta(seconds=1), reason="x", run_id="r")
        gaps = rec.list_gaps(conn, camera="cam1")
        later = rec.list_gaps(conn, since=T0 + timedelta(seconds=2))
    assert [(g.camera, g.reason, (g.end_at - g.start_at).total_seconds()) for g in gaps] == [("cam1", "refused", 4)]
    assert [g.camera for g in later] == ["cam1"]


def test_finish_stream_updates_without_purging(engine: sa.Engine) -> None:
    event = make_event(n=1)
    with engine.begin() as conn:
        start_source(
            conn,
            source_id="s1",
            site="test",
            camera="cam1",
            uri="rtsp://cam/1",
            kind="stream",
            run_id="r1",
            started_at=T0,
        )
        upsert_event(conn, event=event, source_id="s1", run_id="older-run")
        rec.finish_stream(
            conn,
            source_id="s1",
            status="complete",
            error=None,
            frames_decoded=10,
            frames_analysed=4,
            frames_skipped=2,
            duration_s=3.5,
            finished_at=T0 + timedelta(seconds=4),
        )
    with engine.connect() as conn:
        (row,) = list_sources(conn)
        assert get_event(conn, event_id=event.id) is not None
    assert (row.status, row.frames_decoded, row.frames_analysed, row.duration_s) == ("complete", 10, 4, 3.5)
