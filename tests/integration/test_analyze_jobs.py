"""``camsight analyze --jobs 2`` on two real clips: both analysed in parallel, both files' events stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from camsight.apps.jobs import Job, run_jobs
from camsight.config import parse_config
from camsight.sources import expand_paths
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


@pytest.mark.parametrize("detector", [[], ["--shared-detector"]], ids=["a model each", "shared detector"])
def test_two_clips_analysed_as_two_jobs_store_both_files_events(tmp_path: Path, detector: list[str]) -> None:
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(RULES)
    db = str(tmp_path / "jobs.db")
    args = ["analyze", *map(str, CLIPS), "--config", str(cfg), "--db", db, "--jobs", "2", "--json", *detector]
    result = camsight(*args, cwd=tmp_path)
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


def analyse_as_jobs(tmp_path: Path, name: str, *, shared_detector: bool) -> set[tuple[str, str, float]]:
    """The two clips as two jobs; the events stored, as (file, kind, start second)."""
    config = parse_config(RULES)
    db = str(tmp_path / f"{name}.db")
    open_store(config, db)  # made (migrated) once, as the command does before its jobs start
    jobs = [Job(i, spec, config.cameras[0]) for i, spec in enumerate(expand_paths(list(CLIPS)))]
    done = list(run_jobs(jobs, config, db, workers=2, tick=lambda *_: None, shared_detector=shared_detector))
    assert [d.problem for d in done] == [None, None]
    with open_store(config, db).engine.connect() as conn:
        return {(Path(e.source).name, e.kind, round(e.start_s, 1)) for e in list_events(conn)}


def test_jobs_on_the_shared_detector_store_what_jobs_with_a_model_each_store(tmp_path: Path) -> None:
    own = analyse_as_jobs(tmp_path, "own", shared_detector=False)
    shared = analyse_as_jobs(tmp_path, "shared", shared_detector=True)
    assert {file for file, _, _ in own} == {clip.name for clip in CLIPS}
    assert shared == own
