"""``camsight analyze --jobs 2`` on two real clips: both analysed in parallel, both files' events stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from camsight.config import parse_config
from camsight.store import list_events, list_sources, open_store

DATA = Path(__file__).resolve().parents[1] / "data"
CLIPS = (DATA / "intel_worker-zone-detection_preview.mp4", DATA / "intel_people-detection_preview.mp4")
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
detector:
  threads: 1
"""


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_two_clips_analysed_as_two_jobs_store_both_files_events(tmp_path: Path) -> None:
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(RULES)
    db = str(tmp_path / "jobs.db")
    result = camsight(
        "analyze", *map(str, CLIPS), "--config", str(cfg), "--db", db, "--jobs", "2", "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert {Path(e["source"]).name for e in found} == {clip.name for clip in CLIPS}
    assert {e["kind"] for e in found} == {"zone_intrusion"}
    store = open_store(parse_config(RULES), db)
    with store.engine.connect() as conn:
        stored = list_events(conn)
        sources = list_sources(conn)
    assert {e.id for e in stored} == {e["id"] for e in found}
    assert sorted(Path(s.uri).name for s in sources) == sorted(clip.name for clip in CLIPS)
    assert {s.status for s in sources} == {"complete"}
