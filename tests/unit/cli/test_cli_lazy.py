"""The command line loads only what the invoked command needs, and still lists every command.

Each check runs in a fresh interpreter (``sys.modules`` of this test process holds whatever other tests
imported), asks the real CLI for something, and reports which modules it had to import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from camsight.cli import COMMANDS, app

SRC = Path(__file__).resolve().parents[3] / "src"
PHOTO = Path(__file__).resolve().parents[2] / "data" / "photos" / "intel_one-by-one_t130s.jpg"
NOT_FOR_ANALYZE = (
    "mediapipe",  # pose: imported when a crop tall enough for it first comes
    "httpx",  # the live supervisor's model rollout, notifications
    "camsight.apps.edge",
    "camsight.cli.live",
    "camsight.cli.alerts",
    "camsight.cli.search",
    "camsight.search.engine",
    "camsight.services.feedback",
    "camsight.web",
    "camsight.api",
    "fastapi",
)


def imported_after(code: str, watch: tuple[str, ...]) -> tuple[list[str], str]:
    """Run ``code`` in a fresh interpreter; which of ``watch`` it imported, and what it printed."""
    report = f"print('MODULES=' + json.dumps([m for m in {list(watch)!r} if m in sys.modules]))"
    script = f"{code}\nimport json, sys\n{report}"
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES="))
    return json.loads(line.removeprefix("MODULES=")), done.stdout


def test_importing_the_cli_imports_no_command() -> None:
    watch = (*NOT_FOR_ANALYZE, "camsight.cli.analyze", "camsight.cli.common", "sqlalchemy", "camsight.sources.rtsp")
    found, _ = imported_after("import camsight.cli", watch)
    assert found == []


def test_analyze_help_loads_the_analyze_command_only() -> None:
    code = (
        "import sys\nfrom camsight.cli import main\nsys.argv = ['camsight', 'analyze', '--help']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code"
    )
    found, out = imported_after(code, (*NOT_FOR_ANALYZE, "camsight.cli.analyze"))
    assert found == ["camsight.cli.analyze"]
    for option in ("--camera", "--jobs", "--config", "--db", "--json"):
        assert option in out


def test_analyzing_a_real_photo_imports_nothing_another_command_needs(tmp_path: Path) -> None:
    """A whole analysis (a real photo with a person: detected, described, stored) stays off the others' modules."""
    code = (
        "import sys\nfrom camsight.cli import main\n"
        f"sys.argv = ['camsight', 'analyze', {str(PHOTO)!r}, '--db', {str(tmp_path / 'a.db')!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "import camsight.store as store\nfrom camsight.config import Config\n"
        f"s = store.open_store(Config(), {str(tmp_path / 'a.db')!r})\n"
        "import sqlalchemy as sa\n"
        "print('TRACKS=%d' % s.engine.connect().execute(sa.text('SELECT count(*) FROM tracks')).scalar_one())"
    )
    found, out = imported_after(code, tuple(m for m in NOT_FOR_ANALYZE if m != "mediapipe"))
    assert found == []
    assert "TRACKS=" in out
    assert "TRACKS=0" not in out  # the person was found and stored


def test_every_command_is_listed_and_loads() -> None:
    root = typer.main.get_command(app)
    assert list(root.commands) == list(COMMANDS)  # type: ignore[attr-defined]  # a click group
    for name in COMMANDS:
        command = root.get_command(None, name)  # type: ignore[attr-defined, arg-type]
        assert command is not None, name
        assert command.name == name
        assert command.help, name


def test_a_mistyped_command_is_still_suggested() -> None:
    result = CliRunner().invoke(app, ["analyse", "x.mp4"])
    assert result.exit_code == 2
    assert "Did you mean 'analyze'?" in result.output


# A KeyboardInterrupt where the analyze command's module would be imported: Ctrl-C in the first second of
# `camsight analyze`, now that the command's imports load after the command line has started.
INTERRUPTED_COMMAND_IMPORT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "camsight.cli.analyze":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["camsight", "analyze", "x.mp4"]
from camsight.__main__ import run
run()
"""


def test_ctrl_c_while_the_command_is_imported_exits_130_with_one_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_COMMAND_IMPORT],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == "interrupted"
