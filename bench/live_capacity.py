"""Live capacity: how many 1280x720 25 fps RTSP cameras this box follows at 5 fps, recording on.

The bundled real clip (six visitors at a table) is transcoded once to 1280x720 at 25 fps (H.264, a
keyframe every 2 s, no B-frames, as IP cameras send), rotated to a different start for each camera
(so visitors do not reach every camera at the same moment) and served N times over RTSP by
GStreamer's gst-rtsp-server (tests/rtsp_server.py, run by the system python3 on this same machine:
its CPU counts against the box). ``camsight run``'s
supervisor follows the N cameras, each in its own worker process, with the demo's loitering rule and
recording by remux. For each N it prints the share of sampled frames dropped, CPU seconds per
camera-second (camera workers; and everything: workers, supervisor, RTSP server), peak memory and the
alert latency p50/p95 (frame captured → event stored). It stops at the first N that drops 1% or more;
the largest N under 1% is the box's capacity.

Usage: python bench/live_capacity.py [--counts 1,2,4,6,8,10,12] [--seconds 45] [--fps 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from camsight.apps.edge import Supervisor
from camsight.apps.health import CameraHealth, LatencyHistogram
from camsight.config import load_config
from camsight.config.models import Config, LiveConfig, RecordingConfig
from camsight.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "src/camsight/demo/intel_one-by-one-person-detection.mp4"
DEMO = ROOT / "src/camsight/demo/demo.yaml"
SERVER = ROOT / "tests/rtsp_server.py"
TICKS = os.sysconf("SC_CLK_TCK")


def transcode(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``src`` at 1280x720, 25 fps, H.264 with a keyframe every 2 s."""
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part.mp4")
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"g": "50", "bf": "0", "preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        n = 0
        for frame in inp.decode(video=0):
            t = float(frame.time or 0.0)
            if t >= seconds:
                break
            image = frame.reformat(width=1280, height=720, format="yuv420p")
            while n / 25 <= t + 0.05:  # 10 fps source → 25 fps: repeat frames as a 25 fps camera would send
                image.pts, image.time_base = n, Fraction(1, 25)
                out.mux(stream.encode(image))
                n += 1
        out.mux(stream.encode(None))
    tmp.rename(dst)
    return dst


def rotated(clip: Path, offset_s: float, dst: Path) -> Path:
    """The clip started ``offset_s`` in (at a keyframe), its beginning appended: copied, not re-encoded.

    Each camera gets its own rotation, so the visitors do not reach every camera at the same moment
    (identical, synchronised streams would make every camera run its detector at once).
    """
    if dst.exists():
        return dst
    with av.open(str(clip)) as inp:
        stream = inp.streams.video[0]
        packets = [p for p in inp.demux(stream) if p.pts is not None]
        base = stream.time_base
        assert base is not None
        cut = next((i for i, p in enumerate(packets) if p.is_keyframe and p.pts * base >= offset_s), 0)
        step = packets[1].pts - packets[0].pts
        with av.open(str(dst), "w") as out:
            ostream = out.add_stream_from_template(stream)
            for n, packet in enumerate(packets[cut:] + packets[:cut]):
                packet.pts = packet.dts = n * step
                packet.stream = ostream
                out.mux(packet)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Trial:
    """The figures of one camera count."""

    n: int
    seconds: float
    sampled: int
    dropped: int
    cpu_workers: float
    cpu_all: float
    peak_mb: float
    latency: LatencyHistogram
    events: int

    @property
    def drop_share(self) -> float:
        """Share of the sampled frames dropped because the analysis lagged."""
        return self.dropped / max(1, self.sampled)


def config_for(n: int, port: int, fps: float, folder: Path) -> Config:
    demo = load_config(DEMO)
    template = demo.cameras[0]
    cameras = tuple(
        template.model_copy(update={"id": f"cam{i:02d}", "source": f"rtsp://127.0.0.1:{port}/c{i}", "fps": fps})
        for i in range(n)
    )
    return demo.model_copy(
        update={
            "cameras": cameras,
            "detector": demo.detector.model_copy(update={"threads": 1}),
            "recording": RecordingConfig(folder=folder / "recordings", segment_s=10),
            "live": LiveConfig(metrics_port=0, queue_size=8),
        }
    )


