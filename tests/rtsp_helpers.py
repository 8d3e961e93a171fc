"""Shared helpers for tests against a real RTSP server (tests/rtsp_server.py, run by the system python3).

:class:`RtspServer` runs the server in a subprocess; :func:`running` runs ``camsight run``'s
supervisor in a thread (its workers are real spawned processes). The ``gstreamer`` and ``servers``
fixtures are in tests/integration/conftest.py.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from camsight.apps.edge import Supervisor
from camsight.apps.health import CameraHealth
from camsight.config import Config
from camsight.store import open_store

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
DEMO = DATA / "intel_one-by-one-person-detection.mp4"  # 139.4 s, 10 fps, a keyframe every second
SYSTEM_PYTHON = "/usr/bin/python3"
GST_CHECK = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gstreamer_missing() -> str | None:
    """Why the RTSP server cannot run here (no gst-rtsp-server for the system python3), or None."""
    ok = (
        os.path.exists(SYSTEM_PYTHON)
        and subprocess.run([SYSTEM_PYTHON, "-c", GST_CHECK], capture_output=True).returncode == 0
    )
    return None if ok else "gst-rtsp-server for the system python3 is missing; run: bash scripts/install-system.sh"


class RtspServer:
    """tests/rtsp_server.py in a subprocess: start, stop, start again on the same port."""

    def __init__(self, mounts: dict[str, Path], *, user: str | None = None, password: str | None = None) -> None:
        self.mounts = mounts
        self.user, self.password = user, password
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> RtspServer:
        cmd = [SYSTEM_PYTHON, str(TESTS / "rtsp_server.py"), "--port", str(self.port)]
        cmd += [arg for name, path in self.mounts.items() for arg in ("--mount", f"{name}={path}")]
        if self.user:
            cmd += ["--user", self.user, "--password", self.password or ""]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"RTSP server did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def url(self, name: str, *, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/{name}"


@contextmanager
def running(config: Config, db: Path) -> Iterator[Supervisor]:
    """The supervisor of ``camsight run`` in a thread (its workers are real spawned processes)."""
    supervisor = Supervisor(config, paths=open_store(config, str(db)).paths)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
        thread.join(60)
        assert not thread.is_alive(), "the supervisor did not stop"


def health(supervisor: Supervisor) -> dict[str, CameraHealth]:
    return {h.camera: h for h in supervisor.snapshots()}


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for: {what}")


def live_config(cameras: list[dict[str, Any]], **live: Any) -> Config:
    return Config.model_validate(
        {
            "cameras": cameras,
            "detector": {"threads": 1},
            "recording": {"segment_s": 10},
            "live": {"backoff_initial_s": 0.5, "backoff_max_s": 2, "stall_timeout_s": 5, "metrics_port": 0, **live},
        }
    )
