"""``camsight queries add --notify``: the URLs are stored, counted in every listing, and never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camsight.cli import app
from camsight.config import Config
from camsight.services import audit
from camsight.services.actor import os_actor
from camsight.store import open_store
from camsight.store.alerts_repo import get_standing_query

SRC = Path(__file__).resolve().parents[3] / "src"
SECRET = "hunter22"
URLS = [f"json://ops:{SECRET}@127.0.0.1:8080/hook", "ntfy://ntfy.sh/gate-topic-x7"]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "camsight.db")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_notify_urls_are_stored_and_only_counted_in_what_is_printed(db: str) -> None:
    code, added = run(
        "queries", "add", "vests", "person in an orange vest", "--db", db, "--notify", URLS[0], "--notify", URLS[1]
    )
    assert code == 0, added
    store = open_store(Config(), db)
    with store.engine.connect() as conn:
        row = get_standing_query(conn, ref="vests")
        entries = audit.entries(conn, actor=os_actor(), action="standing_query.add")
    assert row is not None
    assert row.notify == tuple(URLS)
    (entry,) = entries
    assert entry.detail["notify_urls"] == 2
    outputs = [added]
    for args in (
        ("list",),
        ("list", "--json"),
        ("show", "vests"),
        ("show", "vests", "--json"),
        ("history", "vests"),
        ("history", "vests", "--json"),
    ):
        code, out = run("queries", *args, "--db", db)
        assert code == 0, out
        outputs.append(out)
    code, out = run("audit", "--db", db)
    assert code == 0, out
    outputs.append(out + json.dumps(entry.detail))
    for out in outputs:
        assert SECRET not in out
        assert "127.0.0.1:8080" not in out
        assert "gate-topic-x7" not in out
    assert "2 URLs" in outputs[1]
    assert json.loads(outputs[2])["notify_urls"] == 2


def test_a_url_apprise_cannot_use_is_refused_in_one_line_and_nothing_is_stored(db: str, tmp_path: Path) -> None:
    args = [
        "queries",
        "add",
        "vests",
        "person in an orange vest",
        "--db",
        db,
        "--notify",
        URLS[1],
        "--notify",
        f"tgram://{SECRET}",
    ]
    env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: notification URL 2 of 2: tgram://… is not a notification URL Apprise can use; see "
        "https://github.com/caronc/apprise/wiki"
    ]
    assert SECRET not in done.stdout
    store = open_store(Config(), db)
    with store.engine.connect() as conn:
        assert get_standing_query(conn, ref="vests") is None
