"""``camsight search``: the parsed query first, then the hits as a table or JSON lines; bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camsight.cli import app
from camsight.core.records import Appearance, TrackRecord
from camsight.search.index_writer import store_tracks
from camsight.store import connect, upgrade, upsert_camera, upsert_tracks

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from datetime import UTC, datetime, timedelta

    path = tmp_path / "camsight.db"
    engine = connect(str(path))
    upgrade(engine, site="test")
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    records = [
        TrackRecord(
            site="test",
            id=f"s:{n}",
            camera="gate",
            source="/footage/gate.mp4",
            source_id="s",
            tracker_id=n,
            object_class="person",
            start_s=10.0 * n,
            end_s=10.0 * n + 4,
            started_at=t0 + timedelta(minutes=n),
            ended_at=t0 + timedelta(minutes=n, seconds=4),
            frames=20,
            confidence=0.8,
            thumbnail=f"gate/s/track-{n}.jpg",
            appearance=Appearance(upper={colour: 0.8}),
        )
        for n, colour in enumerate(("grey", "red", "black"), start=1)
    ]
    with engine.begin() as conn:
        upsert_tracks(conn, records=records, run_id="r1")
        store_tracks(conn, records)
        upsert_camera(conn, camera_id="gate", source=None, site="test")
    engine.dispose()
    return path


def test_json_results_come_after_the_query_shown_on_stderr(db: Path) -> None:
    result = CliRunner().invoke(app, ["search", "woman in a crimson jacket", "--db", str(db), "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "query: object: person; upper body: red; garment: jacket; not used: woman (gender)" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2
    first = rows[0]
    assert {k: first[k] for k in ("rank", "track_id", "source", "start_s", "end_s", "camera")} == {
        "rank": 1,
        "track_id": "s:2",
        "source": "/footage/gate.mp4",
        "start_s": 20.0,
        "end_s": 24.0,
        "camera": "gate",
    }
    assert first["score"] > rows[1]["score"]
    assert first["thumbnail"] == str(db.parent / "camsight-media" / "gate" / "s" / "track-2.jpg")
    assert first["evidence"][0] == "upper body: red 0.80"


def test_table_shows_rank_score_source_time_object_evidence_thumbnail(db: Path) -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(
        app, ["search", "person in black", "--db", str(db), "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("query: object: person; colour: black") < out.index("results 1-1")
    for fragment in ("gate.mp4", "@ 30.0-34.0 s", "person", "colour: black 0.80", "track-3.jpg", "0.9"):
        assert fragment in out
    assert "more results: --offset 1" in result.stderr


def test_options_narrow_the_search(db: Path) -> None:
    result = CliRunner().invoke(app, ["search", "person", "--db", str(db), "--json", "--camera", "gate"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3
    assert "camera: gate" in result.stderr


def test_an_unknown_camera_is_refused_with_the_closest_names(db: Path) -> None:
    result = CliRunner().invoke(app, ["search", "person", "--db", str(db), "--camera", "gat"])
    assert result.exit_code != 0
    assert "unknown camera 'gat'; did you mean 'gate'?" in str(result.exception)


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_CACHE": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty query"),
        ("'; DROP TABLE tracks; --", "nothing to search for"),
        ("red car between 15:00 and 14:00", "ends before it starts"),
    ],
)
def test_bad_queries_exit_2_with_one_line(db: Path, text: str, message: str) -> None:
    result = camsight("search", text, "--db", str(db), cwd=db.parent)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    engine = connect(str(db))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one() == 3
