"""Bad input on the command line: one clear line, exit code 2, no traceback, nothing stored lost."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert fragment in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(
        camsight("analyze", str(tmp_path / "nope.mp4"), "--db", str(tmp_path / "x.db"), cwd=tmp_path), "no such file"
    )


def test_file_that_is_not_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("hello\n" * 50)
    assert_clean_failure(
        camsight("analyze", str(fake), "--db", str(tmp_path / "x.db"), cwd=tmp_path), "not a readable video"
    )


def test_malformed_config(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "cameras:\n  - id: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1, 1]]\n"
        "    rules:\n      - kind: crowd\n        min_people: -3\n        colour: red\n"
    )
    result = camsight("config", "check", str(cfg), cwd=tmp_path)
    assert_clean_failure(result, "3 problem(s)")
    assert "at least 3 points" in result.stderr
    assert "unknown key" in result.stderr
    assert "greater than or equal to 1" in result.stderr
    assert_clean_failure(camsight("analyze", str(CLIP), "--config", str(cfg), cwd=tmp_path), "problem(s)")


def test_missing_config(tmp_path: Path) -> None:
    assert_clean_failure(camsight("config", "check", str(tmp_path / "none.yaml"), cwd=tmp_path), "not found")


RULES = """
cameras:
  - id: floor
    zones:
      - name: floor
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: floor
        min_inside_s: 0.2
      - kind: loitering
        zone: floor
        min_dwell_s: 1
"""


def test_truncated_video_keeps_events(tmp_path: Path) -> None:
    """A clip cut at 60%: the events found before the break are stored, and the error says where it broke.

    The worker walks in the zone from the first frames: both rules fire well before the cut (about 2.8 s).
    """
    cut = tmp_path / "cut.mp4"
    data = CLIP.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    config = tmp_path / "rules.yaml"
    config.write_text(RULES)
    db = tmp_path / "x.db"
    result = camsight("analyze", str(cut), "--config", str(config), "--db", str(db), "--json", cwd=tmp_path)
    assert_clean_failure(result, "kept")
    assert "truncated" in result.stderr or "stopped" in result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert {e["kind"] for e in found} == {"zone_intrusion", "loitering"}
    listed = camsight("events", "--db", str(db), "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    stored = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {e["id"] for e in stored} == {e["id"] for e in found}
    assert all(e["status"] == "closed" and e["end_s"] < 3.0 for e in stored)


def test_bad_since(tmp_path: Path) -> None:
    assert_clean_failure(
        camsight("events", "--db", str(tmp_path / "x.db"), "--since", "yesterdayish", cwd=tmp_path), "--since"
    )


@pytest.mark.parametrize(("codec", "suffix"), [("mjpeg", ".avi"), ("libx265", ".mkv"), ("libx264", ".mkv")])
def test_other_codecs_and_containers_are_read(tmp_path: Path, codec: str, suffix: str) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is needed to make the test clips (scripts/install-system.sh installs it)")
    clip = tmp_path / f"clip{suffix}"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(CLIP), "-t", "1", "-c:v", codec, str(clip)], check=True)
    result = camsight("analyze", str(clip), "--db", str(tmp_path / "x.db"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "decoded" in result.stderr  # the summary table


def test_since_far_in_the_past_is_a_clear_error(tmp_path: Path) -> None:
    assert_clean_failure(
        camsight("events", "--db", str(tmp_path / "x.db"), "--since", "99999999d", cwd=tmp_path), "reaches back further"
    )


def test_a_broken_still_says_what_is_wrong_and_its_run_says_why(tmp_path: Path) -> None:
    photo = DATA / "photos" / "intel_worker-zone_f20.jpg"
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo.read_bytes()[:300])
    db = tmp_path / "x.db"
    result = camsight("analyze", str(broken), "--db", str(db), cwd=tmp_path)
    assert_clean_failure(result, "broken.jpg")
    listed = camsight("events", "--db", str(db), "--json", cwd=tmp_path)
    assert listed.returncode == 0
    from camsight.store import connect, list_sources

    with connect(str(db)).connect() as conn:
        sources = list_sources(conn)
    (source,) = sources
    assert source.status == "failed"
    assert "not a readable image" in str(source.error)  # a failed run says why
