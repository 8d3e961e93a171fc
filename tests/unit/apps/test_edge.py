from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import camsight
from camsight.apps.edge import Supervisor, _exit_reason, live_cameras
from camsight.config import Config
from camsight.errors import ConfigError
from camsight.events.models import LoiteringEvent
from camsight.store import connect, list_events, list_sources, start_source, upgrade, upsert_event
from camsight.store import recordings as rec
from camsight.store.locks import StoreLock, StoreLockedError, lock_path, read_holder
from camsight.store.paths import StorePaths


def _config(*sources: str | None) -> Config:
    return Config.model_validate({"cameras": [{"id": f"c{i}", "source": s} for i, s in enumerate(sources)]})


def test_live_cameras_are_those_with_stream_urls() -> None:
    assert live_cameras(_config("rtsp://a/1", None, "rtsps://b/2")) == ["c0", "c2"]


@pytest.mark.parametrize(
    ("sources", "message"),
    [((None,), "no camera has a stream"), (("rtsp://a/1", "/videos/x.mp4"), "camsight analyze")],
)
def test_live_cameras_refuse_what_cannot_run(sources: tuple[str | None, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        live_cameras(_config(*sources))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (-signal.SIGSEGV, "crashed (SIGSEGV)"),
        (-signal.SIGKILL, "crashed (SIGKILL)"),
        (1, "exited with code 1"),
        (None, "gone"),
    ],
)
def test_exit_reasons(code: int | None, reason: str) -> None:
    assert reason in _exit_reason(code)


# --- one live runner per store --------------------------------------------------------------------


def test_a_second_lock_on_a_store_is_refused_naming_the_holder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cs.db"
    first = StoreLock(str(db), command="camsight run --db cs.db")
    first.acquire()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreLockedError) as refused:
        StoreLock("cs.db").acquire()  # the same file, spelt differently
    message = str(refused.value)
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert "\n" not in message
    assert refused.value.holder == read_holder(lock_path(str(db)))
    assert refused.value.holder is not None
    assert refused.value.holder.command == "camsight run --db cs.db"
    first.release()
    assert read_holder(lock_path(str(db))) is None  # a free lock names nobody
    with StoreLock(str(db), command="second") as second:
        assert second.held
        holder = read_holder(lock_path(str(db)))
        assert holder is not None
        assert (holder.pid, holder.command) == (os.getpid(), "second")
    assert not db.exists()  # the lock touches nothing but its own file


HOLD = """
import sys, time
from camsight.store.locks import StoreLock
StoreLock(sys.argv[1], command="holder").acquire()
print("HELD", flush=True)
time.sleep(120)
"""


