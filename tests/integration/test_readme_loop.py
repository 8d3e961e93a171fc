"""The README's 'whole loop' example runs as written and finds the six table visits."""

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code, "README has no python example"
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code.group(1), "README.md", "exec"), {})  # noqa: S102 - our own documented example
    finally:
        os.chdir(cwd)
    closed = [line for line in out.getvalue().splitlines() if line.startswith("loitering closed")]
    assert len(closed) == 6
