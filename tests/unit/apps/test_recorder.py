from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path

import av
import av.error
import pytest
import sqlalchemy as sa

from camsight.apps.recorder import (
    FRAGMENT_S,
    SegmentRecorder,
    enforce_retention,
    plan_retention,
    repair_segments,
    writer_alive,
)
from camsight.events.models import LoiteringEvent
from camsight.store import connect, upgrade, upsert_event
from camsight.store import recordings as rec

DATA = Path(__file__).resolve().parents[2] / "data"
CARS = DATA / "intel_car-detection.mp4"  # 30.2 s, 12.5 fps, a keyframe every 4.8 s
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def seg(
    i: int, *, camera: str = "cam1", age_h: float, length_s: float = 30, size: int = 100, complete: bool = True
) -> rec.SegmentRow:
    start = NOW - timedelta(hours=age_h)
    end = start + timedelta(seconds=length_s) if complete else start
    return rec.SegmentRow(i, camera, f"{camera}/{i}.mp4", start, end, size, 10, "h264", 4, 4, complete)


@pytest.mark.parametrize(
    ("segments", "open_starts", "days", "max_bytes", "deleted", "kept"),
    [
        # older than the retention period go, oldest first
        ([seg(1, age_h=50), seg(2, age_h=30), seg(3, age_h=1)], {}, 1, 10**9, [1, 2], 0),
        # disk budget: oldest first until the total fits
        ([seg(3, age_h=1), seg(1, age_h=3), seg(2, age_h=2)], {}, 30, 150, [1, 2], 0),
        # an open event since 2.5 h ago protects the segments ending after its start (minus pre_s)
        ([seg(1, age_h=3), seg(2, age_h=2.5), seg(3, age_h=2)], {"cam1": NOW - timedelta(hours=2.5)}, 30, 0, [1], 2),
        # ... of its own camera only
        ([seg(1, age_h=3, camera="cam2"), seg(2, age_h=2)], {"cam1": NOW - timedelta(hours=5)}, 30, 0, [1], 1),
        # a segment being written (recent, not complete) is never deleted; an old incomplete one may be
        ([seg(1, age_h=0.01, complete=False), seg(2, age_h=40, complete=False)], {}, 1, 0, [2], 0),
        # nothing to do
        ([seg(1, age_h=1), seg(2, age_h=0.5)], {}, 7, 10**6, [], 0),
    ],
)
def test_plan_retention(
    segments: list[rec.SegmentRow],
    open_starts: dict[str, datetime],
    days: float,
    max_bytes: int,
    deleted: list[int],
    kept: int,
) -> None:
    doomed, kept_for_events = plan_retention(
        segments, open_starts, now=NOW, retain_days=days, max_bytes=max_bytes, pre_s=3
    )
    assert [s.id for s in doomed] == deleted
    assert kept_for_events == kept


def test_pre_s_extends_the_protection_back() -> None:
    event_start = NOW - timedelta(hours=1)
    before = rec.SegmentRow(
        1,
        "cam1",
        "a",
        event_start - timedelta(seconds=40),
        event_start - timedelta(seconds=10),
        1,
        1,
        None,
        None,
        None,
        True,
    )
    assert plan_retention([before], {"cam1": event_start}, now=NOW, retain_days=30, max_bytes=0, pre_s=5)[0] == [before]
    assert plan_retention([before], {"cam1": event_start}, now=NOW, retain_days=30, max_bytes=0, pre_s=15)[0] == []


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = connect(str(tmp_path / "cs.db"))
    upgrade(engine, site="test")
    return engine


def _loitering(start: datetime, status: str) -> LoiteringEvent:
    return LoiteringEvent(
        site="test",
        id=f"ev-{status}",
        rule="r",
        camera="cam1",
        source="rtsp://cam/1",
        start_s=0,
        end_s=0,
        started_at=start,
        score=0.9,
        status=status,
        dwell_s=30,
    )  # type: ignore[arg-type]


