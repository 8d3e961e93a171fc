"""Live capacity: how many 1280x720 25 fps RTSP cameras this box follows at 5 fps, recording on.

The stream is busy: OpenCV's vtest clip (a street with many pedestrians, 10 fps) motion-interpolated
to 25 fps by ffmpeg's ``minterpolate`` (every frame is new, as a real camera's are), scaled to
1280x720, H.264 with a keyframe every 2 s and no B-frames, made once into a cache folder
(``$TMPDIR/camsight-bench``). It is rotated to a different start for each camera (so people do not
reach every camera at the same moment) and served N times over RTSP by GStreamer's gst-rtsp-server
(tests/rtsp_server.py, run by the system python3 on this same machine: its CPU counts against the
box). ``camsight run``'s supervisor follows the N cameras with a zone-intrusion rule over the whole
picture and recording by remux.

Frames are counted end to end: each camera should analyse ``fps`` frames per second of the measured
window; whatever it did not analyse (lost by the reader, dropped by the queue, not answered by the
detector) counts as lost, and a camera that never goes live loses all of its frames. For each N it
prints the share lost, CPU seconds per camera-second (camera workers and the shared detector; and
everything: also the supervisor and the RTSP server), the peak memory of all camsight processes
together (workers, detector, supervisor; the RTSP server apart), and the alert latency p50/p95 (frame
captured → event stored); ``peak MB`` adds up each process's peak resident memory (pages of shared
libraries counted in every process: an upper bound), ``worker MB`` is the largest camera worker's
peak, ``det MB`` the shared detector's, and ``PSS MB`` what all camsight processes hold together at
the end of the window, each shared page counted once (proportional set size). Each mode (``--modes``:
``shared``, one detector process for every camera; ``own``, a model in each camera worker) is tried in
the same run, N going up until 1% or more is lost; the largest N under 1% is that mode's capacity. The
last line is the first mode's.

Usage: python bench/live_capacity.py [--counts 1,2,4,8,12,16,20,24,28,32] [--seconds 30] [--fps 5]
                                     [--modes shared,own]
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
from pathlib import Path

import av

from camsight.apps.edge import Supervisor
from camsight.apps.health import CameraHealth, LatencyHistogram
from camsight.config import load_config
from camsight.config.models import Config, LiveConfig, RecordingConfig
from camsight.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests/data/opencv_vtest.mp4"
DEMO = ROOT / "src/camsight/demo/demo.yaml"
SERVER = ROOT / "tests/rtsp_server.py"
TICKS = os.sysconf("SC_CLK_TCK")
CLIP_S = 30.0


def busy_clip(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``src`` motion-interpolated to 25 fps, 1280x720, a keyframe every 2 s."""
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-t", f"{seconds:g}", "-i", str(src), "-an",
         "-vf", "minterpolate=fps=25:mi_mode=mci,scale=1280:720,format=yuv420p",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "50", "-bf", "0", str(tmp)],
        check=True,
    )  # fmt: skip
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


