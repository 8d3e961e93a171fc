"""Video and still sources on real clips, including broken ones made from them."""

from pathlib import Path

import av
import numpy as np
import pytest

from camsight.errors import SourceError
from camsight.sources import SourceSpec, StillImage, VideoFile, expand_paths

DATA = Path(__file__).resolve().parents[2] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"  # 480x270, 15 fps, 4.7 s


def test_reads_at_the_configured_rate() -> None:
    video = VideoFile(CLIP, camera="cam", fps=5)
    frames = list(video)
    assert video.stats.frames_decoded == 71
    assert 22 <= len(frames) <= 25  # 4.7 s at 5 fps
    times = [f.pts_s for f in frames]
    assert times == sorted(times)
    assert np.allclose(np.diff(times), 0.2, atol=0.07)
    assert frames[0].image.shape == (270, 480, 3)
    assert video.stats.problem is None
    assert frames[3].wall > frames[0].wall


def test_rate_above_native_yields_every_frame() -> None:
    video = VideoFile(CLIP, camera="cam", fps=30)
    assert len(list(video)) == video.stats.frames_decoded == 71


def test_missing_file() -> None:
    with pytest.raises(SourceError, match="file not found"):
        VideoFile(DATA / "nope.mp4", camera="c", fps=5)


def test_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 100)
    with pytest.raises(SourceError, match="not a readable video"):
        VideoFile(fake, camera="c", fps=5)


def test_truncated_video_keeps_what_decodes(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = CLIP.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    video = VideoFile(cut, camera="c", fps=5)
    frames = list(video)
    assert 3 <= len(frames) < 22
    assert video.stats.problem is not None
    assert "truncated" in video.stats.problem or "stopped" in video.stats.problem


def test_unsupported_codec(tmp_path: Path) -> None:
    remuxed = tmp_path / "clip.mkv"
    with av.open(str(CLIP)) as inp, av.open(str(remuxed), "w") as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    unknown = tmp_path / "unknown.mkv"
    unknown.write_bytes(remuxed.read_bytes().replace(b"V_MPEG4/ISO/AVC", b"V_QUUX0/ISO/AVC"))
    with pytest.raises(SourceError, match="unsupported video codec"):
        VideoFile(unknown, camera="c", fps=5)


def test_still_image_and_corrupt_image(tmp_path: Path) -> None:
    good = tmp_path / "a.jpg"
    frame = next(iter(VideoFile(CLIP, camera="c", fps=1)))
    import cv2

    cv2.imwrite(str(good), frame.image)
    still = StillImage(good, camera="c").read()
    assert still.image.shape == (270, 480, 3)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"\xff\xd8garbage")
    with pytest.raises(SourceError, match="not a readable image"):
        StillImage(bad, camera="c").read()


def test_expand_paths(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"")
    (tmp_path / "y.mp4").write_bytes(b"")
    (tmp_path / "readme.txt").write_text("")
    specs = expand_paths([tmp_path])
    assert [(s.path.name, s.kind) for s in specs] == [("x.jpg", "still"), ("y.mp4", "video")]
    assert expand_paths([CLIP]) == [SourceSpec(CLIP, "video")]
    with pytest.raises(SourceError, match="no such file"):
        expand_paths([tmp_path / "missing"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="nothing to analyse|no images or videos"):
        expand_paths([empty])
