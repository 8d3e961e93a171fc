"""Nothing recorded or stored is lost when a second runner starts or a camera worker is killed.

Real processes against a real RTSP server (tests/rtsp_server.py), real SQLite, ``kill -9``; every
wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import av
import av.error
import pytest
import sqlalchemy as sa

import camsight
from camsight.apps.health import read_status
from camsight.config import Config
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.store import connect, list_events, list_sources, open_store
from camsight.store import recordings as rec
from clip_helpers import export_clip
from rtsp_helpers import DEMO, RtspServer, health, running, wait_for

log = logging.getLogger(__name__)
SRC = Path(camsight.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _show_figures(caplog: pytest.LogCaptureFixture) -> None:
    """The measured figures are logged (shown with ``-o log_cli=true``, and on failure)."""
    caplog.set_level(logging.INFO, logger=__name__)


def _config(url: str) -> dict[str, Any]:
    """One camera on the demo clip; a person seen for 1 s opens a loitering event that lasts while they stay."""
    return {
        "cameras": [
            {"id": "door", "source": url, "fps": 5, "rules": [{"kind": "loitering", "name": "stay", "min_dwell_s": 1}]}
        ],
        "detector": {"threads": 1},
        "recording": {"segment_s": 30, "pre_s": 1, "post_s": 1},
        "live": {"backoff_initial_s": 0.5, "backoff_max_s": 2, "stall_timeout_s": 5, "metrics_port": 0},
    }


def _camsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "camsight", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}


@contextlib.contextmanager
def _runner(cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``camsight run`` in a subprocess of its own; stopped with SIGTERM (then killed) at the end."""
    with (cwd / "first.out").open("wb") as out:
        proc = subprocess.Popen(
            _camsight("run", "--config", "cfg.yaml", "--db", "cs.db"),
            cwd=cwd,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


def _files(folder: Path) -> dict[str, int]:
    """Segment files on disk and their sizes now."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*.mp4")}


def _status_pid(status: Path) -> int | None:
    try:
        return read_status(status).pid
    except (CamsightError, OSError, ValueError):
        return None


def test_a_second_run_on_a_held_store_refuses_and_the_first_ones_recording_is_intact(
    servers: Callable[..., RtspServer], tmp_path: Path
) -> None:
    server = servers({"door": DEMO})
    (tmp_path / "cfg.yaml").write_text(json.dumps(_config(server.url("door"))), encoding="utf-8")
    recordings, status = tmp_path / "cs-recordings", tmp_path / "cs-status.json"  # named after the store
    with _runner(tmp_path) as first:
        wait_for(lambda: _status_pid(status) == first.pid, 90, "the first run's status file")
        wait_for(lambda: any(size > 0 for size in _files(recordings).values()), 60, "the first run recording")
        before = _files(recordings)
        second = subprocess.run(
            _camsight("run", "--config", "cfg.yaml", "--db", "cs.db", "--for", "20"),
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        during = _files(recordings)
        wait_for(lambda: sum(_files(recordings).values()) > sum(during.values()), 30, "the recording to grow")
        assert first.poll() is None, "the first run stopped"
        assert _status_pid(status) == first.pid  # the second one did not write the status file
    assert first.returncode == 0
    log.info("second run: exit %d, stderr %r", second.returncode, second.stderr)
    assert second.returncode == 2, second.stderr
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"in use by another `camsight run` (pid {first.pid} on " in lines[0]
    assert "Traceback" not in second.stderr + second.stdout
    assert all(during[path] >= size for path, size in before.items())  # nothing unlinked, nothing shrank

    engine = connect(str(tmp_path / "cs.db"))
    with engine.connect() as conn:
        segments = rec.list_segments(conn, camera="door")
    after = _files(recordings)
    assert set(before) <= set(after) == {s.path for s in segments}
    assert all(s.complete and s.size_bytes == after[s.path] >= before.get(s.path, 0) for s in segments)
    spans = sorted((s.start_at, s.end_at) for s in segments)
    assert all((b[0] - a[1]).total_seconds() < 0.5 for a, b in zip(spans, spans[1:], strict=False))  # no hole
    log.info("first run recorded %s", [(str(s.start_at.time()), s.frames, s.size_bytes) for s in segments])


def _events(engine: sa.Engine, status: str) -> list[AnyEvent]:
    try:
        with engine.connect() as conn:
            return [e for e in list_events(conn, camera="door") if e.status == status]
    except sa.exc.OperationalError:  # the supervisor has not created the tables yet
        return []


def _decoded_times(path: Path) -> list[float]:
    times: list[float] = []
    with contextlib.suppress(av.error.FFmpegError), av.open(str(path)) as container:
        for frame in container.decode(video=0):
            times.append(float(frame.pts * frame.time_base))
    return times


def test_a_worker_killed_mid_segment_loses_nothing_it_had_written(
    servers: Callable[..., RtspServer], tmp_path: Path
) -> None:
    server = servers({"door": DEMO})
    config = Config.model_validate(_config(server.url("door")))
    db = tmp_path / "cs.db"
    engine = connect(str(db))
    with running(config, db) as supervisor:
        wait_for(lambda: bool(_events(engine, "open")), 120, "a loitering event to open")
        (event,) = _events(engine, "open")
        wait_for(lambda: time.time() > event.started_at.timestamp() + 5, 30, "the event 5 s old")
        pid = int(health(supervisor)["door"].pid or 0)
        assert [e.id for e in _events(engine, "open")] == [event.id]
        killed_at = time.time()
        os.kill(pid, signal.SIGKILL)
        wait_for(
            lambda: health(supervisor)["door"].restarts == 1 and health(supervisor)["door"].state == "live",
            60,
            "the next worker of the camera live",
        )
        with engine.connect() as conn:
            runs = list_sources(conn, camera="door")
    killed, current = sorted(runs, key=lambda s: s.started_at)
    assert (killed.status, killed.error, current.status) == ("failed", "worker crashed (SIGKILL)", "running")
    assert killed.finished_at is not None
    assert killed_at - 5 < killed.finished_at.timestamp() <= killed_at

    with engine.connect() as conn:
        closed = next(e for e in list_events(conn, camera="door") if e.id == event.id)
        written = [s for s in rec.list_segments(conn, camera="door") if s.writer_pid == pid]
    ended_at = closed.started_at + timedelta(seconds=closed.end_s - closed.start_s)
    log.info(
        "event %.1f-%.1f s, ends %.2f s before the kill", closed.start_s, closed.end_s, killed_at - ended_at.timestamp()
    )
    assert closed.status == "closed"
    assert closed.end_s > closed.start_s + 1
    assert killed_at - 5 < ended_at.timestamp() <= killed_at

    assert written, "the killed worker recorded nothing"
    assert all(s.complete for s in written)  # the open one repaired by the supervisor when the worker died
    segment = written[-1]  # the one it was writing when it was killed
    times = _decoded_times(open_store(config, str(db)).paths.recordings / segment.path)
    assert times, "the killed worker's segment decodes no frame"
    last_frame_at = segment.start_at + timedelta(seconds=max(times) - min(times))
    lag = killed_at - last_frame_at.timestamp()
    log.info(
        "segment: %d bytes, %d frames decoded, the last %.2f s before the kill", segment.size_bytes, len(times), lag
    )
    assert lag <= 2.5
    assert abs((segment.end_at - last_frame_at).total_seconds()) < 0.5

    clip = export_clip(
        engine,
        config=config,
        event_id=event.id,
        output=tmp_path / "clip.mp4",
        recordings=open_store(config, str(db)).paths.recordings,
        pre_s=1,
        post_s=1,
        blur=False,
    )
    log.info("clip: %.1f s, %d frames from %d file(s)", clip.duration_s, clip.frames, len(clip.pieces))
    assert clip.frames > 0
    assert clip.duration_s >= closed.end_s - closed.start_s - 1.0


# -- file analysis: two runs at once, Ctrl-C, a full disk -------------------------------------------------

ONE_BY_ONE = Path(__file__).resolve().parents[1] / "data" / "intel_one-by-one-person-detection.mp4"
TABLE_CONFIG = Path(camsight.__file__).resolve().parent / "demo" / "demo.yaml"


def _store_counts(db: Path) -> tuple[set[str], int]:
    with connect(str(db)).connect() as conn:
        events = {e.id for e in list_events(conn, limit=1000)}
        tracks = conn.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one()
    return events, int(tracks)


def test_two_analyses_of_one_file_at_once_lose_nothing(tmp_path: Path) -> None:
    """The second run of the same file refuses while the first holds it; the store keeps one whole result."""
    args = _camsight("analyze", str(ONE_BY_ONE), "--config", str(TABLE_CONFIG), "--db", "s.db", "--json")
    first = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = tmp_path / "s.db"
    wait_for(lambda: db.exists() and _running_sources(db) == 1, 60, "the first analysis to start")
    second = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 2, second.stderr
    assert "is being analysed right now by process" in second.stderr
    assert "Traceback" not in second.stderr
    found = {json.loads(line)["id"] for line in out.decode().splitlines()}
    events, tracks = _store_counts(db)
    assert events == found
    assert len(found) >= 6  # the six table visits
    again = subprocess.run(args, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert _store_counts(db) == (events, tracks)  # analysed again when free: replaced, nothing duplicated


def _running_sources(db: Path) -> int:
    try:
        with connect(str(db)).connect() as conn:
            return sum(1 for s in list_sources(conn) if s.status == "running")
    except (CamsightError, sa.exc.OperationalError):
        return 0


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: Ctrl-C as a terminal's shell starts a command (a test run started in the background,
    ``make test &``, would hand on SIGINT ignored, and the analysis would rightly not stop)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("after_s", [0.0, 2.0])  # 0: most often while the pipeline is still being built
def test_ctrl_c_says_what_was_kept(tmp_path: Path, after_s: float) -> None:
    args = _camsight("analyze", str(ONE_BY_ONE), "--config", str(TABLE_CONFIG), "--db", "s.db")
    run = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    db = tmp_path / "s.db"
    wait_for(lambda: db.exists() and _running_sources(db) == 1, 60, "the analysis to start")
    time.sleep(after_s)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert "interrupted while analysing intel_one-by-one-person-detection.mp4" in err
    assert "so far are stored" in err
    assert "Traceback" not in err
    with connect(str(db)).connect() as conn:
        (source,) = list_sources(conn)
    assert source.status == "failed"
    assert source.error == "interrupted (Ctrl-C) before the end"


def test_everything_an_analysis_stores_is_owner_only(tmp_path: Path) -> None:
    done = subprocess.run(
        _camsight("analyze", str(ONE_BY_ONE), "--config", str(TABLE_CONFIG), "--db", "site/s.db"),
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    made = [p for p in (tmp_path / "site").rglob("*")]
    files = [p for p in made if p.is_file()]
    folders = [tmp_path / "site", *(p for p in made if p.is_dir())]
    assert any(p.suffix == ".jpg" for p in files)  # snapshots and thumbnails
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o700"}