def proc_pss_mb(pid: int) -> float:
    """A process's proportional set size now: its private pages plus its share of pages shared with others."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Trial:
    """The figures of one camera count in one mode."""

    mode: str
    n: int
    seconds: float
    expected: float
    analysed: int
    failed: int
    cpu_cameras: float
    cpu_all: float
    peak_mb: float
    latency: LatencyHistogram
    events: int
    worker_mb: float
    detector_mb: float
    pss_mb: float

    @property
    def lost(self) -> float:
        """Frames the cameras should have analysed and did not."""
        return max(0.0, self.expected - self.analysed)

    @property
    def lost_share(self) -> float:
        """Share of the expected frames lost."""
        return self.lost / max(1.0, self.expected)


def config_for(n: int, port: int, fps: float, folder: Path, mode: str) -> Config:
    demo = load_config(DEMO)
    template = Config.model_validate(
        {
            "cameras": [
                {
                    "id": "street",
                    "zones": [{"name": "street", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
                    "rules": [{"kind": "zone_intrusion", "zone": "street", "min_inside_s": 1.0}],
                }
            ]
        }
    ).cameras[0]
    cameras = tuple(
        template.model_copy(update={"id": f"cam{i:02d}", "source": f"rtsp://127.0.0.1:{port}/c{i}", "fps": fps})
        for i in range(n)
    )
    return demo.model_copy(
        update={
            "cameras": cameras,
            "detector": demo.detector.model_copy(update={"threads": 1}),
            "recording": RecordingConfig(folder=folder / "recordings", segment_s=10),
            "live": LiveConfig(metrics_port=0, queue_size=8, shared_detector=mode == "shared"),
        }
    )


def trial(mode: str, n: int, clip: Path, seconds: float, fps: float) -> Trial:
    """Follow ``n`` cameras for ``seconds`` once all are live (or the wait for them ran out)."""
    port = free_port()
    files = [rotated(clip, i * CLIP_S / n // 2 * 2, clip.with_name(f"rot-{n}-{i}.mp4")) for i in range(n)]
    mounts = [arg for i, f in enumerate(files) for arg in ("--mount", f"c{i}={f}")]
    server = subprocess.Popen(
        ["/usr/bin/python3", str(SERVER), "--port", str(port), *mounts], stdout=subprocess.PIPE, text=True
    )
    if server.stdout is None or not server.stdout.readline().startswith("READY"):
        raise SystemExit("the RTSP server did not start (bash scripts/install-system.sh installs it)")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = config_for(n, port, fps, Path(tmp), mode)
            supervisor = Supervisor(config, paths=open_store(config, str(Path(tmp) / "cs.db")).paths)
            runner = threading.Thread(target=supervisor.run, daemon=True)
            runner.start()
            try:
                return measure(supervisor, server.pid, mode, n, seconds, fps)
            finally:
                supervisor.stop()
                runner.join(90)
    finally:
        server.terminate()
        server.wait(10)


@dataclass
class Window:
    """Every camera's health at one moment, with when each report arrived (monotonic seconds)."""

    health: dict[str, CameraHealth]
    seen: dict[str, float]
    detector_cpu: float
    other_cpu: float


def window(supervisor: Supervisor, server_pid: int) -> Window:
    detector = supervisor.detector.process if supervisor.detector is not None else None
    det_pid = detector.pid if detector is not None and detector.is_alive() else None
    return Window(
        {h.camera: h for h in supervisor.snapshots()},
        {cam: slot.seen for cam, slot in supervisor.slots.items()},
        proc_cpu_s(det_pid) if det_pid else 0.0,
        proc_cpu_s(server_pid) + sum(os.times()[:2]),
    )


