"""Ctrl-C while ``camsight`` is still importing its command line: exit 130 with one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

# A KeyboardInterrupt raised where the import of the command line would run: what Ctrl-C does in the
# first second of a command, before ``main`` has installed its own handler.
INTERRUPTED_IMPORT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "camsight.cli":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
from camsight.__main__ import run
run()
"""


def test_ctrl_c_during_the_imports_exits_130_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 130
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "interrupted"


def test_the_command_runs_through_the_same_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "camsight", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "analyze" in result.stdout
