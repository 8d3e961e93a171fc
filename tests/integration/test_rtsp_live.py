"""Live cameras against a real RTSP server (GStreamer's gst-rtsp-server run by the system python3).

The server (tests/rtsp_server.py) streams real clips in real time over RTSP; ``camsight run``'s
supervisor follows them in spawned worker processes, as in production.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from camsight.apps.analyze import Analyzer
from camsight.cli import app
from camsight.config import load_config
from camsight.config.models import LiveConfig
from camsight.events.models import AnyEvent
from camsight.sources import SourceSpec
from camsight.store import connect, list_events, open_store
from camsight.store import recordings as rec
from rtsp_helpers import DATA, DEMO, TESTS, RtspServer, free_port, health, live_config, running, wait_for

pytestmark = pytest.mark.solo  # frames dropped and latency against the wall clock: run alone

DEMO_CONFIG = TESTS.parent / "src" / "camsight" / "demo" / "demo.yaml"
log = logging.getLogger(__name__)


def resolution_change_clip(path: Path) -> Path:
    """An MPEG-TS clip whose picture size changes from 480x270 to 640x480 after 2 s (real footage)."""
    parts = [
        (DATA / "intel_people-detection_preview.mp4", 20, 480, 270),
        (DATA / "gmdcsa24_s1_fall_14.mp4", 40, 640, 480),
    ]
    out = av.open(str(path), "w", format="mpegts")
    ostream = out.add_stream("libx264", rate=10)
    ostream.width, ostream.height, ostream.pix_fmt = 480, 270, "yuv420p"
    n = 0
    for k, (clip, count, w, h) in enumerate(parts):
        codec = ostream.codec_context if k == 0 else av.CodecContext.create("libx264", "w")
        if k:
            codec.width, codec.height, codec.pix_fmt, codec.time_base, codec.framerate = (
                w,
                h,
                "yuv420p",
                Fraction(1, 10),
                10,
            )
        codec.options = {"g": "10", "bf": "0", "preset": "veryfast"}
        with av.open(str(clip)) as source:
            for i, frame in enumerate(source.decode(video=0)):
                if i >= count:
                    break
                image = np.ascontiguousarray(frame.to_ndarray(format="bgr24")[:h, :w])
                picture = av.VideoFrame.from_ndarray(image, format="bgr24")
                picture.pts, picture.time_base, n = n, Fraction(1, 10), n + 1
                for packet in codec.encode(picture):
                    packet.stream = ostream
                    out.mux(packet)
        for packet in codec.encode(None):
            packet.stream = ostream
            out.mux(packet)
    out.close()
    return path


def covered(segments: list[rec.SegmentRow], tolerance_s: float = 0.5) -> list[tuple[datetime, datetime]]:
    """The spans the segments cover, joining those less than ``tolerance_s`` apart."""
    spans: list[tuple[datetime, datetime]] = []
    for seg in sorted(segments, key=lambda s: s.start_at):
        if spans and (seg.start_at - spans[-1][1]).total_seconds() <= tolerance_s:
            spans[-1] = (spans[-1][0], max(spans[-1][1], seg.end_at))
        else:
            spans.append((seg.start_at, seg.end_at))
    return spans


def test_outage_reconnect_gap_and_recording_while_other_cameras_go_on(
    servers: Callable[..., RtspServer], tmp_path: Path
) -> None:
    server_a = servers({"a": DEMO})
    server_b = servers({"b": DEMO, "rc": resolution_change_clip(tmp_path / "rc.ts")}, user="admin", password="pw")
    port = free_port()
    config = live_config(
        [
            {"id": "cam-a", "source": server_a.url("a"), "fps": 5},
            {"id": "cam-b", "source": server_b.url("b", user="admin", password="pw"), "fps": 5},
            {"id": "cam-rc", "source": server_b.url("rc", user="admin", password="pw"), "fps": 5},
            {"id": "cam-badauth", "source": server_b.url("b", user="admin", password="wrong"), "fps": 5},
            {"id": "cam-down", "source": f"rtsp://127.0.0.1:{free_port()}/nothing", "fps": 5},
        ],
        metrics_port=port,
    )
    db = tmp_path / "cs.db"
    with running(config, db) as supervisor:
        wait_for(
            lambda: all(health(supervisor)[c].state == "live" for c in ("cam-a", "cam-b")), 60, "cam-a and cam-b live"
        )
        time.sleep(6)
        server_a.stop()
        killed = time.time()
        wait_for(lambda: health(supervisor)["cam-a"].state in ("backoff", "connecting"), 15, "cam-a notices")
        time.sleep(3)
        server_a.start()
        restarted = time.time()
        wait_for(
            lambda: health(supervisor)["cam-a"].state == "live" and health(supervisor)["cam-a"].reconnects >= 1,
            20,
            "cam-a back",
        )
        notes_rc = health(supervisor)["cam-rc"].notes
        # a worker that dies (as on a decoder segfault) is restarted; the others go on
        os.kill(int(health(supervisor)["cam-rc"].pid or 0), signal.SIGSEGV)
        wait_for(
            lambda: health(supervisor)["cam-rc"].restarts == 1 and health(supervisor)["cam-rc"].state == "live",
            40,
            "cam-rc worker restarted",
        )
        time.sleep(2)
        now = health(supervisor)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    final = health(supervisor)

    a, b, rc, bad, down = (now[c] for c in ("cam-a", "cam-b", "cam-rc", "cam-badauth", "cam-down"))
    assert a.last_outage is not None
    assert a.last_outage[0] == pytest.approx(killed, abs=2.5)
    assert a.last_outage[1] >= restarted
    assert (b.state, b.reconnects, b.restarts, b.last_outage, b.frames_dropped) == ("live", 0, 0, None, 0)
    assert b.frames_analysed > 50
    assert b.frames_in > 5 * b.frames_analysed / 3
    assert rc.restarts == 1
    assert bad.state == "failed"
    assert "401" in (bad.reason or "")
    assert bad.frames_in == 0
    assert down.state == "backoff"
    assert "refused" in (down.reason or "").lower()
    assert 'camsight_camera_up{camera="cam-b"} 1.0' in metrics
    assert 'camsight_camera_reconnects_total{camera="cam-a"} 1.0' in metrics
    assert 'camsight_camera_restarts_total{camera="cam-rc"} 1.0' in metrics
    assert all(h.state == "stopped" for h in final.values())

    engine = connect(str(db))
    with engine.connect() as conn:
        gaps = rec.list_gaps(conn)
        seg_a = rec.list_segments(conn, camera="cam-a")
        seg_b = rec.list_segments(conn, camera="cam-b")
        seg_rc = rec.list_segments(conn, camera="cam-rc")
    gap_a = [g for g in gaps if g.camera == "cam-a"]
    assert len(gap_a) == 1
    assert not [g for g in gaps if g.camera == "cam-b"]
    gap_start, gap_end = gap_a[0].start_at.timestamp(), gap_a[0].end_at.timestamp()
    assert gap_start == pytest.approx(killed, abs=2.5)
    assert gap_end >= restarted
    # recording covers cam-a's stream except the outage: one span before, one after
    spans = covered(seg_a)
    assert len(spans) == 2, spans
    assert spans[0][1].timestamp() == pytest.approx(gap_start, abs=1.5)
    assert spans[1][0].timestamp() == pytest.approx(gap_end, abs=1.5)
    assert all(s.end_at.timestamp() <= gap_start + 1.0 or s.start_at.timestamp() >= gap_end - 1.0 for s in seg_a)
    assert (spans[0][1] - spans[0][0]).total_seconds() > 5
    assert (spans[1][1] - spans[1][0]).total_seconds() > 2
    assert len(covered(seg_b)) == 1
    assert all(s.complete for s in seg_a + seg_b)
    # the resolution change started a new segment with the new size; zones and tracks rebound
    assert {(s.width, s.height) for s in seg_rc} >= {(480, 270), (640, 480)}
    assert any("resolution changed from 480x270 to 640x480" in n for n in notes_rc)

    result = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["status", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "cam-badauth" in result.output
    assert "stopped" in result.output
    assert "NOT running" in result.output


def _matches(live: list[AnyEvent], filed: list[AnyEvent], origin: datetime, tolerance_s: float) -> int:
    starts = sorted((e.started_at - origin).total_seconds() for e in live)
    return sum(any(abs(s - e.start_s) <= tolerance_s for s in starts) for e in filed)


@pytest.mark.slow
def test_live_stream_raises_the_same_events_as_the_file(servers: Callable[..., RtspServer], tmp_path: Path) -> None:
    demo = load_config(DEMO_CONFIG)
    server = servers({"table": DEMO})
    camera = demo.cameras[0].model_copy(update={"source": server.url("table")})
    config = demo.model_copy(
        update={
            "cameras": (camera,),
            "live": LiveConfig(backoff_initial_s=10, metrics_port=0),
            "recording": demo.recording.model_copy(update={"segment_s": 30}),
        }
    )
    db = tmp_path / "live.db"
    filed = open_store(demo, str(tmp_path / "file.db"))
    with running(config, db) as supervisor:
        analyzer = Analyzer(demo, filed)
        filed = list(analyzer.analyze(SourceSpec(DEMO, "video"), demo.cameras[0]).events.values())
        wait_for(lambda: health(supervisor)["table-cam"].state == "backoff", 180, "the stream to end")
        stats = health(supervisor)["table-cam"]
    engine = connect(str(db))
    with engine.connect() as conn:
        live = list_events(conn, camera="table-cam")
        first = rec.list_segments(conn, camera="table-cam")[0]
    origin = first.start_at  # the first recorded keyframe is the clip's first frame
    log.info(
        f"live: {stats.frames_in} frames in, {stats.frames_analysed} analysed, {stats.frames_dropped} dropped, "
        f"{stats.cpu_s:.1f} CPU s; alert latency p50 {stats.latency.quantile(0.5):.3f} s, "
        f"p95 {stats.latency.quantile(0.95):.3f} s over {stats.latency.count} events"
    )
    log.info("file: %s", [(round(e.start_s, 1), round(e.end_s, 1)) for e in sorted(filed, key=lambda e: e.start_s)])
    log.info(
        "live: %s",
        [
            (round((e.started_at - origin).total_seconds(), 1), round(e.end_s - e.start_s, 1))
            for e in sorted(live, key=lambda e: e.started_at)
        ],
    )
    assert len(filed) == 6
    assert len(live) == len(filed)
    assert _matches(live, filed, origin, tolerance_s=1.5) == len(filed)
    assert all(e.status == "closed" and e.kind == "loitering" for e in live)
    assert stats.frames_dropped <= stats.frames_analysed // 100  # the file analysis runs beside it
    assert stats.latency.count == len(live)
    assert all(e.started_at - origin < timedelta(seconds=140) for e in live)
