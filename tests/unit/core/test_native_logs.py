"""MediaPipe's start-up chatter is dropped from stderr; everything else written meanwhile still arrives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from camsight.core.native_logs import quiet_native_logs

DATA = Path(__file__).parents[2] / "data"
CHATTER = (
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    b"W0000 00:00:1796187517.596394    6666 inference_feedback_manager.cc:114] Feedback manager requires a model "
    b"with a single signature inference. Disabling support for feedback tensors.\n"
)


def test_the_chatter_is_dropped_and_the_rest_kept_in_order(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_native_logs():
        os.write(2, b"before\n" + CHATTER + b"E0000 a real error of the library\n")
        sys.stderr.write("from Python\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert err.replace("from Python\n", "") == "before\nE0000 a real error of the library\nafter\n"
    assert "from Python\n" in err


def test_a_block_inside_another_and_another_thread_lose_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    def other() -> None:
        os.write(2, b"another thread\n")

    with quiet_native_logs():
        with quiet_native_logs():
            os.write(2, CHATTER + b"inner\n")
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert capfd.readouterr().err == "inner\nanother thread\n"


def test_camsight_analyze_prints_no_mediapipe_chatter(tmp_path: Path) -> None:
    """A real fall: the man is tall enough for pose, so MediaPipe starts and would print its notices."""
    done = subprocess.run(
        [sys.executable, "-m", "camsight", "analyze", str(DATA / "gmdcsa24_s1_fall_14.mp4"), "--db", "a.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "no rules configured" in done.stderr  # camsight's own lines still come through
    for word in ("XNNPACK", "absl::InitializeLog", "inference_feedback_manager"):
        assert word not in done.stderr
    assert "person" in done.stdout or "tracks" in done.stdout
