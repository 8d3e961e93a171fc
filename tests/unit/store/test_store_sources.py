from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import SOURCE, SOURCE_ID, T0, make_event, make_track

from camsight.errors import StoreError
from camsight.store import (
    count_events,
    count_tracks,
    finish_source,
    get_event,
    get_source,
    list_cameras,
    list_sources,
    list_tracks,
    start_source,
    upsert_camera,
    upsert_event,
    upsert_tracks,
)


def _start(conn: sa.Connection, run_id: str, *, source_id: str = SOURCE_ID, minutes: int = 0) -> None:
    start_source(
        conn,
        source_id=source_id,
        camera="cam1",
        uri=SOURCE,
        kind="file",
        run_id=run_id,
        started_at=T0 + timedelta(minutes=minutes),
    )


def _finish(conn: sa.Connection, run_id: str, status: str = "complete", *, source_id: str = SOURCE_ID):  # type: ignore[no-untyped-def]
    return finish_source(
        conn,
        source_id=source_id,
        run_id=run_id,
        status=status,
        error=None if status == "complete" else "boom",  # type: ignore[arg-type]
        frames_decoded=300,
        frames_analysed=150,
        frames_skipped=150,
        duration_s=10.0,
        finished_at=T0 + timedelta(minutes=1),
    )


def test_start_then_finish_records_the_run(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _start(conn, "run-1")
        running = get_source(conn, source_id=SOURCE_ID)
        _finish(conn, "run-1")
    with engine.connect() as conn:
        done = get_source(conn, source_id=SOURCE_ID)
    assert running is not None
    assert done is not None
    assert (running.status, running.finished_at, running.frames_decoded) == ("running", None, 0)
    assert (done.status, done.run_id, done.kind, done.uri, done.camera) == ("complete", "run-1", "file", SOURCE, "cam1")
    assert (done.frames_decoded, done.frames_analysed, done.frames_skipped, done.duration_s) == (300, 150, 150, 10.0)
    assert done.started_at == T0
    assert done.finished_at == T0 + timedelta(minutes=1)
    assert done.finished_at.utcoffset() == timedelta(0)


def test_second_analysis_replaces_the_first_without_duplicates(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _start(conn, "run-1")
        upsert_tracks(conn, records=[make_track(1), make_track(2), make_track(3)], run_id="run-1")
        for n in (0, 1):
            upsert_event(conn, event=make_event(n=n), source_id=SOURCE_ID, run_id="run-1")
        _finish(conn, "run-1")
        # An unrelated source's rows from another run must survive.
        upsert_tracks(conn, records=[make_track(9, source_id="other")], run_id="run-0")
    with engine.begin() as conn:
        _start(conn, "run-2", minutes=5)
        upsert_tracks(conn, records=[make_track(1), make_track(2)], run_id="run-2")  # same ids: updated in place
        upsert_event(conn, event=make_event(n=1), source_id=SOURCE_ID, run_id="run-2")
        purged = _finish(conn, "run-2")
    with engine.connect() as conn:
        track_ids = sorted(r.tracker_id for r in list_tracks(conn))
        assert (purged.tracks, purged.events) == (1, 1)
        assert track_ids == [1, 2, 9]
        assert count_tracks(conn, source_id=SOURCE_ID) == 2
        assert count_events(conn) == 1
        assert get_event(conn, event_id=make_event(n=1).id) is not None
        assert get_source(conn, source_id=SOURCE_ID).run_id == "run-2"  # type: ignore[union-attr]


@pytest.mark.parametrize(("status", "kept_tracks"), [("partial", 1), ("failed", 2)])
def test_failed_run_keeps_the_earlier_result(engine: sa.Engine, status: str, kept_tracks: int) -> None:
    with engine.begin() as conn:
        _start(conn, "run-1")
        upsert_tracks(conn, records=[make_track(1)], run_id="run-1")
        _finish(conn, "run-1")
        _start(conn, "run-2")
        upsert_tracks(conn, records=[make_track(2)], run_id="run-2")
        _finish(conn, "run-2", status)
    with engine.connect() as conn:
        assert count_tracks(conn) == kept_tracks
        source = get_source(conn, source_id=SOURCE_ID)
    assert source is not None
    assert (source.status, source.error) == (status, "boom")


def test_finish_without_start_is_a_store_error(engine: sa.Engine) -> None:
    with engine.begin() as conn, pytest.raises(StoreError, match="never started"):
        _finish(conn, "run-1")


def test_list_sources_newest_first_and_cameras(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for i in range(3):
            _start(conn, f"run-{i}", source_id=f"s{i}", minutes=i)
        _start(conn, "run-9", source_id="s0", minutes=9)  # restarted: upsert, not a new row
        upsert_camera(conn, camera_id="cam1", source="rtsp://old")
        upsert_camera(conn, camera_id="cam1", source="rtsp://new")
        upsert_camera(conn, camera_id="cam0", source=None)
    with engine.connect() as conn:
        assert [s.id for s in list_sources(conn)] == ["s0", "s2", "s1"]
        assert list_sources(conn, camera="nobody") == []
        assert get_source(conn, source_id="missing") is None
        assert list_cameras(conn) == {"cam0": None, "cam1": "rtsp://new"}