def trial(n: int, clip: Path, seconds: float, fps: float) -> Trial:
    """Follow ``n`` cameras for ``seconds`` once all are live."""
    port = free_port()
    length = 130.0  # seconds of the clip to spread the rotations over
    files = [rotated(clip, i * length / n // 2 * 2, clip.with_name(f"rot-{n}-{i}.mp4")) for i in range(n)]
    mounts = [arg for i, f in enumerate(files) for arg in ("--mount", f"c{i}={f}")]
    server = subprocess.Popen(
        ["/usr/bin/python3", str(SERVER), "--port", str(port), *mounts], stdout=subprocess.PIPE, text=True
    )
    if server.stdout is None or not server.stdout.readline().startswith("READY"):
        raise SystemExit("the RTSP server did not start (bash scripts/install-system.sh installs it)")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = config_for(n, port, fps, Path(tmp))
            supervisor = Supervisor(config, paths=open_store(config, str(Path(tmp) / "cs.db")).paths)
            runner = threading.Thread(target=supervisor.run, daemon=True)
            runner.start()
            try:
                start, end, cpu, server_peak = measure(supervisor, server.pid, n, seconds)
            finally:
                supervisor.stop()
                runner.join(60)
    finally:
        server.terminate()
        server.wait(10)
    return summarise(n, seconds, start, end, cpu, server_peak)


def measure(
    supervisor: Supervisor, server_pid: int, n: int, seconds: float
) -> tuple[dict[str, CameraHealth], dict[str, CameraHealth], float, float]:
    """Health at the start and the end of ``seconds`` once every camera is live; other CPU; server memory."""
    deadline = time.monotonic() + 60 + 5 * n
    while time.monotonic() < deadline and not all(h.state == "live" for h in supervisor.snapshots()):
        time.sleep(0.5)
    start = {h.camera: h for h in supervisor.snapshots()}
    cpu0 = proc_cpu_s(server_pid) + sum(os.times()[:2])
    time.sleep(seconds)
    end = {h.camera: h for h in supervisor.snapshots()}
    cpu1 = proc_cpu_s(server_pid) + sum(os.times()[:2])
    return start, end, cpu1 - cpu0, proc_peak_mb(server_pid)


def summarise(
    n: int,
    seconds: float,
    start: dict[str, CameraHealth],
    end: dict[str, CameraHealth],
    cpu_other: float,
    server_peak_mb: float,
) -> Trial:
    latency = LatencyHistogram()
    sampled = dropped = events = 0
    cpu_workers = 0.0
    for cam, h in end.items():
        s = start[cam]
        sampled += (h.frames_analysed + h.frames_dropped) - (s.frames_analysed + s.frames_dropped)
        dropped += h.frames_dropped - s.frames_dropped
        cpu_workers += h.cpu_s - s.cpu_s
        events += h.events - s.events
        latency = latency.merged(h.latency)
    peak = sum(h.memory_mb for h in end.values()) + server_peak_mb
    peak += resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Trial(n, seconds, sampled, dropped, cpu_workers, cpu_workers + cpu_other, peak, latency, events)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="1,2,4,6,8,10,12", help="camera counts to try, in order")
    parser.add_argument("--seconds", type=float, default=45.0, help="measured seconds per trial")
    parser.add_argument("--fps", type=float, default=5.0, help="analysis rate per camera")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    cache = Path(tempfile.gettempdir()) / "camsight-bench"
    cache.mkdir(exist_ok=True)
    clip = transcode(CLIP, cache / "one-by-one-720p25.mp4", seconds=140)
    print(f"clip: {clip.name} 1280x720 25 fps; analysed at {args.fps:g} fps; {os.cpu_count()} CPU cores")
    print(
        f"{'N':>3} {'sampled':>8} {'dropped':>8} {'drop %':>7} {'CPU s/cam-s':>11} {'all CPU s/cam-s':>15} "
        f"{'peak MB':>8} {'events':>6} {'lat p50 ms':>10} {'lat p95 ms':>10}"
    )
    best: Trial | None = None
    for n in counts:
        t = trial(n, clip, args.seconds, args.fps)
        cam_s = n * t.seconds
        print(
            f"{t.n:>3} {t.sampled:>8} {t.dropped:>8} {100 * t.drop_share:>7.2f} {t.cpu_workers / cam_s:>11.3f} "
            f"{t.cpu_all / cam_s:>15.3f} {t.peak_mb:>8.0f} {t.events:>6} {ms(t.latency.quantile(0.5)):>10} "
            f"{ms(t.latency.quantile(0.95)):>10}",
            flush=True,
        )
        if t.drop_share >= 0.01:
            break
        best = t
    if best is None:
        print("capacity: fewer than the smallest count tried")
        print("live: cameras=0 drop_pct=- cpu_per_cam_s=- peak_mb=- p50_ms=- p95_ms=-")
        return
    cpu_per_cam_s = best.cpu_workers / (best.n * best.seconds)
    p50, p95 = ms(best.latency.quantile(0.5)), ms(best.latency.quantile(0.95))
    print(
        f"capacity: N = {best.n} cameras with {100 * best.drop_share:.2f}% of sampled frames dropped; "
        f"{cpu_per_cam_s:.3f} CPU s per camera-second; peak memory {best.peak_mb:.0f} MB; alert latency "
        f"p50 {p50} ms, p95 {p95} ms over {best.latency.count} events"
    )
    print(  # the fixed last line other data is run against
        f"live: cameras={best.n} drop_pct={100 * best.drop_share:.2f} cpu_per_cam_s={cpu_per_cam_s:.3f} "
        f"peak_mb={best.peak_mb:.0f} p50_ms={p50} p95_ms={p95}"
    )


if __name__ == "__main__":
    main()