def test_enforce_retention_deletes_files_and_rows_but_not_what_an_open_event_needs(
    engine: sa.Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "rec"
    with engine.begin() as conn:
        for hours, size in ((5, 400), (4, 400), (3, 400), (2, 400)):
            start = NOW - timedelta(hours=hours)
            path = f"cam1/{hours}.mp4"
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(b"x" * size)
            sid = rec.add_segment(conn, camera="cam1", path=path, start_at=start)
            rec.complete_segment(conn, segment_id=sid, end_at=start + timedelta(minutes=30), size_bytes=size, frames=1)
        upsert_event(conn, event=_loitering(NOW - timedelta(hours=3, minutes=50), "open"), source_id="s", run_id="r")
        upsert_event(conn, event=_loitering(NOW - timedelta(hours=5), "closed"), source_id="s", run_id="r")
    result = enforce_retention(engine, now=NOW, folder=folder, retain_days=30, max_bytes=500)
    with engine.connect() as conn:
        left = [s.path for s in rec.list_segments(conn)]
    assert left == ["cam1/4.mp4", "cam1/3.mp4", "cam1/2.mp4"]  # the 4 h one overlaps the open event
    assert not (folder / "cam1/5.mp4").exists()
    assert all((folder / p).exists() for p in left)
    assert (result.deleted, result.freed_bytes, result.kept_for_events, result.total_bytes) == (1, 400, 3, 1200)


def _feed(recorder: SegmentRecorder, path: Path, t0: float) -> int:
    """Hand a file's packets to the recorder as a live stream would, with wall = t0 + pts."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        recorder.start(stream)
        count = 0
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            recorder.write(packet, t0 + float(packet.pts * stream.time_base))
            count += 1
        recorder.end()
    return count


def test_recorder_cuts_on_keyframes_after_segment_s_and_indexes_each_file(engine: sa.Engine, tmp_path: Path) -> None:
    t0 = NOW.timestamp()
    recorder = SegmentRecorder(engine, tmp_path / "rec", "cars", segment_s=10)
    packets = _feed(recorder, CARS, t0)
    with engine.connect() as conn:
        segments = rec.list_segments(conn, camera="cars")
    starts = [(s.start_at - NOW).total_seconds() for s in segments]
    assert starts == pytest.approx([0.0, 14.4, 28.8], abs=0.01)  # first keyframes at or after 10 s each
    assert all(s.complete for s in segments)
    for a, b in zip(segments, segments[1:], strict=False):  # back to back: no hole, no overlap
        assert (b.start_at - a.end_at).total_seconds() == pytest.approx(0, abs=0.01)
    assert sum(s.frames for s in segments) == packets == 377
    for s in segments:
        with av.open(str(tmp_path / "rec" / s.path)) as container:
            decoded = sum(1 for _ in container.decode(video=0))
            assert decoded == s.frames
        assert s.size_bytes == (tmp_path / "rec" / s.path).stat().st_size > 0
    assert recorder.segments_written == 3
    assert recorder.problem is None


def test_repair_completes_a_crashed_segment_and_forgets_a_missing_one(engine: sa.Engine, tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    recorder = SegmentRecorder(engine, folder, "cars", segment_s=60)
    _feed(recorder, CARS, NOW.timestamp())
    with engine.begin() as conn:
        (written,) = rec.list_segments(conn, camera="cars")
        crashed = rec.add_segment(
            conn, camera="cars", path=written.path.replace(".mp4", "-copy.mp4"), start_at=NOW + timedelta(minutes=5)
        )
        rec.add_segment(conn, camera="cars", path="cars/gone.mp4", start_at=NOW + timedelta(minutes=9))
    (folder / written.path.replace(".mp4", "-copy.mp4")).write_bytes((folder / written.path).read_bytes())
    assert repair_segments(engine, folder, "cars") == 2
    with engine.connect() as conn:
        rows = {s.id: s for s in rec.list_segments(conn, camera="cars")}
    assert len(rows) == 2
    assert all(s.complete for s in rows.values())
    assert (rows[crashed].end_at - rows[crashed].start_at).total_seconds() == pytest.approx(30.08, abs=0.1)
    assert rows[crashed].frames == 377


def _record_until(db: str, folder: str, until_s: float, conn: Connection) -> None:
    """In a child process: record CARS up to ``until_s`` into one segment, say how far, then wait to be killed."""
    recorder = SegmentRecorder(connect(db), Path(folder), "cars", segment_s=60)
    with av.open(str(CARS)) as container:
        stream = container.streams.video[0]
        recorder.start(stream)
        fed = 0.0
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            t = float(packet.pts * stream.time_base)
            if t > until_s:
                break
            recorder.write(packet, NOW.timestamp() + t)
            fed = t
        conn.send(fed)
        time.sleep(120)


@contextmanager
def _writer(engine: sa.Engine, folder: Path, until_s: float) -> Iterator[tuple[SpawnProcess, float]]:
    """A real recording process, paused after ``until_s`` s of CARS with its segment open; killed at the end."""
    ctx = mp.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_record_until, args=(str(engine.url.database), str(folder), until_s, writer))
    process.start()
    writer.close()
    try:
        assert reader.poll(60), "the recording process did not start"
        yield process, float(reader.recv())
    finally:
        process.kill()
        process.join(10)


def _decoded_times(path: Path) -> list[float]:
    """Presentation times of the frames a segment file decodes to (up to a damaged tail)."""
    times: list[float] = []
    with contextlib.suppress(av.error.FFmpegError), av.open(str(path)) as container:
        for frame in container.decode(video=0):
            times.append(float(frame.pts * frame.time_base))
    return times


def test_a_writer_killed_mid_segment_leaves_a_file_that_plays_up_to_its_last_fragment(
    engine: sa.Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "rec"
    # 9.44 s of CARS: keyframes at 0 and 4.8 s only, so fragments every FRAGMENT_S s are what saves the tail
    with _writer(engine, folder, until_s=9.5) as (process, fed_s):
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
    with engine.connect() as conn:
        (row,) = rec.list_segments(conn, camera="cars")
    times = _decoded_times(folder / row.path)
    assert times, "the killed writer's segment decodes no frame"
    assert fed_s - max(times) <= FRAGMENT_S  # measured: 9.44 s written, decodes up to 8.72 s
    assert (row.complete, row.writer_pid, row.writer_host) == (False, process.pid, socket.gethostname())
    assert repair_segments(engine, folder, "cars") == 1  # its writer is dead now
    with engine.connect() as conn:
        (repaired,) = rec.list_segments(conn, camera="cars")
    assert repaired.complete
    assert repaired.frames >= len(times)
    assert (repaired.end_at - repaired.start_at).total_seconds() == pytest.approx(max(times) - min(times), abs=0.2)
    assert repaired.size_bytes == (folder / row.path).stat().st_size


def test_repair_leaves_alone_a_segment_whose_writer_is_alive(engine: sa.Engine, tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    with _writer(engine, folder, until_s=5.0) as (process, _fed_s):
        with engine.connect() as conn:
            (row,) = rec.list_segments(conn, camera="cars")
        size = (folder / row.path).stat().st_size
        assert repair_segments(engine, folder, "cars") == 0
        with engine.connect() as conn:
            assert rec.list_segments(conn, camera="cars") == [row]  # still open, untouched
        assert (folder / row.path).stat().st_size == size > 0
    assert not process.is_alive()
    assert repair_segments(engine, folder, "cars") == 1
    with engine.connect() as conn:
        (repaired,) = rec.list_segments(conn, camera="cars")
    assert repaired.complete
    assert repaired.frames > 0


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("writer", "alive"),
    [
        (lambda: (os.getpid(), socket.gethostname()), True),
        (lambda: (None, None), False),  # rows from before the writer columns: a dead writer
        (lambda: (os.getpid(), "another-host"), False),
        (lambda: (_dead_pid(), socket.gethostname()), False),
    ],
)
def test_writer_alive(writer: Callable[[], tuple[int | None, str | None]], alive: bool) -> None:
    pid, host = writer()
    row = rec.SegmentRow(1, "cam1", "a.mp4", NOW, NOW, 0, 0, None, None, None, False, pid, host)
    assert writer_alive(row) is alive


def _boxes(data: bytes) -> list[tuple[int, bytes, int]]:
    """``(offset, type, size)`` of the top-level boxes of an MP4 file."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append((offset, data[offset + 4 : offset + 8], size))
        offset += size
    return boxes


@pytest.mark.parametrize("torn", [b"moof", b"mdat"])
def test_repair_keeps_the_fragments_before_one_a_kill_tore(engine: sa.Engine, tmp_path: Path, torn: bytes) -> None:
    folder = tmp_path / "rec"
    _feed(SegmentRecorder(engine, folder, "cars", segment_s=60), CARS, NOW.timestamp())
    with engine.begin() as conn:
        (whole,) = rec.list_segments(conn, camera="cars")
        cut = rec.add_segment(conn, camera="cars", path="cars/cut.mp4", start_at=NOW + timedelta(minutes=5))
    data = (folder / whole.path).read_bytes()
    offset, _kind, size = [b for b in _boxes(data) if b[1] == torn][-3]  # a fragment about 2/3 of the way in
    (folder / "cars/cut.mp4").write_bytes(data[: offset + size // 2])  # the kill came halfway through the box
    assert repair_segments(engine, folder, "cars") == 1
    with engine.connect() as conn:
        rows = {s.id: s for s in rec.list_segments(conn, camera="cars")}
    assert rows[cut].complete
    assert 0.5 * whole.frames < rows[cut].frames < whole.frames
    assert len(_decoded_times(folder / "cars/cut.mp4")) >= rows[cut].frames - 1
    assert rows[cut].size_bytes == (folder / "cars/cut.mp4").stat().st_size
