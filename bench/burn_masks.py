"""What ``recording.burn_masks`` costs: CPU seconds per recorded second, copying vs burning the masks in.

A real camera's clip (MEVA's parking lot, 896x504 at 30 fps: something moves in every frame) is played
in a loop and transcoded once to 1280x720 at 25 fps (H.264, a keyframe every 2 s, no B-frames, as IP
cameras send), ``--clip`` another. Its packets are then handed, as a live stream
hands them, to the copying recorder (``SegmentRecorder``: remux) and to the burning one
(``BurningRecorder``: decode, black out the masks, encode H.264), each writing 10 s segments and their
index rows to a store of its own, one after the other in the same run. The CPU time of this process
(every thread: FFmpeg's and x264's too) spent in each recorder, divided by the seconds of video
recorded, is the figure; each is the median of ``--repeat`` passes. Reading the packets is counted in
both; decoding for analysis is not (a camera decodes for that either way).

Usage: python bench/burn_masks.py [--seconds 30] [--repeat 3] [--clip FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av

from camsight.apps.burn_recorder import ENCODER_OPTIONS, BurningRecorder
from camsight.apps.recorder import SegmentRecorder
from camsight.store import connect, upgrade

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests/data/videos/meva_rvmot-a1c9.mp4"  # a real parking-lot camera, 30 fps: motion in every frame
MASKS = (
    [[0.55, 0.0], [1.0, 0.0], [1.0, 0.45], [0.6, 0.4]],  # the building and the far lot: about 20% of the picture
    [[0.0, 0.6], [0.2, 0.55], [0.25, 1.0], [0.0, 1.0]],  # the car at the lower left and whoever is at it
)
SEGMENT_S = 10.0


def _frames(src: Path, seconds: float) -> Iterator[tuple[float, av.VideoFrame]]:
    """``(time, frame)`` of ``src`` played in a loop for ``seconds``."""
    offset = 0.0
    while offset < seconds:
        t = 0.0
        with av.open(str(src)) as inp:
            for frame in inp.decode(video=0):
                t = float(frame.time or 0.0)
                if offset + t >= seconds:
                    return
                yield offset + t, frame
        offset += t + 1 / 30


def transcode(src: Path, dst: Path, seconds: float) -> Path:
    """``seconds`` of ``src`` (looped) at 1280x720, 25 fps, H.264 with a keyframe every 2 s and no B-frames."""
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"g": "50", "bf": "0", "preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        n = 0
        for t, frame in _frames(src, seconds):
            image = frame.reformat(width=1280, height=720, format="yuv420p")
            while n / 25 <= t + 1e-6:  # the source frame shown at each 25 fps tick
                image.pts, image.time_base = n, Fraction(1, 25)
                out.mux(stream.encode(image))
                n += 1
        out.mux(stream.encode(None))
    tmp.rename(dst)
    return dst


def record(clip: Path, folder: Path, *, burn: bool) -> tuple[float, float]:
    """Feed the clip's packets to a recorder; returns (CPU seconds, seconds of video recorded)."""
    engine = connect(str(folder / "cs.db"))
    upgrade(engine, site="bench")
    if burn:
        recorder: SegmentRecorder = BurningRecorder(engine, folder / "rec", "cam", segment_s=SEGMENT_S, masks=MASKS)
    else:
        recorder = SegmentRecorder(engine, folder / "rec", "cam", segment_s=SEGMENT_S)
    origin = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
    last = 0.0
    cpu = time.process_time()
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        recorder.start(stream)
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            last = float(packet.pts * stream.time_base)
            recorder.write(packet, origin + last)
        recorder.end()
    spent = time.process_time() - cpu
    engine.dispose()
    if recorder.problem:
        raise SystemExit(f"recording failed: {recorder.problem}")
    return spent, last + 1 / 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of 720p video recorded per pass")
    parser.add_argument("--repeat", type=int, default=3, help="passes per mode (the median is printed)")
    parser.add_argument("--clip", type=Path, default=CLIP, help="the video to record (looped, made 720p 25 fps)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="camsight-burn-") as tmp:
        work = Path(tmp)
        clip = transcode(args.clip, work / f"stream-720p-{args.seconds:g}s.mp4", args.seconds)
        per_s: dict[str, list[float]] = {"copy": [], "burn": []}
        for k in range(args.repeat):
            for mode in per_s:
                folder = work / f"{mode}-{k}"
                folder.mkdir()
                spent, recorded = record(clip, folder, burn=mode == "burn")
                per_s[mode].append(spent / recorded)
    copy, burn = (statistics.median(per_s[m]) for m in ("copy", "burn"))
    print(f"clip: {args.clip.name} as 1280x720 25 fps, {args.seconds:g} s per pass, {args.repeat} pass(es) per mode")
    print(f"masks: {len(MASKS)}; libx264 {ENCODER_OPTIONS}; {os.cpu_count()} CPU core(s)")
    print(f"copy: {copy:.4f} CPU s per recorded s")
    print(f"burn: {burn:.3f} CPU s per recorded s ({burn / copy:.0f}x the copy; +{burn - copy:.2f} CPU s per s)")


if __name__ == "__main__":
    main()
