"""``camsight clip -o``, run as a process on an event found in a real clip: where a clip may be written.

The clip analysed is a copy in the test's folder, so a regression destroys that copy, not tests/data.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import av
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"  # a worker walks into the left bay at about 1.5 s
CONFIG = """
cameras:
  - id: floor
    zones:
      - {name: left-bay, polygon: [[0.0, 0.7], [0.35, 0.7], [0.35, 1.0], [0.0, 1.0]]}
    rules:
      - {kind: zone_intrusion, zone: left-bay}
"""


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A folder with ``floor.mp4`` analysed into ``x.db``, and the id of its one event."""
    folder = tmp_path_factory.mktemp("clip-output")
    (folder / "floor.mp4").write_bytes(CLIP.read_bytes())
    (folder / "cfg.yaml").write_text(CONFIG)
    done = camsight("analyze", "floor.mp4", "--config", "cfg.yaml", "--db", "x.db", cwd=folder)
    assert done.returncode == 0, done.stderr
    listed = camsight("events", "--db", "x.db", "--json", cwd=folder)
    (event,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert Path(event["source"]) == folder / "floor.mp4"
    return folder, str(event["id"])


def _refused(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("output", "extra"),
    [
        ("floor.mp4", ()),
        ("./floor.mp4", ("--force",)),
        ("../{folder}/floor.mp4", ("--no-blur", "--force")),
        ("{folder}/floor.mp4", ("--force",)),
    ],
)
def test_the_source_video_is_never_written_over(
    analysed: tuple[Path, str], output: str, extra: tuple[str, ...]
) -> None:
    folder, event_id = analysed
    before = _digest(folder / "floor.mp4")
    listing = sorted(folder.iterdir())
    output = output.format(folder=folder.name if output.startswith("..") else folder)
    result = camsight("clip", event_id[:8], "-o", output, "--db", "x.db", *extra, cwd=folder)
    _refused(result, "is the video the clip is cut from; choose another --output")
    assert _digest(folder / "floor.mp4") == before
    assert sorted(folder.iterdir()) == listing


def test_a_symlink_to_the_source_is_refused_too(analysed: tuple[Path, str], tmp_path: Path) -> None:
    folder, event_id = analysed
    (tmp_path / "alias.mp4").symlink_to(folder / "floor.mp4")
    before = _digest(folder / "floor.mp4")
    result = camsight("clip", event_id, "-o", str(tmp_path / "alias.mp4"), "--db", "x.db", "--force", cwd=folder)
    _refused(result, "cut from")
    assert _digest(folder / "floor.mp4") == before


def test_a_folder_a_wrong_suffix_and_an_existing_file(analysed: tuple[Path, str], tmp_path: Path) -> None:
    folder, event_id = analysed
    db = str(folder / "x.db")
    _refused(camsight("clip", event_id, "-o", "clip.avi", "--db", db, cwd=tmp_path), "give a file name ending in .mp4")
    _refused(camsight("clip", event_id, "-o", "clip", "--db", db, cwd=tmp_path), "or an existing folder")
    assert list(tmp_path.iterdir()) == []

    wrote = camsight("clip", event_id, "-o", ".", "--db", db, "--no-blur", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    clip = tmp_path / f"{event_id[:10]}.mp4"
    assert list(tmp_path.iterdir()) == [clip]
    assert stat.S_IMODE(clip.stat().st_mode) == 0o600
    with av.open(str(clip)) as container:
        assert sum(1 for _ in container.decode(video=0)) > 30

    before = _digest(clip)
    _refused(camsight("clip", event_id, "-o", ".", "--db", db, cwd=tmp_path), "already exists; choose another")
    assert _digest(clip) == before
    replaced = camsight("clip", event_id, "-o", clip.name, "--db", db, "--force", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert _digest(clip) != before  # re-encoded with heads blurred this time
    assert sorted(os.listdir(tmp_path)) == [clip.name]