def measure(supervisor: Supervisor, server_pid: int, mode: str, n: int, seconds: float, fps: float) -> Trial:
    """Frames, CPU, memory and latency over ``seconds`` once every camera is live."""
    deadline = time.monotonic() + 60 + 5 * n
    while time.monotonic() < deadline and not all(h.state == "live" for h in supervisor.snapshots()):
        time.sleep(0.5)
    first = window(supervisor, server_pid)
    time.sleep(seconds)
    last = window(supervisor, server_pid)
    detector = supervisor.detector.process if supervisor.detector is not None else None
    detector_peak = proc_peak_mb(detector.pid) if detector is not None and detector.pid and detector.is_alive() else 0.0
    latency = LatencyHistogram()
    expected, analysed, failed, events, cpu = 0.0, 0, 0, 0, last.detector_cpu - first.detector_cpu
    for cam, h in last.health.items():
        s = first.health[cam]
        if s.state != "live":  # never went live: every frame of the window is lost
            failed += 1
            expected += seconds * fps
            continue
        expected += (last.seen[cam] - first.seen[cam]) * fps
        analysed += (h.frames_analysed - s.frames_analysed) + (h.queue_depth - s.queue_depth)
        cpu += h.cpu_s - s.cpu_s
        events += h.events - s.events
        latency = latency.merged(h.latency)
    pids = [h.pid for h in last.health.values() if h.pid]
    if detector is not None and detector.pid and detector.is_alive():
        pids.append(detector.pid)
    pss = sum(proc_pss_mb(pid) for pid in pids) + proc_pss_mb(os.getpid())
    workers = [h.memory_mb for h in last.health.values() if h.memory_mb]
    peak = sum(workers) + detector_peak + resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_all = cpu + last.other_cpu - first.other_cpu
    worker_mb = max(workers, default=0.0)
    return Trial(
        mode, n, seconds, expected, analysed, failed, cpu, cpu_all, peak, latency, events, worker_mb, detector_peak, pss
    )


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def capacity(mode: str, counts: list[int], clip: Path, seconds: float, fps: float) -> Trial | None:
    """The largest count that lost under 1%, trying ``counts`` in order until one loses 1% or more."""
    best: Trial | None = None
    for n in counts:
        t = trial(mode, n, clip, seconds, fps)
        cam_s = n * t.seconds
        print(
            f"{t.mode:>6} {t.n:>3} {t.expected:>8.0f} {t.analysed:>8} {t.lost:>6.0f} {100 * t.lost_share:>6.2f} "
            f"{t.failed:>6} {t.cpu_cameras / cam_s:>11.3f} {t.cpu_all / cam_s:>15.3f} {t.peak_mb:>8.0f} "
            f"{t.worker_mb:>9.0f} {t.detector_mb:>7.0f} {t.pss_mb:>7.0f} "
            f"{t.events:>6} {ms(t.latency.quantile(0.5)):>10} {ms(t.latency.quantile(0.95)):>10}",
            flush=True,
        )
        if t.lost_share >= 0.01 or t.failed:
            break
        best = t
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="1,2,4,8,12,16,20,24,28,32", help="camera counts to try, in order")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per trial")
    parser.add_argument("--fps", type=float, default=5.0, help="analysis rate per camera")
    parser.add_argument("--modes", default="shared,own", help="shared (one detector process), own (one per camera)")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("shared", "own") for m in modes):
        raise SystemExit(f"--modes: give shared, own or both, not {args.modes!r}")
    cache = Path(tempfile.gettempdir()) / "camsight-bench"
    cache.mkdir(exist_ok=True)
    clip = busy_clip(CLIP, cache / "vtest-30s-720p25-minterpolate.mp4", seconds=CLIP_S)
    print(
        f"clip: {clip.name} 1280x720 25 fps (every frame new); analysed at {args.fps:g} fps; {os.cpu_count()} CPU cores"
    )
    print(
        f"{'mode':>6} {'N':>3} {'expected':>8} {'analysed':>8} {'lost':>6} {'lost %':>6} {'failed':>6} "
        f"{'CPU s/cam-s':>11} {'all CPU s/cam-s':>15} {'peak MB':>8} {'worker MB':>9} {'det MB':>7} {'PSS MB':>7} "
        f"{'events':>6} {'lat p50 ms':>10} {'lat p95 ms':>10}"
    )
    found = {mode: capacity(mode, counts, clip, args.seconds, args.fps) for mode in modes}
    for mode, best in found.items():
        if best is None:
            print(f"capacity ({mode}): fewer than the smallest count tried")
            continue
        print(
            f"capacity ({mode}): N = {best.n} cameras with {100 * best.lost_share:.2f}% of frames lost; "
            f"{best.cpu_cameras / (best.n * best.seconds):.3f} CPU s per camera-second; peak memory "
            f"{best.peak_mb:.0f} MB; alert latency p50 {ms(best.latency.quantile(0.5))} ms, "
            f"p95 {ms(best.latency.quantile(0.95))} ms over {best.latency.count} events"
        )
    best = found[modes[0]]
    if best is None:
        print("live: cameras=0 drop_pct=- cpu_per_cam_s=- peak_mb=- p50_ms=- p95_ms=-")
        return
    cpu_per_cam_s = best.cpu_cameras / (best.n * best.seconds)
    p50, p95 = ms(best.latency.quantile(0.5)), ms(best.latency.quantile(0.95))
    print(  # the fixed last line other data is run against
        f"live: cameras={best.n} drop_pct={100 * best.lost_share:.2f} cpu_per_cam_s={cpu_per_cam_s:.3f} "
        f"peak_mb={best.peak_mb:.0f} p50_ms={p50} p95_ms={p95}"
    )


if __name__ == "__main__":
    main()