def test_a_holder_killed_with_sigkill_leaves_a_stale_file_that_does_not_block(tmp_path: Path) -> None:
    db = str(tmp_path / "cs.db")
    env = {**os.environ, "PYTHONPATH": str(Path(camsight.__file__).parents[1])}
    holder = subprocess.Popen([sys.executable, "-c", HOLD, db], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "HELD"
        with pytest.raises(StoreLockedError, match=f"pid {holder.pid} "):
            StoreLock(db).acquire()
    finally:
        holder.kill()
        holder.wait(10)
    stale = read_holder(lock_path(db))
    assert stale is not None
    assert stale.pid == holder.pid  # the file still names the dead holder ...
    with StoreLock(db, command="next"):  # ... and does not block
        pass


def test_a_store_in_memory_needs_no_lock() -> None:
    with StoreLock(":memory:"), StoreLock(":memory:"):
        pass


def test_a_postgresql_store_is_locked_with_an_advisory_lock(postgres_url: str) -> None:
    refused = pytest.raises(StoreLockedError, match=f"pid {os.getpid()} on {socket.gethostname()}")
    with StoreLock(postgres_url, command="first"), refused:
        StoreLock(postgres_url).acquire()
    with StoreLock(postgres_url, command="second"):
        pass


def _supervisor(tmp_path: Path) -> Supervisor:
    config = Config.model_validate(
        {"cameras": [{"id": "gate", "source": "rtsp://127.0.0.1:9/none"}], "live": {"metrics_port": 0}}
    )
    return Supervisor(config, paths=StorePaths.resolve(config, str(tmp_path / "store" / "cs.db")))


def test_a_supervisor_on_a_store_another_runner_holds_refuses_and_touches_nothing(tmp_path: Path) -> None:
    supervisor = _supervisor(tmp_path)
    other = StoreLock(supervisor.paths.database, command="camsight run (the first one)")
    other.acquire()
    supervisor.stop()  # were it to start anyway, it would stop at once
    with pytest.raises(StoreLockedError, match=f"pid {os.getpid()} on"):
        supervisor.run()
    folder = tmp_path / "store"
    assert sorted(p.name for p in folder.iterdir()) == ["cs.db.run.lock"]  # no database, status or recordings
    assert supervisor.paths.run_lock == folder / "cs.db.run.lock"
    other.release()


T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _loitering(event_id: str, start_s: float) -> LoiteringEvent:
    return LoiteringEvent(
        site="test",
        id=event_id,
        rule="r",
        camera="gate",
        source="rtsp://127.0.0.1:9/none",
        start_s=start_s,
        end_s=start_s,
        started_at=T0 + timedelta(seconds=start_s),
        score=0.9,
        dwell_s=1,
    )


def _crashed_run(conn: sa.Connection, source_id: str, *, beat_s: float | None, events: dict[str, float]) -> None:
    """A live run of camera gate as a killed worker leaves it: running, with open events."""
    start_source(
        conn,
        source_id=source_id,
        site="test",
        camera="gate",
        uri="rtsp://x",
        kind="stream",
        run_id=source_id,
        started_at=T0,
    )
    if beat_s is not None:
        rec.heartbeat_stream(
            conn,
            source_id=source_id,
            seen_at=T0 + timedelta(seconds=beat_s),
            duration_s=beat_s,
            frames_decoded=10,
            frames_analysed=5,
            frames_skipped=1,
        )
    for event_id, start_s in events.items():
        upsert_event(conn, event=_loitering(event_id, start_s), source_id=source_id, run_id=source_id)


def test_close_dead_runs_ends_events_and_runs_at_the_last_heartbeat(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "cs.db"))
    upgrade(engine, site="test")
    with engine.begin() as conn:
        _crashed_run(conn, "beat", beat_s=12.0, events={"e-early": 5.0, "e-late": 13.0})
        _crashed_run(conn, "mute", beat_s=None, events={"e-mute": 0.5})  # died before its first heartbeat
        dead = rec.close_dead_runs(conn, camera="gate", error="worker crashed (SIGKILL)")
        again = rec.close_dead_runs(conn, camera="gate", error="later")
        rec.heartbeat_stream(
            conn, source_id="beat", seen_at=T0, duration_s=0, frames_decoded=0, frames_analysed=0, frames_skipped=0
        )
        runs = {s.id: s for s in list_sources(conn, camera="gate")}
        events = {e.id: e for e in list_events(conn, camera="gate")}
    assert sorted((d.source_id, d.duration_s, d.events_closed) for d in dead) == [("beat", 12.0, 2), ("mute", 0.0, 1)]
    assert again == []
    beat = runs["beat"]
    assert (beat.status, beat.error, beat.finished_at, beat.duration_s) == (
        "failed",
        "worker crashed (SIGKILL)",
        T0 + timedelta(seconds=12),
        12.0,
    )  # the heartbeat after it ended changed nothing
    assert (beat.frames_decoded, beat.frames_analysed) == (10, 5)
    assert (runs["mute"].status, runs["mute"].finished_at) == ("failed", T0)
    assert {e.id: (e.status, e.end_s) for e in events.values()} == {
        "e-early": ("closed", 12.0),
        "e-late": ("closed", 13.0),  # never before its own start
        "e-mute": ("closed", 0.5),
    }


def test_at_start_the_supervisor_closes_what_a_killed_runner_left_open(tmp_path: Path) -> None:
    supervisor = _supervisor(tmp_path)
    engine = connect(supervisor.paths.database)
    upgrade(engine, site="test")
    with engine.begin() as conn:
        _crashed_run(conn, "old", beat_s=30.0, events={"e-open": 20.0})
        rec.add_segment(conn, camera="gate", path="gate/gone.mp4", start_at=T0)  # no writer recorded: dead
    supervisor.stop()  # prepare the store, start no worker
    supervisor.run()
    with engine.connect() as conn:
        (run,) = list_sources(conn, camera="gate")
        (event,) = list_events(conn, camera="gate")
        segments = rec.list_segments(conn, camera="gate")
    assert (run.status, run.finished_at) == ("failed", T0 + timedelta(seconds=30))
    assert "without closing" in (run.error or "")
    assert (event.status, event.end_s) == ("closed", 30.0)
    assert segments == []
    assert not supervisor.store_lock.held
