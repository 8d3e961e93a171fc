from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import SOURCE, SOURCE_ID, T0, make_event, make_track

from camsight.errors import StoreError
from camsight.search.index_writer import store_tracks
from camsight.store import (
    SourceBusy,
    count_events,
    count_tracks,
    finish_source,
    get_event,
    get_source,
    lease_source,
    list_cameras,
    list_sources,
    list_tracks,
    resolve_source_id,
    source_id,
    start_source,
    upsert_camera,
    upsert_event,
    upsert_tracks,
)
from camsight.store.alerts_repo import get_feedback, set_feedback
from camsight.store.schema import sources, track_features


def _start(conn: sa.Connection, run_id: str, *, source_id: str = SOURCE_ID, minutes: int = 0) -> None:
    start_source(
        conn,
        source_id=source_id,
        site="test",
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
        upsert_camera(conn, camera_id="cam1", source="rtsp://old", site="test")
        upsert_camera(conn, camera_id="cam1", source="rtsp://new", site="test")
        upsert_camera(conn, camera_id="cam0", source=None, site="test")
    with engine.connect() as conn:
        assert [s.id for s in list_sources(conn)] == ["s0", "s2", "s1"]
        assert list_sources(conn, camera="nobody") == []
        assert get_source(conn, source_id="missing") is None
        assert list_cameras(conn) == {"cam0": None, "cam1": "rtsp://new"}


def _lease(conn: sa.Connection, run_id: str) -> None:
    upsert_camera(conn, camera_id="cam1", source=None, site="test")
    lease_source(
        conn,
        source_id=SOURCE_ID,
        site="test",
        camera="cam1",
        uri=SOURCE,
        kind="file",
        run_id=run_id,
        started_at=T0,
        wall_clock="file_mtime",
    )


def test_a_source_being_analysed_by_a_live_process_is_refused(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _lease(conn, "run-1")  # this process holds it: alive
    with engine.begin() as conn, pytest.raises(SourceBusy, match=f"process {os.getpid()}"):
        _lease(conn, "run-2")
    with engine.begin() as conn:
        _finish(conn, "run-1")
        _lease(conn, "run-2")  # free again once the first run has finished
        assert get_source(conn, source_id=SOURCE_ID).run_id == "run-2"  # type: ignore[union-attr]


def test_a_lease_whose_process_is_gone_is_taken_over(engine: sa.Engine) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    with engine.begin() as conn:
        _lease(conn, "run-1")
        conn.execute(sa.update(sources).values(owner_pid=int(dead.stdout)))  # its process has exited
        _lease(conn, "run-2")
        assert get_source(conn, source_id=SOURCE_ID).run_id == "run-2"  # type: ignore[union-attr]


def test_reanalysis_keeps_the_verdicts_on_its_alerts(engine: sa.Engine) -> None:
    old = make_event(n=1)
    new = make_event(n=1, id="a-new-id-for-the-same-alert", start_s=60.4)
    with engine.begin() as conn:
        _start(conn, "run-1")
        upsert_event(conn, event=old, source_id=SOURCE_ID, run_id="run-1")
        _finish(conn, "run-1")
        set_feedback(conn, event_id=old.id, verdict="false", note="a shadow", now=T0)
        _start(conn, "run-2")
        upsert_event(conn, event=new, source_id=SOURCE_ID, run_id="run-2")
        purged = _finish(conn, "run-2")
    with engine.connect() as conn:
        assert purged.verdicts_kept == 1
        assert get_event(conn, event_id=old.id) is None
        assert get_feedback(conn, event_id=new.id) == ("false", "a shadow")


def test_reanalysis_drops_the_search_rows_of_the_tracks_it_replaces(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _start(conn, "run-1")
        records = [make_track(1), make_track(2), make_track(3)]
        upsert_tracks(conn, records=records, run_id="run-1")
        store_tracks(conn, records)
        _finish(conn, "run-1")
        _start(conn, "run-2")
        again = [make_track(1), make_track(2)]  # same number of ids reused, one track fewer
        upsert_tracks(conn, records=again, run_id="run-2")
        store_tracks(conn, again)
        _finish(conn, "run-2")
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(track_features.c.id, track_features.c.run_id)).all())
    assert rows == {f"{SOURCE_ID}:1": "run-2", f"{SOURCE_ID}:2": "run-2"}


def test_a_file_keeps_the_id_it_was_first_given(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        assert resolve_source_id(conn, uri=SOURCE, site="test") == source_id(SOURCE, site="test")
        _start(conn, "run-1", source_id="legacy-id")
        assert resolve_source_id(conn, uri=SOURCE, site="test") == "legacy-id"
        assert resolve_source_id(conn, uri=SOURCE, site="elsewhere") == source_id(SOURCE, site="elsewhere")
