"""Text a person typed is printed as text: Rich markup in queries, names, file names and notes is inert.

camsight 0.1 crashed with a traceback on ``[/x]`` in any of them (and a stored query or note then crashed
those commands for good), and silently ate ``[bold]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "intel_people-detection_preview.mp4"
NAME = "in[/x]/clip [bold]b.mp4"
HOSTILE = "[/x] [bold]loud[/bold] [link=file:///etc/passwd]here[/link]"
CONFIG = """
cameras:
  - id: office
    zones:
      - name: room
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: room
        min_inside_s: 0.2
"""


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "400"},
    )


def shown(result: subprocess.CompletedProcess[str], *texts: str) -> None:
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out
    assert "MarkupError" not in out, out
    for text in texts:
        assert text in out, (text, out)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one analysed clip whose path is hostile: ``in[/x]/clip [bold]b.mp4``."""
    path = tmp_path_factory.mktemp("hostile")
    (path / "in[" / "x]").mkdir(parents=True)
    shutil.copy(CLIP, path / NAME)
    (path / "cfg.yaml").write_text(CONFIG)
    done = camsight("analyze", NAME, "--config", "cfg.yaml", "--db", "s.db", cwd=path)
    assert done.returncode == 0, done.stderr
    shown(done, "clip [bold]b.mp4")
    broken = camsight("analyze", "in[/x]/missing [bold].mp4", "--db", "s.db", cwd=path)
    assert broken.returncode == 2
    shown(broken, "in[/x]/missing [bold].mp4: no such file")
    return path


def test_a_search_with_markup_is_answered(folder: Path) -> None:
    result = camsight("search", f"person {HOSTILE}", "--db", "s.db", cwd=folder)
    assert result.returncode == 0, result.stderr
    shown(result, "query: object: person")
    audit = camsight("audit", "--db", "s.db", cwd=folder)
    assert audit.returncode == 0
    shown(audit, "[/x] [bold]loud")  # the audit table shows the text as typed


def test_a_config_file_name_with_markup_is_shown_as_is(folder: Path) -> None:
    (folder / "in[" / "x]" / "[bold]site.yaml").write_text(CONFIG)
    result = camsight("config", "check", "in[/x]/[bold]site.yaml", cwd=folder)
    assert result.returncode == 0
    shown(result, "ok: in[/x]/[bold]site.yaml")


def test_a_standing_query_with_markup_lists_and_shows(folder: Path) -> None:
    added = camsight("queries", "add", "loud-one", f"person in red {HOSTILE}", "--db", "s.db", cwd=folder)
    assert added.returncode == 0, added.stderr
    for args in (("queries", "list"), ("queries", "show", "loud-one")):
        result = camsight(*args, "--db", "s.db", cwd=folder)
        assert result.returncode == 0, result.stderr
        shown(result, HOSTILE)


def test_a_note_with_markup_is_kept_and_shown(folder: Path) -> None:
    listed = camsight("events", "--db", "s.db", "--json", cwd=folder)
    event = json.loads(listed.stdout.splitlines()[0])
    given = camsight("alerts", "feedback", event["id"][:10], "--false", "--note", HOSTILE, "--db", "s.db", cwd=folder)
    assert given.returncode == 0, given.stderr
    table = camsight("audit", "--db", "s.db", "--action", "alert.feedback", cwd=folder)
    shown(table, "[/x] [bold]loud")  # the table view prints it (folded), no crash
    audit = camsight("audit", "--db", "s.db", "--action", "alert.feedback", "--json", cwd=folder)
    assert json.loads(audit.stdout)["detail"]["note"] == HOSTILE
    events = camsight("events", "--db", "s.db", cwd=folder)
    shown(events, "clip [bold]b.mp4")


def test_an_error_message_with_markup_is_one_plain_line(folder: Path) -> None:
    result = camsight("queries", "show", "[/x]nothing", "--db", "s.db", cwd=folder)
    assert result.returncode == 2
    shown(result, "no standing query '[/x]nothing'")
