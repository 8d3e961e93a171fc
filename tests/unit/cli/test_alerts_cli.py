"""``camsight alerts list --suppressed``, ``alerts release`` and ``rules suggestions``: held alerts and previews.

A real store (SQLite) with alerts a suppression held back; user-supplied names are printed as text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camsight.cli import app
from camsight.config import Config
from camsight.events.alerts import Held
from camsight.events.models import ZoneIntrusionEvent
from camsight.events.suppress import Placement, Suppression
from camsight.services import audit
from camsight.services.actor import os_actor
from camsight.store import open_store, upsert_events
from camsight.store.alerts_repo import add_suppression_of, set_feedback
from camsight.store.held_repo import store_held, store_subjects
from camsight.transport.outbox import take

SRC = Path(__file__).resolve().parents[3] / "src"
T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
RULE = "[bold]door[/bold]"  # markup in a name must be printed as it is


def intrusion(n: int) -> ZoneIntrusionEvent:
    return ZoneIntrusionEvent(
        site="test", id=f"alert{n:04d}", rule=RULE, camera="cam1", source="clip.mp4", source_id="src", zone="door",
        track_ids=(n,), start_s=n, end_s=n, started_at=T0, score=0.8, status="closed", object_class="person",
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "camsight.db")
    store = open_store(Config(), path)
    region = Suppression(0, RULE, "cam1", "door", ((0, 0), (1, 0), (1, 1), (0, 1)), "person", enabled=False)
    with store.engine.begin() as conn:
        sid = add_suppression_of(conn, region=region, reason="a reflection", now=T0)
        judged = [intrusion(k) for k in range(1, 4)]
        upsert_events(conn, events=judged, source_id="src", run_id="r")
        store_subjects(conn, subjects={e.id: Placement(0.5, 0.5, "person", w=0.1, h=0.3) for e in judged})
        for e in judged:
            set_feedback(conn, event_id=e.id, verdict="false", now=T0)
        store_held(conn, held=[Held(intrusion(9), sid)], source_id="src", run_id="r", now=T0)
    store.engine.dispose()
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_held_alerts_are_listed_and_released(db: str) -> None:
    code, out = run("alerts", "list", "--suppressed", "--db", db)
    assert code == 0, out
    assert "1 alert(s) held back by suppressions" in out
    assert RULE in out
    assert "suppressed" in out
    code, out = run("alerts", "list", "--suppressed", "--by", "1", "--json", "--db", db)
    assert [(a["id"], a["held_by"], a["held"]) for a in map(json.loads, out.splitlines())] == [
        ("alert0009", 1, "suppressed")
    ]
    code, out = run("alerts", "release", "alert0009", "--db", db)
    assert (code, out.strip()) == (0, "alert alert0009 released (held back by suppression 1)")
    code, out = run("alerts", "list", "--json", "--db", db)
    assert "alert0009" in {json.loads(line)["id"] for line in out.splitlines()}
    store = open_store(Config(), db)
    with store.engine.connect() as conn:
        (entry,) = audit.entries(conn, actor=os_actor(), action="alert.release")
    assert entry.detail == {"event_id": "alert0009", "suppression_id": 1, "site": "test"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alerts", "release", "nothing"), "no held alert (or several) matches 'nothing'"),
        (("alerts", "list", "--by", "1"), "--by needs --suppressed"),
        (("rules", "suppress", "99"), "no suppression with id 99"),
    ],
)
def test_bad_input_gets_one_clear_line(db: str, args: tuple[str, ...], message: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "camsight", *args, "--db", db], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_suggestions_are_previewed(db: str) -> None:
    code, out = run("rules", "suggestions", "--json", "--db", db)
    assert code == 0, out
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert rows[1]["preview"] == "would have suppressed 3 of 3 false alarms and 0 of 0 confirmed"
    assert not any(r["kind"] == "place" for k, r in rows.items() if k != 1)  # the stored one covers them
    assert rows[1]["enabled"] is False
    code, out = run("rules", "suppress", "1", "--db", db)
    assert code == 0, out
    assert "enabled" in out
    assert "held since enabled" in out


def test_an_edge_with_a_hub_sends_a_released_alert_on_through_its_outbox(db: str, tmp_path: Path) -> None:
    config = tmp_path / "edge.yaml"
    config.write_text("site: north\nhub:\n  mqtt: mqtt://127.0.0.1:1\n", encoding="utf-8")
    code, out = run("outbox", "--db", db, "--json", "--config", str(config))
    assert (code, json.loads(out)["pending"]) == (0, 0), out
    code, out = run("alerts", "release", "alert0009", "--db", db, "--config", str(config))
    assert code == 0, out
    code, out = run("outbox", "--db", db, "--json", "--config", str(config))
    assert json.loads(out)["pending"] == 1, out
    store = open_store(Config(), db)
    with store.engine.connect() as conn:
        (row,) = take(conn, after_id=0, limit=10)
    store.engine.dispose()
    assert json.loads(row.payload)["id"] == "alert0009"
    assert "/events/" in row.topic
